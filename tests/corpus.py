"""A small, fully known set of Kaltim articles for the store contract tests.

Every count the contract tests assert can be read off this table by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pantau.article import Article, Sentiment, Topic

BASE = datetime(2025, 7, 1, 0, 0, tzinfo=UTC)  # 08:00 WITA on 1 July 2025


def make(
    n: int,
    title: str,
    body: str,
    *,
    regions: tuple[str, ...] = (),
    sentiment: str | None = None,
    topics: tuple[str, ...] = (),
    source: str = "antara-kaltim",
    hours: float = 0,
    cluster: str = "",
) -> Article:
    return Article.create(
        url=f"https://kaltim.example.id/berita/{n}",
        title=title,
        body=body,
        source=source,
        published_at=BASE + timedelta(hours=hours),
        crawled_at=BASE + timedelta(hours=hours, minutes=5),
        regions=regions,
        sentiment=Sentiment(label=sentiment, score=0.9, probs={sentiment: 0.9}, model="test")
        if sentiment
        else None,
        nlp_status="scored" if sentiment else "pending",
        topics=tuple(Topic(label=t, score=0.8) for t in topics),
        cluster_id=cluster,
    )


def corpus() -> list[Article]:
    return [
        make(1, "Banjir rendam ratusan rumah di Samarinda",
             "Banjir kembali merendam permukiman warga di Samarinda setelah hujan deras semalam.",
             regions=("64.72",), sentiment="negative", topics=("bencana",), hours=1, cluster="c-banjir"),
        make(2, "Banjir Samarinda: ratusan rumah terendam",
             "Ratusan rumah di Samarinda terendam banjir, BPBD mendirikan posko pengungsian.",
             regions=("64.72",), sentiment="negative", topics=("bencana",), source="tribun-kaltim", hours=3,
             cluster="c-banjir"),
        make(3, "Pemkot Balikpapan resmikan jalan tol baru",
             "Jalan tol yang menghubungkan Balikpapan dan Samarinda diresmikan hari ini.",
             regions=("64.71", "64.72"), sentiment="positive", topics=("infrastruktur",), hours=5),
        make(4, "Produksi batu bara Kutai Timur naik",
             "Produksi batu bara di Kutai Timur naik sepuluh persen dibanding tahun lalu.",
             regions=("64.08",), sentiment="positive", topics=("energi & tambang", "ekonomi"),
             source="niaga-asia", hours=26),
        make(5, "Gubernur Kaltim rapat dengan bupati se-Kaltim",
             "Rapat koordinasi membahas anggaran daerah tahun depan.",
             regions=("64",), sentiment="neutral", topics=("pemerintahan",), hours=28),
        make(6, "Jalan rusak di Kukar dikeluhkan warga",
             "Warga Kutai Kartanegara mengeluhkan jalan rusak yang belum diperbaiki.",
             regions=("64.02",), sentiment="negative", topics=("infrastruktur",), hours=50),
        make(7, "Festival budaya Dayak di Mahakam Ulu",
             "Festival tahunan menampilkan tarian dan kerajinan masyarakat Dayak.",
             regions=("64.11",), topics=("sosial & budaya", "pariwisata"), source="tribun-kaltim", hours=52),
        make(8, "Harga cabai di Jakarta melonjak",
             "Harga cabai rawit di pasar Jakarta naik tajam menjelang akhir bulan.",
             regions=("31",), sentiment="negative", topics=("ekonomi",), source="cnn-indonesia", hours=75),
    ]
