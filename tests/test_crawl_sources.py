"""Every source type end to end: RSS 2.0, Atom, RDF, listing (paged and {n}), sitemap index with the
``news:`` namespace, a search feed built from the gazetteer, syndicated copies and an English page.

One real crawl of all sources into SQLite, then a second crawl of the same sources that must fetch
nothing already stored. Assertions are on the stored articles, the CrawlRuns and the server's log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus

import pytest

from crawlers.dates import WITA
from index.store import CrawlRun, Store, open_store
from pantau import urls
from pantau.article import Article
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import crawl


def sources(base: str) -> list[dict[str, object]]:
    return [
        {"name": "cnn", "type": "rss", "url": base + "/cnn/rss.xml"},
        {"name": "detik", "type": "rss", "url": base + "/detik/atom.xml"},
        {"name": "tribunkaltim", "type": "rss", "url": base + "/tribunkaltim/rdf.xml", "regions": ["64"]},
        {
            "name": "kompas",
            "type": "listing",
            "url": base + "/kompas/indeks",
            "link_pattern": r"/kompas/read/\d{4}/",
            "max_pages": 2,
        },
        {
            "name": "pupr",
            "type": "listing",
            "url": base + "/pupr/berita?page={n}",
            "link_pattern": r"/pupr/berita/pupr-",
            "max_pages": 3,
            "source_type": "government",
        },
        {"name": "antara-peta", "type": "sitemap", "url": base + "/antara/sitemap-news.xml"},
        {"name": "mirror", "type": "rss", "url": base + "/mirror/rss.xml"},
        {
            "name": "cari",
            "type": "search",
            "url": base + "/search/rss?q={query}",
            "regions": ["64.02", "64.72"],
            "source_type": "aggregator",
        },
    ]


@dataclass
class Crawled:
    server: CrawlServer
    store: Store
    first: dict[str, CrawlRun]
    second: dict[str, CrawlRun]
    second_hits: list[str]

    def article(self, path: str) -> Article | None:
        aid = urls.article_id(urls.canonicalize(self.server.base + path))
        return self.store.get([aid]).get(aid)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("sources")
    url = f"sqlite:///{tmp / 'pantau.db'}"
    with CrawlServer() as srv:
        first = crawl(sources(srv.base), url, tmp / "state")
        srv.reset_hits()
        second = crawl(sources(srv.base), url, tmp / "state")
        second_hits = [p for p, _ in srv.hit_log()]
        store = open_store(url)
        yield Crawled(server=srv, store=store, first=first, second=second, second_hits=second_hits)
        store.close()


def test_each_source_type_yields_its_articles(crawled: Crawled) -> None:
    # kompas: 2 listing pages of 5; pupr: 3 numbered pages of 4 (10 stories); mirror: 3 copies + 1 English.
    # Sources run concurrently; a story the search feed reached first still ends up attributed to
    # the outlet whose own feed, listing or sitemap carries it.
    expected = {"cnn": 22, "detik": 16, "tribunkaltim": 6, "kompas": 10, "pupr": 10, "antara-peta": 1, "mirror": 3}
    by_source = crawled.store.facets(fields=("source",), size=50)["source"]
    assert {k: v for k, v in by_source.items() if k != "cari"} == expected
    assert crawled.first["mirror"].dropped == {"lang_en": 1}
    assert all(sum(run.errors.values()) == 0 and run.blocked == 0 for run in crawled.first.values())
    # Search results outside the crawled outlets' pages (kompas page 3, say) stay with the search source.
    assert crawled.store.count() == sum(expected.values()) + by_source.get("cari", 0)


def test_search_queries_are_built_from_the_gazetteer(crawled: Crawled) -> None:
    queries = sorted(
        unquote_plus(p.split("q=", 1)[1]) for p, _ in crawled.server.hit_log() if p.startswith("/search/rss")
    )
    assert queries == ['"Kutai Kartanegara" OR "Kukar"', '"Samarinda"']  # logged by the second crawl
    run = crawled.first["cari"]
    # Results also reached through the outlets' own feeds in the same crawl are duplicates, not new rows.
    assert run.fetched == run.new + run.duplicate + sum(
        v for k, v in run.dropped.items() if not k.startswith("skipped_")
    )


def test_second_crawl_fetches_nothing_already_stored(crawled: Crawled) -> None:
    article_paths = [p for p in crawled.second_hits if p.split("?")[0] in crawled.server.site.stories]
    assert article_paths == ["/mirror/read/english-drainage"]  # dropped pages are not stored, so re-read
    assert sum(r.new for r in crawled.second.values()) == 0
    skipped = sum(r.dropped.get("skipped_already_stored", 0) for r in crawled.second.values())
    assert skipped >= 78


def test_tracking_parameters_and_amp_resolve_to_the_canonical_page(crawled: Crawled) -> None:
    with_utm = crawled.article("/cnn/read/cnn-001")
    assert with_utm is not None and "utm_" not in with_utm.canonical_url and "utm_" in with_utm.url
    amp = crawled.article("/cnn/read/cnn-002")
    assert amp is not None and not amp.canonical_url.endswith("/amp")
    assert crawled.server.hits("/cnn/read/cnn-002/amp") == 0  # second crawl: known, not fetched again


def test_syndicated_copies_share_a_cluster(crawled: Crawled) -> None:
    for slug, original in (
        ("cnn-000", "/cnn/read/cnn-000"),
        ("cnn-017", "/cnn/read/cnn-017"),
        ("detik-013", "/detik/read/detik-013"),
    ):
        copy = crawled.article(f"/mirror/read/{slug}-salinan")
        orig = crawled.article(original)
        assert copy is not None and orig is not None
        assert copy.id != orig.id and copy.cluster_id == orig.cluster_id
    clusters = {a.cluster_id for a in (crawled.article(p) for p in crawled.server.site.stories) if a}
    assert len(clusters) < len([p for p in crawled.server.site.stories if crawled.article(p)])


def test_dates_are_utc_and_match_the_page(crawled: Crawled) -> None:
    for path, story in crawled.server.site.stories.items():
        a = crawled.article(path)
        if a is None:
            continue
        assert a.published_at.utcoffset() is not None and a.published_at.tzinfo is not None
        if story.layout == "gov" and int(story.slug.rsplit("-", 1)[1]) % 2 == 0:
            # the office prints only the day; the day (in WITA) must be right
            assert a.published_at.astimezone(WITA).date() == story.published.astimezone(WITA).date(), path
        else:
            # pages print minutes; feeds and meta tags carry seconds
            assert abs((a.published_at - story.published).total_seconds()) < 60, path
        assert a.published_at <= a.crawled_at


def test_kaltim_articles_are_region_tagged_with_evidence(crawled: Crawled) -> None:
    pupr = [crawled.article(p) for p, s in crawled.server.site.stories.items() if s.outlet == "pupr"]
    tagged = [a for a in pupr if a and "64.72" in a.regions]
    assert len(tagged) >= 8  # Dinas PUPR Kota Samarinda press releases
    ev = tagged[0].region_evidence
    assert any(e.code == "64.72" and "Samarinda" in e.alias for e in ev)
    antara = crawled.article("/antara/read/antara-000")
    assert antara is not None and "64" in antara.regions and antara.source == "antara-peta"


def test_source_metadata_is_kept(crawled: Crawled) -> None:
    gov = crawled.article("/pupr/berita/pupr-000")
    assert gov is not None and gov.source == "pupr" and gov.source_type == "government"
    detik = crawled.article("/detik/read/detik-001")
    assert detik is not None and detik.authors and detik.lang == "id" and detik.nlp_status == "pending"
    assert isinstance(detik.crawled_at, datetime)


def test_crawl_runs_are_stored_per_source(crawled: Crawled) -> None:
    last = crawled.store.last_crawls()
    assert set(last) == {s["name"] for s in sources(crawled.server.base)}
    assert last["cnn"].new == 0 and last["cnn"].dropped.get("skipped_already_stored") == 22
