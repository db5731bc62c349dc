"""The crawler's pure parts: charset decoding, boilerplate removal, feeds, near-duplicates,
language, canonical URLs, the private-address guard and Retry-After parsing."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import Request

from crawlers import dates, decode, dedupe, extract, feeds, language, quality
from crawlers.items import FeedEntry, PageItem
from crawlers.middlewares.backoff import retry_after_seconds
from crawlers.middlewares.ssrf import PrivateAddressGuard, inside, is_public, resolve
from crawlers.pipelines.canonical import canonical_for
from crawlers.pipelines.dates import choose
from crawlers.stats import Blocked
from tests.crawlserver.harness import assert_stayed_local

# -- decoding ---------------------------------------------------------------------------------------


def test_cp1252_labelled_utf8_is_read_as_cp1252() -> None:
    raw = "Kafé “Omzet” – rekor".encode("cp1252")
    d = decode.decode(raw, "text/html; charset=utf-8")
    assert d.text == "Kafé “Omzet” – rekor" and d.encoding == "cp1252" and d.relabelled


def test_utf8_labelled_latin1_is_read_as_utf8() -> None:
    raw = '<meta charset="iso-8859-1"><p>Kafé “Omzet”</p>'.encode()
    d = decode.decode(raw, "text/html")
    assert "Kafé “Omzet”" in d.text and d.encoding == "utf-8" and d.relabelled


def test_double_encoded_text_is_repaired() -> None:
    garbled = "“Kafé” – tes".encode().decode("cp1252", errors="pantau-latin1")
    assert decode.has_mojibake(garbled)
    fixed, repaired = decode.repair_double_encoding(garbled)
    assert (fixed, repaired) == ("“Kafé” – tes", True)


def test_clean_text_is_untouched() -> None:
    text = "Harga naik Rp 5.000 — kata Ketua DPRD Kaltim, “tidak wajar”."
    assert decode.repair_double_encoding(text) == (text, False)


@pytest.mark.parametrize("blob", [b"\x89PNG\r\n\x1a\n" + bytes(200), b"PK\x03\x04zipdata", bytes(range(256)) * 4])
def test_binary_bodies_are_refused(blob: bytes) -> None:
    with pytest.raises(decode.NotText):
        decode.decode(blob, "text/html")


# -- boilerplate ------------------------------------------------------------------------------------


def test_boilerplate_lines_are_removed_and_prose_kept() -> None:
    body = "\n".join(
        [
            "Nasional",
            "SAMARINDA - Wali Kota meresmikan jembatan baru di Sungai Karang Mumus pada Senin pagi.",
            "Baca juga: Banjir Samarinda Surut, Warga Kembali ke Rumah",
            "ADVERTISEMENT",
            "SCROLL TO CONTINUE WITH CONTENT",
            "Warga menyambut baik jembatan itu karena memangkas waktu tempuh. "
            "ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT Pedagang juga senang.",
            'Simak Video "Banjir di Samarinda"',
            "Dapatkan update berita pilihan dan breaking news setiap hari dari Kompas.com.",
            "- Kamis, 05/11/2015 09:25 WIB",
            "(kpl/otx)",
            "DINI TEJA",
        ]
    )
    cleaned, removed = extract.clean_body(body)
    assert cleaned.split("\n") == [
        "SAMARINDA - Wali Kota meresmikan jembatan baru di Sungai Karang Mumus pada Senin pagi.",
        "Warga menyambut baik jembatan itu karena memangkas waktu tempuh. Pedagang juga senang.",
    ]
    assert removed == 9


def test_a_sentence_mentioning_komentar_is_kept() -> None:
    line = "Gubernur menolak memberi komentar soal tambang ilegal di Kutai Kartanegara."
    assert extract.clean_body(line)[0] == line


def test_headline_suffixes_are_dropped() -> None:
    assert extract._clean_title("Banjir Rendam Samarinda - Kompas.com", ["KOMPAS.com"]) == "Banjir Rendam Samarinda"
    assert extract._clean_title("Jalan Rusak di Kubar | Republika Online", []) == "Jalan Rusak di Kubar"
    assert extract._clean_title("Harga Cabai - Naik Lagi", []) == "Harga Cabai - Naik Lagi"


# -- feeds ------------------------------------------------------------------------------------------


def test_rss_atom_rdf_and_sitemaps_parse() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><item><title>A</title>
      <link>/a?utm_source=x</link><pubDate>Thu, 03 Jul 2025 16:13:50 +0700</pubDate></item></channel></rss>"""
    p = feeds.parse(rss, "https://kaltim.example.id/rss")
    assert p.kind == "rss" and p.entries[0].url == "https://kaltim.example.id/a?utm_source=x"
    assert p.entries[0].published.startswith("Thu, 03 Jul 2025")
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>B</title>
      <link rel="alternate" href="https://x.id/b"/><published>2025-07-03T08:00:00+08:00</published></entry></feed>"""
    assert feeds.parse(atom, "https://x.id/").entries[0].published == "2025-07-03T08:00:00+08:00"
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://x.id/s1.xml</loc>
      </sitemap></sitemapindex>"""
    assert feeds.parse(index, "https://x.id/").sitemaps[0].url == "https://x.id/s1.xml"
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://x.id/c</loc><lastmod>2025-07-03</lastmod><news:news><news:publication_date>2025-07-03T07:00:00+07:00</news:publication_date>
      <news:title>C</news:title></news:news></url></urlset>"""
    e = feeds.parse(news, "https://x.id/").entries[0]
    assert (e.title, e.published, e.updated) == ("C", "2025-07-03T07:00:00+07:00", "2025-07-03")


def test_broken_feed_is_salvaged_and_flagged() -> None:
    broken = b"<rss><channel><item><title>Satu & dua</title><link>https://x.id/1</link></item><item><title>"
    p = feeds.parse(broken, "https://x.id/")
    assert p.broken and [e.url for e in p.entries] == ["https://x.id/1"]


def test_external_entities_are_not_resolved() -> None:
    evil = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
      <rss><channel><item><title>&x;</title><link>https://x.id/1</link></item></channel></rss>"""
    p = feeds.parse(evil, "https://x.id/")
    assert "root:" not in p.entries[0].title


