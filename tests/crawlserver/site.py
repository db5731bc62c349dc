"""The virtual news web the crawl tests run against: outlets, feeds, sitemaps, listings and search.

Everything is built in memory from ``tests/data/crawl`` when the server starts, so a test never reads
the network and a fresh clone needs no ``../shared``. Paths are grouped by outlet prefix
(``/cnn/``, ``/detik/``, ``/kompas/``, ``/tribunkaltim/``, ``/pupr/``, ``/antara/``, ``/mirror/``,
``/real/``) and each outlet offers one entry point of the kind Pantau's spiders read.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from demo.feeds import atom as _atom
from demo.feeds import listing as _listing
from demo.feeds import news_sitemap as _news_sitemap
from demo.feeds import rdf as _rdf
from demo.feeds import rss as _rss
from demo.feeds import rss_item as _rss_item
from demo.layouts import KOMPAS_DATELINE, Story, render

DATA = Path(__file__).resolve().parents[1] / "data" / "crawl"


@dataclass(kw_only=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class Site:
    """Static pages by path, plus the stories for search and gold lookups."""

    base: str
    pages: dict[str, Page] = field(default_factory=dict)
    stories: dict[str, Story] = field(default_factory=dict)  # path -> story
    real: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> manifest row
    revised: dict[str, datetime] = field(default_factory=dict)  # path -> when the outlet corrected it

    def add_html(self, path: str, html: str, **headers: str) -> None:
        self.pages[path] = Page(body=html.encode("utf-8"), headers=dict(headers))

    def add_xml(self, path: str, xml: str, content_type: str = "application/rss+xml; charset=utf-8") -> None:
        self.pages[path] = Page(body=xml.encode("utf-8"), content_type=content_type)


def _load_corpus() -> list[dict[str, object]]:
    with (DATA / "corpus.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _mirror_copy(story: Story, n: int) -> Story:
    """A syndicated copy: a regional portal republishes the story with a new dateline and a cut ending."""
    first = "Samarinda - " + story.paragraphs[0]
    paras = (first, *story.paragraphs[1:-1]) if len(story.paragraphs) > 2 else (first, *story.paragraphs[1:])
    path = f"/mirror/read/{story.slug}-salinan"
    return Story(
        slug=f"mirror-{n:03d}",
        outlet="mirror",
        layout="tribunkaltim",
        title=story.title,
        paragraphs=paras,
        author="",
        published=story.published + timedelta(hours=2),
        path=path,
        canonical="",
        related=story.related,
    )


ENGLISH = (
    "City council approves new drainage budget",
    (
        "The city council approved a new budget for drainage works on Thursday, after months of debate "
        "about flooding in the northern districts of the city.",
        "Officials said the money would pay for new pumps, wider canals and the repair of old culverts "
        "that have been blocked for years by sediment and rubbish.",
        "Residents who attended the meeting welcomed the decision but asked the council to publish a "
        "timetable so that they can hold the contractors to account.",
    ),
)


def revise(site: Site, path: str, paragraph: str, when: datetime) -> None:
    """The outlet corrects a detik story: one paragraph added, the Atom entry's <updated> moves to ``when``."""
    story = site.stories[path]
    revised = Story(**{**story.__dict__, "paragraphs": (*story.paragraphs, paragraph)})
    site.stories[path] = revised
    site.add_html(path, render(revised))
    site.revised[path] = when
    detik = [s for s in site.stories.values() if s.outlet == "detik" and not s.path.startswith("/bulk/")]
    site.add_xml(
        "/detik/atom.xml", _atom("detikNews", site.base, detik, site.revised), "application/atom+xml; charset=utf-8"
    )


def add_bulk(site: Site, copies: int) -> int:
    """Serve ``copies`` variants of every generated story under ``/bulk/`` with one feed, for benchmarks.

    Each variant gets its own headline suffix and closing line, so it is a new article (distinct
    content hash) rather than an exact duplicate; the near-duplicate stage still groups them.
    """
    originals = [s for s in list(site.stories.values()) if s.outlet not in ("mirror",)]
    items: list[str] = []
    bulk: dict[str, Story] = {}
    for n in range(copies):
        for s in originals:
            path = f"/bulk/{n}{s.path}"
            variant = Story(
                **{
                    **s.__dict__,
                    "title": f"{s.title} (edisi {n + 1})",
                    "paragraphs": (*s.paragraphs, f"Artikel ini adalah edisi uji nomor {n + 1} dari {s.slug}."),
                    "path": path,
                    "canonical": site.base + path,
                    "slug": f"{s.slug}-{n}",
                }
            )
            site.add_html(path, render(variant))
            bulk[path] = variant
            items.append(_rss_item(variant, site.base + path))
    site.add_xml("/bulk/rss.xml", _rss("Bulk", site.base + "/bulk/", items))
    site.stories.update(bulk)
    return len(items)


