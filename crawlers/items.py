"""The records that cross from Pantau's spiders into its item pipelines.

A spider only parses: it yields a :class:`PageItem` for every article page it fetched (raw bytes
and what the feed or sitemap said about the link) or a :class:`ParseIssue` when a feed or sitemap
could not be read. The pipelines fill in the extracted fields stage by stage and the last one turns
the item into a :class:`pantau.article.Article` for the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawlers.extract import Extracted
from pantau.article import Engagement
from pantau.regions import RegionEvidence


@dataclass(kw_only=True, frozen=True)
class FeedEntry:
    """What a feed, sitemap, listing or search result said about one article link."""

    url: str
    title: str = ""
    published: str = ""  # raw date text as the feed printed it
    updated: str = ""
    summary: str = ""
    author: str = ""
    channel: str = ""  # the feed's own title (RSS channel, Atom feed): usually the outlet's name


@dataclass(kw_only=True, frozen=True)
class Post:
    """One public post as its platform published it: already text, already dated, no page to extract."""

    platform: str  # "telegram" | "mastodon" | "youtube" | "bluesky" | "x" | "facebook" | "instagram"
    post_id: str  # the platform's own id, the cursor's unit
    url: str  # the post's public address
    text: str
    published: datetime  # tz-aware, from the platform's machine-readable time
    author: str = ""  # the public handle (or channel name) only; nothing else from the profile
    title: str = ""  # videos have one; for other posts the pipelines cut it from the text
    engagement: Engagement | None = None
    reply_to_url: str = ""  # the public address of the post this one answers, when the platform names it
    quote_of_url: str = ""  # the public address of the post this one quotes


@dataclass(kw_only=True)
class PageItem:
    source: str
    source_type: str
    url: str  # the link as found in the feed or listing
    response_url: str  # after redirects
    status: int
    body: bytes
    content_type: str
    feed: FeedEntry | None = None
    post: Post | None = None  # a public post: text and date come from it, not from an HTML page
    fetch_seconds: float = 0.0  # download latency of the article page
    # filled by the pipelines, in order
    extracted: Extracted | None = None
    html: str = ""
    encoding: str = ""
    title: str = ""
    text: str = ""
    authors: tuple[str, ...] = ()
    canonical_link: str = ""
    published_at: datetime | None = None
    date_origin: str = ""
    canonical_url: str = ""
    article_id: str = ""
    content_hash: str = ""
    lang: str = ""
    cluster_id: str = ""
    regions: tuple[str, ...] = ()
    region_evidence: tuple[RegionEvidence, ...] = ()
    is_update: bool = False  # the store holds an older version of this article
    notes: list[str] = field(default_factory=list)


@dataclass(kw_only=True, frozen=True)
class ParseIssue:
    """A feed, sitemap or listing page that could not be (fully) read; counted as an error."""

    source: str
    url: str
    reason: str
    detail: str = ""
