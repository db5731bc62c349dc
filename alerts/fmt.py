"""Indonesian number, date and time formats for emails (and anything else a PR officer reads).

Bahasa Indonesia writes 1.234,5 and 46%, names days and months in Indonesian, and says
which of the three time zones a time is in (WIB, WITA, WIT).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
DAYS_LONG = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def number(value: float, decimals: int = 0) -> str:
    """1234.5 → "1.234,5" (Indonesian separators)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def compact(value: int) -> str:
    """A count as a post's platform shows it: 950 → "950", 3412 → "3,4 rb", 1_250_000 → "1,3 jt"."""
    if value < 1000:
        return number(value)
    for size, unit in ((1_000, "rb"), (1_000_000, "jt"), (1_000_000_000, "M")):
        tenths = (value * 10 + size // 2) // size  # half up, in whole numbers: no float rounding surprises
        if tenths < 10_000 or unit == "M":  # 999.950 is "1 jt", not "1.000 rb"
            return f"{number(tenths / 10, 1).removesuffix(',0')} {unit}"
    raise AssertionError("unreachable")


def percent(share: float, decimals: int = 0) -> str:
    return f"{number(100 * share, decimals)}%"


def zone_name(moment: datetime) -> str:
    name = moment.tzname() or ""
    return name if name.isalpha() else f"UTC{name}"


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def day(moment: datetime, tz: str) -> str:
    """ "Sel, 2 Des 2025" """
    m = local(moment, tz)
    return f"{DAYS[m.weekday()]}, {m.day} {MONTHS[m.month - 1]} {m.year}"


def clock(moment: datetime, tz: str) -> str:
    """ "07:10 WITA" """
    m = local(moment, tz)
    return f"{m:%H:%M} {zone_name(m)}"


def when(moment: datetime, tz: str) -> str:
    """ "Sel, 2 Des 2025 07:10 WITA" """
    return f"{day(moment, tz)} {clock(moment, tz)}"


def span(start: datetime, end: datetime, tz: str) -> str:
    """ "Sel, 2 Des 2025 01:00–07:00 WITA", or across days "Sen, 1 Des 07:00 – Sel, 2 Des 2025 07:00 WITA" """
    a, b = local(start, tz), local(end, tz)
    if a.date() == b.date() or ((b - a).total_seconds() <= 86400 and b.hour == 0 and b.minute == 0):
        end_text = "24:00" if b.date() != a.date() else f"{b:%H:%M}"
        return f"{day(a, tz)} {a:%H:%M}–{end_text} {zone_name(b)}"
    return f"{DAYS[a.weekday()]}, {a.day} {MONTHS[a.month - 1]} {a:%H:%M} – {when(b, tz)}"


def hours(value: float) -> str:
    return f"{number(value, 0 if float(value).is_integer() else 1)} jam"
