"""Feeds, sitemaps and index pages for a replayed outlet: RSS 2.0, Atom, RSS 1.0 (RDF), news sitemaps, listings.

Shared by the demo replay (:mod:`demo.replay`) and the crawl tests' local news web
(``tests/crawlserver``). Each function renders the entry point of one kind that Pantau's spiders
read, in the shape real Indonesian outlets publish it; the defaults are the test web's outlets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from demo.layouts import Story


def rss(title: str, link: str, items: Sequence[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        "<description>Berita terkini</description><language>id</language>" + "".join(items) + "</channel></rss>"
    )


def rss_item(story: Story, link: str, *, with_date: bool = True) -> str:
    date = f"<pubDate>{format_datetime(story.published)}</pubDate>" if with_date else ""
    return (
        f"<item><title>{escape(story.title)}</title><link>{escape(link)}</link>"
        f'<guid isPermaLink="false">{escape(story.slug)}</guid>{date}'
        f"<description><![CDATA[<p>{escape(story.paragraphs[0][:200])}</p>]]></description>"
        + (f"<dc:creator>{escape(story.author)}</dc:creator>" if story.author else "")
        + "</item>"
    )


def atom(
    title: str,
    base: str,
    stories: Sequence[Story],
    updated: dict[str, datetime] | None = None,
    *,
    outlet: str = "detik",
    feed_updated: str = "2025-07-03T20:00:00+07:00",
) -> str:
    """An Atom feed; ``updated`` maps a story path to the time the outlet last corrected it."""
    updated = updated or {}
    entries = "".join(
        f"<entry><title>{escape(s.title)}</title>"
        f'<link rel="alternate" type="text/html" href="{escape(base + s.path)}"/>'
        f"<id>tag:{escape(outlet)},2025:{escape(s.slug)}</id>"
        f"<published>{s.published.isoformat()}</published>"
        f"<updated>{updated.get(s.path, s.published).isoformat()}</updated>"
        f"<author><name>{escape(s.author or 'detikcom')}</name></author>"
        f"<summary>{escape(s.paragraphs[0][:200])}</summary></entry>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{escape(base)}/{escape(outlet)}/</id>"
        f'<link rel="self" href="{escape(base)}/{escape(outlet)}/atom.xml"/><updated>{escape(feed_updated)}</updated>'
        + entries
        + "</feed>"
    )


def rdf(
    base: str,
    stories: Sequence[Story],
    *,
    outlet: str = "tribunkaltim",
    title: str = "Tribunkaltim.co",
    description: str = "Berita Kaltim",
) -> str:
    seq = "".join(f'<rdf:li rdf:resource="{escape(base + s.path)}"/>' for s in stories)
    items = "".join(
        f'<item rdf:about="{escape(base + s.path)}"><title>{escape(s.title)}</title>'
        f"<link>{escape(base + s.path)}</link><dc:date>{s.published.isoformat()}</dc:date>"
        f"<description>{escape(s.paragraphs[0][:200])}</description></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="{escape(base)}/{escape(outlet)}/rdf.xml"><title>{escape(title)}</title>'
        f"<link>{escape(base)}/{escape(outlet)}/</link><description>{escape(description)}</description>"
        f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>{items}</rdf:RDF>"
    )


def listing(site: str, stories: Sequence[Story], page: int, per_page: int, section: str) -> tuple[str, int]:
    """One page of an outlet's index (``/<site>/<section>?page=N``) and the number of pages."""
    pages = max(1, -(-len(stories) // per_page))
    chunk = stories[(page - 1) * per_page : page * per_page]
    items = "".join(
        f'<li class="article__list"><h3><a class="article__link" href="{escape(s.path)}">{escape(s.title)}</a></h3>'
        f'<div class="article__date">{s.published.astimezone(UTC):%d/%m/%Y}</div></li>'
        for s in chunk
    )
    nav = f'<a class="paging__link" href="/{site}/{section}?page={page + 1}">Selanjutnya</a>' if page < pages else ""
    html = (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Indeks {escape(site)}</title></head>'
        f'<body><nav><a href="/{site}/">Beranda</a> <a href="/{site}/kanal/nasional">Nasional</a> '
        '<a href="/private/admin">Admin</a></nav>'
        f"<ul>{items}</ul><div class='paging'>{nav}</div></body></html>"
    )
    return html, pages


def news_sitemap(
    base: str, stories: Sequence[Story], lastmod: datetime | None = None, *, name: str = "Pantau Test"
) -> str:
    """A Google News sitemap (``news:`` namespace) whose ``news:name`` is the publication's name."""
    urls = "".join(
        f"<url><loc>{escape(base + s.path)}</loc>"
        f"<lastmod>{(lastmod or s.published).isoformat()}</lastmod>"
        f"<news:news><news:publication><news:name>{escape(name)}</news:name><news:language>id</news:language>"
        f"</news:publication><news:publication_date>{s.published.isoformat()}</news:publication_date>"
        f"<news:title>{escape(s.title)}</news:title></news:news></url>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>"
    )
