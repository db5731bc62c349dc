"""Extraction quality gate on the fixture corpus: the bars of the crawl issue, end to end.

Every gold page (70 generated in six outlet layouts, 16 recorded real pages from ten outlets) is
crawled through its source (RSS/Atom/RDF, listing, sitemap) by a real crawl into SQLite, and the
stored article is scored against the hand-checked gold: headline exact ≥ 95 %, publication day in
WITA ≥ 95 %, mean body token-F1 ≥ 0.90. The page-only extractor (no feed fallback) is scored too,
since a new outlet reached through a bare listing has no feed fields to lean on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers import decode, extract, quality
from crawlers.dates import WIB
from crawlers.items import PageItem
from crawlers.pipelines.dates import choose
from index.store import Store, open_store
from pantau import urls
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import crawl

GOLD = json.loads((Path(__file__).parent / "data" / "crawl" / "gold.json").read_text(encoding="utf-8"))["pages"]
BOILERPLATE = (
    "Baca juga",
    "ADVERTISEMENT",
    "SCROLL TO CONTINUE",
    "Tulis komentar",
    "Komentar yang mengandung",
    "Dapatkan update berita",
    "Copyright ©",
    "Bagikan:",
    "[Gambas",
    "Simak Video",
    "Berita Terkait",
    "Terpopuler",
    "dapat diakses melalui",
)


def all_sources(base: str) -> list[dict[str, object]]:
    return [
        {"name": "cnn", "type": "rss", "url": base + "/cnn/rss.xml"},
        {"name": "detik", "type": "rss", "url": base + "/detik/atom.xml"},
        {"name": "tribunkaltim", "type": "rss", "url": base + "/tribunkaltim/rdf.xml"},
        {
            "name": "kompas",
            "type": "listing",
            "url": base + "/kompas/indeks",
            "link_pattern": r"/kompas/read/\d{4}/",
            "max_pages": 5,
        },
        {
            "name": "pupr",
            "type": "listing",
            "url": base + "/pupr/berita?page={n}",
            "link_pattern": r"/pupr/berita/pupr-",
            "max_pages": 3,
            "source_type": "government",
        },
        {"name": "peta", "type": "sitemap", "url": base + "/sitemap_index.xml"},
        {"name": "mirror", "type": "rss", "url": base + "/mirror/rss.xml"},
        {"name": "rekaman", "type": "rss", "url": base + "/real/rss.xml"},
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CrawlServer, Store]]:
    tmp = tmp_path_factory.mktemp("quality")
    url = f"sqlite:///{tmp / 'pantau.db'}"
    with CrawlServer() as srv:
        crawl(all_sources(srv.base), url, tmp / "state")
        store = open_store(url)
        yield srv, store
        store.close()


def test_end_to_end_extraction_meets_the_bars(crawled: tuple[CrawlServer, Store]) -> None:
    srv, store = crawled
    ids = {p["path"]: urls.article_id(urls.canonicalize(srv.base + p["path"])) for p in GOLD}
    stored = store.get(list(ids.values()))
    rows = []
    for page in GOLD:
        a = stored.get(ids[page["path"]])
        rows.append((page["path"], page, a.title if a else None, a.published_at if a else None, a.body if a else None))
    result = quality.score(rows)
    print("end-to-end", result.summary())
    for line in result.failures:
        print("  ", line)
    assert result.missing == []
    assert result.title_rate >= 0.95
    assert result.date_rate >= 0.95
    assert result.body_f1 >= 0.90


@pytest.mark.parametrize("kind", ["generated", "recorded"])
def test_page_only_extraction_meets_the_bars_per_kind(kind: str) -> None:
    """No feed, no crawl: the extractor and date choice alone on each page's bytes."""
    with CrawlServer() as srv:
        rows = []
        for page in (p for p in GOLD if p["kind"] == kind):
            served = srv.site.pages[page["path"]]
            text = decode.decode(served.body, served.content_type).text
            found = extract.extract(text, srv.base + page["path"], now=datetime.now(UTC), default_tz=WIB)
            item = PageItem(
                source="t",
                source_type="news",
                url=srv.base + page["path"],
                response_url=srv.base + page["path"],
                status=200,
                body=served.body,
                content_type=served.content_type,
                extracted=found,
            )
            published, _ = choose(item, datetime.now(UTC), WIB)
            rows.append((page["path"], page, found.title, published, found.body))
    result = quality.score(rows)
    print(kind, "page-only", result.summary())
    for line in result.failures:
        print("  ", line)
    assert result.title_rate >= 0.95 and result.date_rate >= 0.95 and result.body_f1 >= 0.90


def test_no_mojibake_or_boilerplate_in_any_body(crawled: tuple[CrawlServer, Store]) -> None:
    _, store = crawled
    hits = store.search("", size=200).hits
    assert len(hits) >= 80
    for h in hits:
        body = h.article.body
        assert not decode.has_mojibake(h.article.title + body), h.article.url
        for marker in BOILERPLATE:
            assert marker.lower() not in body.lower(), (h.article.url, marker)
