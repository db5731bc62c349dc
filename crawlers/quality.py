"""Extraction quality against a gold set: headline exact match, publication day in WITA, body token-F1.

Used by the quality gate in the tests and by anyone checking a new outlet layout by hand: the
same three numbers the crawl issue sets bars for (≥ 95 %, ≥ 95 %, ≥ 0.90).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from crawlers.dates import WITA

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def token_f1(predicted: str, gold: str) -> float:
    p, g = Counter(tokens(predicted)), Counter(tokens(gold))
    if not p and not g:
        return 1.0
    overlap = sum((p & g).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def same_title(predicted: str, gold: str) -> bool:
    return " ".join(predicted.split()) == " ".join(gold.split())


@dataclass
class Score:
    pages: int = 0
    missing: list[str] = field(default_factory=list)
    title_ok: int = 0
    date_ok: int = 0
    f1_sum: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def title_rate(self) -> float:
        return self.title_ok / self.pages if self.pages else 0.0

    @property
    def date_rate(self) -> float:
        return self.date_ok / self.pages if self.pages else 0.0

    @property
    def body_f1(self) -> float:
        return self.f1_sum / self.pages if self.pages else 0.0

    def add(
        self, key: str, gold: dict[str, str], title: str | None, published: datetime | None, body: str | None
    ) -> None:
        self.pages += 1
        if title is None or published is None or body is None:
            self.missing.append(key)
            self.failures.append(f"{key}: not extracted")
            return
        if same_title(title, gold["title"]):
            self.title_ok += 1
        else:
            self.failures.append(f"{key}: title {title!r} != {gold['title']!r}")
        day = published.astimezone(WITA).date().isoformat()
        if day == gold["date_wita"]:
            self.date_ok += 1
        else:
            self.failures.append(f"{key}: day {day} != {gold['date_wita']}")
        f1 = token_f1(body, gold["body"])
        self.f1_sum += f1
        if f1 < 0.9:
            self.failures.append(f"{key}: body F1 {f1:.3f}")

    def summary(self) -> str:
        return (
            f"pages={self.pages} title_exact={self.title_rate:.3f} date_day_wita={self.date_rate:.3f} "
            f"body_token_f1={self.body_f1:.3f} missing={len(self.missing)}"
        )


def score(rows: Iterable[tuple[str, dict[str, str], str | None, datetime | None, str | None]]) -> Score:
    s = Score()
    for key, gold, title, published, body in rows:
        s.add(key, gold, title, published, body)
    return s
