"""Public posts in the store: platform and engagement survive a round trip on every backend, and
search, counts, facets and trends filter by source type and platform (the contract, per backend)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from index import Filters, Store
from index.elastic import ElasticStore
from index.es_templates import TEMPLATES_DIR
from index.sqlite import SqliteStore
from pantau.article import Article, Engagement, InvalidArticle
from tests.corpus import BASE, corpus


def post(n: int, platform: str, text: str, *, hours: float = 0, engagement: Engagement | None = None,
         regions: tuple[str, ...] = ("64.72",)) -> Article:
    return Article.create(
        url=f"https://posts.example.id/{platform}/{n}",
        title=text[:60],
        body=text,
        source=f"{platform}-humas",
        source_type="social",
        platform=platform,
        authors=(f"@humas{n}",),
        published_at=BASE + timedelta(hours=hours),
        crawled_at=BASE + timedelta(hours=hours, minutes=1),
        regions=regions,
        engagement=engagement,
    )


def posts() -> list[Article]:
    return [
        post(1, "telegram", "Banjir di Samarinda, warga diminta waspada", hours=2,
             engagement=Engagement(views=15300)),
        post(2, "mastodon", "Jalan rusak di Samarinda belum juga diperbaiki #samarinda", hours=3,
             engagement=Engagement(likes=4, reposts=2, replies=1)),
        post(3, "youtube", "Liputan banjir Samarinda hari ini", hours=4,
             engagement=Engagement(likes=120, views=8800)),
    ]


@pytest.fixture
def mixed(store: Store) -> Store:
    result = store.upsert([*corpus(), *posts()])
    assert result.indexed == 11 and result.rejected == []
    store.refresh()
    return store


def test_platform_and_engagement_round_trip(mixed: Store) -> None:
    originals = {a.id: a for a in posts()}
    stored = mixed.get(list(originals))
    assert {aid: a.to_dict() for aid, a in stored.items()} == {aid: a.to_dict() for aid, a in originals.items()}
    youtube = next(a for a in stored.values() if a.platform == "youtube")
    assert youtube.engagement == Engagement(likes=120, views=8800)
    assert youtube.authors == ("@humas3",)
    news = next(iter(mixed.get([corpus()[0].id]).values()))
    assert news.platform == "" and news.engagement is None


def test_filter_by_source_type_and_platform(mixed: Store) -> None:
    social = mixed.search("", Filters(source_types=("social",)), sort="oldest")
    assert social.total == 3
    assert [h.article.platform for h in social.hits] == ["telegram", "mastodon", "youtube"]
    assert mixed.count(Filters(source_types=("news",))) == 8
    assert mixed.count(Filters(platforms=("telegram", "youtube"))) == 2
    assert mixed.search("banjir", Filters(platforms=("youtube",))).total == 1
    assert mixed.search("banjir", Filters(source_types=("news",))).total == 2
    one_region = Filters(regions=("64.72",), platforms=("mastodon",))
    assert mixed.count(one_region) == 1
    assert mixed.count(Filters(regions=("64.72",), source_types=("social",), since=BASE + timedelta(hours=3))) == 2


def test_trends_and_region_counts_split_posts_from_news(mixed: Store) -> None:
    window = Filters(source_types=("social",), since=BASE, until=BASE + timedelta(days=1))
    buckets = mixed.timeseries(window, interval="day", tz="Asia/Makassar")
    assert sum(b.total for b in buckets) == 3
    by_region = mixed.region_counts(Filters(regions=("64.72",), platforms=("telegram",)))
    assert by_region["64.72"]["total"] == 1
    everything = mixed.timeseries(interval="day")
    assert sum(b.total for b in everything) == 11


def test_platform_facet_counts_posts_only(mixed: Store) -> None:
    f = mixed.facets(fields=("platform", "source_type"))
    assert f["platform"] == {"mastodon": 1, "telegram": 1, "youtube": 1}
    assert f["source_type"] == {"news": 8, "social": 3}


def test_engagement_is_validated() -> None:
    with pytest.raises(InvalidArticle, match=r"engagement\.views"):
        Engagement(views=-1)
    with pytest.raises(InvalidArticle, match="engagement"):
        Article.from_dict({**posts()[0].to_dict(), "engagement": {"hearts": 3}})
    with pytest.raises(InvalidArticle, match="platform"):
        Article.from_dict({**corpus()[0].to_dict(), "platform": "telegram"})  # news names no platform
    with pytest.raises(InvalidArticle, match="platform"):
        Article.from_dict({**posts()[0].to_dict(), "platform": "Tele Gram"})
    assert Article.from_dict(posts()[1].to_dict()) == posts()[1]


def test_an_older_sqlite_file_gets_the_platform_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = SqliteStore(url)
    store.upsert(corpus())
    store.close()
    con = sqlite3.connect(tmp_path / "old.db")
    con.execute("ALTER TABLE articles DROP COLUMN platform")  # the file as Pantau wrote it before public posts
    con.close()
    store = SqliteStore(url)
    try:
        assert store.upsert(posts()).indexed == 3
        assert store.count(Filters(platforms=("telegram",))) == 1
        assert store.count(Filters(source_types=("news",))) == 8
    finally:
        store.close()


def test_elasticsearch_indices_of_mapping_version_1_keep_taking_news(es_store: ElasticStore, tmp_path: Path) -> None:
    """A store created before public posts: news still goes in, a post is refused with the mapping's reason
    (``pantau index reindex --version 2`` moves the store to the mapping that has platform and engagement)."""
    shutil.copy(TEMPLATES_DIR / "articles-v1.json", tmp_path)
    shutil.copy(TEMPLATES_DIR / "crawls-v1.json", tmp_path)
    old = ElasticStore(es_store.url, prefix=es_store.names.prefix, refresh=True, templates_dir=tmp_path)
    try:
        result = old.upsert([*corpus(), posts()[0]])
        assert result.indexed == 8
        assert [r.id for r in result.rejected] == [posts()[0].id]
        assert "platform" in result.rejected[0].reason
        ranked = old.search("", sort="engagement")  # no engagement_score in this mapping: every article ties
        assert ranked.total == 8 and [h.article.id for h in ranked.hits] == [
            h.article.id for h in old.search("", sort="newest").hits]
        assert {(old.names.parse(i) or (0, ""))[0] for i in old.alias_indices()} == {1}
    finally:
        old.close()


def test_sort_by_engagement_ranks_posts_then_news(mixed: Store) -> None:
    """youtube 120 likes + 8,800 views = 208 (likes + 2 x reposts + replies + views / 100), telegram
    15,300 views = 153, mastodon 4 + 2 x 2 + 1 = 9; news has no engagement and follows, newest first."""
    news_newest_first = [h.article.id for h in mixed.search("", Filters(source_types=("news",)), sort="newest").hits]
    ranked = mixed.search("", sort="engagement", size=20)
    assert ranked.total == 11
    assert [h.article.platform for h in ranked.hits[:3]] == ["youtube", "telegram", "mastodon"]
    assert [h.article.id for h in ranked.hits[3:]] == news_newest_first
    second_page = mixed.search("", sort="engagement", page=2, size=2)
    assert [h.article.id for h in second_page.hits] == [h.article.id for h in ranked.hits[2:4]]
    # With words to match the order is still by engagement, not by relevance.
    banjir = mixed.search("banjir", sort="engagement")
    assert [h.article.platform for h in banjir.hits] == ["youtube", "telegram", "", ""]
    assert banjir.hits[2].article.published_at >= banjir.hits[3].article.published_at
    excluded = mixed.search("-jalan", Filters(source_types=("social",)), sort="engagement")
    assert [h.article.platform for h in excluded.hits] == ["youtube", "telegram"]


def test_engagement_ties_go_newest_first_and_empty_engagement_counts_as_none(store: Store) -> None:
    tied = [post(10, "mastodon", "Pagi di Balikpapan", hours=1, engagement=Engagement(likes=5)),
            post(11, "mastodon", "Sore di Balikpapan", hours=5, engagement=Engagement(likes=3, replies=2)),
            post(12, "telegram", "Malam di Balikpapan", hours=9, engagement=Engagement()),
            post(13, "telegram", "Subuh di Balikpapan", hours=0, engagement=Engagement(views=0))]
    assert store.upsert(tied).indexed == 4
    store.refresh()
    ranked = [h.article.id for h in store.search("Balikpapan", sort="engagement").hits]
    # 11 and 10 score 5 each (11 is newer); 13 shows a count of 0, which still ranks above none at all.
    assert ranked == [tied[1].id, tied[0].id, tied[3].id, tied[2].id]


def test_an_older_sqlite_file_gets_engagement_scores_from_its_posts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = SqliteStore(url)
    store.upsert([*corpus(), *posts()])
    store.close()
    con = sqlite3.connect(tmp_path / "old.db")
    con.execute("ALTER TABLE articles DROP COLUMN engagement")  # the file as Pantau wrote it before this sort
    con.close()
    store = SqliteStore(url)
    try:
        ranked = store.search("", sort="engagement", size=4)
        assert [h.article.platform for h in ranked.hits] == ["youtube", "telegram", "mastodon", ""]
    finally:
        store.close()
