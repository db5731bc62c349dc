"""The morning digest: one email per recipient at the configured hour, once per period.

The period ends at the latest digest hour (07:00 WITA by default) at or before ``now``;
it starts where the recipient's previous digest ended (at most 7 days back), or 24 hours
earlier for a first digest. Each region's volume and negative share are compared with
the daily average of the 7 days before the period. The outbox id is derived from the
recipient and the period, so running ``pantau digest`` twice in one period sends nothing
the second time, and a digest that could not be sent waits in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts.explain import StoryLine
from alerts.watch import Watch
from index import Filters, Store
from pantau.regions import gazetteer
from pantau.settings import Settings

MARK_KIND = "digest_mark"


def period_end(now: datetime, cfg: Settings) -> datetime:
    """The latest digest hour at or before ``now``, in the office's timezone."""
    local = now.astimezone(ZoneInfo(cfg.regions.timezone))
    end = local.replace(hour=cfg.alerts.digest_hour, minute=0, second=0, microsecond=0)
    return end if end <= local else end - timedelta(days=1)


def regions_of(recipient: str, cfg: Settings) -> list[str]:
    """The watched regions a recipient hears about, in watch-list order."""
    gaz = gazetteer()
    mine: set[str] = set()
    for code, addresses in cfg.alerts.recipients.items():
        if recipient.lower() not in {a.lower() for a in addresses}:
            continue
        if code == "*":
            return list(cfg.regions.watch)
        mine.add(code)
        if cfg.alerts.province_receives_regencies:
            mine.update(c for c in cfg.regions.watch if code in gaz.ancestors(c))
    return [c for c in cfg.regions.watch if c in mine] + sorted(mine - set(cfg.regions.watch))


def all_recipients(cfg: Settings) -> list[str]:
    seen: dict[str, str] = {}
    for addresses in cfg.alerts.recipients.values():
        for a in addresses:
            seen.setdefault(a.lower(), a)
    return list(seen.values())


def compose(store: Store, cfg: Settings, codes: Sequence[str], since: datetime, until: datetime,
            episodes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The digest's content for a set of regions: counts with their change, active alerts, top stories."""
    gaz = gazetteer()
    now_counts = store.region_counts(Filters(regions=tuple(codes), since=since, until=until))
    week = store.region_counts(Filters(regions=tuple(codes), since=since - timedelta(days=7), until=since))
    days = (until - since) / timedelta(days=1)
    rows = []
    for code in codes:
        cur = now_counts.get(code, {})
        prev = week.get(code, {})
        scored = cur.get("total", 0) - cur.get("unscored", 0)
        prev_scored = prev.get("total", 0) - prev.get("unscored", 0)
        expected = prev.get("total", 0) / 7 * days
        rows.append({
            "code": code, "label": gaz.display(code), "total": cur.get("total", 0),
            "negative": cur.get("negative", 0),
            "negative_share": cur.get("negative", 0) / scored if scored else 0.0,
            "previous_daily": round(prev.get("total", 0) / 7, 2),
            "previous_share": prev.get("negative", 0) / prev_scored if prev_scored else 0.0,
            "change": (cur.get("total", 0) / expected - 1) if expected > 0 else None,
        })
    chosen = set(codes)
    alerts = []
    for doc in episodes.values():
        if doc.get("status") != "active":
            continue
        w = Watch.from_dict(doc["watch"])
        if (w.region and w.region in chosen) or (w.kind == "topic" and set(w.scope) & chosen) or w.kind == "source":
            alerts.append({"label": doc.get("label") or doc["key"], "severity": doc["severity"], "kind": doc["kind"],
                           "opened_at": doc["opened_at"]})
    alerts.sort(key=lambda a: a["opened_at"])
    stories = store.top_stories(Filters(regions=tuple(codes), sentiment=("negative",), since=since, until=until),
                                limit=cfg.alerts.stories)
    return {"since": since.isoformat(), "until": until.isoformat(), "regions": rows, "alerts": alerts,
            "stories": [StoryLine.from_story(s).to_dict() for s in stories if s.negative > 0]}