def build(base: str) -> Site:
    """Assemble every page of the test web for a server listening at ``base`` (``http://127.0.0.1:port``)."""
    site = Site(base=base)
    corpus = _load_corpus()
    stories: list[Story] = []
    prefixes = {"pupr": "/pupr/berita/", "kompas": "/kompas/read/2025/"}
    for rec in corpus:
        outlet = str(rec["outlet"])
        path = prefixes.get(outlet, f"/{outlet}/read/") + str(rec["slug"])
        paragraphs = [str(p) for p in rec["paragraphs"]]  # type: ignore[attr-defined]
        if outlet == "kompas":
            paragraphs[0] = KOMPAS_DATELINE + paragraphs[0]
        stories.append(
            Story(
                slug=str(rec["slug"]),
                outlet=outlet,
                layout=str(rec["layout"]),
                title=str(rec["title"]),
                paragraphs=tuple(paragraphs),
                author=str(rec["author"]),
                published=datetime.fromisoformat(str(rec["published"])),
                path=path,
                canonical=base + path,
            )
        )
    by_outlet: dict[str, list[Story]] = {}
    for s in stories:
        by_outlet.setdefault(s.outlet, []).append(s)
    # "Baca juga" and sidebar links point at sibling stories of the same outlet.
    final: list[Story] = []
    for group in by_outlet.values():
        for i, s in enumerate(group):
            related = tuple((o.title, o.path) for o in (group[i + 1 :] + group[:i])[:5])
            final.append(Story(**{**s.__dict__, "related": related}))
    by_outlet = {}
    for s in final:
        by_outlet.setdefault(s.outlet, []).append(s)
        site.stories[s.path] = s
        site.add_html(s.path, render(s))
        amp_story = Story(**{**s.__dict__, "amp": True})
        site.add_html(s.path + "/amp", render(amp_story))

    # Syndicated copies and one English page on a regional "mirror" portal.
    mirror: list[Story] = []
    for n, src in enumerate(s for s in final if s.slug in ("cnn-000", "cnn-017", "detik-013")):
        copy = _mirror_copy(src, n)
        copy = Story(**{**copy.__dict__, "canonical": base + copy.path})
        mirror.append(copy)
    english = Story(
        slug="mirror-en",
        outlet="mirror",
        layout="tribunkaltim",
        title=ENGLISH[0],
        paragraphs=ENGLISH[1],
        author="",
        published=datetime(2025, 7, 3, 9, 0, tzinfo=UTC),
        path="/mirror/read/english-drainage",
        canonical=base + "/mirror/read/english-drainage",
    )
    mirror.append(english)
    for s in mirror:
        site.stories[s.path] = s
        site.add_html(s.path, render(s))
    site.add_xml(
        "/mirror/rss.xml", _rss("Mirror Kaltim", base + "/mirror/", [_rss_item(s, base + s.path) for s in mirror])
    )

    # CNN: RSS 2.0, one link with tracking parameters and one pointing at the AMP copy.
    cnn_items = []
    for i, s in enumerate(by_outlet["cnn"]):
        link = base + s.path
        if i == 1:
            link += "?utm_source=rss&utm_medium=feed&utm_campaign=terkini"
        if i == 2:
            link += "/amp"
        cnn_items.append(_rss_item(s, link))
    site.add_xml("/cnn/rss.xml", _rss("CNN Indonesia", base + "/cnn/", cnn_items))
    site.add_xml("/detik/atom.xml", _atom("detikNews", base, by_outlet["detik"]), "application/atom+xml; charset=utf-8")
    site.add_xml("/tribunkaltim/rdf.xml", _rdf(base, by_outlet["tribunkaltim"]), "application/rdf+xml; charset=utf-8")

    # Listings: kompas index pages and the PUPR office's news list (no feed, no dates in the list).
    for outlet, section, per in (("kompas", "indeks", 5), ("pupr", "berita", 4)):
        group = by_outlet[outlet]
        _, pages = _listing(outlet, group, 1, per, section)
        for p in range(1, pages + 1):
            html, _ = _listing(outlet, group, p, per, section)
            site.add_html(f"/{outlet}/{section}?page={p}", html)
        site.add_html(f"/{outlet}/{section}", _listing(outlet, group, 1, per, section)[0])

    # Sitemaps: an index pointing at a news sitemap (ANTARA + tribun) and a plain one with lastmod (PUPR).
    site.add_xml(
        "/sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/antara/sitemap-news.xml</loc></sitemap>"
        f"<sitemap><loc>{base}/pupr/sitemap.xml</loc><lastmod>2024-12-08T00:00:00+08:00</lastmod></sitemap>"
        "</sitemapindex>",
        "application/xml",
    )
    site.add_xml("/antara/sitemap-news.xml", _news_sitemap(base, by_outlet["antara"]), "application/xml")
    site.add_xml("/pupr/sitemap.xml", _news_sitemap(base, by_outlet["pupr"][:6]), "application/xml")

    # Recorded real pages (2015-2017 and 2025 layouts) behind one RSS feed without dates.
    with (DATA / "real" / "manifest.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            path = f"/real/{row['file']}"
            raw = (DATA / "real" / row["file"]).read_bytes()
            site.pages[path] = Page(body=raw, content_type=f"text/html; charset={row['declared_charset'] or 'utf-8'}")
            site.real[path] = row
    real_items = "".join(
        f"<item><title>{escape(row['title'])}</title><link>{escape(base + path)}</link></item>"
        for path, row in site.real.items()
    )
    site.add_xml("/real/rss.xml", _rss("Halaman rekaman", base + "/real/", [real_items]))

    site.pages["/robots.txt"] = Page(
        body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain; charset=utf-8"
    )
    return site


def search(site: Site, query: str) -> str:
    """An aggregator's search RSS: stories whose title or text holds any quoted phrase of ``query``."""
    phrases = [p.strip().strip('"').lower() for p in query.split(" OR ") if p.strip().strip('"')]
    hits = [
        s for s in site.stories.values() if any(p in (s.title + " " + " ".join(s.paragraphs)).lower() for p in phrases)
    ]
    items = [_rss_item(s, site.base + s.path) for s in sorted(hits, key=lambda s: s.path)]
    return _rss(f"Hasil pencarian: {query}", site.base + "/search/", items)
