"""Headline rules on pages no one configured: the outlet's name is cut, the body's headline wins."""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers import extract, headline

NOW = datetime(2025, 7, 1, tzinfo=UTC)
BODY = "<p>" + "Warga Samarinda menyambut baik pembangunan jalan baru di kawasan utara kota. " * 6 + "</p>"


def page(title: str, head: str = "", top: str = "") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{top}<article>{BODY}</article></body></html>"


def title_of(html: str, url: str = "http://127.0.0.1:8000/a/1", **kw: object) -> str:
    return extract.extract(html, url, now=NOW, **kw).title  # type: ignore[arg-type]


def test_styled_div_headline_beats_the_title_suffix() -> None:
    html = page("Banjir Rendam Tiga Kecamatan - Kaltim Kini", top='<div class="jdl">Banjir Rendam Tiga Kecamatan</div>')
    assert title_of(html) == "Banjir Rendam Tiga Kecamatan"


def test_headline_with_a_dash_survives_when_the_body_prints_it() -> None:
    head = "Samarinda - Balikpapan Toll Road Dibuka Gratis Selama Libur"
    html = page(f"{head} | Warta Benua", top=f"<div style='font-size:30px'><b>{head}</b></div>")
    assert title_of(html) == head


def test_feed_channel_names_the_outlet_when_the_body_has_no_headline() -> None:
    html = page("Harga Cabai Naik Lagi di Pasar Segiri - Suara Mahakam")
    assert title_of(html) == "Harga Cabai Naik Lagi di Pasar Segiri - Suara Mahakam"
    assert title_of(html, site_names=["Suara Mahakam"]) == "Harga Cabai Naik Lagi di Pasar Segiri"


def test_prefix_site_name_and_meta_names() -> None:
    html = page(
        "Berita Etam » Pemkot Bontang Buka Lowongan PPPK", head='<meta name="application-name" content="Berita Etam">'
    )
    assert title_of(html) == "Pemkot Bontang Buka Lowongan PPPK"
    html = page("Pemkot Bontang Buka Lowongan :: BeritaEtam.id")
    assert title_of(html) == "Pemkot Bontang Buka Lowongan"


def test_host_name_and_learned_affixes() -> None:
    html = page("Jalan Poros Kubar Rusak Parah - Kubar Today", top="")
    assert title_of(html, url="https://www.kubartoday.co.id/berita/1") == "Jalan Poros Kubar Rusak Parah"
    learned = headline.SiteAffixes()
    for t in ("A satu dua - Daerah - Etam Post", "B tiga empat - Daerah - Etam Post", "C lima - Ekonomi - Etam Post"):
        learned.observe(t)
    assert "Etam Post" in learned.affixes()
    assert title_of(page("Harga Karet Turun - Etam Post"), affixes=learned.affixes()) == "Harga Karet Turun"


def test_logo_h1_is_not_the_headline() -> None:
    html = page(
        "Kaltim Hari Ini",
        head='<meta property="og:site_name" content="Kaltim Hari Ini">',
        top='<h1 class="logo">Kaltim Hari Ini</h1><div class="post-title">Gubernur Resmikan Jembatan Mahulu</div>',
    )
    assert title_of(html) == "Gubernur Resmikan Jembatan Mahulu"


def test_inner_dash_segments_are_never_cut() -> None:
    names = ["Kaltim Post"]
    assert headline.strip_site("Samarinda - Balikpapan Tol - Kaltim Post", names) == "Samarinda - Balikpapan Tol"
    assert headline.strip_site("Kaltim Post | Samarinda - Balikpapan Tol", names) == "Samarinda - Balikpapan Tol"
    assert headline.strip_site("Harga Cabai - Naik Lagi", names) == "Harga Cabai - Naik Lagi"
