"""Telegram public channel previews: ``https://t.me/s/<channel>``, newest posts last, and
``?before=<id>`` for the page of posts older than ``<id>``.

Each post is a ``div.tgme_widget_message`` with ``data-post="<channel>/<id>"``; its text is
``div.tgme_widget_message_text``, its time ``time[datetime]`` inside ``a.tgme_widget_message_date``
(which also links the post), and its views ``span.tgme_widget_message_views`` ("1.2K"). The page
names the older page in ``<link rel="prev">`` or in the ``a.tme_messages_more[data-before]`` button.
Service messages (a channel photo changed) carry no text and are skipped; a deleted post is simply
absent from the preview.
"""

from __future__ import annotations

from datetime import datetime

from parsel import Selector

from crawlers.items import Post
from crawlers.social import Page, Unreadable, count
from pantau.article import Engagement

PLATFORM = "telegram"


def target(url: str) -> tuple[str, str]:
    """``(base, channel)`` from ``https://t.me/s/<channel>`` or ``https://t.me/<channel>``."""
    base, sep, rest = url.partition("/s/")
    if not sep:
        base, _, rest = url.rstrip("/").rpartition("/")
    channel = rest.strip("/").split("/")[0].split("?")[0]
    if not channel:
        raise ValueError(f"not a Telegram channel address: {url!r} (expected https://t.me/s/<channel>)")
    return base.rstrip("/"), channel


def page_url(base: str, channel: str) -> str:
    return f"{base}/s/{channel}"


def text_of(node: Selector) -> str:
    """The visible text of a message, with ``<br>`` as line breaks and entities decoded."""
    parts: list[str] = []
    for piece in node.xpath(".//text() | .//br"):
        if isinstance(piece.root, str):
            parts.append(piece.root)
        else:
            parts.append("\n")
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line).strip()


def parse(body: str, base_url: str, channel: str) -> Page:
    """Posts of one preview page, oldest first as Telegram prints them."""
    sel = Selector(text=body)
    if not sel.css("div.tgme_channel_history, div.tgme_widget_message_wrap, div.tgme_widget_message"):
        raise Unreadable("no Telegram channel history in the page (not a t.me/s/ preview)")
    page = Page()
    for msg in sel.css("div.tgme_widget_message"):
        ref = msg.attrib.get("data-post", "")
        name, _, post_id = ref.rpartition("/")
        if not post_id.isdigit():
            page.malformed.append(f"message without a post id: data-post={ref!r}")
            continue
        if "service_message" in msg.attrib.get("class", ""):
            continue
        text_node = msg.css("div.tgme_widget_message_text")
        text = text_of(text_node[0]) if text_node else ""
        if not text:  # a photo or sticker without a caption: nothing to read
            continue
        stamp = msg.css("a.tgme_widget_message_date time::attr(datetime), time::attr(datetime)").get()
        try:
            published = datetime.fromisoformat(stamp or "")
        except ValueError:
            page.malformed.append(f"post {ref}: no readable time ({stamp!r})")
            continue
        if published.tzinfo is None:
            page.malformed.append(f"post {ref}: time without offset ({stamp!r})")
            continue
        link = msg.css("a.tgme_widget_message_date::attr(href)").get() or f"{base_url}/{name or channel}/{post_id}"
        page.posts.append(Post(
            platform=PLATFORM,
            post_id=post_id,
            url=link,
            text=text,
            published=published,
            author="@" + (name or channel),
            engagement=Engagement(views=count(msg.css("span.tgme_widget_message_views::text").get())),
        ))
    older = sel.css("link[rel=prev]::attr(href)").get() or ""
    if not older:
        before = sel.css("a.tme_messages_more::attr(data-before)").get()
        older = f"?before={before}" if before else ""
    page.older = older
    return page
