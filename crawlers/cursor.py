"""Where each public-post source left off: the newest post it has read, kept in the store.

A cursor is a store record of kind ``cursor`` keyed by the source's name, so it lives wherever
the articles live and survives a lost state directory. The next crawl of the source asks the
platform only for posts newer than it (Mastodon's ``min_id``) or stops paging once it reaches it
(Telegram, YouTube). A cursor moves only when the crawl finished normally, after the store
pipeline wrote its last batch: a crawl that was cut short reads the same posts again next time
and the store's dedupe keeps them once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from index.store import Store, StoreError
from pantau.article import iso, parse_datetime

log = logging.getLogger(__name__)
KIND = "cursor"


@dataclass(kw_only=True, frozen=True)
class Cursor:
    platform: str
    newest_id: str = ""
    newest_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "newest_id": self.newest_id,
            "newest_at": iso(self.newest_at) if self.newest_at else "",
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cursor:
        at = d.get("newest_at")
        return cls(platform=str(d.get("platform", "")), newest_id=str(d.get("newest_id", "")),
                   newest_at=parse_datetime(at, "newest_at") if at else None)


def load(store: Store, source: str, platform: str) -> Cursor:
    """The source's cursor, or an empty one (read everything back to the configured date)."""
    try:
        found = store.get_records(KIND, ids=[source]).get(source)
    except StoreError as exc:
        log.warning("cursor of source=%s unreadable, reading back to the configured date: %s", source, exc)
        return Cursor(platform=platform)
    if not found or found.get("platform") != platform:
        return Cursor(platform=platform)
    return Cursor.from_dict(found)


def save(store: Store, source: str, cursor: Cursor) -> None:
    try:
        store.put_records(KIND, {source: cursor.to_dict()})
    except StoreError as exc:  # the next crawl reads these posts again and dedupe keeps them once
        log.warning("cursor of source=%s not saved: %s", source, exc)
        return
    log.info("cursor source=%s newest_id=%s", source, cursor.newest_id)
