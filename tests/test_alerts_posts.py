"""Public posts are judged apart from news: each has its own series and baseline per region and topic,
an alert says which it is (subject, body, dashboard link, ``pantau alert --json``), and the two never
share an episode. Real SQLite (and Elasticsearch for the both-backends check) and a real SMTP server."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.run import run_alerts
from alerts.watch import Watch
from index import Store
from index.elastic import ElasticStore
from index.sqlite import SqliteStore
from pantau.article import Article, Engagement
from tests.alerts_world import NOW, coverage, settings, spike
from tests.mailsink import MailServer

SOCIAL_SPIKE = "region:64.72|source_type:social#spike"


def as_posts(articles: list[Article], platform: str = "telegram") -> list[Article]:
    return [dataclasses.replace(a, source_type="social", platform=platform, authors=("@wargasamarinda",),
                                engagement=Engagement(views=100 + i)) for i, a in enumerate(articles)]


def ordinary_posts() -> list[Article]:
    """Two weeks of everyday posts about Samarinda: the posts' own baseline."""
    return as_posts(coverage("64.72", seed=5, per_day=12, source="telegram-warga"))


def post_flood(count: int) -> list[Article]:
    return as_posts(spike("64.72", count, NOW.replace(minute=0) - timedelta(hours=6), 6, seed=8,
                          source="telegram-warga", titles=("Banjir di {place}, air masuk rumah warga",)))


def news() -> list[Article]:
    return coverage("64.72") + coverage("64.71", per_day=14)


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    yield s
    s.close()


def test_posts_spiking_while_news_is_flat_raise_a_posts_alert_only(sqlite: SqliteStore, mail: MailServer) -> None:
    sqlite.upsert(news() + ordinary_posts() + post_flood(14))
    report = run_alerts(sqlite, settings(sqlite.url, mail.port), NOW)
    assert [c.key for c in report.conditions] == [SOCIAL_SPIKE]
    out = json.loads(json.dumps(report.to_dict()))  # what `pantau alert --json` prints
    assert [(a["key"], a["source_type"]) for a in out["alerts"]] == [(SOCIAL_SPIKE, "social")]
    assert [a["source_type"] for a in out["active"]] == ["social"]
    assert out["watches"] == 4  # Samarinda and Balikpapan, each on news and on posts
    assert len(mail.received) == 2  # the province's office and the city's
    message = mail.received[0].message
    subject = str(message["Subject"])
    assert "Kota Samarinda · Unggahan publik" in subject and "unggahan negatif dalam" in subject
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "lonjakan unggahan publik negatif" in text and "dinilai terpisah dari berita" in text
    assert "source_type=social" in text  # the dashboard link opens the posts, not the news


def test_news_spiking_with_posts_flat_keeps_the_news_alert_as_it_was(sqlite: SqliteStore, mail: MailServer) -> None:
    flood = spike("64.72", 9, NOW.replace(minute=0) - timedelta(hours=6), 6)
    sqlite.upsert(news() + ordinary_posts() + flood)
    report = run_alerts(sqlite, settings(sqlite.url, mail.port), NOW)
    assert [c.key for c in report.conditions] == ["region:64.72#spike"]
    assert [a["source_type"] for a in report.to_dict()["alerts"]] == ["news"]
    subject = str(mail.received[0].message["Subject"])
    assert "berita negatif dalam" in subject and "Unggahan publik" not in subject


def test_the_news_verdict_is_the_same_with_or_without_posts_in_the_store(tmp_path: Path, mail: MailServer) -> None:
    """Adding a fortnight of posts (and a post flood) changes nothing about how news is judged."""
    flood = spike("64.72", 9, NOW.replace(minute=0) - timedelta(hours=6), 6)
    verdicts = []
    for name, posts in (("plain", []), ("posts", ordinary_posts() + post_flood(14))):
        store = SqliteStore(f"sqlite:///{tmp_path / f'{name}.db'}")
        store.upsert(news() + flood + posts)
        report = run_alerts(store, settings(store.url, mail.port), NOW, dry_run=True)
        verdicts.append([(c.key, c.severity, c.verdict.to_dict() if c.verdict else None, c.windows)
                         for c in report.conditions if c.watch.source_type == "news"])
        store.close()
    assert verdicts[0] == verdicts[1] and verdicts[0][0][0] == "region:64.72#spike"


def test_posts_and_news_episodes_have_their_own_keys() -> None:
    news_watch = Watch(kind="region_topic", region="64.72", topic="bencana", source_type="news")
    posts_watch = dataclasses.replace(news_watch, source_type="social")
    assert news_watch.key == "region:64.72|topic:bencana"  # as before public posts: stored episodes carry on
    assert posts_watch.key == "region:64.72|topic:bencana|source_type:social"
    assert posts_watch.filters().source_types == ("social",)
    assert "social" not in news_watch.filters().source_types and "news" in news_watch.filters().source_types
    assert Watch.from_dict(posts_watch.to_dict()) == posts_watch
    old = {k: v for k, v in news_watch.to_dict().items() if k != "source_type"}  # an episode stored before
    assert Watch.from_dict(old).key == news_watch.key
    assert posts_watch.label({"bencana": "Bencana"}) == "Kota Samarinda · Bencana · Unggahan publik"


def test_the_first_posts_of_a_new_connector_are_no_spike(sqlite: SqliteStore, mail: MailServer) -> None:
    """Posts that began arriving today have no baseline yet: no alert, whatever their number."""
    sqlite.upsert(news() + post_flood(30))
    report = run_alerts(sqlite, settings(sqlite.url, mail.port), NOW)
    assert report.conditions == [] and mail.received == []


@pytest.mark.es
def test_both_backends_raise_the_same_posts_alert(tmp_path: Path, es_store: ElasticStore) -> None:
    world = news() + ordinary_posts() + post_flood(14)
    sqlite = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    outcomes = []
    stores: tuple[Store, ...] = (sqlite, es_store)
    for store in stores:
        assert store.upsert(world).indexed == len(world)
        report = run_alerts(store, settings("sqlite:///unused.db", 9), NOW, dry_run=True)
        outcomes.append(sorted((c.key, c.severity, c.verdict.observed if c.verdict else None,
                                round(c.verdict.expected, 6) if c.verdict else None) for c in report.conditions))
    sqlite.close()
    assert outcomes[0] == outcomes[1] and [k for k, *_ in outcomes[0]] == [SOCIAL_SPIKE]