@pytest.mark.parametrize("body", [b"", b"<html><body>bukan feed</body></html>", b"\x00\x01"])
def test_non_feeds_raise(body: bytes) -> None:
    with pytest.raises(feeds.FeedError):
        feeds.parse(body, "https://x.id/")


# -- near-duplicates --------------------------------------------------------------------------------

STORY = (
    "Pemerintah Kota Samarinda meresmikan rute bus baru yang menghubungkan pusat kota dengan bandara. "
    "Warga menyambutnya dengan antusias pada hari pertama operasi. Tarif ditetapkan lima ribu rupiah "
    "untuk umum dan pelajar gratis. Dinas Perhubungan menyebut armada akan ditambah bila jumlah penumpang "
    "terus naik dalam tiga bulan pertama, terutama pada jam sibuk pagi dan sore hari di koridor utama."
)


def test_syndicated_copy_joins_the_cluster_and_other_stories_do_not() -> None:
    idx = dedupe.ClusterIndex(threshold=0.5)
    assert idx.assign("a", STORY) == ("a", 0.0)
    # a regional portal's copy: its own dateline, a figure rewritten, an agency credit added
    copy = "Samarinda - " + STORY.replace("lima ribu rupiah", "Rp 5.000") + " (ant/kaltim)"
    cluster, sim = idx.assign("b", copy)
    assert cluster == "a" and sim >= 0.5
    other = (
        "Banjir merendam tiga kecamatan di Kutai Kartanegara setelah hujan deras semalaman. Badan "
        "Penanggulangan Bencana Daerah mengerahkan perahu karet untuk mengevakuasi warga lanjut usia."
    )
    assert idx.assign("c", other)[0] == "c"
    assert idx.assign("a", STORY) == ("a", 1.0)  # idempotent


