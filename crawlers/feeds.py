"""Read RSS 2.0, Atom, RDF (RSS 1.0) feeds and XML sitemaps into :class:`FeedEntry` values.

Parsing is strict first. A feed with broken XML (unescaped ``&``, unclosed items — common on
small regional CMSs) is parsed again in lxml's recover mode so the items before the damage still
reach the user, and the caller is told the feed was broken so it is counted. External entities and
network access are disabled: a feed is untrusted input.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from crawlers.items import FeedEntry

_ATOM = "http://www.w3.org/2005/Atom"
_DC = "http://purl.org/dc/elements/1.1/"
_RSS1 = "http://purl.org/rss/1.0/"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


class FeedError(ValueError):
    """Nothing usable could be read from the document."""


@dataclass(kw_only=True)
class Parsed:
    kind: str  # rss | atom | rdf | urlset | sitemapindex
    entries: list[FeedEntry] = field(default_factory=list)
    sitemaps: list[FeedEntry] = field(default_factory=list)  # child sitemaps of an index
    broken: str = ""  # the XML error when recover mode was needed


def _parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        recover=recover, resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True
    )


def _root(body: bytes) -> tuple[etree._Element, str]:
    try:
        return etree.fromstring(body, parser=_parser(False)), ""
    except etree.XMLSyntaxError as exc:
        error = str(exc)
    try:
        root = etree.fromstring(body, parser=_parser(True)) if body.strip() else None
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise FeedError(f"broken XML, nothing recoverable: {error}")
    return root, error


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _child(el: etree._Element, *names: str) -> etree._Element | None:
    for child in el:
        if _local(child.tag) in names:
            return child
    return None


def parse(body: bytes, base_url: str) -> Parsed:
    """Parse a feed or sitemap; raises :class:`FeedError` when the document is not one.

    Each entry of an RSS, RDF or Atom feed carries the feed's own title as ``channel``.
    """
    parsed = _parse(body, base_url)
    if parsed.kind in ("rss", "rdf", "atom"):
        root, _ = _root(body)
        holder = _child(root, "channel") if parsed.kind in ("rss", "rdf") else root
        channel = _text(_child(holder, "title")) if holder is not None else ""
        if channel:
            parsed.entries = [dataclasses.replace(e, channel=channel) for e in parsed.entries]
    return parsed


def _parse(body: bytes, base_url: str) -> Parsed:
    root, broken = _root(body)
    kind = _local(root.tag).lower()
    if kind == "rss":
        channel = _child(root, "channel")
        items = [] if channel is None else [c for c in channel if _local(c.tag) == "item"]
        # recover mode may nest unclosed items: walk the whole tree instead.
        if broken:
            items = [el for el in root.iter() if _local(el.tag) == "item"]
        return Parsed(kind="rss", entries=_items(items, base_url), broken=broken)
    if kind == "rdf":
        items = [el for el in root.iter() if _local(el.tag) == "item"]
        return Parsed(kind="rdf", entries=_items(items, base_url), broken=broken)
    if kind == "feed":
        return Parsed(kind="atom", entries=_atom_entries(root, base_url), broken=broken)
    if kind == "urlset":
        return Parsed(kind="urlset", entries=_urlset(root, base_url), broken=broken)
    if kind == "sitemapindex":
        maps = []
        for sm in root:
            if _local(sm.tag) == "sitemap":
                loc = _text(_child(sm, "loc"))
                if loc:
                    maps.append(FeedEntry(url=urljoin(base_url, loc), updated=_text(_child(sm, "lastmod"))))
        return Parsed(kind="sitemapindex", sitemaps=maps, broken=broken)
    raise FeedError(f"not a feed or sitemap: root element <{kind}>")


def _items(items: list[etree._Element], base_url: str) -> list[FeedEntry]:
    out: list[FeedEntry] = []
    for item in items:
        link = _text(_child(item, "link")) or (item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or "")
        guid = _child(item, "guid")
        if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
            link = _text(guid)
        if not link:
            continue
        out.append(
            FeedEntry(
                url=urljoin(base_url, link.strip()),
                title=_text(_child(item, "title")),
                published=_text(_child(item, "pubDate", "date", "published", "issued")),
                updated=_text(_child(item, "updated", "modified")),
                summary=_text(_child(item, "description", "encoded")),
                author=_text(_child(item, "creator", "author")),
            )
        )
    return out


def _atom_entries(root: etree._Element, base_url: str) -> list[FeedEntry]:
    out: list[FeedEntry] = []
    for entry in root:
        if _local(entry.tag) != "entry":
            continue
        href = ""
        for link in entry:
            if _local(link.tag) == "link" and link.get("rel", "alternate") == "alternate" and link.get("href"):
                href = link.get("href", "")
                break
        if not href:
            continue
        author = _child(entry, "author")
        out.append(
            FeedEntry(
                url=urljoin(base_url, href.strip()),
                title=_text(_child(entry, "title")),
                published=_text(_child(entry, "published", "issued")),
                updated=_text(_child(entry, "updated", "modified")),
                summary=_text(_child(entry, "summary", "content")),
                author=_text(_child(author, "name")) if author is not None else "",
            )
        )
    return out


def _urlset(root: etree._Element, base_url: str) -> list[FeedEntry]:
    out: list[FeedEntry] = []
    for url in root:
        if _local(url.tag) != "url":
            continue
        loc = _text(_child(url, "loc"))
        if not loc:
            continue
        news = _child(url, "news")
        out.append(
            FeedEntry(
                url=urljoin(base_url, loc),
                title=_text(_child(news, "title")) if news is not None else "",
                published=_text(_child(news, "publication_date")) if news is not None else "",
                updated=_text(_child(url, "lastmod")),
            )
        )
    return out
