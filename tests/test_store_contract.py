"""The Store contract, run unchanged against every backend in ``conftest.BACKENDS``.

The expected numbers are read off ``tests/corpus.py`` by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from index import CrawlRun, Filters, ScoreUpdate, Store
from pantau.article import Feedback, Sentiment, Topic
from tests.corpus import BASE, corpus, make


@pytest.fixture
def loaded(store: Store) -> Store:
    result = store.upsert(corpus())
    assert result.indexed == 8 and result.rejected == []
    return store


def ids(result_hits: list) -> set[str]:  # type: ignore[type-arg]
    return {h.article.url.rsplit("/", 1)[1] for h in result_hits}


def test_upsert_is_idempotent_by_id(loaded: Store) -> None:
    again = loaded.upsert(corpus())
    assert again.indexed == 8
    assert loaded.count() == 8
    assert loaded.search("").total == 8


def test_upsert_replaces_text_in_the_full_text_index(loaded: Store) -> None:
    first = corpus()[0]
    loaded.upsert([first.replace(title="Longsor di Samarinda", body="Tanah longsor menimpa rumah warga.")])
    assert loaded.count() == 8
    assert loaded.search("longsor").total == 1
    assert ids(loaded.search("merendam").hits) == set()
    assert loaded.get([first.id])[first.id].title == "Longsor di Samarinda"


def test_round_trip_keeps_every_field(loaded: Store) -> None:
    originals = {a.id: a for a in corpus()}
    stored = loaded.get([*originals, "no-such-id"])
    assert set(stored) == set(originals)
    for aid, article in originals.items():
        assert stored[aid].to_dict() == article.to_dict()


def test_pending_and_set_scores(loaded: Store) -> None:
    assert loaded.status_counts() == {"pending": 1, "scored": 7, "failed": 0}
    pending = loaded.pending(limit=10)
    assert [a.title for a in pending] == ["Festival budaya Dayak di Mahakam Ulu"]
    target = pending[0]
    updated = loaded.set_scores(
        [
            ScoreUpdate(id=target.id, sentiment=Sentiment(label="positive", score=0.7, probs={"positive": 0.7}),
                        topics=(Topic(label="pariwisata", score=0.9),), nlp_version="m1"),
            ScoreUpdate(id="missing", sentiment=None, failed_reason="gone"),
        ]
    )
    assert updated == 1
    assert loaded.pending() == []
    assert loaded.status_counts() == {"pending": 0, "scored": 8, "failed": 0}
    after = loaded.get([target.id])[target.id]
    assert after.sentiment is not None and after.sentiment.label == "positive"
    assert after.nlp_version == "m1" and after.nlp_status == "scored"
    assert [t.label for t in after.topics] == ["pariwisata"]
    assert loaded.search("", Filters(topics=("sosial & budaya",))).total == 0
    assert loaded.search("", Filters(topics=("pariwisata",))).total == 1


def test_failed_scoring_is_visible(loaded: Store) -> None:
    target = loaded.pending()[0]
    loaded.set_scores([ScoreUpdate(id=target.id, sentiment=None, failed_reason="text too short")])
    assert loaded.status_counts()["failed"] == 1
    assert loaded.pending() == []


def test_search_text_phrase_exclusion_or(loaded: Store) -> None:
    assert ids(loaded.search("banjir").hits) == {"1", "2"}
    assert ids(loaded.search('"ratusan rumah"').hits) == {"1", "2"}
    assert ids(loaded.search("banjir -bpbd").hits) == {"1"}
    assert ids(loaded.search("cabai OR tol").hits) == {"3", "8"}
    assert ids(loaded.search("samarinda tol").hits) == {"3"}
    assert loaded.search("kata-yang-tidak-ada").total == 0


def test_search_filters(loaded: Store) -> None:
    assert loaded.search("", Filters(regions=("64",))).total == 7  # hierarchical: all Kaltim
    assert ids(loaded.search("", Filters(regions=("64.72",))).hits) == {"1", "2", "3"}
    assert ids(loaded.search("", Filters(regions=("64.08", "31"))).hits) == {"4", "8"}
    assert ids(loaded.search("", Filters(sentiment=("negative",))).hits) == {"1", "2", "6", "8"}
    assert ids(loaded.search("", Filters(sentiment=("unscored",))).hits) == {"7"}
    assert ids(loaded.search("", Filters(topics=("infrastruktur",))).hits) == {"3", "6"}
    assert ids(loaded.search("", Filters(sources=("tribun-kaltim",))).hits) == {"2", "7"}
    window = Filters(since=BASE + timedelta(hours=24), until=BASE + timedelta(hours=48))
    assert ids(loaded.search("", window).hits) == {"4", "5"}
    edge = Filters(since=BASE + timedelta(hours=26), until=BASE + timedelta(hours=28))
    assert ids(loaded.search("", edge).hits) == {"4"}  # since inclusive, until exclusive
    both = Filters(regions=("64",), sentiment=("negative",))
    assert ids(loaded.search("", both).hits) == {"1", "2", "6"}
    assert ids(loaded.search("samarinda", Filters(sources=("antara-kaltim",))).hits) == {"1", "3"}


def test_search_sort_and_paging(loaded: Store) -> None:
    newest = loaded.search("", sort="newest", size=100)
    assert [h.article.url[-1] for h in newest.hits] == list("87654321")
    oldest = loaded.search("", sort="oldest", size=100)
    assert [h.article.url[-1] for h in oldest.hits] == list("12345678")
    pages = [loaded.search("", sort="newest", page=p, size=3) for p in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [8, 8, 8, 8]
    assert [len(p.hits) for p in pages] == [3, 3, 2, 0]
    seen = [h.article.id for p in pages for h in p.hits]
    assert len(seen) == len(set(seen)) == 8
    with pytest.raises(ValueError):
        loaded.search("", sort="random")


def test_relevance_prefers_title_matches(loaded: Store) -> None:
    hits = loaded.search("samarinda").hits  # in the title of 1 and 2, only in the body of 3
    assert [h.article.url[-1] for h in hits][2:] == ["3"]
    assert {h.article.url[-1] for h in hits[:2]} == {"1", "2"}
    assert hits[0].score >= hits[2].score > 0


def test_highlights_are_escaped_and_marked(store: Store) -> None:
    nasty = make(20, "Warga <script>alert(1)</script> protes tambang", "Protes tambang & banjir <b>besar</b>.")
    store.upsert([nasty])
    hit = store.search("tambang").hits[0]
    title = hit.highlights["title"][0]
    assert "<mark>tambang</mark>" in title
    assert "&lt;script&gt;" in title and "<script>" not in title
    body = hit.highlights["body"][0]
    assert "<mark>tambang</mark>" in body and "&amp;" in body and "<b>" not in body


@pytest.mark.parametrize(
    "query",
    ['"NOT (', "NOT", "AND OR", "*", "NEAR(a b)", '"', "'", "-", "--", "title:banjir", "a:b:c", "^", "(((",
     "banjir AND", "OR banjir", '""', "-banjir", "😀", "\x00", "\\", "%_", "' OR 1=1 --"],
)
def test_hostile_queries_never_raise(loaded: Store, query: str) -> None:
    result = loaded.search(query)
    assert result.total == len(result.hits) or result.total > len(result.hits)
    loaded.facets(query)


def test_exclusion_only_query(loaded: Store) -> None:
    assert ids(loaded.search("-banjir").hits) == {"3", "4", "5", "6", "7", "8"}


def test_timeseries_by_day_in_wita(loaded: Store) -> None:
    buckets = loaded.timeseries(interval="day", tz="Asia/Makassar")
    starts = [b.start for b in buckets]
    assert starts == [datetime(2025, 6, 30, 16, tzinfo=UTC) + timedelta(days=d) for d in range(4)]
    assert [b.counts for b in buckets] == [
        {"positive": 1, "neutral": 0, "negative": 2, "unscored": 0},
        {"positive": 1, "neutral": 1, "negative": 0, "unscored": 0},
        {"positive": 0, "neutral": 0, "negative": 1, "unscored": 1},
        {"positive": 0, "neutral": 0, "negative": 1, "unscored": 0},
    ]
    assert sum(b.total for b in buckets) == 8
    kaltim_neg = loaded.timeseries(Filters(regions=("64",), sentiment=("negative",)), tz="Asia/Makassar")
    assert [b.total for b in kaltim_neg] == [2, 1]


def test_timeseries_day_boundary_follows_timezone(store: Store) -> None:
    late = make(30, "Kebakaran malam hari di Bontang", "Api melalap gudang.", regions=("64.74",),
                hours=17)  # 17:00 UTC on 1 July = 01:00 WITA on 2 July
    store.upsert([late])
    utc_day = store.timeseries(interval="day", tz="UTC")[0].start
    wita_day = store.timeseries(interval="day", tz="Asia/Makassar")[0].start
    assert utc_day == datetime(2025, 7, 1, tzinfo=UTC)
    assert wita_day == datetime(2025, 7, 1, 16, tzinfo=UTC)  # midnight of 2 July in WITA
    hours = store.timeseries(interval="hour", tz="Asia/Makassar")
    assert hours[0].start == datetime(2025, 7, 1, 17, tzinfo=UTC)
    weeks = store.timeseries(interval="week", tz="Asia/Makassar")
    assert weeks[0].start == datetime(2025, 6, 29, 16, tzinfo=UTC)  # Monday 30 June, WITA
    months = store.timeseries(interval="month", tz="Asia/Makassar")
    assert months[0].start == datetime(2025, 6, 30, 16, tzinfo=UTC)  # 1 July, WITA


def test_a_kecamatan_code_filters_and_counts_under_its_regency(store: Store) -> None:
    # An article tagged through a kecamatan carries the regency's code and the kecamatan's (Sepaku, 64.09.04).
    store.upsert([make(11, "Warga Sepaku keluhkan air bersih", "Warga Sepaku mengeluhkan air bersih.",
                       regions=("64.09", "64.09.04"), sentiment="negative"),
                  make(12, "Jalan Penajam diperbaiki", "Jalan di Penajam diperbaiki.", regions=("64.09",))])
    assert ids(store.search("", Filters(regions=("64.09.04",))).hits) == {"11"}
    assert ids(store.search("", Filters(regions=("64.09",))).hits) == {"11", "12"}
    assert store.count(Filters(regions=("64",))) == 2
    counts = store.region_counts()
    assert counts["64.09"]["total"] == 2 and counts["64.09.04"]["total"] == 1 and counts["64"]["total"] == 2


def test_region_counts(loaded: Store) -> None:
    counts = loaded.region_counts()
    assert counts["64"] == {"positive": 2, "neutral": 1, "negative": 3, "unscored": 1, "total": 7}
    assert counts["64.72"] == {"positive": 1, "neutral": 0, "negative": 2, "unscored": 0, "total": 3}
    assert counts["31"]["total"] == 1
    kaltim = loaded.region_counts(Filters(regions=("64",)))
    assert "31" not in kaltim and kaltim["64.72"]["total"] == 3
    day_one = loaded.region_counts(Filters(since=BASE, until=BASE + timedelta(hours=24)))
    assert day_one["64"]["total"] == 3 and day_one["64.71"]["total"] == 1


def test_facets(loaded: Store) -> None:
    f = loaded.facets()
    assert f["source"] == {"antara-kaltim": 4, "tribun-kaltim": 2, "niaga-asia": 1, "cnn-indonesia": 1}
    assert f["regions"]["64.72"] == 3 and f["regions"]["64"] == 1  # direct tags only
    assert f["sentiment"] == {"negative": 4, "positive": 2, "neutral": 1, "unscored": 1}
    assert f["topics"]["infrastruktur"] == 2 and f["topics"]["bencana"] == 2
    assert loaded.facets("banjir", fields=("source",)) == {"source": {"antara-kaltim": 1, "tribun-kaltim": 1}}


def test_top_stories_group_syndicated_copies(loaded: Store) -> None:
    stories = loaded.top_stories(Filters(regions=("64",)), limit=3)
    first = stories[0]
    assert first.cluster_id == "c-banjir"
    assert (first.count, first.negative) == (2, 2)
    assert first.lead.title == "Banjir rendam ratusan rumah di Samarinda"
    assert first.sources == ["antara-kaltim", "tribun-kaltim"]
    assert len(stories) == 3 and all(s.count == 1 for s in stories[1:])
    assert stories[1].negative == 1  # Kukar roads: the next negative story


def test_feedback(loaded: Store) -> None:
    target = corpus()[4]
    fb = Feedback(field="sentiment", value="negative", by="humas@kaltimprov", at=BASE + timedelta(days=3))
    assert loaded.add_feedback(target.id, fb) is True
    assert loaded.add_feedback("missing", fb) is False
    stored = loaded.get([target.id])[target.id]
    assert stored.feedback == (fb,)
    assert loaded.add_feedback(target.id, fb.__class__(field="topics", value="ekonomi", by="x", at=BASE))
    assert len(loaded.get([target.id])[target.id].feedback) == 2


def test_crawl_runs(store: Store) -> None:
    t0 = BASE
    store.record_crawl(CrawlRun(source="antara-kaltim", started_at=t0, finished_at=t0 + timedelta(minutes=2),
                                fetched=10, new=8, duplicate=2))
    later = CrawlRun(source="antara-kaltim", started_at=t0 + timedelta(hours=1),
                     finished_at=t0 + timedelta(hours=1, minutes=1), fetched=3, new=1, updated=1,
                     errors={"http_503": 2}, dropped={"not_indonesian": 1}, blocked=1)
    store.record_crawl(later)
    store.record_crawl(CrawlRun(source="tribun-kaltim", started_at=t0, finished_at=t0, fetched=0))
    runs = store.last_crawls()
    assert set(runs) == {"antara-kaltim", "tribun-kaltim"}
    assert runs["antara-kaltim"] == later


def test_count_matches_search_total(loaded: Store) -> None:
    for f in (Filters(), Filters(regions=("64.72",)), Filters(sentiment=("negative", "neutral"))):
        assert loaded.count(f) == loaded.search("", f).total


def test_top_stories_rank_unscored_clusters_by_size(store: Store) -> None:
    fresh = [make(40 + i, f"Kapal terbalik di Sungai Mahakam {i}", "Tim SAR mencari korban.", regions=("64.72",),
                  hours=i, cluster="c-kapal") for i in range(3)]
    single = make(50, "Rapat anggaran di Bontang", "Dewan membahas anggaran.", regions=("64.74",),
                  sentiment="neutral", hours=10)
    store.upsert([*fresh, single])
    stories = store.top_stories()
    assert [s.cluster_id for s in stories] == ["c-kapal", single.id]
    assert (stories[0].count, stories[0].negative) == (3, 0)
