"""Mastodon's public REST API: hashtag timelines and an account's statuses, no token.

``GET /api/v1/timelines/tag/<tag>`` and ``GET /api/v1/accounts/<id>/statuses`` (the id from
``GET /api/v1/accounts/lookup?acct=<name>``) answer a JSON array of Status objects, newest
first. Paging follows the ``Link`` header: ``rel="next"`` (``max_id``) goes back in time,
``rel="prev"`` (``min_id``) forward. A Status's ``content`` is HTML; ``account.acct`` is the
public handle (``name`` on its own instance, ``name@domain`` elsewhere); the counts are
``favourites_count``, ``reblogs_count`` and ``replies_count``. A boost (``reblog`` set) repeats
another post and is skipped; the original is read where it was posted.

A reply names the status it answers by id (``in_reply_to_id``, ``in_reply_to_account_id``); its
public address is known when that status is on the same page, or when it belongs to an account of
this instance that the reply names (the poster itself in a thread, or a mention), whose statuses
live at ``<account url>/<id>``. A quote-post (Mastodon 4.5, ``quote.quoted_status``) keeps its own
text and links to the quoted status's address.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from parsel import Selector

from crawlers.items import Post
from crawlers.social import Page, Unreadable
from crawlers.social.telegram import text_of
from pantau.article import Engagement

PLATFORM = "mastodon"
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')


def target(url: str) -> tuple[str, str, str]:
    """``(instance base, "tag" | "account", name)`` from the public address an operator copies:
    ``https://mastodon.social/tags/samarinda`` or ``https://mastodon.social/@humaskaltim``."""
    for marker, kind in (("/tags/", "tag"), ("/@", "account")):
        head, sep, tail = url.partition(marker)
        if sep and tail.strip("/"):
            return head.rstrip("/"), kind, tail.strip("/").split("/")[0]
    raise ValueError(f"not a Mastodon hashtag or account address: {url!r} "
                     "(expected https://instance/tags/<tag> or https://instance/@<account>)")


def tag_url(base: str, tag: str, limit: int) -> str:
    return f"{base}/api/v1/timelines/tag/{quote(tag)}?limit={limit}"


def lookup_url(base: str, acct: str) -> str:
    return f"{base}/api/v1/accounts/lookup?acct={quote(acct)}"


def statuses_url(base: str, account_id: str, limit: int) -> str:
    return f"{base}/api/v1/accounts/{quote(account_id)}/statuses?exclude_reblogs=true&limit={limit}"


def links(header: str) -> dict[str, str]:
    """The ``Link`` header's targets by relation (``next``, ``prev``)."""
    return {rel: href for href, rel in _LINK.findall(header or "")}


def account_id(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Unreadable(f"account lookup is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str | int):
        raise Unreadable("account lookup has no id")
    return str(data["id"])


def html_text(content: str) -> str:
    """A status's HTML as plain text: paragraphs and ``<br>`` become line breaks."""
    if not content.strip():
        return ""
    marked = re.sub(r"(?i)</p\s*>", "</p><br>", content)
    return text_of(Selector(text=f"<div>{marked}</div>").css("div")[0])


def _handle(account: dict[str, Any], instance: str) -> str:
    acct = str(account.get("acct") or account.get("username") or "")
    if not acct:
        return ""
    return "@" + (acct if "@" in acct else f"{acct}@{instance}")


def _count(status: dict[str, Any], key: str) -> int | None:
    value = status.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _reply_url(status: dict[str, Any], known: dict[str, str], base_url: str) -> str:
    """The public address of the status this one answers, where it can be known without a request."""
    parent = status.get("in_reply_to_id")
    if not isinstance(parent, str | int) or not str(parent):
        return ""
    parent = str(parent)
    if parent in known:
        return known[parent]
    who = str(status.get("in_reply_to_account_id") or "")
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    mentions = [m for m in status.get("mentions") or [] if isinstance(m, dict)]
    for person in [account or {}, *mentions]:
        url = str(person.get("url") or "")
        # Only an account of this instance keeps its statuses at <account url>/<local id>.
        if str(person.get("id") or "") == who and "@" not in str(person.get("acct") or "@") and (
                url.startswith(base_url.rstrip("/") + "/@")):
            return f"{url.rstrip('/')}/{parent}"
    return ""


def _quote_url(status: dict[str, Any]) -> str:
    quote_ = status.get("quote")
    quoted = quote_.get("quoted_status") if isinstance(quote_, dict) else None
    if not isinstance(quoted, dict):
        return ""
    url = quoted.get("url") or quoted.get("uri")
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


def parse(body: bytes, base_url: str) -> Page:
    """Posts of one page of statuses, newest first as the API returns them."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Unreadable(f"not JSON: {exc}") from None
    if not isinstance(data, list):
        raise Unreadable(f"expected a JSON array of statuses, found {type(data).__name__}")
    instance = urlsplit(base_url).netloc
    page = Page()
    known = {str(s["id"]): str(s.get("url") or s.get("uri")) for s in data
             if isinstance(s, dict) and isinstance(s.get("id"), str) and (s.get("url") or s.get("uri"))}
    for status in data:
        if not isinstance(status, dict) or not isinstance(status.get("id"), str):
            page.malformed.append(f"not a status: {str(status)[:80]}")
            continue
        sid = status["id"]
        if status.get("reblog"):
            continue
        account = status.get("account") if isinstance(status.get("account"), dict) else {}
        try:
            published = datetime.fromisoformat(str(status.get("created_at", "")).replace("Z", "+00:00"))
        except ValueError:
            page.malformed.append(f"status {sid}: created_at {status.get('created_at')!r} is no time")
            continue
        if published.tzinfo is None:
            page.malformed.append(f"status {sid}: created_at without offset")
            continue
        text = html_text(str(status.get("content") or ""))
        spoiler = str(status.get("spoiler_text") or "").strip()
        if spoiler:
            text = f"{spoiler}\n{text}".strip()
        if not text:
            continue  # media without a caption
        url = status.get("url") or status.get("uri")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            page.malformed.append(f"status {sid}: no public url")
            continue
        page.posts.append(Post(
            platform=PLATFORM,
            post_id=sid,
            url=url,
            text=text,
            published=published,
            author=_handle(account or {}, instance),
            engagement=Engagement(
                likes=_count(status, "favourites_count"),
                reposts=_count(status, "reblogs_count"),
                replies=_count(status, "replies_count"),
            ),
            reply_to_url=_reply_url(status, known, base_url),
            quote_of_url=_quote_url(status),
        ))
    return page
