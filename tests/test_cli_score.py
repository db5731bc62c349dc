"""`pantau score` and `pantau nlp` as mounted in the main CLI, on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import article_line, pantau


def test_score_writes_sentiment_and_topics_then_nothing_is_pending(tmp_path: Path) -> None:
    env = {"PANTAU_STORE": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    lines = [article_line(n) for n in range(1, 6)]
    lines.append(article_line(6, title="Pemkot Samarinda raih penghargaan pelayanan publik terbaik",
                              body="Pemerintah Kota Samarinda menerima penghargaan nasional atas pelayanan publik."))
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert pantau("index", "load", str(path), cwd=tmp_path, env=env).returncode == 0
    first = pantau("score", "--limit", "4", "--json", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert (counts["scored"], counts["written"], counts["pending"]) == (4, 4, 2)
    rest = json.loads(pantau("score", "--json", cwd=tmp_path, env=env).stdout)
    assert (rest["scored"], rest["pending"]) == (2, 0)
    again = json.loads(pantau("score", "--json", cwd=tmp_path, env=env).stdout)
    assert again["scored"] == 0
    hits = json.loads(pantau("search", "--json", "--limit", "10", cwd=tmp_path, env=env).stdout)["hits"]
    assert len(hits) == 6 and all(h["nlp_status"] == "scored" for h in hits)
    for h in hits:
        assert h["sentiment"]["label"] in ("positive", "neutral", "negative")
        assert abs(sum(h["sentiment"]["probs"].values()) - 1.0) < 1e-3
        assert h["topics"] and h["nlp_version"]
    status = json.loads(pantau("status", "--json", cwd=tmp_path, env=env).stdout)
    assert status["nlp_status"] == {"pending": 0, "scored": 6, "failed": 0}
    assert "Loading weights" not in first.stderr


def test_nlp_commands_are_mounted(tmp_path: Path) -> None:
    info = pantau("nlp", "info", "--json", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["sentiment_model"].endswith("nlp/models/sentiment-id-news-e5-distil")
    for cmd in (["nlp"], ["nlp", "train"], ["nlp", "eval"], ["nlp", "predict"], ["score"], ["crawl"]):
        done = pantau(*cmd, "--help", cwd=tmp_path)
        assert done.returncode == 0 and "Usage:" in done.stdout, cmd
