"""``pantau search`` filters public posts by source type and platform and shows who posted them
(the public handle) and their reach, on SQLite and on Elasticsearch."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import article_line, pantau


def post_line(n: int, platform: str, **engagement: int) -> str:
    return json.dumps({
        "url": f"https://posts.example.id/{platform}/{n}",
        "title": f"Banjir di Samarinda, kabar warga {n}",
        "body": f"Banjir di Samarinda, kabar warga {n}. Air setinggi lutut di Jalan Pramuka. #samarinda",
        "published_at": "2025-07-02T10:00:00+08:00",
        "source": f"{platform}-warga",
        "source_type": "social",
        "platform": platform,
        "authors": [f"@warga{n}"],
        "engagement": engagement,
    })


@pytest.fixture(params=["sqlite", "es"])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {"PANTAU_STORE": f"sqlite:///{tmp_path / 'db.sqlite'}"}
        return
    from index.elastic import ElasticStore

    es_url = request.getfixturevalue("es_url")
    prefix = f"pantau-social-{uuid.uuid4().hex[:10]}"
    try:
        yield {"PANTAU_STORE": f"{es_url}/{prefix}"}
    finally:
        store = ElasticStore(es_url, prefix=prefix)
        store.drop()
        store.close()


def test_search_filters_posts_by_source_type_and_platform(tmp_path: Path, store_env: dict[str, str]) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [article_line(n) for n in range(1, 4)]
    lines += [post_line(1, "telegram", views=1200), post_line(2, "mastodon", likes=3, reposts=1, replies=0)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = pantau("index", "load", str(path), "--json", cwd=tmp_path, env=store_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["indexed"] == 5

    def search(*args: str) -> dict[str, object]:
        out = pantau("search", "banjir", *args, "--json", cwd=tmp_path, env=store_env)
        assert out.returncode == 0, out.stderr
        result: dict[str, object] = json.loads(out.stdout)
        return result

    assert search()["total"] == 5
    assert search("--source-type", "news")["total"] == 3
    social = search("--source-type", "social")
    assert social["total"] == 2
    telegram = search("--platform", "telegram")
    assert telegram["total"] == 1
    hit = telegram["hits"][0]  # type: ignore[index]
    assert hit["platform"] == "telegram" and hit["authors"] == ["@warga1"]
    assert hit["engagement"] == {"likes": None, "reposts": None, "replies": None, "views": 1200}

    # 1,200 views score 12 (views / 100); 3 likes + 2 x 1 repost score 5; news has no engagement and comes last.
    ranked = search("--sort", "engagement")
    hits = ranked["hits"]
    assert isinstance(hits, list) and [h["platform"] for h in hits] == ["telegram", "mastodon", "", "", ""]
    wrong = pantau("search", "banjir", "--sort", "likes", cwd=tmp_path, env=store_env)
    assert wrong.returncode != 0 and "--sort: expected one of relevance, newest, oldest, engagement" in wrong.stderr

    text = pantau("search", "banjir", "--platform", "mastodon", cwd=tmp_path, env=store_env)
    assert text.returncode == 0, text.stderr
    assert "mastodon @warga2  likes=3 reposts=1 replies=0" in text.stdout

    bad = pantau("search", "--source-type", "blog", cwd=tmp_path, env=store_env)
    assert bad.returncode != 0 and "--source-type: expected one of news, government, social, aggregator" in bad.stderr


def test_status_says_what_a_refusal_means(tmp_path: Path) -> None:
    from tests.crawlserver import CrawlServer
    from tests.crawlserver.harness import crawl

    db = tmp_path / "db.sqlite"
    with CrawlServer() as srv:
        sources = [{"name": "md-rahasia", "type": "mastodon", "url": srv.base + "/mastodon/tags/rahasia"}]
        crawl(sources, f"sqlite:///{db}", tmp_path / "state")
    (tmp_path / "pantau.toml").write_text(
        f'[store]\nurl = "sqlite:///{db}"\n\n[[sources]]\nname = "md-rahasia"\ntype = "mastodon"\n'
        f'url = "https://mastodon.social/tags/rahasia"\n', encoding="utf-8")
    done = pantau("status", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "md-rahasia: last crawl" in done.stdout and "errors=1" in done.stdout
    assert ("    mastodon_token_rejected=1: the platform asks for a token, or the token is expired or revoked"
            in done.stdout)