def test_similarity_estimate_tracks_jaccard() -> None:
    a, b = dedupe.signature(STORY), dedupe.signature(STORY)
    assert dedupe.similarity(a, b) == 1.0
    unrelated = dedupe.signature("Timnas putri kalah dari Pakistan dalam laga persahabatan di Jakarta tadi malam.")
    assert dedupe.similarity(a, unrelated) < 0.1


# -- language ---------------------------------------------------------------------------------------


def test_language_detection() -> None:
    assert language.detect(STORY) == "id"
    english = (
        "The city council approved a new budget for drainage works on Thursday, after months of debate "
        "about flooding in the northern districts of the city, and the mayor said it was overdue."
    )
    assert language.detect(english) == "en"
    assert language.detect("Samarinda 2025") == "und"


def test_noun_heavy_government_release_is_indonesian_but_a_name_list_is_not() -> None:
    release = (
        "PENGUMUMAN - Dinas Pekerjaan Umum dan Penataan Ruang Kota Samarinda diwakilkan Bidang Bina Konstruksi "
        "bersama Tempat Uji Kompetensi (TUK) Berlian Mulawarman mengadakan Pelatihan dan Sertifikasi SKK Jenjang 5 "
        "Jabatan Kerja Supervisor K3 Konstruksi Bina Konstruksi, Selasa 3 September 2024, Hotel Mercure Samarinda "
        "Jalan Mulawarman Nomor 2 Kecamatan Samarinda Kota Provinsi Kalimantan Timur Tahun Anggaran 2024 Peserta "
        "Perwakilan Asosiasi Kontraktor Gapensi Gapeknas Aspekindo Kalimantan Timur."
    )
    assert 0.035 <= language.rates(release)["id"] < 0.06
    assert language.detect(release) == "id"
    names = " ".join(["Samarinda Balikpapan Bontang Kutai Kartanegara Berau Paser Mahakam Ulu Tenggarong"] * 3)
    assert language.detect(names) == "und"


def test_table_cell_article_body_is_read() -> None:
    """Old CMS layouts keep the article in a <td>; trafilatura's precision mode returns nothing there."""
    second = (
        "Warga Palaran mengeluhkan jalan berlubang sepanjang dua kilometer yang belum diperbaiki sejak musim "
        "hujan lalu, sehingga kendaraan harus berjalan pelan dan antrean panjang terjadi setiap pagi."
    )
    paras = f"<p>{STORY}</p><p>{second}</p>"
    html = (
        "<html><head><title>Jalan Rusak di Palaran :: PalaranNews.id</title></head><body><table>"
        '<tr><td><font size="6">PalaranNews</font></td></tr>'
        f'<tr><td><font size="5"><b>Jalan Rusak di Palaran</b></font></td></tr><tr><td>{paras}</td></tr>'
        "</table></body></html>"
    )
    found = extract.extract(html, "http://127.0.0.1/a", now=datetime.now(UTC))
    assert found.title == "Jalan Rusak di Palaran"
    assert quality.token_f1(found.body, STORY + "\n" + second) >= 0.9


# -- canonical URLs ---------------------------------------------------------------------------------


def test_canonical_link_is_used_on_the_same_site_only() -> None:
    fetched = "https://KALTIM.example.co.id/read/123/judul/amp?utm_source=fb"
    assert (
        canonical_for("https://www.example.co.id/read/123/judul", fetched) == "https://www.example.co.id/read/123/judul"
    )
    assert canonical_for("https://evil.test/read/1", fetched) == "https://kaltim.example.co.id/read/123/judul"
    assert canonical_for("https://example.co.id/", fetched) == "https://kaltim.example.co.id/read/123/judul"


