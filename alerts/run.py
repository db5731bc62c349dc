"""``pantau alert`` and ``pantau digest``: detect, update episodes, fill the outbox, send.

The order of the writes is what keeps mail exactly-once (see :mod:`alerts.state`):
episodes with the notifications they owe, then the outbox (insert-if-absent), then the
episodes marked enqueued, then delivery. ``dry_run`` does everything up to the writes
and returns the messages it would have sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from alerts import digest as digest_mod
from alerts import state
from alerts.email import Envelope, build_alert, build_digest
from alerts.explain import StoryLine, Term, explain
from alerts.outbox import Connector, Delivery, deliver, enqueue, entry, outbox_id
from alerts.scan import Condition, scan
from alerts.watch import Watch, recipients, series_of
from index import Store
from pantau.settings import Settings

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class Outgoing:
    id: str
    recipient: str
    message: EmailMessage


@dataclass(kw_only=True)
class AlertReport:
    now: datetime
    watches: int = 0
    conditions: list[Condition] = field(default_factory=list)
    transition: state.Transition = field(default_factory=state.Transition)
    outgoing: list[Outgoing] = field(default_factory=list)
    enqueued: int = 0
    delivery: Delivery = field(default_factory=Delivery)
    active: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "watches": self.watches,
            # source_type: "news" or "social" (public posts) for a region or topic; null for a source's silence.
            "alerts": [{"key": c.key, "kind": c.kind, "severity": c.severity,
                        "source_type": c.watch.source_type or None,
                        "verdict": c.verdict.to_dict() if c.verdict else None,
                        "silent_hours": c.silent_hours} for c in self.conditions],
            "episodes": self.transition.to_dict(),
            "active": self.active,
            "emails": [{"id": o.id, "to": o.recipient, "subject": str(o.message["Subject"])} for o in self.outgoing],
            "enqueued": self.enqueued,
            "delivery": self.delivery.to_dict(),
        }


def envelope(cfg: Settings) -> Envelope:
    return Envelope(sender=cfg.smtp.sender, dashboard_url=cfg.dashboard.base_url, timezone=cfg.regions.timezone)


def _explained(store: Store, cfg: Settings, conditions: list[Condition]) -> list[tuple[Condition, list[StoryLine],
                                                                                        list[Term]]]:
    out = []
    for c in conditions:
        if c.kind == "spike" and c.verdict is not None:
            start = c.verdict.window_start
            stories, terms = explain(store, c.watch, start, c.verdict.window_end,
                                     start - timedelta(days=cfg.alerts.baseline_days), cfg.alerts.stories)
        else:
            stories, terms = [], []
        out.append((c, stories, terms))
    return out


def _alert_mail(cfg: Settings, episodes: Mapping[str, dict[str, Any]]) -> list[Outgoing]:
    env = envelope(cfg)
    source_regions = {s.name: s.regions for s in cfg.sources}
    out = []
    for eid, doc, note in state.owed(dict(episodes)):
        w = Watch.from_dict(doc["watch"])
        to = recipients(w, cfg.alerts.recipients, cfg.regions.watch, source_regions.get(w.source, ()),
                        province_receives_regencies=cfg.alerts.province_receives_regencies)
        if not to:
            log.warning("alert %s has no recipients: add them under [alerts] recipients", eid)
        for r in to:
            oid = outbox_id("alert", eid, str(note["level"]), r.lower())
            out.append(Outgoing(id=oid, recipient=r, message=build_alert(env, doc, note, r, oid)))
    return out


def run_alerts(store: Store, cfg: Settings, now: datetime, *, labels: Mapping[str, str] | None = None,
               topic_names: Mapping[str, str] | None = None, dry_run: bool = False, password: str = "",
               connector: Connector | None = None) -> AlertReport:
    """One pass of ``pantau alert``: detection at ``now``, episode state, outbox, delivery."""
    names = dict(topic_names or {})
    report = AlertReport(now=now, dry_run=dry_run)
    report.conditions, report.watches = scan(store, cfg, now)
    found_labels = {c.watch.key: c.watch.label(names) for c in report.conditions}
    found_labels.update(labels or {})
    episodes = state.load(store)
    changed, report.transition = state.apply(_explained(store, cfg, report.conditions), episodes, now,
                                             timedelta(hours=cfg.alerts.cooldown_hours), found_labels)
    merged = {**episodes, **changed}
    report.outgoing = _alert_mail(cfg, merged)
    report.active = [{"id": eid, "key": d["key"], "label": d.get("label", ""), "severity": d["severity"],
                      "source_type": series_of(d),
                      "state": d["state"], "opened_at": d["opened_at"]}
                     for eid, d in sorted(merged.items()) if d.get("status") == "active"]
    if dry_run:
        return report
    if changed:
        store.put_records(state.KIND, changed)
    entries = {o.id: entry(o.message, o.recipient, "alert", o.id, now) for o in report.outgoing}
    report.enqueued = len(enqueue(store, entries))
    owed_ids = {eid for eid, _, _ in state.owed(merged)}
    if owed_ids:
        store.put_records(state.KIND, state.mark_enqueued(merged, owed_ids))
    report.delivery = deliver(store, cfg.smtp, password, connector=connector)
    return report


@dataclass(kw_only=True)
class DigestReport:
    period_end: datetime
    outgoing: list[Outgoing] = field(default_factory=list)
    enqueued: int = 0
    delivery: Delivery = field(default_factory=Delivery)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"period_end": self.period_end.isoformat(), "dry_run": self.dry_run,
                "emails": [{"id": o.id, "to": o.recipient, "subject": str(o.message["Subject"])}
                           for o in self.outgoing],
                "enqueued": self.enqueued, "delivery": self.delivery.to_dict()}


def run_digest(store: Store, cfg: Settings, now: datetime, *, dry_run: bool = False, password: str = "",
               connector: Connector | None = None) -> DigestReport:
    """Each recipient's digest for the current period, unless it is already in the outbox."""
    end = digest_mod.period_end(now, cfg)
    report = DigestReport(period_end=end, dry_run=dry_run)
    env = envelope(cfg)
    marks = store.get_records(digest_mod.MARK_KIND)
    sent_ids = set(store.get_records("outbox", ids=[
        outbox_id("digest", r.lower(), end.isoformat()) for r in digest_mod.all_recipients(cfg)]))
    episodes = state.load(store)
    new_marks: dict[str, dict[str, Any]] = {}
    for r in digest_mod.all_recipients(cfg):
        oid = outbox_id("digest", r.lower(), end.isoformat())
        if oid in sent_ids:
            continue
        codes = digest_mod.regions_of(r, cfg)
        if not codes:
            continue
        mark = marks.get(r.lower())
        since = end - timedelta(days=1)
        if mark:
            since = max(end - timedelta(days=7), min(since, datetime.fromisoformat(mark["period_end"])))
        content = digest_mod.compose(store, cfg, codes, since, end, episodes)
        report.outgoing.append(Outgoing(id=oid, recipient=r, message=build_digest(env, content, r, oid)))
        new_marks[r.lower()] = {"status": "done", "period_end": end.isoformat()}
    if dry_run:
        return report
    entries = {o.id: entry(o.message, o.recipient, "digest", o.id, now) for o in report.outgoing}
    report.enqueued = len(enqueue(store, entries))
    if new_marks:
        store.put_records(digest_mod.MARK_KIND, new_marks)
    report.delivery = deliver(store, cfg.smtp, password, connector=connector)
    return report
