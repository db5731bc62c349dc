"""The reliability bar: SIGKILL Elasticsearch in the middle of a load, restart, load again.

Nothing may be lost or duplicated: after the second load there are exactly 10,000
articles, every id once, and every stored document equals the Article that was loaded.
Both loads are real ``pantau index load`` processes; the first must stop with a clear
error (not count the unreachable server's failures as rejected documents), and the
reload must be idempotent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.elastic import ElasticStore
from tests.es_server import REPO, EsServer, synthetic_articles

pytestmark = [pytest.mark.es, pytest.mark.slow]

N = 10_000
KILL_AFTER = 3_000

def test_sigkill_during_load_loses_and_duplicates_nothing(
    es_server: EsServer, es_store: ElasticStore, tmp_path: Path
) -> None:
    if not es_server.managed:
        message = "PANTAU_ES_URL points at a server this test cannot kill and restart"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    articles = synthetic_articles(N, seed=99, days=120, body_words=60)
    data = tmp_path / "articles.jsonl"
    data.write_text("".join(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")

    env = {**os.environ, "PYTHONPATH": str(REPO), "PANTAU_STORE": f"{es_server.url}/{es_store.names.prefix}"}
    cli = [sys.executable, "-m", "pantau.cli", "index", "load", str(data), "--json"]
    loader = subprocess.Popen(cli, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed_at = 0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and loader.poll() is None:
        es_store.refresh()
        killed_at = es_store.count()
        if killed_at >= KILL_AFTER:
            os.kill(es_server.pid(), signal.SIGKILL)
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"loader ended before {KILL_AFTER} articles were searchable: {loader.communicate()}")
    out, err = loader.communicate(timeout=300)
    assert loader.returncode == 1, f"loader exit {loader.returncode}: {out[-1000:]} {err[-2000:]}"
    assert "error:" in err and "unreachable" in err
    assert killed_at < N

    t0 = time.monotonic()
    assert es_server.start() == es_server.url  # same port, so the session's URL stays valid
    restart_s = time.monotonic() - t0

    es_store.refresh()
    survived = es_store.count()
    assert killed_at <= survived <= N  # acknowledged batches are durable (translog fsync per request)
    again = subprocess.run(cli, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    report = json.loads(again.stdout)
    assert (report["read"], report["indexed"], report["rejected"]) == (N, N, 0)
    es_store.refresh()
    assert es_store.count() == N
    stored = list(es_store.iter_articles())
    ids = [a.id for a in stored]
    assert len(ids) == N and len(set(ids)) == N
    expected = {a.id: a.to_dict() for a in articles}
    assert all(a.to_dict() == expected[a.id] for a in stored)
    print(f"killed after {killed_at} acknowledged, {survived} survived, restart took {restart_s:.1f}s")
