"""YouTube channel and playlist feeds: ``/feeds/videos.xml?channel_id=<id>`` or ``?playlist_id=<id>``.

An Atom feed of the latest videos (15 at most, newest first). Each ``entry`` has ``yt:videoId``,
``title``, ``link rel="alternate"`` (the watch page), ``author/name``, ``published`` and a
``media:group`` with ``media:description`` and ``media:community``, which holds
``media:starRating count=…`` (the likes) and ``media:statistics views=…``. The feed has no paging:
what is older than its 15 videos is out of reach without the API.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from crawlers.items import Post
from crawlers.social import Page, Unreadable
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
