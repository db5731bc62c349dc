"""Page layouts that imitate how real Indonesian outlets mark up an article.

Each layout puts a real article text (from the crawl tests' ``corpus.jsonl`` or the demo's replay
corpus) into the markup habits of one kind of outlet: national portals with "Baca juga" link boxes and
ad slots between paragraphs, Kaltim regional portals that date in WITA, a government office portal with
a date-only line, and an ANTARA regional page. Around the article sit the things an extractor must
leave out: navigation, "Terpopuler" sidebars, share bars, comment prompts, newsletter boxes and
footers. The markup is written for Pantau; no outlet's HTML was copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
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
)
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
KOMPAS_DATELINE = "JAKARTA, KOMPAS.com - "
ZONES = {"WIB": timezone(timedelta(hours=7)), "WITA": timezone(timedelta(hours=8))}


@dataclass(kw_only=True, frozen=True)
class Story:
    slug: str
    outlet: str
    layout: str
    title: str
    paragraphs: tuple[str, ...]
    author: str
    published: datetime
    path: str
    canonical: str
    related: tuple[tuple[str, str], ...] = ()  # (title, path) of other stories for "Baca juga"
    amp: bool = False


def _long_date(dt: datetime, zone: str) -> str:
    local = dt.astimezone(ZONES[zone])
    return f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M} {zone}"


def _short_date(dt: datetime, zone: str) -> str:
    local = dt.astimezone(ZONES[zone])
    return f"{DAYS[local.weekday()]}, {local:%d} {MONTHS_SHORT[local.month - 1]} {local.year} {local:%H:%M} {zone}"


def _nav(site: str, sections: list[str]) -> str:
    links = "".join(f'<li><a href="/{site}/kanal/{escape(s.lower())}">{escape(s)}</a></li>' for s in sections)
    logo = f'<a class="logo" href="/{site}/">{escape(site)}</a>'
    return f'<header class="site-header">{logo}<nav><ul>{links}</ul></nav></header>'


def _sidebar(story: Story, heading: str = "Terpopuler") -> str:
    items = "".join(
        f'<li><a href="{escape(path)}"><span class="rank">{i + 1}</span>{escape(title)}</a></li>'
        for i, (title, path) in enumerate(story.related[:5])
    )
    return f'<aside class="sidebar"><h3>{heading}</h3><ol class="popular">{items}</ol></aside>'


def _footer(site: str) -> str:
    return (
        '<footer class="site-footer"><div class="footer-links"><a href="/tentang">Tentang Kami</a> | '
        '<a href="/redaksi">Redaksi</a> | <a href="/pedoman">Pedoman Media Siber</a> | '
        '<a href="/kontak">Kontak</a> | <a href="/karir">Karir</a></div>'
        f"<p>Copyright © 2025 {escape(site)}. All rights reserved. Dilarang mengambil dan/atau menayangkan "
        "ulang sebagian atau keseluruhan artikel di atas tanpa izin tertulis.</p></footer>"
    )


def _share() -> str:
    return (
        '<div class="share-bar"><span>Bagikan:</span><a href="#">Facebook</a><a href="#">Twitter</a>'
        '<a href="#">WhatsApp</a><a href="#">Telegram</a><a href="#">Salin Tautan</a></div>'
    )


def _comments() -> str:
    return (
        '<section class="comments"><h3>Komentar</h3><p>Tulis komentar Anda di sini. Komentar yang '
        "mengandung SARA akan dihapus.</p><form><textarea></textarea><button>Kirim Komentar</button>"
        "</form><p>Belum ada komentar. Jadilah yang pertama berkomentar!</p></section>"
    )


def _baca_juga_box(story: Story, i: int) -> str:
    if not story.related:
        return ""
    title, path = story.related[i % len(story.related)]
    return (
        f'<table class="linksisip"><tr><td><div class="lihatjg"><strong>Baca juga:</strong> '
        f'<a href="{escape(path)}">{escape(title)}</a></div></td></tr></table>'
    )


def _head(story: Story, site_name: str, extra_meta: str = "", title_suffix: str = "") -> str:
    amp_link = f'<link rel="amphtml" href="{escape(story.path)}/amp">' if not story.amp else ""
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(story.title)}{escape(title_suffix)}</title>"
        f'<link rel="canonical" href="{escape(story.canonical)}">{amp_link}'
        f'<meta property="og:title" content="{escape(story.title)}">'
        f'<meta property="og:site_name" content="{escape(site_name)}">'
        f'<meta name="description" content="{escape(story.paragraphs[0][:150])}">'
        f"{extra_meta}"
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>"
        "</head>"
    )


def cnnindonesia(story: Story) -> str:
    meta = f'<meta property="article:published_time" content="{story.published.isoformat()}">'
    body: list[str] = []
    for i, p in enumerate(story.paragraphs):
        body.append(f"<p>{escape(p)}</p>")
        if i == 0:
            body.append(
                '<div class="paradetail"><div class="ads">ADVERTISEMENT</div>'
                '<p class="scroll">SCROLL TO CONTINUE WITH CONTENT</p></div>'
            )
        if i == 2:
            body.append(_baca_juga_box(story, i))
    return (
        _head(story, "CNN Indonesia", meta, " - CNN Indonesia")
        + "<body>"
        + _nav("cnn", ["Nasional", "Internasional", "Ekonomi", "Olahraga", "Teknologi", "Hiburan"])
        + '<div class="container"><article class="content-detail">'
        + '<div class="breadcrumb"><a href="/cnn/">Home</a> / <a href="/cnn/kanal/nasional">Nasional</a></div>'
        + f'<h1 class="title">{escape(story.title)}</h1>'
        + f'<div class="author">{escape(story.author or "CNN Indonesia")}</div>'
        + f'<div class="date">{_short_date(story.published, "WIB")}</div>'
        + _share()
        + f'<div class="detail-text">{"".join(body)}</div>'
        + '<div class="tags"><span>TOPIK TERKAIT</span><a href="#">Berita</a><a href="#">Nasional</a></div>'
        + "</article>"
        + _sidebar(story)
        + "</div>"
        + _comments()
        + _footer("CNN Indonesia")
        + "</body></html>"
    )


def detik(story: Story) -> str:
    meta = f'<meta name="publishdate" content="{story.published.astimezone(ZONES["WIB"]):%Y/%m/%d %H:%M:%S}">'
    body: list[str] = []
    for i, p in enumerate(story.paragraphs):
        body.append(f"<p>{escape(p)}</p>")
        if i == 1:
            body.append(
                '<div class="parallaxindetail scrollpage"><div class="ads-label">ADVERTISEMENT</div>'
                '<div class="ads-scroll">SCROLL TO CONTINUE WITH CONTENT</div></div>'
            )
        if i == 3:
            body.append(_baca_juga_box(story, i))
    return (
        _head(story, "detikNews", meta, " - detikNews")
        + "<body>"
        + _nav("detik", ["Berita", "Daerah", "Internasional", "Hukum", "Kolom", "Foto", "Video"])
        + '<article class="detail">'
        + f'<h1 class="detail__title">{escape(story.title)}</h1>'
        + f'<div class="detail__author">{escape(story.author or "Tim detikcom")} - detikNews</div>'
        + f'<div class="detail__date">{_short_date(story.published, "WIB")}</div>'
        + '<div class="detail__media"><figure><img src="/img/x.jpg" alt="ilustrasi">'
        + "<figcaption>Foto ilustrasi (Dok. detikcom)</figcaption></figure></div>"
        + f'<div class="detail__body-text itp_bodycontent">{"".join(body)}'
        + '<div class="detail__body-tag"><strong>Simak Video "Kumpulan Berita Terkini Hari Ini"</strong>'
        + "<div>[Gambas:Video 20detik]</div></div></div>"
        + _share()
        + "</article>"
        + _sidebar(story, "Berita Terkait")
        + '<div class="newsletter">Dapatkan update berita pilihan dan breaking news setiap hari. '
        + "Mari bergabung di Grup Telegram, caranya klik link berikut lalu join.</div>"
        + _comments()
        + _footer("detikcom")
        + "</body></html>"
    )


def kompas(story: Story) -> str:
    body: list[str] = []
    for i, p in enumerate(story.paragraphs):
        text = escape(p)
        if i == 0 and p.startswith(KOMPAS_DATELINE):
            text = f"<strong>{KOMPAS_DATELINE[:-3]}</strong> - {escape(p[len(KOMPAS_DATELINE) :])}"
        body.append(f"<p>{text}</p>")
        if i in (1, 4) and story.related:
            title, path = story.related[i % len(story.related)]
            body.append(
                '<p><strong>Baca juga: <a class="inner-link-baca-juga" '
                f'href="{escape(path)}">{escape(title)}</a></strong></p>'
            )
    updated = story.published + timedelta(minutes=37)
    return (
        _head(story, "KOMPAS.com", "", " - Kompas.com")
        + "<body>"
        + _nav("kompas", ["News", "Nasional", "Regional", "Megapolitan", "Global", "Tren"])
        + '<div class="read__header"><h1 class="read__title">'
        + escape(story.title)
        + "</h1>"
        + f'<div class="read__time">Kompas.com - {story.published.astimezone(ZONES["WIB"]):%d/%m/%Y, %H:%M} WIB</div>'
        + f'<div class="read__time">Diperbarui {updated.astimezone(ZONES["WIB"]):%d/%m/%Y, %H:%M} WIB</div>'
        + f'<div class="read__credit">Penulis: {escape(story.author or "Tim Redaksi")}</div></div>'
        + f'<div class="read__content"><div class="clearfix">{"".join(body)}</div></div>'
        + '<div class="read__more"><p>Dapatkan update berita pilihan dan breaking news setiap hari dari '
        + 'Kompas.com. Mari bergabung di Grup Telegram "Kompas.com News Update".</p>'
        + "<p>Ikuti kami di Google News dan WhatsApp Channel.</p></div>"
        + _share()
        + _sidebar(story, "Berita Terkait")
        + _comments()
        + _footer("KOMPAS.com")
        + "</body></html>"
    )


def tribunkaltim(story: Story) -> str:
    local = story.published.astimezone(ZONES["WITA"])
    shown = _long_date(story.published, "WITA")
    body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    if story.related:
        title, path = story.related[0]
        body += f'<p class="baca"><strong>Baca juga: <a href="{escape(path)}">{escape(title)}</a></strong></p>'
    return (
        _head(story, "TribunKaltim.co", "", " - Tribunkaltim.co")
        + "<body>"
        + _nav("tribunkaltim", ["Samarinda", "Balikpapan", "Bontang", "Kukar", "Kutim", "Berau", "PPU"])
        + '<div id="article">'
        + f'<h1 id="arttitle">{escape(story.title)}</h1>'
        + f'<time class="grey" datetime="{local:%Y-%m-%d}">{shown}</time>'
        + '<div class="credit">Penulis: Tim Tribunkaltim.co | Editor: Redaksi</div>'
        + f'<div class="side-article txt-article multi-fontsize">{body}</div>'
        + '<div class="ads-placeholder">Advertisement</div>'
        + "</div>"
        + _sidebar(story, "Berita Populer")
        + _footer("Tribunkaltim.co")
        + "</body></html>"
    )


def gov(story: Story) -> str:
    """A government office portal; half its pages print only the day they were posted."""
    local = story.published.astimezone(ZONES["WITA"])
    n = int(story.slug.rsplit("-", 1)[1])
    if n % 2 == 0:
        posted = f"Diposting pada {local.day} {MONTHS[local.month - 1]} {local.year}"
    else:
        posted = f"{local:%d/%m/%Y}, {local:%H.%M} WITA"
    return _gov(story, posted)


def gov_timed(story: Story) -> str:
    """The same portal where every page prints the time it was posted (the demo's replay uses it)."""
    local = story.published.astimezone(ZONES["WITA"])
    return _gov(story, f"{local:%d/%m/%Y}, {local:%H.%M} WITA")


def _gov(story: Story, posted: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        _head(story, "Dinas PUPR Kota Samarinda", "", " | Dinas PUPR Kota Samarinda")
        + "<body>"
        + _nav("pupr", ["Beranda", "Profil", "Berita", "Layanan", "PPID", "Kontak"])
        + '<main class="berita-detail">'
        + f'<h2 class="judul-berita">{escape(story.title)}</h2>'
        + f'<div class="meta-berita"><span class="kategori">Berita</span> <span class="tanggal">{posted}</span>'
        + ' <span class="views">Dilihat 124 kali</span></div>'
        + f'<div class="isi-berita">{body}</div>'
        + '<div class="kontak-dinas"><p>Dinas PUPR Kota Samarinda dapat diakses melalui: Website, Instagram, '
        + "Facebook, Youtube dan Email resmi dinas.</p></div>"
        + "</main>"
        + _sidebar(story, "Berita Lainnya")
        + _footer("Dinas PUPR Kota Samarinda")
        + "</body></html>"
    )


def antara(story: Story) -> str:
    shown = _long_date(story.published, "WITA")
    ld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"headline":"{escape(story.title)}","datePublished":"{story.published.isoformat()}"}}</script>'
    )
    body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        _head(story, "ANTARA News Kalimantan Timur", ld, " - ANTARA News Kalimantan Timur")
        + "<body>"
        + _nav("antara", ["Terkini", "Samarinda", "Balikpapan", "Bontang", "Kukar", "Kutim", "IKN"])
        + '<div class="wrap__article-detail">'
        + f'<h1 class="post-title">{escape(story.title)}</h1>'
        + f'<div class="wrap__article-detail-info"><span class="text-secondary">{shown}</span></div>'
        + f'<div class="wrap__article-detail-content post-content">{body}'
        + '<p class="text-muted small">Pewarta: Tim ANTARA Kaltim<br>Editor: Redaksi<br>'
        + "COPYRIGHT © ANTARA 2024</p></div></div>"
        + _sidebar(story, "Berita Terkait")
        + _footer("ANTARA Kaltim")
        + "</body></html>"
    )