# -- private-address guard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("addr", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("36.86.63.182", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_public_address_classification(addr: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(addr)) is public


def test_guard_blocks_private_and_honours_exempt_networks() -> None:
    guard = PrivateAddressGuard([ipaddress.ip_network("127.0.0.0/8")])
    guard.check("localhost", resolve("127.0.0.1"))  # exempt: no exception
    with pytest.raises(Blocked) as info:
        guard.check("metadata", resolve("169.254.169.254"))
    assert info.value.reason == "private_address"


def test_only_networks_refuses_every_outside_host_before_dns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The demo and the test crawls set PANTAU_ONLY_NETWORKS: a named host is refused without a lookup
    (no resolver is reached for www.facebook.com), an address on 127.0.0.0/8 passes, and the test
    harness fails a crawl whose log shows the refusal."""
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert inside("127.0.0.1", loopback) and inside("localhost", loopback)
    assert not inside("www.facebook.com", loopback) and not inside("::1", loopback)
    guard = PrivateAddressGuard(None, loopback)  # private addresses allowed, so a host inside needs no lookup
    for url in ("http://127.0.0.1:8123/feed.xml", "http://localhost:8123/a"):
        assert asyncio.run(guard.process_request(Request(url))) is None
    guard = PrivateAddressGuard(loopback, loopback)  # as the test harness runs it
    for url in ("https://www.facebook.com/HumasKaltim/posts/6", "http://10.0.0.5/", "http://[::1]/"):
        with caplog.at_level(logging.WARNING), pytest.raises(Blocked) as info:
            asyncio.run(guard.process_request(Request(url)))
        assert info.value.reason == "outside_networks"
    assert "www.facebook.com" in caplog.text and "outside PANTAU_ONLY_NETWORKS" in caplog.text
    log = tmp_path / "last-crawl.log"
    log.write_text(caplog.text, encoding="utf-8")
    with pytest.raises(AssertionError, match="asked for an outside URL"):
        assert_stayed_local(log)
    log.write_text("INFO: crawl finished\n", encoding="utf-8")
    assert_stayed_local(log)


# -- Retry-After ------------------------------------------------------------------------------------


def test_retry_after_forms() -> None:
    now = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Thu, 03 Jul 2025 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Thu, 03 Jul 2025 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("", now + timedelta(0)) is None


# -- date choice ------------------------------------------------------------------------------------


def _item(url: str, found: extract.Extracted, published: str = "") -> PageItem:
    return PageItem(
        source="t",
        source_type="news",
        url=url,
        response_url=url,
        status=200,
        body=b"",
        content_type="",
        feed=FeedEntry(url=url, published=published) if published else None,
        extracted=found,
    )


def test_date_choice_prefers_feed_over_page_text_and_url_over_stray_dates() -> None:
    now = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)
    sidebar = dates.find_dates("Rabu, 7 Oktober 2015", now=now)  # another article's date in a sidebar
    found = extract.Extracted(title="t", body="b", visible_dates=sidebar)
    value, origin = choose(_item("https://x.id/read/2015/11/04/123/judul", found), now, dates.WIB)
    assert value is not None and (value.date().isoformat(), origin) == ("2015-11-04", "url_override")
    value, origin = choose(_item("https://x.id/a", found, "Thu, 03 Jul 2025 16:13:50 +0700"), now, dates.WIB)
    assert (value, origin) == (datetime(2025, 7, 3, 9, 13, 50, tzinfo=UTC), "feed")


def test_relative_dates_are_the_last_resort() -> None:
    now = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)
    found = extract.Extracted(title="t", body="b", headline_dates=dates.find_dates("2 jam lalu", now=now))
    assert choose(_item("https://x.id/read/2016/02/23/x", found), now, dates.WIB)[1] == "url"
    assert choose(_item("https://x.id/x", found), now, dates.WIB) == (now - timedelta(hours=2), "page_relative")
