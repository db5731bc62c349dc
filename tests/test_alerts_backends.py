"""Detection reads counts only through the Store contract, so both backends must raise the same alerts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alerts.run import run_alerts
from index.elastic import ElasticStore
from index.sqlite import SqliteStore
from pantau.article import Article
from tests.alerts_world import NOW, coverage, settings, spike
from tests.mailsink import MailServer


def world() -> list[Article]:
    return (coverage("64.72") + coverage("64.71", per_day=30, silent_from=NOW - timedelta(hours=40))
            + spike("64.72", 9, NOW.replace(minute=0) - timedelta(hours=6), 6))


@pytest.mark.es
def test_sqlite_and_elasticsearch_raise_the_same_alerts_and_emails(tmp_path: Path, es_store: ElasticStore) -> None:
    sqlite = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    articles = world()
    assert sqlite.upsert(articles).indexed == len(articles)
    assert es_store.upsert(articles).indexed == len(articles)
    outcomes = []
    for store in (sqlite, es_store):
        server = MailServer().start()
        try:
            cfg = settings("sqlite:///unused.db", server.port, topics=True, region_topics=True,
                           region_topic_min_daily=0.5)
            report = run_alerts(store, cfg, NOW)
            again = run_alerts(store, cfg, NOW + timedelta(minutes=10))
            assert again.enqueued == 0 and again.delivery.sent == 0
            outcomes.append((
                sorted((c.key, c.severity, c.verdict.observed if c.verdict else None,
                        round(c.verdict.expected, 6) if c.verdict else None, c.silent_hours)
                       for c in report.conditions),
                sorted((m.recipients[0], str(m.message["Subject"])) for m in server.received),
            ))
        finally:
            server.stop()
    sqlite.close()
    (keys_sqlite, mail_sqlite), (keys_es, mail_es) = outcomes
    assert keys_sqlite == keys_es
    assert {k for k, *_ in keys_sqlite} >= {"region:64.72#spike", "region:64.71#no_data", "topic:bencana#spike"}
    assert mail_sqlite == mail_es and len(mail_sqlite) >= 3
