"""Indonesian date parsing: the forms outlets print, the three zones, relative dates, never the future."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawlers import dates

NOW = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)  # 20:00 WITA


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jumat, 7 Juni 2024 14:30 WITA", utc(2024, 6, 7, 6, 30)),
        ("Jumat, 7 Juni 2024 14:30 WIB", utc(2024, 6, 7, 7, 30)),
        ("Jumat, 7 Juni 2024 14:30 WIT", utc(2024, 6, 7, 5, 30)),
        ("07/06/2024, 14.30 WIB", utc(2024, 6, 7, 7, 30)),
        ("Kompas.com - 03/07/2025, 15:45 WIB", utc(2025, 7, 3, 8, 45)),
        ("Kamis, 03 Jul 2025 16:13 WIB", utc(2025, 7, 3, 9, 13)),
        ("Rabu, 19 Juni 2024 01:00 WITA", utc(2024, 6, 18, 17, 0)),
        ("7 Juni 2024, pukul 14.30 WITA", utc(2024, 6, 7, 6, 30)),
        ("Selasa, 2 Agt 2024 | 09:05 WITA", utc(2024, 8, 2, 1, 5)),
        ("Senin, 5 Agustus 2024 09:05:30 WITA", utc(2024, 8, 5, 1, 5, 30)),
        ("2025/07/03 16:13:50", utc(2025, 7, 3, 9, 13, 50)),  # detik meta: no zone, outlet default WIB
        ("2025-07-03 08:00 WITA", utc(2025, 7, 3, 0, 0)),
        ("03-07-2025 15:45", utc(2025, 7, 3, 8, 45)),
        ("Diposting pada 19 Juni 2024", utc(2024, 6, 19, 5, 0)),  # date only: 12:00 WIB
        ("12 Desember 2023 23:10 GMT+7", utc(2023, 12, 12, 16, 10)),
        ("1 Nopember 2016 10:00 WIB", utc(2016, 11, 1, 3, 0)),
        ("Thu, 03 Jul 2025 16:13:50 +0700", utc(2025, 7, 3, 9, 13, 50)),
        ("Thu, 03 Jul 2025 09:13:50 GMT", utc(2025, 7, 3, 9, 13, 50)),
        ("2025-07-03T16:13:50+07:00", utc(2025, 7, 3, 9, 13, 50)),
        ("2025-07-03T09:13:50Z", utc(2025, 7, 3, 9, 13, 50)),
        ("2025-07-03", utc(2025, 7, 3, 5, 0)),
    ],
)
def test_absolute_forms(text: str, expected: datetime) -> None:
    assert dates.parse(text, now=NOW) == expected


def test_default_zone_is_configurable_for_kaltim_outlets() -> None:
    assert dates.parse("03/07/2025, 10:00", now=NOW, default_tz=dates.WITA) == utc(2025, 7, 3, 2, 0)


def test_updated_date_is_not_taken_for_publication() -> None:
    text = "Diperbarui 03/07/2025, 16:22 WIB Kompas.com - 03/07/2025, 15:45 WIB"
    assert dates.parse(text, now=NOW) == utc(2025, 7, 3, 8, 45)


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("2 jam lalu", timedelta(hours=2)),
        ("5 menit yang lalu", timedelta(minutes=5)),
        ("sejam lalu", timedelta(hours=1)),
        ("3 hari lalu", timedelta(days=3)),
        ("1 minggu lalu", timedelta(days=7)),
        ("baru saja", timedelta(0)),
    ],
)
def test_relative_forms(text: str, ago: timedelta) -> None:
    assert dates.parse(text, now=NOW) == NOW - ago


def test_kemarin_is_noon_of_the_previous_local_day() -> None:
    # NOW is 19:00 WIB on 3 July; "kemarin" is 2 July.
    assert dates.parse("kemarin", now=NOW) == utc(2025, 7, 2, 5, 0)


@pytest.mark.parametrize(
    "text", ["", "tanpa tanggal", "32 Juni 2024", "31/02/2024", "15 Maret 1890 10:00 WIB", "Rp 2.500/3/2024"]
)
def test_rejects_non_dates(text: str) -> None:
    assert dates.parse(text, now=NOW) is None


def test_find_dates_reports_zone_and_time_presence() -> None:
    found = dates.find_dates("Jumat, 7 Juni 2024 14:30 WITA. Acara lanjutan 11 Juni 2024.", now=NOW)
    assert [(f.has_time, f.has_zone) for f in found] == [(True, True), (False, False)]


def test_future_dates_are_clamped_to_now() -> None:
    value, clamped = dates.not_in_future(NOW + timedelta(days=2), now=NOW)
    assert (value, clamped) == (NOW, True)
    value, clamped = dates.not_in_future(NOW - timedelta(hours=1), now=NOW)
    assert (value, clamped) == (NOW - timedelta(hours=1), False)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2025, 7, 1)),
    st.sampled_from(["WIB", "WITA", "WIT"]),
)
def test_round_trip_of_printed_dates(local: datetime, zone: str) -> None:
    """Any minute printed the way outlets print it parses back to the same instant."""
    local = local.replace(second=0, microsecond=0)
    tz = dates.ZONES[zone]
    printed_months = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    text = f"{local.day} {printed_months[local.month - 1]} {local.year} {local:%H:%M} {zone}"
    assert dates.parse(text, now=NOW) == local.replace(tzinfo=tz).astimezone(UTC)
    dotted = f"{local:%d/%m/%Y}, {local:%H.%M} {zone}"
    assert dates.parse(dotted, now=NOW) == local.replace(tzinfo=tz).astimezone(UTC)
