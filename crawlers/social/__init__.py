"""Readers of public posts: each turns one platform's documented public response into
:class:`crawlers.items.Post` values, and says in a counted reason what it could not read.

Without a token, only what anyone can see without logging in is read: Telegram's public channel
previews (``t.me/s/<channel>``), Mastodon's public REST API, YouTube's channel and playlist feeds and
Bluesky's public AppView. X's recent search, the Meta Graph API (comments on the office's own
Facebook page and Instagram media) and the YouTube Data API (comments on a feed's videos) are read
only with a token or key the operator configured.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawlers.items import Post


class Unreadable(ValueError):
    """A response that is not the platform's documented format at all (counted, nothing read)."""


@dataclass
class Page:
    """What one response held: its posts, the posts that could not be read, and where paging goes next."""

    posts: list[Post] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)  # one line per post that could not be read
    older: str = ""  # the URL (or id) of the page before this one, if the platform names it
    newer: str = ""
    dropped: dict[str, int] = field(default_factory=dict)  # posts the platform says are gone: reason -> count

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


_COUNT = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([KkMm]?)\s*$")


def count(text: str | None) -> int | None:
    """``"1.2K"`` → 1200, ``"873"`` → 873, ``"2M"`` → 2000000; ``None`` when the text is no count."""
    if text is None:
        return None
    m = _COUNT.match(text)
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return round(number * scale)


def id_key(post_id: str) -> tuple[int, str]:
    """Order of numeric post ids (Telegram message ids, Mastodon's snowflake-like ids): longer is newer,
    then by digits; as strings, so no id is ever too large."""
    return (len(post_id), post_id)


def load_json(body: bytes) -> Any:
    """A JSON response body, or :class:`Unreadable` saying why not."""
    try:
        return json.loads(body)
    except ValueError as exc:
        raise Unreadable(f"not JSON: {exc}") from None


def moment(value: object) -> datetime | None:
    """An API's ISO 8601 time (``…Z``, ``…+00:00`` or Meta's ``…+0000``) as a tz-aware datetime; ``None``
    when it is no time or has no offset."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def metric(data: dict[str, Any], key: str) -> int | None:
    """A non-negative integer count from an API object; ``None`` when absent or not a count."""
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