def tempo(story: Story) -> str:
    local = story.published.astimezone(ZONES["WIB"])
    meta = f'<meta property="article:published_time" content="{story.published.isoformat()}">'
    body: list[str] = []
    for i, p in enumerate(story.paragraphs):
        body.append(f"<p>{escape(p)}</p>")
        if i == 1 and story.related:
            title, path = story.related[0]
            body.append(f'<p class="bacajuga"><strong>Pilihan Editor: <a href="{escape(path)}">{escape(title)}</a>'
                        "</strong></p>")
    return (
        _head(story, "Tempo.co", meta, " | tempo.co")
        + "<body>"
        + _nav("tempo", ["Politik", "Hukum", "Ekonomi", "Internasional", "Sains", "Cek Fakta"])
        + '<main class="detail-artikel"><h1 class="title-artikel">'
        + escape(story.title)
        + "</h1>"
        + f'<div class="byline"><span class="author">{escape(story.author or "Tempo")}</span>'
        + f'<time>{DAYS[local.weekday()]}, {local:%d} {MONTHS[local.month - 1]} {local.year} | {local:%H.%M} WIB'
        + "</time></div>"
        + f'<div class="detail-konten">{"".join(body)}</div>'
        + '<div class="langganan">Berlangganan Tempo Digital untuk membaca liputan mendalam.</div>'
        + "</main>"
        + _sidebar(story, "Terpopuler")
        + _footer("Tempo.co")
        + "</body></html>"
    )


