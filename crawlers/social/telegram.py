"""Telegram public channel previews: ``https://t.me/s/<channel>``, newest posts last, and
``?before=<id>`` for the page of posts older than ``<id>``.

Each post is a ``div.tgme_widget_message`` with ``data-post="<channel>/<id>"``; its text is
``div.tgme_widget_message_text``, its time ``time[datetime]`` inside ``a.tgme_widget_message_date``
(which also links the post), and its views ``span.tgme_widget_message_views`` ("1.2K"). The page
names the older page in ``<link rel="prev">`` or in the ``a.tme_messages_more[data-before]`` button.
Service messages (a channel photo changed) carry no text and are skipped; a deleted post is simply
absent from the preview.

A reply carries ``a.tgme_widget_message_reply`` linking the message it answers (with a snippet of
that message, which is not this post's text). A forward carries
``a.tgme_widget_message_forwarded_from_name``; when it links the original message
(``https://t.me/<channel>/<id>``) the post is read as that original, under its address and handle,
so a repost of a post Pantau already holds is the same article and never counts twice. A forward
from a private account (no link) stays a post of this channel.
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


_REPLY = "ancestor::a[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_reply ')]"
_TEXT = (".//div[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_text ') "
         f"and not({_REPLY})]")


def _message_link(href: str | None) -> tuple[str, str] | None:
    """``(link, channel)`` when ``href`` links one message of a public channel (``…/<channel>/<id>``)."""
    if not href:
        return None
    head, _, post_id = href.split("?")[0].rstrip("/").rpartition("/")
    name = head.rpartition("/")[2]
    if not post_id.isdigit() or not name or name == "s" or not href.startswith(("http://", "https://")):
        return None
    return href.split("?")[0], name


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
        text_node = msg.xpath(_TEXT)
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
        author = "@" + (name or channel)
        original = _message_link(msg.css("a.tgme_widget_message_forwarded_from_name::attr(href)").get())
        if original is not None:  # a repost: the original post, under its own address and handle
            link, author = original[0], "@" + original[1]
        reply = _message_link(msg.css("a.tgme_widget_message_reply::attr(href)").get())
        page.posts.append(Post(
            platform=PLATFORM,
            post_id=post_id,
            url=link,
            text=text,
            published=published,
            author=author,
            # The views a forward shows are this channel's readers of the copy, not the original's reach.
            engagement=None if original else Engagement(views=count(msg.css("span.tgme_widget_message_views::text")
                                                                    .get())),
            reply_to_url=reply[0] if reply else "",
        ))
    older = sel.css("link[rel=prev]::attr(href)").get() or ""
    if not older:
        before = sel.css("a.tme_messages_more::attr(data-before)").get()
        older = f"?before={before}" if before else ""
    page.older = older
    return page
