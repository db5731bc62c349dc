"""Pytest plugin: a real Elasticsearch for the tests, started by ``scripts/elasticsearch``.

``tests/conftest.py`` loads it with ``pytest_plugins = ["tests.es_server"]``. The server is
the one named by ``$PANTAU_ES_URL`` or, without it, the repo's own throwaway server
(started once per session, stopped again at the end if this session started it, unless
``PANTAU_ES_KEEP=1``). When it cannot start, tests that need it fail under ``CI=true``
(a silent skip would hide a broken set-up) and are skipped with the reason elsewhere.
"""

from __future__ import annotations

import os
import random
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

import pytest

from index.elastic import ElasticStore
from pantau.article import Article, Feedback, Sentiment, Topic
from pantau.regions import RegionEvidence

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "elasticsearch"
START_TIMEOUT_S = 600


@dataclass(frozen=True)
class EsServer:
    url: str
    managed: bool  # started and stoppable through scripts/elasticsearch

    def pid(self) -> int:
        out = subprocess.run([str(SCRIPT), "pid"], capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def start(self) -> str:
        return start_server()


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Elasticsearch is required in CI: {reason}", pytrace=False)
    pytest.skip(f"Elasticsearch not available: {reason}")


def start_server() -> str:
    """Run ``scripts/elasticsearch start`` and return the URL from its last stdout line."""
    proc = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=START_TIMEOUT_S)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("http"):
        raise RuntimeError(f"scripts/elasticsearch start exited {proc.returncode}: "
                           f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
    return lines[-1].strip()


def _running() -> bool:
    return subprocess.run([str(SCRIPT), "status"], capture_output=True, text=True).returncode == 0


@pytest.fixture(scope="session")
def es_server() -> Iterator[EsServer]:
    external = os.environ.get("PANTAU_ES_URL")
    if external:
        yield EsServer(url=external.rstrip("/"), managed=False)
        return
    was_running = _running()
    try:
        url = start_server()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(str(exc))
    yield EsServer(url=url, managed=True)
    if not was_running and os.environ.get("PANTAU_ES_KEEP") != "1":
        subprocess.run([str(SCRIPT), "stop"], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def es_url(es_server: EsServer) -> str:
    return es_server.url


@pytest.fixture
def es_store(es_url: str) -> Iterator[ElasticStore]:
    """An empty ElasticStore under a unique prefix; every write refreshes so reads see it at once."""
    store = ElasticStore(es_url, prefix=f"pantau-test-{uuid.uuid4().hex[:12]}", refresh=True)
    try:
        yield store
    finally:
        store.drop()
        store.close()


# -- synthetic Kaltim coverage for the Elasticsearch tests -------------------------------------------
KALTIM_CODES = ("64", "64.01", "64.02", "64.03", "64.07", "64.08", "64.09", "64.11", "64.71", "64.72", "64.74")
SOURCES = ("antara-kaltim", "tribun-kaltim", "kaltimpost", "niaga-asia", "diskominfo-kaltim", "korankaltim")
WORDS = (
    "banjir", "longsor", "jalan", "jembatan", "rusak", "warga", "pemerintah", "provinsi", "kabupaten",
    "kota", "gubernur", "bupati", "wali", "anggaran", "pembangunan", "sekolah", "rumah", "sakit",
    "pelayanan", "kesehatan", "tambang", "batu", "bara", "sawit", "hutan", "sungai", "mahakam", "pelabuhan",
    "bandara", "investasi", "ekonomi", "inflasi", "harga", "beras", "listrik", "air", "bersih", "ibu",
    "kota", "nusantara", "ikn", "pariwisata", "festival", "budaya", "olahraga", "polisi", "kejaksaan",
    "korupsi", "sidang", "demo", "mahasiswa", "nelayan", "petani", "pupuk", "subsidi", "bantuan", "sosial",
    "stunting", "vaksin", "puskesmas", "guru", "siswa", "beasiswa", "kebakaran", "lahan", "asap", "kabut",
)


def synthetic_articles(
    n: int, *, seed: int = 7, start: datetime | None = None, days: int = 90, body_words: int = 60
) -> list[Article]:
    """``n`` deterministic articles over ``days`` days, with every Article field filled in."""
    rng = random.Random(seed)
    base = start or datetime(2025, 5, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        published = base + timedelta(minutes=rng.randrange(days * 24 * 60))
        codes = tuple(sorted(set(rng.sample(KALTIM_CODES, rng.choice((1, 1, 2))))))
        label = rng.choice(("positive", "neutral", "negative", None))
        source = rng.choice(SOURCES)
        title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
        out.append(Article.create(
            url=f"https://{source}.example.id/berita/{seed}/{i}?utm_source=feed",
            title=title,
            body=" ".join(rng.choice(WORDS) for _ in range(body_words)),
            source=source,
            source_type="government" if source.startswith("diskominfo") else "news",
            authors=(f"Penulis {i % 17}",),
            published_at=published,
            crawled_at=published + timedelta(minutes=rng.randrange(5, 600)),
            regions=codes,
            region_evidence=tuple(RegionEvidence(code=c, alias=c, field="body", start=i % 50, strength="strong")
                                  for c in codes),
            cluster_id=f"story-{seed}-{i // 3}" if i % 3 else "",
            sentiment=Sentiment(label=label, score=0.75, probs={label: 0.75, "neutral": 0.25} if label != "neutral"
                                else {"neutral": 0.75}, model="pantau-test") if label else None,
            topics=(Topic(label=rng.choice(("bencana", "ekonomi", "infrastruktur", "ikn")), score=0.6),),
            nlp_status="scored" if label else "pending",
            nlp_version="test-1" if label else "",
            feedback=(Feedback(field="sentiment", value="negative", by="humas", at=published),) if i % 11 == 0
            else (),
        ))
    return out
