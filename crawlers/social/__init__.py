"""Readers of public posts: each turns one platform's documented public response into
:class:`crawlers.items.Post` values, and says in a counted reason what it could not read.

Only what anyone can see without logging in is read: Telegram's public channel previews
(``t.me/s/<channel>``), Mastodon's public REST API and YouTube's channel and playlist feeds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
