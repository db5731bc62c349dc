"""Bluesky through its public AppView (``https://public.api.bsky.app/xrpc/``), no token.

``app.bsky.feed.searchPosts?q=<query>&sort=latest`` answers ``{"posts": [postView…], "cursor"}``
and ``app.bsky.feed.getAuthorFeed?actor=<handle>`` answers ``{"feed": [{"post", "reason"?,
"reply"?}…], "cursor"}``, both newest first; the opaque top-level ``cursor`` names the next (older)
page and is absent on the last. A postView has ``uri`` (``at://<did>/app.bsky.feed.post/<rkey>``),
``cid``, ``author.handle``, ``record.text``, ``record.createdAt``, ``indexedAt`` and the counts
``likeCount``, ``repostCount``, ``replyCount`` and ``quoteCount``. A feed item whose ``reason`` is
``app.bsky.feed.defs#reasonRepost`` repeats someone else's post and is skipped (it is read where it
was posted); ``#reasonPin`` marks the author's pinned post, repeated on top whatever its age. The
public link is ``https://bsky.app/profile/<handle>/post/<rkey>``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from crawlers.items import Post
from crawlers.social import Page, Unreadable, load_json, metric, moment
from pantau.article import Engagement

PLATFORM = "bluesky"
REPOST = "app.bsky.feed.defs#reasonRepost"
PIN = "app.bsky.feed.defs#reasonPin"
LIMIT = 100  # the API's largest page


def target(url: str) -> tuple[str, str]:
    """``("search", query)`` or ``("author", handle)`` from the address an operator copies from bsky.app:
    ``https://bsky.app/search?q=samarinda`` or ``https://bsky.app/profile/humaskaltim.bsky.social``."""
    parts = urlsplit(url)
    query = parse_qs(parts.query).get("q", [""])[0].strip()
    if parts.path.rstrip("/").endswith("/search") and query:
        return "search", query
    _, sep, tail = parts.path.partition("/profile/")
    handle = tail.strip("/").split("/")[0]
    if sep and handle:
        return "author", handle
    raise ValueError(f"not a Bluesky search or profile address: {url!r} "
                     "(expected https://bsky.app/search?q=<query> or https://bsky.app/profile/<handle>)")


def search_url(base: str, query: str, since: str = "", cursor: str = "") -> str:
    params = {"q": query, "sort": "latest", "limit": str(LIMIT)}
    if since:
        params["since"] = since
    if cursor:
        params["cursor"] = cursor
    return f"{base}app.bsky.feed.searchPosts?{urlencode(params, quote_via=quote, safe=':')}"


def author_url(base: str, handle: str, cursor: str = "") -> str:
    params = {"actor": handle, "limit": str(LIMIT)}
    if cursor:
        params["cursor"] = cursor
    return f"{base}app.bsky.feed.getAuthorFeed?{urlencode(params, quote_via=quote)}"


def _post(view: Any, page: Page) -> Post | None:
    if not isinstance(view, dict):
        page.malformed.append(f"not a post: {str(view)[:80]}")
        return None
    if view.get("notFound") or view.get("blocked"):
        page.drop(f"{PLATFORM}_deleted")
        return None
    uri = view.get("uri")
    if not isinstance(uri, str) or "/app.bsky.feed.post/" not in uri:
        page.malformed.append(f"post without an at:// uri: {str(uri)[:80]}")
        return None
    rkey = uri.rsplit("/", 1)[1]
    author = view.get("author") if isinstance(view.get("author"), dict) else {}
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    handle = str((author or {}).get("handle") or "")
    if not handle or not rkey:
        page.malformed.append(f"post {uri}: no author handle")
        return None
    # createdAt is whatever the posting client says; indexedAt is when the AppView saw the post. A post
    # can claim a time after it was indexed (a forged or wrong clock, "2099-..."), and taking that
    # would move the cursor into the future and hide every later post: the earlier of the two counts.
    created, indexed = moment((record or {}).get("createdAt")), moment(view.get("indexedAt"))
    published = min(created, indexed) if created is not None and indexed is not None else created or indexed
    if published is None:
        page.malformed.append(f"post {uri}: createdAt {(record or {}).get('createdAt')!r} is no time")
        return None
    text = str((record or {}).get("text") or "").strip()
    if not text:
        return None  # an image or a quote without words: nothing to read
    return Post(
        platform=PLATFORM,
        post_id=rkey,
        url=f"https://bsky.app/profile/{handle}/post/{rkey}",
        text=text,
        published=published,
        author="@" + handle,
        engagement=Engagement(
            likes=metric(view, "likeCount"),
            reposts=_sum(metric(view, "repostCount"), metric(view, "quoteCount")),
            replies=metric(view, "replyCount"),
        ),
    )


def _sum(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def error_reason(body: bytes) -> str:
    """What an XRPC error answer (``{"error": "...", "message": "..."}``, HTTP 400) means: ``gone`` for an
    account that is not found, deactivated or taken down; ``""`` otherwise."""
    try:
        data = load_json(body)
    except Unreadable:
        return ""
    if not isinstance(data, dict):
        return ""
    error, message = str(data.get("error") or ""), str(data.get("message") or "").lower()
    if error in ("AccountTakedown", "AccountDeactivated", "ActorNotFound") or "not found" in message:
        return "gone"
    return ""


def _body(body: bytes, key: str) -> tuple[list[Any], str]:
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise Unreadable(f"expected an object with a {key!r} array, found {str(data)[:80]}")
    cursor = data.get("cursor")
    return data[key], cursor if isinstance(cursor, str) else ""


def parse_search(body: bytes) -> Page:
    """One page of ``searchPosts``: posts newest first, ``older`` the cursor of the next page."""
    views, cursor = _body(body, "posts")
    page = Page(older=cursor)
    for view in views:
        post = _post(view, page)
        if post is not None:
            page.posts.append(post)
    return page


def parse_author_feed(body: bytes) -> Page:
    """One page of ``getAuthorFeed`` without reposts and without the pinned post on top (it is read in
    its place in the feed; on top, its age would end the paging early)."""
    items, cursor = _body(body, "feed")
    page = Page(older=cursor)
    for item in items:
        if not isinstance(item, dict):
            page.malformed.append(f"not a feed item: {str(item)[:80]}")
            continue
        reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
        if (reason or {}).get("$type") in (REPOST, PIN):
            continue
        post = _post(item.get("post"), page)
        if post is not None:
            page.posts.append(post)
    return page
