"""Elasticsearch-specific behaviour of ElasticStore, against the real server.

The shared contract suite checks what both backends must agree on; these tests pin what
only the Elasticsearch layout has: monthly indices behind an alias, the strict mapping,
the built-in Indonesian analyzer, month moves, and how failures are sorted.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from index import es_query
from index.elastic import ElasticStore, ElasticUnavailable
from index.es_query import parse
from index.sqlite import SqliteStore
from index.store import Filters, ScoreUpdate, StoreError
from pantau.article import Article, Feedback, Sentiment, Topic
from tests.es_server import synthetic_articles

pytestmark = pytest.mark.es


def _article(n: int, published: datetime, title: str = "Banjir di Samarinda", **fields: object) -> Article:
    return Article.create(
        url=f"https://kaltim.example.id/berita/{n}",
        title=title,
        body="Banjir merendam permukiman warga di Samarinda.",
        source="antara-kaltim",
        published_at=published,
        crawled_at=published + timedelta(minutes=5),
        regions=("64.72",),
        **fields,
    )


def test_monthly_indices_behind_the_read_alias(es_store: ElasticStore) -> None:
    articles = synthetic_articles(60, days=90)  # May, June, July 2025
    result = es_store.upsert(articles)
    assert (result.indexed, result.rejected) == (60, [])
    prefix = es_store.names.prefix
    assert es_store.alias_indices() == [f"{prefix}-articles-v2-2025.05", f"{prefix}-articles-v2-2025.06",
                                        f"{prefix}-articles-v2-2025.07"]
    for index in es_store.alias_indices():
        month = index.rsplit("-", 1)[1]
        docs = es_store.client.search(index=index, size=100, source_includes=["published_at"]).body["hits"]["hits"]
        assert docs and all(d["_source"]["published_at"][:7].replace("-", ".") == month for d in docs)
    assert es_store.count() == 60


def test_mapping_is_strict_and_uses_the_builtin_indonesian_analyzer(es_store: ElasticStore) -> None:
    es_store.upsert([_article(1, datetime(2025, 7, 1, tzinfo=UTC))])
    index = es_store.alias_indices()[0]
    mapping = es_store.client.indices.get_mapping(index=index).body[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    tokens = es_store.client.indices.analyze(
        index=index, field="body", text="Banjir dan longsor di Samarinda yang terjadi pada hari ini"
    ).body["tokens"]
    # "dan", "di", "yang", "pada", "ini" are in Lucene's Indonesian stop list.
    assert [t["token"] for t in tokens] == ["banjir", "longsor", "samarinda", "terjadi", "hari"]
    assert es_store.search("yang banjir").total == 1  # a stopword never makes a query match nothing


def test_unknown_field_is_rejected_by_the_mapping_with_its_reason(es_store: ElasticStore) -> None:
    good = _article(1, datetime(2025, 7, 1, tzinfo=UTC))
    es_store.upsert([good])  # creates the month's index through the template
    index = es_store.alias_indices()[0]
    doc = {**es_store.get([good.id])[good.id].to_dict(), "sentimen_label": "negatif"}
    result = es_store.index_documents([("typo-field", index, doc)])
    assert result.indexed == 0
    assert [r.id for r in result.rejected] == ["typo-field"]
    assert "strict_dynamic_mapping_exception" in result.rejected[0].reason
    assert "sentimen_label" in result.rejected[0].reason
    assert es_store.count() == 1


def test_month_move_leaves_one_copy(es_store: ElasticStore) -> None:
    july = _article(1, datetime(2025, 7, 31, 20, tzinfo=UTC))
    august = july.replace(published_at=datetime(2025, 8, 1, 2, tzinfo=UTC), title="Banjir di Samarinda (ralat)")
    assert es_store.upsert([july]).indexed == 1
    assert es_store.upsert([august]).indexed == 1
    assert es_store.count() == 1
    assert es_store.get([july.id])[july.id].to_dict() == august.to_dict()
    hits = es_store.client.search(index=es_store.names.read_alias, query={"ids": {"values": [july.id]}}).body
    assert [h["_index"] for h in hits["hits"]["hits"]] == [f"{es_store.names.prefix}-articles-v2-2025.08"]
    # Back again, and both moves inside one call: still one copy, the last one wins.
    result = es_store.upsert([august.replace(published_at=datetime(2025, 6, 1, tzinfo=UTC)), july])
    assert result.indexed == 2
    assert es_store.count() == 1
    assert es_store.get([july.id])[july.id].published_at == july.published_at
    # A move whose new version the server refuses keeps the stored copy instead of losing both.
    refused = august.replace(sentiment=Sentiment(label="neutral", score=float("nan")), nlp_status="scored")
    result = es_store.upsert([refused])
    assert (result.indexed, [r.id for r in result.rejected]) == (0, [july.id])
    assert es_store.count() == 1
    assert es_store.get([july.id])[july.id].to_dict() == july.to_dict()


def test_month_move_without_refresh_in_between(es_url: str) -> None:
    """Back-to-back writes from one process: the move is found before search could see the first write."""
    store = ElasticStore(es_url, prefix="pantau-test-norefresh", refresh=False)
    store.drop()
    try:
        july = _article(7, datetime(2025, 7, 15, tzinfo=UTC))
        store.upsert([july])
        store.upsert([july.replace(published_at=datetime(2025, 9, 1, tzinfo=UTC))])
        store.refresh()
        assert store.count() == 1
        # A second process (another store object) moving it again finds it through search.
        other = ElasticStore(es_url, prefix="pantau-test-norefresh", refresh=True)
        other.upsert([july])
        other.close()
        store.refresh()
        assert store.count() == 1
        assert store.get([july.id])[july.id].published_at == july.published_at
    finally:
        store.drop()
        store.close()


def test_values_the_record_allows_but_the_server_refuses_are_counted(es_store: ElasticStore) -> None:
    base = datetime(2025, 7, 1, tzinfo=UTC)
    nan = _article(1, base, sentiment=Sentiment(label="negative", score=float("nan")), nlp_status="scored")
    inf = _article(2, base, topics=(Topic(label="bencana", score=float("inf")),))
    immense = Article.create(url="https://kaltim.example.id/" + "x" * 40_000, title="Judul", body="Isi",
                             source="antara-kaltim", published_at=base)
    good = _article(4, base)
    result = es_store.upsert([nan, inf, immense, good])
    assert result.indexed == 1
    reasons = {r.id: r.reason for r in result.rejected}
    assert set(reasons) == {nan.id, inf.id, immense.id}
    assert "Non-standard token 'NaN'" in reasons[nan.id]
    assert "Non-standard token 'Infinity'" in reasons[inf.id]
    assert "immense term" in reasons[immense.id]
    assert all(r.startswith("elasticsearch 400 ") for r in reasons.values())
    assert es_store.count() == 1


def test_unreachable_server_raises_store_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    store = ElasticStore(f"http://humas:s3cret@127.0.0.1:{port}", prefix="nobody", request_timeout=2)
    with pytest.raises(ElasticUnavailable, match="unreachable") as caught:
        store.upsert([_article(1, datetime(2025, 7, 1, tzinfo=UTC))])
    assert "s3cret" not in str(caught.value) and "humas:***@" in str(caught.value)
    with pytest.raises(StoreError):
        store.search("banjir")
    store.close()


def test_hostile_search_text_never_raises(es_store: ElasticStore) -> None:
    es_store.upsert(synthetic_articles(30))
    for text in ['"', '""', "-", "OR", "OR OR", "a OR", "+-|", "*", "~2", "(", ")", "\\", "/", "banjir~",
                 'banjir" OR "', "<script>alert(1)</script>", "title:banjir", "a AND b", "NOT banjir",
                 "\x00", "🌊 banjir", "-\"longsor jalan\" banjir|longsor", "banjir*", "x" * 5000]:
        result = es_store.search(text)
        assert result.total >= 0


def test_search_text_reduces_to_the_documented_subset() -> None:
    assert parse("banjir samarinda").groups == (("banjir",), ("samarinda",))
    assert parse("banjir OR longsor samarinda").groups == (("banjir", "longsor"), ("samarinda",))
    assert parse('"jalan rusak" -tambang').groups == (('"jalan rusak"',),)
    assert parse('"jalan rusak" -tambang').negatives == ("tambang",)
    assert parse("covid-19 (kutim) a|b").groups == (('"covid 19"',), ("kutim",), ('"a b"',))
    assert parse("* ~ + | OR").groups == ()


def test_highlights_escape_scraped_html(es_store: ElasticStore) -> None:
    article = Article.create(url="https://kaltim.example.id/x", title="<b>Banjir</b> & longsor",
                             body="Warga <script>alert(1)</script> melaporkan banjir.", source="antara-kaltim",
                             published_at=datetime(2025, 7, 1, tzinfo=UTC))
    es_store.upsert([article])
    hit = es_store.search("banjir").hits[0]
    assert hit.highlights["title"] == ["&lt;b&gt;<mark>Banjir</mark>&lt;&#x2F;b&gt; &amp; longsor"]
    assert "<script>" not in hit.highlights["body"][0]
    assert "<mark>banjir</mark>" in hit.highlights["body"][0]


def test_scores_and_feedback_rewrite_the_whole_document(es_store: ElasticStore) -> None:
    article = _article(1, datetime(2025, 7, 1, tzinfo=UTC),
                       sentiment=Sentiment(label="negative", score=0.9,
                                           probs={"negative": 0.9, "neutral": 0.05, "positive": 0.05}, model="m1"),
                       nlp_status="scored")
    es_store.upsert([article])
    new = Sentiment(label="positive", score=0.6, probs={"positive": 0.6}, model="m2")
    assert es_store.set_scores([ScoreUpdate(id=article.id, sentiment=new, topics=(Topic(label="ikn", score=0.7),),
                                            nlp_version="m2"), ScoreUpdate(id="missing", sentiment=None)]) == 1
    stored = es_store.get([article.id])[article.id]
    assert stored.sentiment == new  # probs replaced, not merged with the old ones
    assert stored.topics == (Topic(label="ikn", score=0.7),)
    fb = Feedback(field="sentiment", value="negative", by="humas-samarinda", at=datetime(2025, 7, 2, tzinfo=UTC))
    assert es_store.add_feedback(article.id, fb)
    assert es_store.add_feedback(article.id, fb)
    assert not es_store.add_feedback("missing", fb)
    assert es_store.get([article.id])[article.id].feedback == (fb, fb)


def test_feedback_right_after_a_write_finds_the_unrefreshed_article(es_url: str) -> None:
    store = ElasticStore(es_url, prefix="pantau-test-realtime", refresh=False)
    store.drop()
    try:
        article = _article(1, datetime(2025, 7, 1, tzinfo=UTC))
        store.upsert([article])
        fb = Feedback(field="sentiment", value="neutral", by="humas", at=datetime(2025, 7, 2, tzinfo=UTC))
        assert store.add_feedback(article.id, fb)  # real-time GET, before any refresh
        assert store.get([article.id])[article.id].feedback == (fb,)
    finally:
        store.drop()
        store.close()


def test_reads_agree_with_sqlite_on_synthetic_coverage(es_store: ElasticStore, sqlite_url: str) -> None:
    """Every read of the contract on 400 varied articles: the two backends give the same answers."""
    articles = synthetic_articles(400, seed=11)
    lite = SqliteStore(sqlite_url)
    for store in (es_store, lite):
        assert store.upsert(articles).indexed == 400
    since = datetime(2025, 6, 1, tzinfo=UTC)
    filters = [None, Filters(regions=("64",)), Filters(regions=("64.72", "64.71"), sentiment=("negative",)),
               Filters(sentiment=("unscored",), since=since), Filters(topics=("ikn",), sources=("kaltimpost",)),
               Filters(since=since, until=since + timedelta(days=7))]
    for f in filters:
        assert es_store.count(f) == lite.count(f)
        assert es_store.region_counts(f) == lite.region_counts(f)
        assert es_store.facets("", f) == lite.facets("", f)
        for interval in ("hour", "day", "week", "month"):
            assert es_store.timeseries(f, interval=interval, tz="Asia/Makassar") == lite.timeseries(
                f, interval=interval, tz="Asia/Makassar")
        for query in ("banjir", "banjir OR longsor warga", '"batu bara" -sawit', "-tambang"):
            a, b = es_store.search(query, f, sort="newest", size=50), lite.search(query, f, sort="newest", size=50)
            assert a.total == b.total
            assert [h.article.id for h in a.hits] == [h.article.id for h in b.hits]
            assert set(a.hits[0].highlights if a.hits else {}) == set(b.hits[0].highlights if b.hits else {})
        es_top = es_store.top_stories(f, limit=5)
        lite_top = lite.top_stories(f, limit=5)
        assert [(s.count, s.negative) for s in es_top] == [(s.count, s.negative) for s in lite_top]
        for s, t in zip(es_top, lite_top, strict=True):
            if s.negative:  # SQLite ranks an all-unscored cluster's NULL negative count last; see report
                assert (s.cluster_id, s.lead.id, s.sources) == (t.cluster_id, t.lead.id, t.sources)
    assert es_store.status_counts() == lite.status_counts()
    assert [a.id for a in es_store.pending(25)] == [a.id for a in lite.pending(25)]
    got = es_store.get([a.id for a in articles])
    assert {k: v.to_dict() for k, v in got.items()} == {a.id: a.to_dict() for a in articles}
    lite.close()


def test_top_stories_single_month_shortcut_matches_the_exact_ranking(es_store: ElasticStore) -> None:
    articles = synthetic_articles(900, seed=13, days=60)
    es_store.upsert(articles)
    june = Filters(since=datetime(2025, 6, 3, tzinfo=UTC), until=datetime(2025, 6, 20, tzinfo=UTC))
    assert es_store._indices_for(june) == [f"{es_store.names.prefix}-articles-v2-2025.06"]
    base = es_query.filters_query(june)
    shortcut = es_store._rank_clusters(base, june, 15)
    exact = es_store._rank_clusters(base, None, 15)  # no window known: composite over every cluster
    assert shortcut == exact and len(shortcut) == 15
    assert [(s.negative, s.count, s.cluster_id) for s in es_store.top_stories(june, limit=15)] == shortcut


def test_drop_removes_only_its_own_prefix(es_store: ElasticStore) -> None:
    longer = ElasticStore(es_store.url, prefix=es_store.names.prefix + "-kaltim", refresh=True)
    try:
        article = _article(1, datetime(2025, 7, 1, tzinfo=UTC))
        es_store.upsert([article])
        longer.upsert([article])
        es_store.drop()
        assert es_store.count() == 0 and es_store.alias_indices() == []
        assert longer.count() == 1
    finally:
        longer.drop()
        longer.close()


def test_a_stray_second_copy_is_visible_and_the_next_upsert_removes_it(es_store: ElasticStore) -> None:
    """Two processes racing a month move inside one refresh could leave two copies; they heal."""
    article = _article(1, datetime(2025, 7, 10, tzinfo=UTC))
    es_store.upsert([article])
    stray = es_store.names.monthly(es_store.write_version(), datetime(2025, 8, 1, tzinfo=UTC))
    assert es_store.index_documents([(article.id, stray, article.to_dict())]).indexed == 1
    es_store.refresh()
    assert [a.id for a in es_store.iter_articles()] == [article.id, article.id]
    assert es_store.upsert([article]).indexed == 1
    assert [a.id for a in es_store.iter_articles()] == [article.id]
    assert es_store.count() == 1
