"""The Meta Graph API: comments on the office's own Facebook page posts and Instagram media.

Read with the page's (or the linked Instagram professional account's) access token, which the
operator supplies. Facebook: ``/{page-id}/posts?fields=id,message,created_time,updated_time,
permalink_url`` lists the page's posts newest first (``updated_time`` moves when a comment
arrives), then ``/{post-id}/comments?fields=id,message,created_time,like_count,comment_count
&order=reverse_chronological`` their comments. Instagram: ``/{ig-user-id}/media?fields=id,caption,
timestamp,permalink,like_count,comments_count`` then ``/{media-id}/comments?fields=id,text,
timestamp,like_count,username``. Every list is ``{"data": […], "paging": {"cursors": {"before",
"after"}, "next"?}}``; ``paging.next`` is the next page, absent on the last.

A comment deleted before it is read is simply absent. A post or medium deleted between the list
and its comments answers HTTP 400 with ``error.code`` 100 (subcode 33: the object does not exist):
counted as deleted, not as an error. A refused token is code 190 (expired or revoked), a missing
permission code 10 or 200–299, an exhausted rate limit code 4, 17, 32 or 613. Facebook shows no
public handle for a commenter, so a Facebook comment has no author; an Instagram comment carries
the commenter's ``username``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlers.items import Post
from crawlers.social import Page, Unreadable, load_json, metric, moment
from pantau.article import Engagement

PAGE_SIZE = 25
COMMENT_PAGE = 100
FB_POST_FIELDS = "id,message,created_time,updated_time,permalink_url"
FB_COMMENT_FIELDS = "id,message,created_time,like_count,comment_count"
IG_MEDIA_FIELDS = "id,caption,timestamp,permalink,like_count,comments_count"
IG_COMMENT_FIELDS = "id,text,timestamp,like_count,username"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})


def posts_url(base: str, account: str, platform: str) -> str:
    if platform == "instagram":
        return f"{base}{account}/media?{urlencode({'fields': IG_MEDIA_FIELDS, 'limit': PAGE_SIZE})}"
    return f"{base}{account}/posts?{urlencode({'fields': FB_POST_FIELDS, 'limit': PAGE_SIZE})}"


def comments_url(base: str, object_id: str, platform: str) -> str:
    if platform == "instagram":
        return f"{base}{object_id}/comments?{urlencode({'fields': IG_COMMENT_FIELDS, 'limit': COMMENT_PAGE})}"
    return f"{base}{object_id}/comments?" + urlencode(
        {"fields": FB_COMMENT_FIELDS, "order": "reverse_chronological", "limit": COMMENT_PAGE})


def without_token(url: str) -> str:
    """A ``paging.next`` URL without the ``access_token`` Meta may put in it (the token goes in a header,
    never into logs or the resume queue)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def error_reason(body: bytes) -> str:
    """What a Graph API error answer means: ``deleted``, ``token_rejected``, ``permission_denied``,
    ``rate_limited``, or ``""`` when the body names no Graph error."""
    try:
        data = load_json(body)
    except Unreadable:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return ""
    code = error["code"]
    if code == 100:  # the generic invalid-parameter error; subcode 33 alone means "no such object"
        return "deleted" if error.get("error_subcode") == 33 else "invalid_request"
    if code in (102, 190):
        return "token_rejected"
    if code == 10 or 200 <= code <= 299:
        return "permission_denied"
    if code in RATE_LIMIT_CODES:
        return "rate_limited"
    return f"graph_error_{code}"


def _listing(body: bytes) -> tuple[list[Any], str]:
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise Unreadable(f"expected a Graph API list with a data array, found {str(data)[:80]}")
    paging = data.get("paging") if isinstance(data.get("paging"), dict) else {}
    after = (paging or {}).get("next")
    return data["data"], without_token(after) if isinstance(after, str) and after else ""


def parse_parents(body: bytes, platform: str) -> tuple[list[dict[str, Any]], list[str], str]:
    """The page's posts (or the account's media) that can carry comments: ``(objects, malformed, next)``.
    Each object has ``id``, ``at`` (created), ``active`` (Facebook's updated_time; None for media),
    ``link`` and ``comments`` (the count, Instagram only)."""
    items, after = _listing(body)
    objects: list[dict[str, Any]] = []
    malformed: list[str] = []
    stamp, link_key = ("timestamp", "permalink") if platform == "instagram" else ("created_time", "permalink_url")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            malformed.append(f"not a {'medium' if platform == 'instagram' else 'post'}: {str(item)[:80]}")
            continue
        created = moment(item.get(stamp))
        link = item.get(link_key)
        if created is None or not isinstance(link, str) or not link.startswith(("http://", "https://")):
            malformed.append(f"{item['id']}: no time or permalink")
            continue
        objects.append({"id": item["id"], "at": created, "active": moment(item.get("updated_time")),
                        "link": link, "comments": metric(item, "comments_count")})
    return objects, malformed, after


def comment_link(parent_link: str, comment_id: str, platform: str) -> str:
    if platform == "instagram":
        return f"{parent_link.rstrip('/')}/c/{comment_id}/"
    own = comment_id.rsplit("_", 1)[-1]  # Facebook comment ids are "<post>_<comment>"
    return f"{parent_link}{'&' if '?' in parent_link else '?'}comment_id={own}"


def parse_comments(body: bytes, platform: str, parent_link: str) -> Page:
    """One page of comments, newest first; ``older`` the next page."""
    items, after = _listing(body)
    page = Page(older=after)
    text_key, stamp = ("text", "timestamp") if platform == "instagram" else ("message", "created_time")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            page.malformed.append(f"not a comment: {str(item)[:80]}")
            continue
        cid = item["id"]
        published = moment(item.get(stamp))
        if published is None:
            page.malformed.append(f"comment {cid}: {stamp} {item.get(stamp)!r} is no time")
            continue
        text = str(item.get(text_key) or "").strip()
        if not text:
            continue  # a sticker or a photo without words
        username = str(item.get("username") or "") if platform == "instagram" else ""
        page.posts.append(Post(
            platform=platform,
            post_id=cid,
            url=comment_link(parent_link, cid, platform),
            text=text,
            published=published,
            author="@" + username if username else "",
            engagement=Engagement(likes=metric(item, "like_count"), replies=metric(item, "comment_count")),
        ))
    return page
