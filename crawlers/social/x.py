"""X (Twitter) API v2 recent search, with the operator's bearer token.

``GET /2/tweets/search/recent?query=…&tweet.fields=…&expansions=author_id&user.fields=username``
answers ``{"data": [tweet…], "includes": {"users": [{"id", "username"}…]}, "meta": {"newest_id",
"oldest_id", "result_count", "next_token"?}, "errors"?: […]}``, newest first and from the last
seven days only. ``since_id`` asks for tweets newer than an id (ids are ordered numbers), and
``next_token`` pages back in time. A tweet has ``id``, ``text``, ``created_at``, ``author_id``,
``lang``, ``conversation_id``, ``referenced_tweets`` and ``public_metrics`` (``like_count``,
``retweet_count``, ``quote_count``, ``reply_count``, ``impression_count``). A retweet repeats
another tweet and is skipped. A tweet deleted since it was referenced comes back as an ``errors``
entry of type ``…/problems/resource-not-found`` next to the data (for ``author_id``: the author's
account is gone, and so are its tweets): it is counted as deleted, not read.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from crawlers.items import Post
from crawlers.social import Page, Unreadable, load_json, metric, moment
from pantau.article import Engagement

PLATFORM = "x"
FIELDS = "created_at,public_metrics,author_id,lang,conversation_id,referenced_tweets"
LIMIT = 100  # the largest page recent search allows
NOT_FOUND = "resource-not-found"


def target(url: str) -> str:
    """The search query from ``https://x.com/search?q=<query>`` (twitter.com works too)."""
    query = parse_qs(urlsplit(url).query).get("q", [""])[0].strip()
    if not query:
        raise ValueError(f"not an X search address: {url!r} (expected https://x.com/search?q=<query>)")
    return query


def search_url(base: str, query: str, since_id: str = "", next_token: str = "") -> str:
    params = {"query": query, "tweet.fields": FIELDS, "expansions": "author_id", "user.fields": "username",
              "max_results": str(LIMIT)}
    if since_id:
        params["since_id"] = since_id
    if next_token:
        params["next_token"] = next_token
    return f"{base}tweets/search/recent?{urlencode(params, quote_via=quote, safe=',')}"


def parse(body: bytes) -> Page:
    """One page of recent search: tweets newest first, ``older`` the ``next_token``."""
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("meta", {}), dict) \
            or not isinstance(data.get("data", []), list) or not ("data" in data or "meta" in data):
        raise Unreadable(f"expected a recent-search answer with data and meta, found {str(data)[:80]}")
    page = Page()
    meta: dict[str, Any] = data.get("meta") or {}
    token = meta.get("next_token")
    page.older = token if isinstance(token, str) else ""
    gone_authors: set[str] = set()
    for problem in data.get("errors") or []:
        kind = str(problem.get("type", "")) if isinstance(problem, dict) else ""
        page.drop(f"{PLATFORM}_deleted" if kind.endswith(NOT_FOUND) else f"{PLATFORM}_unavailable")
        if isinstance(problem, dict) and problem.get("parameter") == "author_id":
            gone_authors.add(str(problem.get("resource_id") or problem.get("value") or ""))
    users = {}
    includes = data.get("includes") if isinstance(data.get("includes"), dict) else {}
    for user in (includes or {}).get("users") or []:
        if isinstance(user, dict) and isinstance(user.get("id"), str) and isinstance(user.get("username"), str):
            users[user["id"]] = user["username"]
    for tweet in data.get("data") or []:
        if not isinstance(tweet, dict) or not isinstance(tweet.get("id"), str) or not tweet["id"].isdigit():
            page.malformed.append(f"not a tweet: {str(tweet)[:80]}")
            continue
        tid = tweet["id"]
        refs = tweet.get("referenced_tweets") if isinstance(tweet.get("referenced_tweets"), list) else []
        if any(isinstance(r, dict) and r.get("type") == "retweeted" for r in refs or []):
            continue
        if str(tweet.get("author_id", "")) in gone_authors:
            continue  # its account is deleted or suspended: counted above with the error entry
        published = moment(tweet.get("created_at"))
        if published is None:
            page.malformed.append(f"tweet {tid}: created_at {tweet.get('created_at')!r} is no time")
            continue
        text = str(tweet.get("text") or "").strip()
        if not text:
            page.malformed.append(f"tweet {tid}: no text")
            continue
        username = users.get(str(tweet.get("author_id", "")), "")
        metrics = tweet.get("public_metrics") if isinstance(tweet.get("public_metrics"), dict) else {}
        reposts, quotes = metric(metrics or {}, "retweet_count"), metric(metrics or {}, "quote_count")
        page.posts.append(Post(
            platform=PLATFORM,
            post_id=tid,
            url=f"https://x.com/{username}/status/{tid}" if username else f"https://x.com/i/web/status/{tid}",
            text=text,
            published=published,
            author="@" + username if username else "",
            engagement=Engagement(
                likes=metric(metrics or {}, "like_count"),
                reposts=None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0),
                replies=metric(metrics or {}, "reply_count"),
                views=metric(metrics or {}, "impression_count"),
            ),
        ))
    return page


def since_id_refused(body: bytes) -> bool:
    """Whether a 400 says the ``since_id`` is too old (``errors[].parameters.since_id``, as X answers
    "'since_id' must be a tweet id created after ...")."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    errors = data.get("errors") if isinstance(data, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and (
                "since_id" in (error.get("parameters") or {}) or "since_id" in str(error.get("message", ""))):
            return True
    return False