def kaltimpost(story: Story) -> str:
    shown = _long_date(story.published, "WITA")
    body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        _head(story, "Kaltim Post", "", " - Kaltim Post")
        + "<body>"
        + _nav("kaltimpost", ["Samarinda", "Balikpapan", "Bontang", "Ekonomi", "Nasional", "Sport"])
        + '<article class="post">'
        + f'<h1 class="post-title">{escape(story.title)}</h1>'
        + f'<div class="post-meta"><span class="date">{shown}</span> <span>Redaksi Kaltim Post</span></div>'
        + f'<div class="post-content">{body}</div>'
        + _share()
        + "</article>"
        + _sidebar(story, "Berita Terkini")
        + _footer("Kaltim Post")
        + "</body></html>"
    )


def amp(story: Story) -> str:
    """The AMP copy some feeds link to: minimal markup whose rel=canonical names the real page."""
    body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        '<!DOCTYPE html><html amp lang="id"><head><meta charset="utf-8">'
        f"<title>{escape(story.title)}</title>"
        f'<link rel="canonical" href="{escape(story.canonical)}">'
        "<style amp-boilerplate>body{visibility:hidden}</style></head><body>"
        f"<h1>{escape(story.title)}</h1>{body}</body></html>"
    )


LAYOUTS = {
    "cnnindonesia": cnnindonesia,
    "detik": detik,
    "kompas": kompas,
    "tribunkaltim": tribunkaltim,
    "gov": gov,
    "gov_timed": gov_timed,
    "antara": antara,
    "tempo": tempo,
    "kaltimpost": kaltimpost,
}


def render(story: Story) -> str:
    if story.amp:
        return amp(story)
    return LAYOUTS[story.layout](story)
