"""YouTube channel and playlist feeds: ``/feeds/videos.xml?channel_id=<id>`` or ``?playlist_id=<id>``.

An Atom feed of the latest videos (15 at most, newest first). Each ``entry`` has ``yt:videoId``,
``title``, ``link rel="alternate"`` (the watch page), ``author/name``, ``published`` and a
``media:group`` with ``media:description`` and ``media:community``, which holds
``media:starRating count=…`` (the likes) and ``media:statistics views=…``. The feed has no paging:
what is older than its 15 videos is out of reach without the API.

With the operator's Data API key, the comments on the feed's videos are read too (see below).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from lxml import etree

from crawlers.items import Post
from crawlers.social import Page, Unreadable, load_json, metric, moment
from pantau.article import Engagement

PLATFORM = "youtube"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "yt": "http://www.youtube.com/xml/schemas/2015",
    "media": "http://search.yahoo.com/mrss/",
}


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def parse(body: bytes) -> Page:
    """The feed's videos, newest first."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise Unreadable(f"not XML: {exc}") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise Unreadable(f"expected an Atom feed, found <{etree.QName(root).localname}>")
    page = Page()
    for entry in root.findall("atom:entry", NS):
        video_id = (entry.findtext("yt:videoId", namespaces=NS) or "").strip()
        title = " ".join((entry.findtext("atom:title", namespaces=NS) or "").split())
        if not video_id or not title:
            page.malformed.append(f"entry without a video id or title: {video_id or '?'}")
            continue
        stamp = (entry.findtext("atom:published", namespaces=NS) or "").strip()
        try:
            published = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            page.malformed.append(f"video {video_id}: published {stamp!r} is no time")
            continue
        if published.tzinfo is None:
            page.malformed.append(f"video {video_id}: published without offset")
            continue
        link = entry.find("atom:link[@rel='alternate']", NS)
        url = link.get("href", "") if link is not None else ""
        if not url.startswith(("http://", "https://")):
            url = f"https://www.youtube.com/watch?v={video_id}"
        description = (entry.findtext("media:group/media:description", namespaces=NS) or "").strip()
        rating = entry.find("media:group/media:community/media:starRating", NS)
        stats = entry.find("media:group/media:community/media:statistics", NS)
        page.posts.append(Post(
            platform=PLATFORM,
            post_id=video_id,
            url=url,
            title=title,
            text=f"{title}\n{description}".strip(),
            published=published,
            author=" ".join((entry.findtext("atom:author/atom:name", namespaces=NS) or "").split()),
            engagement=Engagement(
                likes=_int(rating.get("count")) if rating is not None else None,
                views=_int(stats.get("views")) if stats is not None else None,
            ),
        ))
    return page


# -- comments through the Data API v3 ------------------------------------------------------------------
# ``GET {api}youtube/v3/commentThreads?part=snippet,replies&videoId=…&order=time`` with the operator's
# key in the ``X-Goog-Api-Key`` header (never the ``key`` query parameter, so it stays out of every URL).
# The answer is ``{"kind": "youtube#commentThreadListResponse", "nextPageToken"?, "items": [thread…]}``,
# threads newest first; a thread's ``snippet.topLevelComment.snippet`` holds ``authorDisplayName``
# (the public ``@handle``), ``textOriginal`` / ``textDisplay``, ``likeCount`` and ``publishedAt``, and
# ``replies.comments`` up to five of its replies in the same shape. Errors are
# ``{"error": {"code", "message", "errors": [{"reason", "domain"}]}}``.
COMMENT_PAGE = 100  # the largest page commentThreads allows
RATE_LIMIT_REASONS = frozenset({"quotaExceeded", "rateLimitExceeded", "dailyLimitExceeded", "userRateLimitExceeded"})
KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "badRequest"})  # badRequest: "API key not valid"


def comments_url(base: str, video_id: str, page_token: str = "") -> str:
    params = {"part": "snippet,replies", "videoId": video_id, "maxResults": str(COMMENT_PAGE), "order": "time",
              "textFormat": "plainText"}
    if page_token:
        params["pageToken"] = page_token
    return f"{base}youtube/v3/commentThreads?{urlencode(params, safe=',')}"


def comment_link(video_id: str, comment_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}"


def error_reason(body: bytes) -> str:
    """What a Data API error answer means: ``rate_limited``, ``comments_disabled``, ``token_rejected``,
    ``gone``, ``permission_denied``, or ``""`` when the body names no Data API error."""
    try:
        data = load_json(body)
    except Unreadable:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return ""
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = str(first.get("reason") or "")
    if reason in RATE_LIMIT_REASONS:
        return "rate_limited"
    if reason == "commentsDisabled":
        return "comments_disabled"
    if reason in KEY_REASONS or reason.startswith("key") or "API key" in str(error.get("message") or ""):
        return "token_rejected"
    if reason in ("videoNotFound", "notFound"):
        return "gone"
    if reason == "forbidden":
        return "permission_denied"
    return f"api_error_{reason}" if reason else ""


def _comment(item: Any, video_id: str, reply_to_url: str, page: Page, replies: int | None = None) -> Post | None:
    """One comment resource as a post; ``None`` (and a line in ``page.malformed``) when it cannot be read."""
    snippet = item.get("snippet") if isinstance(item, dict) else None
    cid = item.get("id") if isinstance(item, dict) else None
    if not isinstance(cid, str) or not cid or not isinstance(snippet, dict):
        page.malformed.append(f"not a comment: {str(item)[:80]}")
        return None
    published = moment(snippet.get("publishedAt"))
    if published is None:
        page.malformed.append(f"comment {cid}: publishedAt {snippet.get('publishedAt')!r} is no time")
        return None
    text = str(snippet.get("textOriginal") or snippet.get("textDisplay") or "").strip()
    if not text:
        page.malformed.append(f"comment {cid}: no text")
        return None
    handle = str(snippet.get("authorDisplayName") or "").strip()
    return Post(
        platform=PLATFORM,
        post_id=cid,
        url=comment_link(video_id, cid),
        text=text,
        published=published,
        author=handle if handle.startswith("@") or not handle else "@" + handle,
        engagement=Engagement(likes=metric(snippet, "likeCount"), replies=replies),
        reply_to_url=reply_to_url,
    )


def parse_comments(body: bytes, video_id: str) -> tuple[Page, list[datetime]]:
    """One page of comment threads: each top-level comment (its ``reply_to`` the video) and the replies
    that came with it (their ``reply_to`` the comment they answer). Also the time of each thread's
    top-level comment, newest first, which is what ``order=time`` sorts by and where paging stops."""
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise Unreadable(f"expected a commentThreads answer with an items array, found {str(data)[:80]}")
    token = data.get("nextPageToken")
    page = Page(older=token if isinstance(token, str) else "")
    thread_times: list[datetime] = []
    video_url = f"https://www.youtube.com/watch?v={video_id}"
    for thread in data["items"]:
        snippet = thread.get("snippet") if isinstance(thread, dict) else None
        if not isinstance(snippet, dict) or not isinstance(snippet.get("topLevelComment"), dict):
            page.malformed.append(f"not a comment thread: {str(thread)[:80]}")
            continue
        post = _comment(snippet["topLevelComment"], video_id, video_url, page, metric(snippet, "totalReplyCount"))
        if post is None:
            continue
        thread_times.append(post.published)
        page.posts.append(post)
        replies = thread.get("replies") if isinstance(thread.get("replies"), dict) else {}
        for reply in (replies or {}).get("comments") or []:
            answer = _comment(reply, video_id, post.url, page)
            if answer is not None:
                page.posts.append(answer)
    return page, thread_times
