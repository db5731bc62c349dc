"""The demo's replay corpus and server: enough real articles over enough days, every outlet served, and a
real crawl of the replay that indexes every article exactly once (and nothing on a second crawl)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import demo
from demo import corpus, replay
from index import open_store
from pantau import urls
from pantau.crawl import run_crawl
from tests.crawlserver.harness import assert_stayed_local


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), resp.read()


@pytest.fixture(scope="module")
def server() -> Iterator[replay.ReplayServer]:
    with replay.ReplayServer(port=0) as srv:
        yield srv


def test_corpus_has_enough_real_articles_over_enough_days() -> None:
    records = corpus.load()
    assert len(records) >= 300
    days = {r.published.astimezone(corpus.REPLAY_END.tzinfo).date() for r in records}
    assert len(days) >= 21
    assert all(corpus.REPLAY_START <= r.published < corpus.REPLAY_END for r in records)
    assert len({r.slug for r in records}) == len(records)
    assert all(r.origin for r in records), "every record names where its text comes from"
    assert demo.replay_now() == corpus.REPLAY_END


def test_spike_is_negative_samarinda_news_on_the_last_day() -> None:
    records = corpus.load()
    spike = [r for r in records if r.spike]
    assert len(spike) >= 5
    last_day = corpus.REPLAY_END - timedelta(hours=24)
    assert all(last_day <= r.published < corpus.REPLAY_END for r in spike)
    assert all("Samarinda" in r.title + " ".join(r.paragraphs) for r in spike)
    placed = [r for r in records if r.placed]
    assert placed and all(r.spike and r.placed_changes and r.placed_from and r.placed_region == "64.72"
                          for r in placed)
    # The visible note is the last paragraph, and nothing unplaced carries it.
    assert all(corpus.is_placed(r.paragraphs[-1]) for r in placed)
    assert not any(corpus.is_placed(" ".join(r.paragraphs)) for r in records if not r.placed)


def test_every_outlet_is_served_with_its_name_in_the_title(server: replay.ReplayServer) -> None:
    site = server.site
    assert len({s.canonical for s in site.stories.values()}) == len(corpus.load())
    suffixes = {"cnn": " - CNN Indonesia", "detik": " - detikNews", "kompas": " - Kompas.com",
                "tempo": " | tempo.co", "pupr": " | Dinas PUPR Kota Samarinda",
                "antara": " - ANTARA News Kalimantan Timur", "kaltimpost": " - Kaltim Post"}
    assert set(suffixes) == set(replay.OUTLETS)
    for key, url in site.entry_urls().items():
        status, ctype, body = _get(url.replace("{n}", "1"))
        assert status == 200 and body, key
        assert ("xml" in ctype) == (replay.OUTLETS[key].kind != "listing"), key
        path, story = next((p, s) for p, s in site.stories.items() if s.outlet == key)
        _, _, page = _get(server.base + path)
        title = f"<title>{story.title}{suffixes[key]}</title>"
        assert title.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#x27;").encode() in page, key
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(server.base + "/cnn/nasional/tidak-ada")
    assert err.value.code == 404
    err.value.close()


def test_settings_point_at_every_outlet(server: replay.ReplayServer) -> None:
    cfg = demo.settings(server.base, "sqlite:///demo.db", smtp_port=2525, dashboard_url="http://127.0.0.1:8600")
    assert {s.name for s in cfg.sources} == {o.source for o in replay.OUTLETS.values()}
    assert all(s.url.startswith(server.base + "/") for s in cfg.sources)
    assert cfg.crawl.allow_private_addresses and cfg.smtp.port == 2525
    assert cfg.dashboard.base_url == "http://127.0.0.1:8600"
    assert "64.72" in cfg.regions.watch and cfg.alerts.recipients["64.72"]
    kompas = cfg.source("kompas")
    assert kompas.max_pages == server.site.pages_of("kompas") >= 2


def test_crawl_indexes_every_article_once_and_a_second_crawl_adds_nothing(
    server: replay.ReplayServer, tmp_path: Path
) -> None:
    store_url = f"sqlite:///{tmp_path / 'demo.db'}"
    cfg = demo.settings(server.base, store_url)
    first = run_crawl(cfg, store_url, state_dir=tmp_path / "state", overrides=demo.CRAWL_OVERRIDES, timeout=300)
    assert_stayed_local(tmp_path / "state" / "last-crawl.log")
    expected = {urls.article_id(urls.canonicalize(s.canonical)): rec
                for s, rec in zip(server.site.stories.values(), server.site.records.values(), strict=True)}
    assert sum(r.new for r in first.values()) == len(expected), {k: r.to_dict() for k, r in first.items()}
    with open_store(store_url) as store:
        stored = store.get(list(expected))
        assert set(stored) == set(expected) and store.count() == len(expected)
        for article_id, article in stored.items():
            rec = expected[article_id]
            assert article.title == rec.title
            assert abs(article.published_at - rec.published) < timedelta(minutes=1), rec.slug
            # A placed article keeps the visible note in its stored text; the dashboard can read it there.
            assert corpus.is_placed(article.body) == rec.placed, rec.slug
            if rec.placed:
                assert "64.72" in article.regions
    second = run_crawl(cfg, store_url, state_dir=tmp_path / "state", overrides=demo.CRAWL_OVERRIDES, timeout=300)
    assert_stayed_local(tmp_path / "state" / "last-crawl.log")
    assert sum(r.new + r.updated for r in second.values()) == 0
    with open_store(store_url) as store:
        assert store.count() == len(expected)
