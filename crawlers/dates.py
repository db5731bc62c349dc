"""Parse the dates Indonesian news pages and feeds print, into tz-aware UTC datetimes.

Outlets write dates for readers, not machines: "Jumat, 7 Juni 2024 14:30 WITA",
"Kompas.com - 07/06/2024, 14.30 WIB", "Kamis, 03 Jul 2025 16:13 WIB", "2 jam lalu". The zone
names are Indonesia's three: WIB (UTC+7, Java/Sumatra), WITA (UTC+8, Kalimantan Timur and
Sulawesi) and WIT (UTC+9, Maluku/Papua). A date without a zone is read in the outlet's default
zone (``default_tz``), and a date-only value is placed at 12:00 local so that it stays on the
same calendar day in all three zones. Feeds use RFC 822 or ISO 8601, which carry their own offset.

Everything here is pure: callers pass ``now`` so relative dates ("kemarin") and the
never-in-the-future rule are testable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
WIT = timezone(timedelta(hours=9), "WIT")
ZONES: dict[str, tzinfo] = {"WIB": WIB, "WITA": WITA, "WIT": WIT}

MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    (
        ("januari", "jan", "january"),
        ("februari", "feb", "pebruari", "peb", "february"),
        ("maret", "mar", "march"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "jun", "june"),
        ("juli", "jul", "july"),
        ("agustus", "agu", "agt", "ags", "aug", "august"),
        ("september", "sep", "sept"),
        ("oktober", "okt", "oct", "october"),
        ("november", "nov", "nop", "nopember"),
        ("desember", "des", "dec", "december"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _n

EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)  # Indonesian online news begins in the mid-1990s

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_ZONE_RE = r"(?P<zone>WITA|WIB|WIT|GMT\s*[+-]\s*\d{1,2}(?::?\d{2})?|UTC\s*[+-]\s*\d{1,2}|[+-]\d{2}:?\d{2})"
_TIME_RE = r"(?:(?:\s*[,|\-–]\s*|\s+)(?:pukul|pkl\.?|jam)?\s*(?P<hh>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<ss>\d{2}))?)"

# "7 Juni 2024", "Jumat, 07 Jun 2024 14:30 WITA", "7 Juni 2024, pukul 14.30 WIB"
_TEXTUAL = re.compile(
    rf"\b(?P<d>\d{{1,2}})\s+(?P<mon>{_MONTH_RE})\.?\s+(?P<y>\d{{4}})"
    rf"{_TIME_RE}?\s*{_ZONE_RE}?",
    re.IGNORECASE,
)
# "07/06/2024, 14.30 WIB", "03-07-2025 15:45"
_DMY = re.compile(
    rf"\b(?P<d>\d{{1,2}})[/.-](?P<m>\d{{1,2}})[/.-](?P<y>\d{{4}}){_TIME_RE}?\s*{_ZONE_RE}?",
    re.IGNORECASE,
)
# "2025/07/03 16:13:50", "2025-07-03 16:13"
_YMD = re.compile(
    r"\b(?P<y>\d{4})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})"
    r"(?:(?:T|\s+|,\s*)(?P<hh>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<ss>\d{2}))?)?"
    rf"\s*{_ZONE_RE}?",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?:(?P<n>\d+|se|satu|dua|tiga|empat|lima)\s*(?P<unit>detik|menit|jam|hari|minggu|pekan|bulan)"
    r"\s+(?:yang\s+)?lalu|(?P<word>baru\s+saja|kemarin|hari\s+ini))\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"se": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5}
_UNIT_SECONDS = {
    "detik": 1,
    "menit": 60,
    "jam": 3600,
    "hari": 86400,
    "minggu": 604800,
    "pekan": 604800,
    "bulan": 2592000,
}
_UPDATED_CUE = re.compile(r"(diperbarui|diperbaharui|update[d]?|pembaruan|terakhir diubah)\W*$", re.IGNORECASE)


@dataclass(kw_only=True, frozen=True)
class ParsedDate:
    """A date found in text: the UTC instant, whether a clock time was present, and where it was."""

    value: datetime
    has_time: bool
    has_zone: bool
    start: int
    updated: bool = False  # preceded by "Diperbarui"/"Updated": a modification time, not publication
    relative: bool = False  # "2 jam lalu": only as good as the page's freshness


def _zone(text: str | None, default: tzinfo) -> tuple[tzinfo, bool]:
    if not text:
        return default, False
    t = text.upper().replace(" ", "")
    if t in ZONES:
        return ZONES[t], True
    m = re.fullmatch(r"(?:GMT|UTC)?([+-])(\d{1,2}):?(\d{2})?", t)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(sign * delta), True
    return default, False


def _build(y: int, mo: int, d: int, hh: str | None, mi: str | None, ss: str | None, tz: tzinfo) -> datetime | None:
    try:
        if hh is None:
            return datetime(y, mo, d, 12, 0, tzinfo=tz)
        return datetime(y, mo, d, int(hh), int(mi or 0), int(ss or 0), tzinfo=tz)
    except ValueError:
        return None


def find_dates(text: str, *, now: datetime, default_tz: tzinfo = WIB) -> list[ParsedDate]:
    """Every plausible date in ``text``, in order of appearance (relative dates included)."""
    found: list[ParsedDate] = []
    taken: list[tuple[int, int]] = []

    def overlaps(a: int, b: int) -> bool:
        return any(a < e and s < b for s, e in taken)

    for pattern, kind in ((_TEXTUAL, "text"), (_YMD, "ymd"), (_DMY, "dmy")):
        for m in pattern.finditer(text):
            if overlaps(m.start(), m.end()):
                continue
            g = m.groupdict()
            try:
                y, d = int(g["y"]), int(g["d"])
                mo = MONTHS[g["mon"].lower()] if kind == "text" else int(g["m"])
            except (KeyError, ValueError):
                continue
            tz, has_zone = _zone(g.get("zone"), default_tz)
            dt = _build(y, mo, d, g.get("hh"), g.get("mi"), g.get("ss"), tz)
            if dt is None or not (EARLIEST <= dt <= now + timedelta(days=366)):
                continue
            taken.append((m.start(), m.end()))
            cue = bool(_UPDATED_CUE.search(text[max(0, m.start() - 40) : m.start()]))
            found.append(
                ParsedDate(
                    value=dt.astimezone(UTC),
                    has_time=g.get("hh") is not None,
                    has_zone=has_zone,
                    start=m.start(),
                    updated=cue,
                )
            )
    for m in _RELATIVE.finditer(text):
        if overlaps(m.start(), m.end()):
            continue
        value = relative(m.group(0), now=now, default_tz=default_tz)
        if value is not None:
            found.append(ParsedDate(value=value, has_time=True, has_zone=True, start=m.start(), relative=True))
    found.sort(key=lambda p: p.start)
    return found


def relative(text: str, *, now: datetime, default_tz: tzinfo = WIB) -> datetime | None:
    """'2 jam lalu', 'sejam lalu', '5 menit yang lalu', 'kemarin', 'baru saja' relative to ``now``."""
    m = _RELATIVE.search(text)
    if m is None:
        return None
    word = (m.group("word") or "").lower()
    if word.startswith("baru"):
        return now.astimezone(UTC)
    if word == "kemarin":
        local = now.astimezone(default_tz) - timedelta(days=1)
        return local.replace(hour=12, minute=0, second=0, microsecond=0).astimezone(UTC)
    if word.startswith("hari"):
        return now.astimezone(UTC)
    n_text = m.group("n").lower()
    n = _NUMBER_WORDS.get(n_text) or int(n_text)
    return (now - timedelta(seconds=n * _UNIT_SECONDS[m.group("unit").lower()])).astimezone(UTC)


def parse(text: str, *, now: datetime, default_tz: tzinfo = WIB) -> datetime | None:
    """Parse one date string of any supported form (machine or human) to UTC, or None.

    Tries ISO 8601 and RFC 822 first (feeds, meta tags, JSON-LD), then the Indonesian forms.
    A publication date is preferred over a "Diperbarui" modification date in the same text.
    """
    text = " ".join(text.split())
    if not text:
        return None
    machine = parse_machine(text, default_tz=default_tz)
    if machine is not None:
        return machine
    dates = find_dates(text, now=now, default_tz=default_tz)
    published = [p for p in dates if not p.updated]
    chosen = (published or dates)[:1]
    return chosen[0].value if chosen else None


def parse_machine(text: str, *, default_tz: tzinfo = WIB) -> datetime | None:
    """ISO 8601 (``2025-07-03T16:13:50+07:00``, ``...Z``) or RFC 822 (``Thu, 03 Jul 2025 16:13:50 +0700``)."""
    t = text.strip()
    iso = t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        dt = None
    if dt is None and re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", t):
        try:
            dt = parsedate_to_datetime(t)
        except (TypeError, ValueError, IndexError):
            dt = None
        if dt is not None and dt.tzinfo is None:
            # RFC 822 "-0000" means "zone unknown"; a named Indonesian zone may follow instead.
            tz, _ = _zone(t.rsplit(" ", 1)[-1], default_tz)
            dt = dt.replace(tzinfo=tz)
    if dt is None:
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
            dt = dt.replace(hour=12)
        dt = dt.replace(tzinfo=default_tz)
    if not (dt >= EARLIEST):
        return None
    return dt.astimezone(UTC)


def not_in_future(
    value: datetime, *, now: datetime, tolerance: timedelta = timedelta(minutes=10)
) -> tuple[datetime, bool]:
    """Clamp a publication time to ``now``; returns the value and whether it was clamped.

    A date ahead of the crawl is a wrong zone, a swapped day/month or a scheduled post's
    embargo time; an article cannot have been published after Pantau fetched it.
    """
    if value > now + tolerance:
        return now.astimezone(UTC), True
    return min(value, now).astimezone(UTC), False
