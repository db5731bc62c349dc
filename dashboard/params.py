"""Filters in the URL: ``q``, ``region``, ``from``, ``to``, ``sentiment``, ``topic``, ``source``, ``source_type``,
``platform``.

Alert emails link to ``/?region=64.72&from=2025-07-15T01:00+08:00&to=…&sentiment=negative``, and any
view can be shared, so the query string is parsed here once, leniently: a bad value is dropped and
reported, never raised, because a stale bookmark must still open the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from index import Filters
from index.store import SENTIMENT_BUCKETS
from pantau import regions
from pantau.article import PLATFORM, SOURCE_TYPES

KEYS = ("q", "region", "from", "to", "sentiment", "topic", "source", "source_type", "platform")


@dataclass(kw_only=True, frozen=True)
class View:
    """What the URL asks for; ``since``/``until`` are None when the page should use its default period."""

    query: str = ""
    regions: tuple[str, ...] = ()
    sentiment: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    source_types: tuple[str, ...] = ()  # news | government | social | aggregator, as each article was stored
    platforms: tuple[str, ...] = ()  # telegram | mastodon | youtube …: public posts of these platforms only
    since: datetime | None = None
    until: datetime | None = None
    problems: tuple[str, ...] = field(default=())

    def filters(self, since: datetime | None = None, until: datetime | None = None) -> Filters:
        return Filters(regions=self.regions, sentiment=self.sentiment, topics=self.topics, sources=self.sources,
                       source_types=self.source_types, platforms=self.platforms,
                       since=self.since or since, until=self.until or until)


def _values(raw: Mapping[str, str | Sequence[str]], key: str) -> list[str]:
    """Repeated keys and comma-separated lists both work (alert links join regions with commas)."""
    value = raw.get(key)
    items = [value] if isinstance(value, str) else list(value or [])
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def parse_moment(value: str, tz: ZoneInfo, *, end: bool) -> datetime:
    """A local day (YYYY-MM-DD; ``to`` is inclusive, so it ends at the next midnight) or an ISO datetime."""
    if len(value) == 10:
        day = date.fromisoformat(value)
        start = datetime.combine(day, time(0), tzinfo=tz)
        return (start + timedelta(days=1) if end else start).astimezone(UTC)
    moment = datetime.fromisoformat(value.replace(" ", "+"))  # a bare "+" in a URL arrives as a space
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)


def parse(raw: Mapping[str, str | Sequence[str]], tz: str) -> View:
    zone = ZoneInfo(tz)
    problems: list[str] = []
    gaz = regions.gazetteer()
    codes = []
    for code in _values(raw, "region"):
        if code in gaz.by_code:
            codes.append(code)
        else:
            problems.append(f"kode wilayah tidak dikenal: {code}")
    sentiment = []
    for label in _values(raw, "sentiment"):
        if label in SENTIMENT_BUCKETS:
            sentiment.append(label)
        else:
            problems.append(f"sentimen tidak dikenal: {label}")
    types = []
    for kind in _values(raw, "source_type"):
        if kind in SOURCE_TYPES:
            types.append(kind)
        else:
            problems.append(f"jenis sumber tidak dikenal: {kind}")
    platforms = []
    for name in _values(raw, "platform"):
        if PLATFORM.fullmatch(name):
            platforms.append(name)
        else:
            problems.append(f"platform tidak valid: {name}")
    moments: dict[str, datetime | None] = {"from": None, "to": None}
    for key in moments:
        text = ",".join(_values(raw, key))
        if not text:
            continue
        try:
            moments[key] = parse_moment(text, zone, end=key == "to")
        except ValueError:
            problems.append(f"tanggal tidak valid di {key}: {text}")
    q = raw.get("q") or ""
    return View(query=q if isinstance(q, str) else " ".join(q), regions=tuple(dict.fromkeys(codes)),
                sentiment=tuple(dict.fromkeys(sentiment)), topics=tuple(dict.fromkeys(_values(raw, "topic"))),
                sources=tuple(dict.fromkeys(_values(raw, "source"))), source_types=tuple(dict.fromkeys(types)),
                platforms=tuple(dict.fromkeys(platforms)), since=moments["from"],
                until=moments["to"], problems=tuple(problems))


def now(as_of: str = "") -> datetime:
    """The dashboard's "now": the clock, or ``[dashboard] as_of`` when a replay (``pantau demo``) sets it."""
    return datetime.fromisoformat(as_of).astimezone(UTC) if as_of else datetime.now(UTC)


def morning_period(now: datetime, tz: str) -> tuple[datetime, datetime]:
    """"Since yesterday 07:00" in the office's timezone, up to now."""
    local = now.astimezone(ZoneInfo(tz))
    start = datetime.combine(local.date() - timedelta(days=1), time(7), tzinfo=local.tzinfo)
    return start.astimezone(UTC), now.astimezone(UTC)


def from_url(tz: str) -> View:
    """The current page's ``st.query_params`` as a View (repeated keys kept)."""
    import streamlit as st

    return parse({key: st.query_params.get_all(key) for key in KEYS if key in st.query_params}, tz)


def sync(widget_key: str, param: str) -> None:
    """``on_change`` callback: write a widget's value back to the URL so the view can be shared."""
    import streamlit as st

    value = st.session_state[widget_key]
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    if value in ("", None):
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)
