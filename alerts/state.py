"""Alert episodes: new → ongoing → resolved, with a cooldown, kept in the store.

An office must get one email when a spike starts, not one per run while it lasts, and
one update if it gets worse. So each watch's condition is an *episode* record (kind
``alert`` in the store, a table in SQLite or an index in Elasticsearch), and a restart
reads the episodes back instead of starting from nothing.

Exactly-once mail rests on the order of writes. A run first writes each episode with the
notifications it owes (``notify``: one entry per severity level reached); only then are
the emails put in the outbox, under ids derived from the episode id, the level and the
recipient, with insert-if-absent. A crash between the two writes is mended by the next
run, which finds the owed notifications and enqueues them under the same ids.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.detect import severity_rank
from alerts.explain import StoryLine, Term
from alerts.scan import Condition
from index import Store

log = logging.getLogger(__name__)

KIND = "alert"


@dataclass(kw_only=True)
class Transition:
    """What one run did to the episodes: for reports and ``--dry-run``."""

    opened: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    ongoing: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[str]]:
        return {"opened": self.opened, "escalated": self.escalated, "ongoing": self.ongoing,
                "reopened": self.reopened, "resolved": self.resolved}


def episode_id(condition_key: str, opened_at: datetime) -> str:
    return f"{condition_key}@{opened_at.isoformat(timespec='minutes')}"


def _detail(c: Condition, stories: list[StoryLine], terms: list[Term]) -> dict[str, Any]:
    return {
        "verdict": c.verdict.to_dict() if c.verdict else None,
        "windows": c.windows,
        "silent_hours": c.silent_hours,
        "normal_gap_hours": c.normal_gap_hours,
        "last_article": c.last_article.isoformat() if c.last_article else None,
        "chart": c.chart,
        "stories": [s.to_dict() for s in stories],
        "terms": [t.to_dict() for t in terms],
    }


def apply(
    conditions: Iterable[tuple[Condition, list[StoryLine], list[Term]]],
    episodes: dict[str, dict[str, Any]],
    now: datetime,
    cooldown: timedelta,
    labels: dict[str, str],
) -> tuple[dict[str, dict[str, Any]], Transition]:
    """The episode records to write after this run's conditions (``episodes``: all stored ones by id)."""
    changed: dict[str, dict[str, Any]] = {}
    t = Transition()
    active = {doc["key"]: (eid, doc) for eid, doc in episodes.items() if doc.get("status") == "active"}
    latest_resolved: dict[str, tuple[str, dict[str, Any]]] = {}
    for eid, doc in episodes.items():
        if doc.get("status") == "resolved":
            prev = latest_resolved.get(doc["key"])
            if prev is None or doc["resolved_at"] > prev[1]["resolved_at"]:
                latest_resolved[doc["key"]] = (eid, doc)
    seen: set[str] = set()
    stamp = now.isoformat()
    for c, stories, terms in conditions:
        seen.add(c.key)
        detail = _detail(c, stories, terms)
        if c.key in active:
            eid, old = active[c.key]
            doc = dict(old, state="ongoing", severity=c.severity, detail=detail, updated_at=stamp,
                       runs=int(old.get("runs", 0)) + 1)
            t.ongoing.append(eid)
        elif c.key in latest_resolved and (
            now - datetime.fromisoformat(latest_resolved[c.key][1]["resolved_at"]) < cooldown
        ):
            eid, old = latest_resolved[c.key]
            doc = dict(old, status="active", state="ongoing", severity=c.severity, detail=detail, updated_at=stamp,
                       resolved_at=None, runs=int(old.get("runs", 0)) + 1)
            t.reopened.append(eid)
        else:
            eid = episode_id(c.key, now)
            doc = {"key": c.key, "kind": c.kind, "watch": c.watch.to_dict(), "label": labels.get(c.watch.key, ""),
                   "status": "active", "state": "new", "opened_at": stamp, "updated_at": stamp,
                   "resolved_at": None, "severity": c.severity, "max_severity": c.severity,
                   "notified_severity": "", "notify": [], "detail": detail, "runs": 1}
            t.opened.append(eid)
        if severity_rank(c.severity) > severity_rank(doc.get("max_severity", "")):
            doc["max_severity"] = c.severity
        if severity_rank(c.severity) > severity_rank(doc.get("notified_severity", "")):
            kind = "new" if not doc.get("notified_severity") else "escalation"
            if kind == "escalation":
                t.escalated.append(eid)
            doc["notify"] = [*doc.get("notify", []), {"level": c.severity, "kind": kind, "at": stamp,
                                                      "enqueued": False}]
            doc["notified_severity"] = c.severity
        changed[eid] = doc
    for key, (eid, doc) in active.items():
        if key not in seen:
            changed[eid] = dict(doc, status="resolved", state="resolved", resolved_at=stamp, updated_at=stamp)
            t.resolved.append(eid)
    log.info("alert state: opened=%d escalated=%d ongoing=%d reopened=%d resolved=%d", len(t.opened),
             len(t.escalated), len(t.ongoing), len(t.reopened), len(t.resolved))
    return changed, t


def load(store: Store) -> dict[str, dict[str, Any]]:
    return store.get_records(KIND)


def owed(episodes: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(episode id, episode, notification) for every notification not yet in the outbox."""
    out = []
    for eid, doc in sorted(episodes.items()):
        for note in doc.get("notify", []):
            if not note.get("enqueued"):
                out.append((eid, doc, note))
    return out


def mark_enqueued(episodes: dict[str, dict[str, Any]], ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for eid in ids:
        doc = episodes[eid]
        out[eid] = dict(doc, notify=[dict(n, enqueued=True) for n in doc.get("notify", [])])
    return out
