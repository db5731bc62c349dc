"""The demo's replay corpus: real Indonesian news articles with replay publication times.

``demo/data/corpus.jsonl.gz`` is built once by :mod:`demo.build_corpus` from ``../shared/data`` and
committed; ``demo/data/SOURCE.md`` says where every text comes from and what was changed. The replay
runs over 28 days that end at :data:`REPLAY_END` (07:00 WITA on Friday 4 July 2025, the moment a PR office
opens Pantau's morning report); the demo must judge alerts and draw the dashboard as of that moment.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "corpus.jsonl.gz"
REPLAY_DAYS = 28
REPLAY_END = datetime(2025, 7, 4, 7, 0, tzinfo=timezone(timedelta(hours=8)))
REPLAY_START = REPLAY_END - timedelta(days=REPLAY_DAYS)
# Opens the visible note that a placed article carries as its last paragraph (and so in the stored body).
PLACED_MARK = "Catatan demo Pantau"


def replay_now() -> datetime:
    """The moment the demo pretends it is: the end of the replay period (tz-aware, WITA)."""
    return REPLAY_END


def is_placed(body: str) -> bool:
    """Whether an article text carries the demo's note that a place name was put into it."""
    return f"[{PLACED_MARK}:" in body


@dataclass(kw_only=True, frozen=True)
class Record:
    slug: str
    outlet: str
    title: str
    paragraphs: tuple[str, ...]
    author: str
    published: datetime  # replay time
    original_published: datetime | None  # when the publisher dated it, where the scrape kept it
    origin_url: str
    origin: str
    placed: bool
    spike: bool  # one of the last day's negative Samarinda stories
    placed_from: str = ""
    placed_region: str = ""
    placed_changes: tuple[tuple[str, str, int], ...] = ()
    placed_note: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        original = str(d.get("original_published") or "")
        return cls(
            slug=str(d["slug"]),
            outlet=str(d["outlet"]),
            title=str(d["title"]),
            paragraphs=tuple(str(p) for p in d["paragraphs"]),
            author=str(d.get("author") or ""),
            published=datetime.fromisoformat(str(d["published"])),
            original_published=datetime.fromisoformat(original) if original else None,
            origin_url=str(d.get("origin_url") or ""),
            origin=str(d["origin"]),
            placed=bool(d.get("placed")),
            spike=bool(d.get("spike")),
            placed_from=str(d.get("placed_from") or ""),
            placed_region=str(d.get("placed_region") or ""),
            placed_changes=tuple(
                (str(c["from"]), str(c["to"]), int(c["count"])) for c in d.get("placed_changes") or []
            ),
            placed_note=str(d.get("placed_note") or ""),
        )


@cache
def load(path: Path = CORPUS) -> tuple[Record, ...]:
    """Every corpus record, oldest replay time first."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return tuple(Record.from_dict(json.loads(line)) for line in fh if line.strip())
