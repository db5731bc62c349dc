"""Six outlet layouts Pantau's extractor was never tuned on, for measuring it on unseen sites.

Each layout is a made-up Kaltim outlet with the habits that break naive extraction: the headline
in a styled ``<div>``, a ``<span>`` or an old ``<table>``/``<font>`` cell instead of an ``<h1>``,
a logo ``<h1>``, ``<title>`` written "Headline - Site", "Site | Headline", "Headline – Section –
Site", "Site » Section » Headline", "Headline :: Domain" and "Headline — Site", dates printed in
WITA in several ways, and each outlet reached through a different entry point (RSS, Atom, sitemap,
listing). The texts are real (``tests/data/crawl/unseen/articles.jsonl``, see its SOURCE.md) and
the records are the gold: the headline as published, the day in WITA and the paragraphs.

The markup was written from these habits before the set was first measured; the set is for
measuring only, never for tuning the extractor.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

from .site import Site

DATA = Path(__file__).resolve().parents[1] / "data" / "crawl" / "unseen" / "articles.jsonl"
WITA = timezone(timedelta(hours=8))
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")  # fmt: skip
SECTIONS = ("Pemerintahan", "Infrastruktur", "Samarinda", "Ekonomi")


@dataclass(frozen=True, kw_only=True)
class Record:
    slug: str
    layout: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    path: str = ""

    @property
    def section(self) -> str:
        return SECTIONS[int(self.slug.rsplit("-", 1)[1]) % len(SECTIONS)]

    def gold(self) -> dict[str, str]:
        return {
            "path": self.path,
            "title": self.title,
            "date_wita": self.published.astimezone(WITA).date().isoformat(),
            "body": "\n".join(self.paragraphs),
            "layout": self.layout,
        }


def load() -> list[Record]:
    out = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r: dict[str, Any] = json.loads(line)
            out.append(
                Record(
                    slug=r["slug"],
                    layout=r["layout"],
                    title=r["title"],
                    paragraphs=tuple(r["paragraphs"]),
                    published=datetime.fromisoformat(r["published"]),
                )
            )
    return out


def _long(dt: datetime) -> str:
    d = dt.astimezone(WITA)
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}"


def _body(rec: Record, others: list[Record], wrap: str = "p") -> str:
    parts = []
    for i, p in enumerate(rec.paragraphs):
        parts.append(f"<{wrap}>{escape(p)}</{wrap}>")
        if i == 1 and others:
            o = others[0]
            parts.append(f'<p class="baca"><strong>Baca juga:</strong> <a href="{o.path}">{escape(o.title)}</a></p>')
    return "".join(parts)


def _related(others: list[Record], heading: str) -> str:
    items = "".join(f'<li><a href="{o.path}">{escape(o.title)}</a></li>' for o in others[:4])
    return f'<div class="lainnya"><div class="lainnya-judul">{heading}</div><ul>{items}</ul></div>'


def warta(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{escape(rec.title)} - Warta Benua</title>'
        f'<meta name="description" content="{escape(rec.paragraphs[0][:120])}"></head><body>'
        '<div class="top"><a href="/unseen/warta/"><img src="/logo.png" alt="Warta Benua"></a>'
        '<a href="/unseen/warta/kanal/daerah">Daerah</a> <a href="/unseen/warta/kanal/politik">Politik</a></div>'
        f'<div class="main"><div class="kanal">{rec.section}</div>'
        f'<div class="jdl" style="font-size:28px;font-weight:700">{escape(rec.title)}</div>'
        f'<div class="waktu">{_long(d)} | {d:%H:%M} WITA</div>'
        f'<div class="isi">{_body(rec, others)}</div></div>'
        f"{_related(others, 'Berita Lainnya')}"
        "<div class='kaki'>© 2024 Warta Benua. Hak cipta dilindungi undang-undang.</div></body></html>"
    )


def etam(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Etam Post | {escape(rec.title)}</title>'
        '<meta name="application-name" content="Etam Post"></head><body>'
        '<header><h1 class="brand"><a href="/unseen/etam/">Etam Post</a></h1>'
        '<ul class="menu"><li><a href="/unseen/etam/">Beranda</a></li><li><a href="/unseen/etam/kaltim">Kaltim</a></li>'
        "</ul></header><main><article>"
        f'<h2 class="entry-title">{escape(rec.title)}</h2>'
        f'<div class="meta">Oleh Redaksi · <time datetime="{d.isoformat()}">{d:%d/%m/%Y}</time></div>'
        f'<div class="entry-content">{_body(rec, others)}</div></article></main>'
        f"<aside><h3>Terbaru</h3>{_related(others, 'Terbaru')}</aside>"
        "<footer>Etam Post — Media Siber Kalimantan Timur</footer></body></html>"
    )


def mahakam(rec: Record, others: list[Record]) -> str:
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(rec.title)} – {rec.section} – Suara Mahakam</title>"
        '<meta property="og:site_name" content="Suara Mahakam">'
        f'<meta property="article:published_time" content="{rec.published.isoformat()}"></head><body>'
        '<div id="nav"><a href="/unseen/mahakam/">Suara Mahakam</a> · <a href="#">Indeks</a></div>'
        f'<div id="konten"><p class="rubrik">{rec.section}</p>'
        f'<p class="lead"><strong>{escape(rec.title)}</strong></p>'
        f'<div class="teks">{_body(rec, others)}</div>'
        '<div class="bagikan">Bagikan: <a href="#">Facebook</a> <a href="#">WhatsApp</a></div></div>'
        f"{_related(others, 'Baca Juga')}</body></html>"
    )


def benua(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>Benua Etam » {rec.section} » {escape(rec.title)}</title></head><body>"
        '<div class="logo"><b>BENUA ETAM</b> Berita Kaltim</div>'
        f'<div class="remah"><a href="/unseen/benua/">Beranda</a> » <a href="#">{rec.section}</a></div>'
        f'<span class="hl" style="font-size:2em;display:block">{escape(rec.title)}</span>'
        f'<span class="tgl">{d:%d/%m/%Y %H:%M} WITA</span>'
        f'<div class="naskah">{_body(rec, others)}</div>'
        f"{_related(others, 'Terpopuler')}<div class='foot'>Benua Etam 2024</div></body></html>"
    )


def kutim(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{escape(rec.title)} :: KutimToday.co.id</title></head><body>"
        '<table width="100%"><tr><td class="banner"><font size="6">KutimToday</font></td></tr>'
        f'<tr><td class="judul"><font size="5"><b>{escape(rec.title)}</b></font></td></tr>'
        f'<tr><td class="info">Diposting: {_long(d)} - {d:%H:%M} WITA</td></tr>'
        f'<tr><td class="berita">{_body(rec, others)}</td></tr>'
        f'<tr><td class="side">{_related(others, "Berita Terkait")}</td></tr>'
        "<tr><td>Copyright © KutimToday.co.id</td></tr></table></body></html>"
    )


def pesut(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": d.isoformat()})
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(rec.title)} — Pesut News</title>"
        f'<meta property="og:title" content="{escape(rec.title)} — Pesut News">'
        '<meta property="og:site_name" content="Pesut News">'
        f'<script type="application/ld+json">{ld}</script></head><body>'
        '<nav><a href="/unseen/pesut/">PESUT NEWS</a></nav><div class="wrap">'
        f'<div class="judul"><a href="{rec.path}">{escape(rec.title)}</a></div>'
        f'<div class="tanggal">{d.day} {MONTHS[d.month - 1][:3]} {d.year}</div>'
        f'<section class="artikel">{_body(rec, others)}</section></div>'
        f"{_related(others, 'Pilihan Redaksi')}</body></html>"
    )


# -- set B: six more layouts, written after set A was first measured and measured once ------------------


def lamin(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>LAMIN.ID - {escape(rec.title)}</title>'
        '</head><body><div class="header"><a href="/unseen/lamin/">LAMIN.ID</a><span>Portal Berita Kaltim</span></div>'
        f'<div class="title-news" style="font-size:24px">{escape(rec.title)}</div>'
        f'<p class="date-news">{DAYS[d.weekday()]}, {d:%d/%m/%Y %H:%M} WITA</p>'
        f'<div class="detail-news">{_body(rec, others)}</div>{_related(others, "Terkini")}</body></html>'
    )


def sungai(rec: Record, others: list[Record]) -> str:
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(rec.title)} » Sungai Post</title>"
        f'<meta property="article:published_time" content="{rec.published.isoformat()}"></head><body>'
        '<h1 id="logo"><a href="/unseen/sungai/">Sungai Post</a></h1>'
        f'<div class="post"><h1 class="post-h">{escape(rec.title)}</h1>'
        f'<div class="post-body">{_body(rec, others)}</div></div>{_related(others, "Populer")}</body></html>'
    )


def bontang(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(rec.title)} - Bontang - Bontang Pos</title></head><body>"
        '<div class="brand">Bontang Pos</div>'
        f'<header class="art-head"><div>{escape(rec.title)}</div>'
        f'<div class="meta-date">{_long(d)}, {d:%H:%M} WITA</div></header>'
        f'<div class="art-body">{_body(rec, others)}</div>{_related(others, "Lainnya")}</body></html>'
    )


def kubar(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(rec.title)} | Berita | KubarNet</title></head><body>"
        '<h1>KubarNet</h1><div class="crumb">Berita</div>'
        f'<h3 class="judul-artikel">{escape(rec.title)}</h3>'
        f'<small class="posted">{d.day} {MONTHS[d.month - 1]} {d.year} {d:%H:%M} WITA</small>'
        f'<div class="artikel-isi">{_body(rec, others)}</div>{_related(others, "Baca Lainnya")}</body></html>'
    )


def berau(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(rec.title)}</title>"
        f'<meta property="og:title" content="{escape(rec.title)} - Berau Terkini">'
        '<meta property="og:site_name" content="Berau Terkini">'
        f'<meta name="pubdate" content="{d.isoformat()}"></head><body>'
        '<div class="top-bar">Berau Terkini</div>'
        f'<div id="judul"><span>{escape(rec.title)}</span></div>'
        f'<div class="isi-berita">{_body(rec, others)}</div>{_related(others, "Rekomendasi")}</body></html>'
    )


def paser(rec: Record, others: list[Record]) -> str:
    d = rec.published.astimezone(WITA)
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>Paser Kini :: {escape(rec.title)}</title></head><body>"
        '<div class="site">Paser Kini</div>'
        f'<p><strong class="big">{escape(rec.title)}</strong></p>'
        f'<p class="time">{_long(d)} pukul {d:%H.%M} WITA</p>'
        f'<div class="story">{_body(rec, others)}</div>{_related(others, "Berita Lain")}</body></html>'
    )


RENDER: dict[str, Callable[[Record, list[Record]], str]] = {
    "warta": warta,
    "etam": etam,
    "mahakam": mahakam,
    "benua": benua,
    "kutim": kutim,
    "pesut": pesut,
    "lamin": lamin,
    "sungai": sungai,
    "bontang": bontang,
    "kubar": kubar,
    "berau": berau,
    "paser": paser,
}
SET_A = ("warta", "etam", "mahakam", "benua", "kutim", "pesut")
SET_B = ("lamin", "sungai", "bontang", "kubar", "berau", "paser")


def _rss(channel: str, link: str, recs: list[Record], base: str) -> str:
    items = "".join(
        f"<item><title>{escape(r.title)}</title><link>{base}{r.path}</link>"
        f"<pubDate>{format_datetime(r.published)}</pubDate></item>"
        for r in recs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(channel)}</title><link>{link}</link>{items}</channel></rss>"
    )


def add_unseen(site: Site, which: str = "a") -> list[dict[str, str]]:
    """Serve set ``a`` or ``b`` (six outlets each) under ``/unseen/<layout>/``; returns the gold rows.

    Set B puts the same texts into six further layouts (record ``i`` in layout ``SET_B[i % 6]``).
    """
    if which == "b":
        return _add_b(site)
    base = site.base
    recs = load()
    placed = []
    for r in recs:
        path = f"/unseen/{r.layout}/baca/{r.published:%Y/%m}/{r.slug}"
        placed.append(Record(**{**r.__dict__, "path": path}))
    by_layout: dict[str, list[Record]] = {}
    for r in placed:
        by_layout.setdefault(r.layout, []).append(r)
    for layout, group in by_layout.items():
        for i, r in enumerate(group):
            others = group[i + 1 :] + group[:i]
            site.add_html(r.path, RENDER[layout](r, others))
    site.add_xml("/unseen/warta/rss.xml", _rss("Warta Benua", base + "/unseen/warta/", by_layout["warta"], base))
    entries = "".join(
        f'<entry><title>{escape(r.title)}</title><link rel="alternate" href="{base}{r.path}"/>'
        f"<id>{r.slug}</id><updated>{r.published.isoformat()}</updated></entry>"
        for r in by_layout["etam"]
    )
    site.add_xml(
        "/unseen/etam/atom.xml",
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Etam Post</title>'
        f"{entries}</feed>",
        "application/atom+xml; charset=utf-8",
    )
    urls = "".join(
        f"<url><loc>{base}{r.path}</loc><lastmod>{r.published.isoformat()}</lastmod></url>"
        for r in by_layout["mahakam"]
    )
    site.add_xml(
        "/unseen/mahakam/sitemap.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        "application/xml",
    )
    links = "".join(f'<div class="item"><a href="{r.path}">{escape(r.title)}</a></div>' for r in by_layout["benua"])
    site.add_html("/unseen/benua/indeks", f"<html><body><h1>Indeks Berita</h1>{links}</body></html>")
    site.add_xml(
        "/unseen/kutim/rss.xml",
        _rss("Kutim Today - Berita Kutai Timur Terkini", base + "/unseen/kutim/", by_layout["kutim"], base),
    )
    site.add_xml("/unseen/pesut/feed", _rss("Pesut News", base + "/unseen/pesut/", by_layout["pesut"], base))
    return [r.gold() for r in placed]


def _add_b(site: Site) -> list[dict[str, str]]:
    base = site.base
    placed = []
    for i, r in enumerate(load()):
        layout = SET_B[i % len(SET_B)]
        placed.append(Record(**{**r.__dict__, "layout": layout, "path": f"/unseen/{layout}/{r.slug}.html"}))
    by_layout: dict[str, list[Record]] = {}
    for r in placed:
        by_layout.setdefault(r.layout, []).append(r)
    for layout, group in by_layout.items():
        for i, r in enumerate(group):
            site.add_html(r.path, RENDER[layout](r, group[i + 1 :] + group[:i]))
    site.add_xml("/unseen/lamin/rss", _rss("LAMIN.ID", base + "/unseen/lamin/", by_layout["lamin"], base))
    site.add_xml(
        "/unseen/sungai/rss.xml",
        _rss("Sungai Post – Kabar Kaltim", base + "/unseen/sungai/", by_layout["sungai"], base),
    )
    site.add_xml(
        "/unseen/bontang/sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/unseen/bontang/sitemap-1.xml</loc></sitemap></sitemapindex>",
        "application/xml",
    )
    urls = "".join(f"<url><loc>{base}{r.path}</loc></url>" for r in by_layout["bontang"])
    site.add_xml(
        "/unseen/bontang/sitemap-1.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        "application/xml",
    )
    group = by_layout["kubar"]
    for page in (1, 2):
        chunk = group[(page - 1) * 4 : page * 4]
        links = "".join(f'<li><a href="{r.path}">{escape(r.title)}</a></li>' for r in chunk)
        nxt = '<a href="/unseen/kubar/berita?hal=2">Selanjutnya</a>' if page == 1 else ""
        site.add_html(f"/unseen/kubar/berita?hal={page}", f"<html><body><ul>{links}</ul>{nxt}</body></html>")
    entries = "".join(
        f'<entry><title>{escape(r.title)}</title><link href="{base}{r.path}"/><id>{r.slug}</id>'
        f"<published>{r.published.isoformat()}</published></entry>"
        for r in by_layout["berau"]
    )
    site.add_xml(
        "/unseen/berau/atom",
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Berau Terkini</title>'
        f"{entries}</feed>",
        "application/atom+xml; charset=utf-8",
    )
    items = "".join(
        f"<item><title>{escape(r.title)} - Paser Kini</title><link>{base}{r.path}</link></item>"
        for r in by_layout["paser"]
    )
    site.add_xml(
        "/unseen/paser/feed.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Paser Kini</title>{items}'
        "</channel></rss>",
    )
    return [r.gold() for r in placed]


def sources(base: str, which: str = "a") -> list[dict[str, object]]:
    """The six outlets of a set as ``[[sources]]`` tables, one entry point of each kind."""
    if which == "b":
        return [
            {"name": "lamin", "type": "rss", "url": base + "/unseen/lamin/rss"},
            {"name": "sungai", "type": "rss", "url": base + "/unseen/sungai/rss.xml"},
            {"name": "bontang", "type": "sitemap", "url": base + "/unseen/bontang/sitemap_index.xml"},
            {
                "name": "kubar",
                "type": "listing",
                "url": base + "/unseen/kubar/berita?hal=1",
                "link_pattern": r"/unseen/kubar/unseen-",
                "max_pages": 3,
            },
            {"name": "berau", "type": "rss", "url": base + "/unseen/berau/atom"},
            {"name": "paser", "type": "rss", "url": base + "/unseen/paser/feed.xml"},
        ]
    return [
        {"name": "warta", "type": "rss", "url": base + "/unseen/warta/rss.xml"},
        {"name": "etam", "type": "rss", "url": base + "/unseen/etam/atom.xml"},
        {"name": "mahakam", "type": "sitemap", "url": base + "/unseen/mahakam/sitemap.xml"},
        {
            "name": "benua",
            "type": "listing",
            "url": base + "/unseen/benua/indeks",
            "link_pattern": r"/unseen/benua/baca/",
        },
        {"name": "kutim", "type": "rss", "url": base + "/unseen/kutim/rss.xml"},
        {"name": "pesut", "type": "rss", "url": base + "/unseen/pesut/feed"},
    ]
