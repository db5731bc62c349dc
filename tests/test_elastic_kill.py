"""The reliability bar: SIGKILL Elasticsearch in the middle of a load, restart, load again.

Nothing may be lost or duplicated: after the second load there are exactly 10,000
articles, every id once, and every stored document equals the Article that was loaded.
The loader runs in its own process, as ``pantau index load`` does, and upserts in
batches; it must stop with a StoreError (not count the unreachable server's failures as
rejected documents), and the reload must be idempotent.
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

LOADER = """
import json, sys
from index.elastic import ElasticStore
from index.store import StoreError
from pantau.article import Article

url, prefix, path = sys.argv[1:4]
store = ElasticStore(url, prefix=prefix)
batch, done = [], 0
try:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            batch.append(Article.from_dict(json.loads(line)))
            if len(batch) == 250:
                result = store.upsert(batch)
                done += result.indexed
                print(f"indexed {done} rejected {len(result.rejected)}", flush=True)
                batch = []
    if batch:
        done += store.upsert(batch).indexed
        print(f"indexed {done}", flush=True)
except StoreError as exc:
    print(f"store error after {done}: {exc}", flush=True)
    sys.exit(3)
"""


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

    loader = subprocess.Popen(
        [sys.executable, "-c", LOADER, es_server.url, es_store.names.prefix, str(data)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    assert loader.stdout is not None and loader.stderr is not None
    progress = []
    for line in loader.stdout:
        progress.append(line.strip())
        if line.startswith("indexed ") and int(line.split()[1]) >= KILL_AFTER:
            os.kill(es_server.pid(), signal.SIGKILL)
            break
    else:
        pytest.fail(f"loader ended before {KILL_AFTER} articles: {progress[-3:]} {loader.stderr.read()[-2000:]}")
    killed_at = int(progress[-1].split()[1])
    rest, err = loader.communicate(timeout=300)
    assert loader.returncode == 3, f"loader exit {loader.returncode}: {rest[-1000:]} {err[-2000:]}"
    assert "store error after" in rest and "unreachable" in rest
    assert killed_at < N

    t0 = time.monotonic()
    assert es_server.start() == es_server.url  # same port, so the session's URL stays valid
    restart_s = time.monotonic() - t0

    es_store.refresh()
    survived = es_store.count()
    assert killed_at <= survived <= N  # acknowledged batches are durable (translog fsync per request)
    result = es_store.upsert(articles)  # the load again, in this process
    assert (result.indexed, result.rejected) == (N, [])
    es_store.refresh()
    assert es_store.count() == N
    stored = list(es_store.iter_articles())
    ids = [a.id for a in stored]
    assert len(ids) == N and len(set(ids)) == N
    expected = {a.id: a.to_dict() for a in articles}
    assert all(a.to_dict() == expected[a.id] for a in stored)
    print(f"killed after {killed_at} acknowledged, {survived} survived, restart took {restart_s:.1f}s")
