"""Stage 4: the canonical URL, and from it the article id and content hash.

The page's ``rel=canonical`` is used when it stays on the same site and names an article
(not the home page); otherwise the URL the page was fetched from. :func:`pantau.urls.canonicalize`
then lowercases the host, drops tracking parameters (``utm_*``, ``fbclid``…) and a trailing
``/amp``. AMP pages themselves were already followed to their canonical page by the spider.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.crawler import Crawler

from crawlers.items import PageItem
from crawlers.pipelines import Stage, drop
from pantau import urls


def _site(host: str) -> str:
    parts = host.lower().split(".")
    keep = 3 if len(parts) >= 3 and parts[-2] in ("co", "go", "or", "ac", "web", "my", "sch", "com", "net") else 2
    return ".".join(parts[-keep:])


def canonical_for(link: str, fetched: str) -> str:
    chosen = fetched
    if link:
        cand = urlsplit(link)
        here = urlsplit(fetched)
        if (
            cand.scheme in ("http", "https")
            and cand.hostname
            and here.hostname
            and _site(cand.hostname) == _site(here.hostname)
            and cand.port == here.port
            and cand.path not in ("", "/")
        ):
            chosen = link
    return urls.canonicalize(chosen)


class CanonicalPipeline(Stage):
    stage = "canonical"

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalPipeline:
        return cls(crawler)

    def handle(self, item: PageItem) -> PageItem:
        try:
            item.canonical_url = canonical_for(item.canonical_link, item.response_url)
        except urls.InvalidURL as exc:
            drop(self.stats, "dropped", "invalid_url", str(exc))
        item.article_id = urls.article_id(item.canonical_url)
        item.content_hash = urls.content_hash(item.title, item.text)
        return item
