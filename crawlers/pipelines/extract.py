"""Stage 2: decode the bytes without mojibake and extract title, body and authors.

Feed fields are the fallback: a page whose headline cannot be found keeps the feed's title. The
feed's item and channel titles and the title affixes the source's pages share (learned as pages
arrive) help cut the outlet's name off the headline (:mod:`crawlers.headline`).
Drops (counted): ``binary`` (not text at all), ``no_body`` / ``body_too_short`` (no article
text, e.g. a video or gallery page), ``no_title``, ``mojibake`` (text still garbled after repair).
A public post (``item.post``) needs no extraction: its text is taken as the platform gave it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.crawler import Crawler

from crawlers import dates, decode, extract, headline
from crawlers.items import PageItem
from crawlers.pipelines import Stage, drop

TITLE_CHARS = 100  # a post's first line makes its title in lists and emails; longer ones are cut


class ExtractPipeline(Stage):
    stage = "extract"

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.min_chars = crawler.settings.getint("PANTAU_MIN_BODY_CHARS")
        self.default_tz = dates.ZONES.get(crawler.settings.get("PANTAU_DEFAULT_TZ", "WIB"), dates.WIB)
        self.affixes = headline.SiteAffixes()  # one crawler crawls one source

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def handle(self, item: PageItem) -> PageItem:
        if item.post is not None:
            return self.handle_post(item)
        try:
            decoded = decode.decode(item.body, item.content_type)
        except decode.NotText as exc:
            drop(self.stats, "dropped", "binary", f"{item.url}: {exc}")
        item.html, item.encoding = decoded.text, decoded.encoding
        if decoded.relabelled:
            item.notes.append(f"charset relabelled to {decoded.encoding}")
            assert self.stats is not None
            self.stats.inc_value("pantau/charset_relabelled")
        found = extract.extract(
            item.html,
            item.response_url,
            now=datetime.now(UTC),
            default_tz=self.default_tz,
            feed_title=item.feed.title if item.feed else "",
            site_names=[item.feed.channel] if item.feed and item.feed.channel else [],
            affixes=self.affixes.affixes(),
        )
        if found.page_title:
            self.affixes.observe(found.page_title)
        item.title = found.title or (item.feed.title if item.feed else "")
        item.text = found.body
        item.authors = found.authors or ((item.feed.author,) if item.feed and item.feed.author else ())
        item.canonical_link = found.canonical_link
        item.extracted = found
        if not item.text:
            drop(self.stats, "dropped", "no_body", item.url)
        if len(item.text) < self.min_chars:
            drop(self.stats, "dropped", "body_too_short", f"{item.url} chars={len(item.text)}")
        if not item.title.strip():
            drop(self.stats, "dropped", "no_title", item.url)
        if decode.has_mojibake(item.title) or decode.has_mojibake(item.text):
            drop(self.stats, "dropped", "mojibake", item.url)
        return item

    def handle_post(self, item: PageItem) -> PageItem:
        """A public post is already text: its title is the video's, or the post's first line, cut short.
        Short is normal for a post, so only an empty one is dropped."""
        post = item.post
        assert post is not None
        item.text = post.text.strip()
        item.title = post.title or post_title(item.text)
        item.authors = (post.author,) if post.author else ()
        item.canonical_link = post.url
        if not item.text:
            drop(self.stats, "dropped", "no_body", item.url)
        if decode.has_mojibake(item.title) or decode.has_mojibake(item.text):
            drop(self.stats, "dropped", "mojibake", item.url)
        return item


def post_title(text: str, limit: int = TITLE_CHARS) -> str:
    """The first line of a post, cut at a word boundary with an ellipsis when longer than ``limit``."""
    first = text.strip().split("\n", 1)[0].strip()
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0] or first[:limit]
    return cut.rstrip(" ,.;:-") + "…"
