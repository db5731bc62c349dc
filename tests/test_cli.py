"""The pantau CLI as a newcomer meets it: real subprocesses, a real SQLite file, real config files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pantau(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
           ) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pantau.cli", *args], cwd=cwd, env=full_env, input=stdin,
        capture_output=True, text=True, timeout=120,
    )


def test_init_then_status_on_a_fresh_store(tmp_path: Path) -> None:
    done = pantau("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "pantau.toml").exists()
    again = pantau("init", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    status = pantau("status", "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["store"] == "sqlite:///pantau-data/pantau.db"
    assert report["articles"] == 0
    assert report["nlp_status"] == {"pending": 0, "scored": 0, "failed": 0}
    assert report["sources"]["antara-kaltim"] == {"enabled": True, "last_crawl": None}
    assert (tmp_path / "pantau-data" / "pantau.db").exists()
    text = pantau("status", cwd=tmp_path)
    assert "never crawled" in text.stdout


def test_init_into_directory(tmp_path: Path) -> None:
    target = tmp_path / "kaltim"
    target.mkdir()
    assert pantau("init", str(target), cwd=tmp_path).returncode == 0
    assert "Kalimantan Timur" in (target / "pantau.toml").read_text(encoding="utf-8")


def test_bad_config_exits_2_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[alerts]\nbaseline_days = "fourteen"\n', encoding="utf-8")
    done = pantau("status", cwd=tmp_path, env={"PANTAU_CONFIG": "bad.toml"})
    assert done.returncode == 2
    assert done.stderr.strip() == 'error: bad.toml: [alerts] baseline_days: expected an integer, found "fourteen"'


def test_every_command_has_help(tmp_path: Path) -> None:
    commands = [[], ["init"], ["status"], ["search"], ["regions"], ["regions", "tag"], ["regions", "show"],
                ["index"], ["index", "load"], ["config"], ["config", "check"], ["config", "docs"]]
    for cmd in commands:
        done = pantau(*cmd, "--help", cwd=tmp_path)
        assert done.returncode == 0, (cmd, done.stderr)
        assert "Usage:" in done.stdout and len(done.stdout) > 100


def test_regions_tag_text_and_stdin(tmp_path: Path) -> None:
    one = pantau("regions", "tag", "SAMARINDA, KOMPAS.com - Banjir di Kukar", "--json", cwd=tmp_path)
    matches = json.loads(one.stdout)
    assert [m["code"] for m in matches] == ["64.72", "64.02"]
    assert matches[0]["name"] == "Kota Samarinda"
    assert matches[0]["evidence"][0]["field"] == "dateline"
    many = pantau("regions", "tag", cwd=tmp_path, stdin="Balikpapan macet\nbatu bara naik\n\nPPU dan Paser\n")
    lines = many.stdout.splitlines()
    assert len(lines) == 4
    assert [[m["code"] for m in json.loads(line)] for line in lines] == [["64.71"], [], [], ["64.09", "64.01"]]


def article_line(n: int, **over: object) -> str:
    d: dict[str, object] = {
        "url": f"https://kaltim.example.id/berita/{n}",
        "title": f"Banjir rendam Samarinda hari ke-{n}",
        "body": "Warga Samarinda mengungsi. Jalan di Kutai Kartanegara juga tergenang.",
        "published_at": f"2025-07-0{1 + n % 3}T09:00:00+08:00",
        "source": "antara-kaltim" if n % 2 else "tribun-kaltim",
    }
    d.update(over)
    return json.dumps(d)


def test_index_load_then_search(tmp_path: Path) -> None:
    lines = [article_line(n) for n in range(1, 7)]
    lines += [
        "{not json",
        article_line(7, published_at="2025-07-01 09:00"),
        article_line(8, regions=["99.99"]),
        json.dumps({"url": "https://x.id/a", "title": "no body"}),
        "",
        article_line(1),  # same URL again: idempotent
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"PANTAU_STORE": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    done = pantau("index", "load", str(path), "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["read"] == 11
    assert report["indexed"] == 7 and report["rejected"] == 4
    assert report["indexed"] + report["rejected"] == report["read"]
    assert report["reasons"] == {"invalid JSON": 1, "published_at: datetime has no timezone offset": 1,
                                 "regions: unknown Kemendagri code '99.99'": 1, "body: required field is missing": 1}
    assert all(r["reason"].startswith("line ") for r in report["rejections"])
    text = pantau("index", "load", str(path), cwd=tmp_path, env=env)
    assert "indexed 7, rejected 4" in text.stdout and "invalid JSON" in text.stdout

    everything = json.loads(pantau("search", "", "--json", "--limit", "100", cwd=tmp_path, env=env).stdout)
    assert everything["total"] == 6 and len(everything["hits"]) == 6
    hit = everything["hits"][0]
    assert {"id", "url", "title", "regions", "published_at", "nlp_status"} <= set(hit)
    assert hit["regions"] == ["64.72", "64.02"]  # tagged on load
    kukar = json.loads(pantau("search", "banjir", "--region", "64.02", "--json", cwd=tmp_path, env=env).stdout)
    assert kukar["total"] == 6
    tribun = json.loads(pantau("search", "--source", "tribun-kaltim", "--json", cwd=tmp_path, env=env).stdout)
    assert tribun["total"] == 3
    day = json.loads(pantau("search", "--from", "2025-07-02", "--to", "2025-07-02", "--json",
                            cwd=tmp_path, env=env).stdout)
    assert day["total"] == 2
    assert {h["published_at"] for h in day["hits"]} == {"2025-07-02T01:00:00+00:00"}
    limited = json.loads(pantau("search", "samarinda", "--limit", "2", "--json", cwd=tmp_path, env=env).stdout)
    assert limited["total"] == 6 and len(limited["hits"]) == 2
    human = pantau("search", "hari ke-3", cwd=tmp_path, env=env)
    assert human.returncode == 0 and "6 articles" not in human.stdout and "Asia/Makassar" in human.stdout
    status = json.loads(pantau("status", "--json", cwd=tmp_path, env=env).stdout)
    assert status["articles"] == 6 and status["nlp_status"]["pending"] == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--region", "99"], "--region: unknown Kemendagri code '99'"),
        (["search", "x", "--sentiment", "angry"], "--sentiment: expected"),
        (["search", "x", "--from", "kemarin"], "--from: expected YYYY-MM-DD"),
        (["search", "x", "--sort", "random"], "--sort: expected"),
        (["index", "load", "missing.jsonl"], "missing.jsonl: no such file"),
    ],
)
def test_bad_arguments_are_explained(tmp_path: Path, args: list[str], message: str) -> None:
    done = pantau(*args, cwd=tmp_path, env={"PANTAU_STORE": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    assert done.returncode == 2
    assert message in done.stderr


def test_hostile_search_text_from_the_command_line(tmp_path: Path) -> None:
    env = {"PANTAU_STORE": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    for query in ['"NOT (', "AND", "*", "NEAR(", "-"]:
        done = pantau("search", query, "--json", cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"total": 0, "hits": []}


def test_config_docs_match_the_committed_reference(tmp_path: Path) -> None:
    done = pantau("config", "docs", cwd=tmp_path)
    assert done.stdout == (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


@pytest.mark.es
def test_index_load_and_search_on_elasticsearch(tmp_path: Path, es_url: str) -> None:
    """The same commands work on Elasticsearch, chosen by PANTAU_STORE (with an index prefix)."""
    import uuid

    from index.elastic import ElasticStore

    prefix = f"pantau-cli-{uuid.uuid4().hex[:10]}"
    env = {"PANTAU_STORE": f"{es_url}/{prefix}"}
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join([article_line(n) for n in range(1, 5)] + ["{broken"]) + "\n", encoding="utf-8")
    try:
        done = pantau("index", "load", str(path), "--json", cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert (report["indexed"], report["rejected"]) == (4, 1)
        found = json.loads(pantau("search", "banjir", "--region", "64", "--json", cwd=tmp_path, env=env).stdout)
        assert found["total"] == 4
        assert found["hits"][0]["regions"] == ["64.72", "64.02"]
        status = json.loads(pantau("status", "--json", cwd=tmp_path, env=env).stdout)
        assert status["store"] == f"{es_url}/{prefix}" and status["articles"] == 4
    finally:
        store = ElasticStore(es_url, prefix=prefix)
        store.drop()
        store.close()


def test_reindex_refuses_sqlite(tmp_path: Path) -> None:
    done = pantau("index", "reindex", "--version", "2", cwd=tmp_path,
                  env={"PANTAU_STORE": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    assert done.returncode == 2 and "reindex applies to Elasticsearch" in done.stderr


def test_crawl_command_summary_and_status(tmp_path: Path) -> None:
    """`pantau crawl` as an operator runs it: a config file, the local outlet server, a one-screen summary."""
    from tests.crawlserver import CrawlServer

    with CrawlServer() as server:
        (tmp_path / "pantau.toml").write_text(
            "[crawl]\nallow_private_addresses = true\ndownload_timeout = 5\n\n"
            f'[[sources]]\nname = "cnn"\ntype = "rss"\nurl = "{server.base}/cnn/rss.xml"\n',
            encoding="utf-8",
        )
        done = pantau("crawl", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].split() == ["source", "fetched", "new", "updated", "dup", "dropped", "errors", "blocked"]
        row = lines[2].split()
        assert row[0] == "cnn" and int(row[1]) > 0 and int(row[2]) > 0
        assert "crawling 1 source(s)" in done.stderr
        again = json.loads(pantau("crawl", "--json", cwd=tmp_path).stdout)
        assert again["cnn"]["new"] == 0  # nothing fetched twice
        status = json.loads(pantau("status", "--json", cwd=tmp_path).stdout)
        assert status["articles"] == int(row[2])
        assert status["sources"]["cnn"]["last_crawl"]["new"] == 0
        unknown = pantau("crawl", "--source", "nope", cwd=tmp_path)
        assert unknown.returncode == 1 and "unknown source(s) nope" in unknown.stderr
