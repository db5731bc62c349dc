"""A crawl stopped with SIGTERM and run again loses nothing and fetches nothing twice.

The first crawl runs as ``pantau crawl`` runs it (``python -m crawlers.run`` in a child process)
against a slow outlet; once a few article pages were served it gets SIGTERM. It must finish the
requests in flight, write what it has to the store, keep its queue, and exit with code 3
("interrupted, resumable"). The second crawl is a normal ``run_crawl``. Across both runs the
server must have served every article page exactly once, and the store must hold all of them.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from index.store import open_store
from pantau.crawl import build_job, run_crawl
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import TEST_OVERRIDES, assert_stayed_local, config

REPO = Path(__file__).resolve().parents[1]


def _sources(base: str) -> list[dict[str, object]]:
    return [
        {"name": "cnn", "type": "rss", "url": base + "/cnn/rss.xml"},
        {"name": "detik", "type": "rss", "url": base + "/detik/atom.xml"},
        {
            "name": "kompas",
            "type": "listing",
            "url": base + "/kompas/indeks",
            "link_pattern": r"/kompas/read/\d{4}/",
            "max_pages": 5,
        },
    ]


def _article_hits(srv: CrawlServer) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path, _ in srv.hit_log():
        plain = path.split("?", 1)[0]
        if plain.endswith("/amp"):
            continue  # the AMP copy is a different page; its canonical page is what must not repeat
        if plain in srv.site.stories:
            counts[plain] += 1
    return counts


def test_sigterm_then_rerun_loses_nothing_and_fetches_nothing_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pantau.db'}"
    state = tmp_path / "state"
    state.mkdir()
    with CrawlServer(page_delay=0.25) as srv:
        cfg = config(_sources(srv.base))
        job = build_job(cfg, url, cfg.sources, None, state, tmp_path / "first.jsonl", TEST_OVERRIDES)
        (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
        with (
            (tmp_path / "first.log").open("w") as log,
            subprocess.Popen(
                [sys.executable, "-m", "crawlers.run", str(tmp_path / "job.json")],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=log,
            ) as child,
        ):
            deadline = time.monotonic() + 60
            while sum(_article_hits(srv).values()) < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            child.send_signal(signal.SIGTERM)
            code = child.wait(timeout=60)
        assert code == 3, (tmp_path / "first.log").read_text()[-3000:]
        first_hits = sum(_article_hits(srv).values())
        with open_store(url) as store:
            stored_after_first = store.count()
        # Everything fetched before the stop reached the store; the rest is still to do.
        assert 8 <= stored_after_first < 50
        assert stored_after_first == first_hits
        assert any((state / "jobs").iterdir()), "an interrupted crawl keeps its queue for resume"

        runs = run_crawl(cfg, url, state_dir=state, overrides=TEST_OVERRIDES, timeout=240)
        assert_stayed_local(state / "last-crawl.log")

        hits = _article_hits(srv)
        expected = {p for p, s in srv.site.stories.items() if s.outlet in ("cnn", "detik", "kompas")}
        assert set(hits) == expected  # nothing lost: every article page was fetched...
        assert max(hits.values()) == 1  # ...and none twice
        with open_store(url) as store:
            assert store.count() == len(expected) == 50
        assert sum(r.new for r in runs.values()) == 50 - stored_after_first
        assert sum(sum(r.errors.values()) for r in runs.values()) == 0
        assert list((state / "jobs").iterdir()) == []  # finished: queues removed
