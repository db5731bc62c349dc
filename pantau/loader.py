"""Load Article dicts from a JSONL file into the store (``pantau index load``).

Each line is checked on its own: a bad line is rejected with its line number and the
reason, and never stops the rest of the file. Lines without a ``regions`` key are
region-tagged on the way in, so a bulk import shows up in per-region counts at once.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from index.store import Rejection, Store
from pantau.article import Article, InvalidArticle
from pantau.regions import Tagger, article_codes

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    read: int = 0
    indexed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def reject(self, rejection: Rejection, kind: str) -> None:
        self.rejected.append(rejection)
        self.kinds[kind] += 1

    def reasons(self) -> Counter[str]:
        """Rejections grouped by kind of problem (field and problem, without values)."""
        return self.kinds

    def to_dict(self) -> dict[str, object]:
        return {
            "read": self.read,
            "indexed": self.indexed,
            "rejected": len(self.rejected),
            "reasons": dict(self.reasons()),
            "rejections": [{"id": r.id, "reason": r.reason} for r in self.rejected],
        }


def parse_lines(lines: Iterable[str], tagger: Tagger, report: LoadReport) -> Iterator[Article]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        report.read += 1
        where = f"line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            report.reject(Rejection(id=where, reason=f"{where}: invalid JSON ({exc.msg})"), "invalid JSON")
            continue
        try:
            article = Article.from_dict(raw)
        except InvalidArticle as exc:
            kind = f"{exc.field}: " + exc.problem.split(":")[0].split(" (")[0]
            report.reject(Rejection(id=where, reason=f"{where}: {exc.field}: {exc.problem}"), kind)
            continue
        if "regions" not in raw:
            matches = tagger.tag(article.body, title=article.title)
            article = article.replace(
                regions=article_codes(matches),
                region_evidence=tuple(e for m in matches for e in m.evidence),
            )
        yield article


def load_jsonl(source: Path | IO[str], store: Store, tagger: Tagger, batch: int = 1000) -> LoadReport:
    report = LoadReport()
    handle = source.open(encoding="utf-8", errors="replace") if isinstance(source, Path) else source
    try:
        pending: list[Article] = []
        for article in parse_lines(handle, tagger, report):
            pending.append(article)
            if len(pending) >= batch:
                _flush(store, pending, report)
                pending = []
        if pending:
            _flush(store, pending, report)
        store.refresh()  # a search right after the load sees every article
    finally:
        if isinstance(source, Path):
            handle.close()
    log.info("load read=%d indexed=%d rejected=%d", report.read, report.indexed, len(report.rejected))
    return report


def _flush(store: Store, articles: list[Article], report: LoadReport) -> None:
    result = store.upsert(articles)
    report.indexed += result.indexed
    for rejection in result.rejected:
        report.reject(rejection, "store: " + rejection.reason.split(":")[0])
