"""Kaltim coverage histories for the alert tests: weeks of ordinary news, then a spike or a silence.

Volumes follow a newsroom's day (little at night, most in the morning), about a fifth of
the articles are negative, and every count the tests rely on is deterministic (seeded).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pantau.article import Article, Sentiment, Topic
from pantau.settings import Settings, from_mapping

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2025, 7, 15, 7, 30, tzinfo=WITA)  # a Tuesday morning, when the office reads its mail
RHYTHM = [0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 0.9, 1.3, 1.6, 1.7, 1.6, 1.5,
          1.3, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.8, 0.5, 0.3]
ORDINARY = [
    "Pemkot {place} gelar rapat koordinasi anggaran",
    "Warga {place} ikuti senam pagi bersama",
    "Harga sembako di pasar {place} stabil",
    "Dinas kesehatan {place} buka layanan imunisasi",
    "Sekolah di {place} mulai tahun ajaran baru",
    "Pembangunan jalan lingkar {place} dilanjutkan",
    "Festival kuliner {place} ramai pengunjung",
    "Keluhan warga {place} soal sampah menumpuk",
]
PLACES = {"64.72": "Samarinda", "64.71": "Balikpapan", "64.02": "Kutai Kartanegara", "64": "Kaltim"}


def _article(n: int, region: str, when: datetime, label: str, title: str, *, source: str, cluster: str = "",
             topic: str = "pemerintahan", body: str = "") -> Article:
    return Article.create(
        url=f"https://{source}.example.id/berita/{region}/{n}",
        title=title,
        body=body or f"{title}. Laporan wartawan di {PLACES.get(region, region)} hari ini.",
        source=source,
        published_at=when,
        crawled_at=when + timedelta(minutes=10),
        regions=(region,),
        sentiment=Sentiment(label=label, score=0.9, probs={label: 0.9}, model="test"),
        nlp_status="scored",
        topics=(Topic(label=topic, score=0.7),),
        cluster_id=cluster,
    )


def coverage(region: str, *, days: int = 16, per_day: float = 24, share: float = 0.2, end: datetime = NOW,
             seed: int = 1, source: str = "antara-kaltim", silent_from: datetime | None = None) -> list[Article]:
    """Ordinary coverage of one region for ``days`` days before ``end`` (none after ``silent_from``)."""
    rng = random.Random(f"{region}-{seed}")
    start = (end - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    out = []
    scale = per_day / sum(RHYTHM)
    n = 0
    t = start
    while t < end.replace(minute=0):
        expected = RHYTHM[t.hour] * scale
        count = int(expected) + (rng.random() < expected - int(expected))
        for _ in range(count):
            when = t + timedelta(minutes=rng.randrange(60))
            if when >= end or (silent_from is not None and when >= silent_from):
                continue
            label = "negative" if rng.random() < share else rng.choice(("positive", "neutral", "neutral"))
            title = rng.choice(ORDINARY).format(place=PLACES.get(region, region)) + f" ({n})"
            out.append(_article(seed * 100_000 + n, region, when, label, title, source=source))
            n += 1
        t += timedelta(hours=1)
    return out


def spike(region: str, count: int, start: datetime, hours: int, *, seed: int = 7, source: str = "tribun-kaltim",
          titles: tuple[str, ...] = ("Banjir rendam ratusan rumah di {place}",
                                     "Warga {place} mengungsi, banjir setinggi dada")) -> list[Article]:
    """``count`` negative articles about one flood, spread over ``hours`` from ``start``, in story clusters."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        when = start + timedelta(minutes=rng.randrange(hours * 60))
        story = i % len(titles)
        title = titles[story].format(place=PLACES.get(region, region))
        body = (f"{title}. Banjir merendam permukiman, warga mengungsi ke posko pengungsian BPBD. "
                "Hujan deras membuat sungai meluap dan genangan belum surut.")
        out.append(_article(900_000 + seed * 1000 + i, region, when, "negative", title, source=f"{source}-{i % 3}",
                            cluster=f"flood-{seed}-{story}", topic="bencana", body=body))
    return out


def settings(store_url: str, smtp_port: int, *, watch: tuple[str, ...] = ("64.72", "64.71"),
             recipients: Mapping[str, list[str]] | None = None, **alerts: Any) -> Settings:
    raw: dict[str, Any] = {
        "store": {"url": store_url},
        "regions": {"watch": list(watch)},
        "alerts": {"topics": False, "region_topics": False,
                   "recipients": dict(recipients if recipients is not None else {
                       "64": ["humas@kaltimprov.example.id"],
                       "64.72": ["diskominfo@samarindakota.example.id"]}),
                   **alerts},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "timeout": 5},
        "dashboard": {"base_url": "http://127.0.0.1:8501"},
    }
    return from_mapping(raw, "<test>", env={})
