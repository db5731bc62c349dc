"""Pull the headline, clean body, authors, date evidence and canonical link out of an article page.

trafilatura finds the main text; Pantau adds what Indonesian outlets need on top of it: headline
selection that drops the " - Kompas.com" style suffix (:mod:`crawlers.headline`), the dates outlets
print next to the headline (with their WIB/WITA/WIT zone), and removal of the boilerplate lines
that sit inside article bodies ("Baca juga: …", "ADVERTISEMENT", "Simak video …", newsletter and
comment prompts). The patterns are data (``crawlers/data/boilerplate.txt``), not code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cache
from importlib import resources
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from crawlers import dates, headline

log = logging.getLogger(__name__)

_META_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date",
    "dc.date.issued",
    "date",
    "content_publishdate",
    "dtk:publishdate",
    "sailthru.date",
    "parsely-pub-date",
    "article_date_original",
)
_RETRY_BELOW = 200  # characters: a precision-mode body this short is read again in balanced mode
_DATE_HINT = re.compile(r"date|time|tanggal|waktu|publish|posted|meta|tgl|jam", re.I)


@dataclass(kw_only=True)
class Extracted:
    title: str
    body: str
    page_title: str = ""  # the page's <title> as written, for learning a source's shared title affixes
    authors: tuple[str, ...] = ()
    machine_dates: list[tuple[datetime, bool]] = field(default_factory=list)  # (value, had zone)
    headline_dates: list[dates.ParsedDate] = field(default_factory=list)  # printed next to the headline
    visible_dates: list[dates.ParsedDate] = field(default_factory=list)  # in date/time-classed elements
    day_hint: str = ""  # trafilatura/htmldate's YYYY-MM-DD
    canonical_link: str = ""
    is_amp: bool = False
    lang_attr: str = ""
    boilerplate_removed: int = 0


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    text = resources.files("crawlers").joinpath("data", "boilerplate.txt").read_text(encoding="utf-8")
    rows = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    lines = tuple(re.compile(r, re.IGNORECASE) for r in rows if not r.startswith("inline:"))
    inline = tuple(re.compile(r[len("inline:") :].strip()) for r in rows if r.startswith("inline:"))
    return lines, inline


def boilerplate_patterns() -> tuple[re.Pattern[str], ...]:
    """Whole-line patterns: a body line matching one is not article text."""
    return _patterns()[0]


def inline_patterns() -> tuple[re.Pattern[str], ...]:
    """Case-sensitive runs cut out of a line (ad labels that CMSs leave inside paragraphs)."""
    return _patterns()[1]


_NOW_FOR_LINES = datetime(2100, 1, 1, tzinfo=UTC)
_ONLY_PUNCT = re.compile(r"^[\W\d_]{0,6}$")


def _is_date_line(line: str) -> bool:
    """A line that is nothing but a date ("- Kamis, 05/11/2015 09:25 WIB"): a list item, not prose."""
    if len(line) > 60:
        return False
    found = dates.find_dates(line, now=_NOW_FOR_LINES)
    if not found:
        return False
    rest = re.sub(r"\b(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu)\b", " ", line, flags=re.I)
    rest = dates._TEXTUAL.sub(" ", rest)
    rest = dates._DMY.sub(" ", rest)
    rest = dates._YMD.sub(" ", rest)
    return len(re.findall(r"[A-Za-z]{2,}", rest)) <= 1


def clean_body(text: str, title: str = "") -> tuple[str, int]:
    """Drop boilerplate lines (patterns, bare dates, page numbers, the repeated headline)."""
    kept: list[str] = []
    removed = 0
    pats = boilerplate_patterns()
    title_key = " ".join(title.split()).lower()
    inline = inline_patterns()
    for raw in text.splitlines():
        line = raw
        for pat in inline:
            line = pat.sub(" ", line)
        line = " ".join(line.split())
        if not line:
            removed += bool(raw.strip())
            continue
        if (
            any(p.search(line) for p in pats)
            or _ONLY_PUNCT.match(line)
            or _is_date_line(line)
            or (title_key and len(kept) < 6 and line.lower() == title_key)
        ):
            removed += 1
            continue
        kept.append(line)
    # Breadcrumb and section labels before the first sentence ("Berita", "Nasional").
    while kept and len(kept[0].split()) < 3 and len(kept) > 1:
        kept.pop(0)
        removed += 1
    # A reporter's name in capitals on the last line ("DINI TEJA") is a byline, not text.
    while kept and kept[-1].isupper() and len(kept[-1].split()) <= 4:
        kept.pop()
        removed += 1
    return "\n".join(kept), removed


def _tree(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _clean_title(title: str, site_names: list[str]) -> str:
    """'Judul Berita - Kompas.com' → 'Judul Berita' when the tail names the site."""
    return headline.strip_site(title, site_names)


def _meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        val = el.get("content")
        if key and val and key not in out:
            out[key] = val.strip()
    return out


def _json_ld_dates(tree: lxml.html.HtmlElement) -> list[str]:
    found: list[str] = []
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json" or not el.text:
            continue
        try:
            data = json.loads(el.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    found.append(item["datePublished"])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return found


def _visible_dates(tree: lxml.html.HtmlElement, now: datetime, default_tz: tzinfo) -> list[dates.ParsedDate]:
    """Dates printed in elements whose class/id says date or time, in document order."""
    out: list[dates.ParsedDate] = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        attrs = f"{el.get('class', '')} {el.get('id', '')}"
        if el.tag != "time" and not _DATE_HINT.search(attrs):
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > 200:
            continue
        out.extend(dates.find_dates(text, now=now, default_tz=default_tz))
        if el.tag == "time" and el.get("datetime"):
            parsed = dates.parse_machine(el.get("datetime", ""), default_tz=default_tz)
            if parsed is not None:
                out.append(
                    dates.ParsedDate(value=parsed, has_time="T" in el.get("datetime", ""), has_zone=False, start=0)
                )
    return out


def _headline_dates(
    tree: lxml.html.HtmlElement, title: str, now: datetime, default_tz: tzinfo
) -> list[dates.ParsedDate]:
    """Dates in the text right after the headline element (then right before it).

    Outlets print the publication date on the line below the headline; sidebars and "Terpopuler"
    lists print other articles' dates elsewhere on the page, so proximity to the headline decides.
    """
    key = " ".join(title.split()).lower()
    if not key:
        return []
    for el in tree.iter("h1", "h2", "h3"):
        if " ".join(el.text_content().split()).lower() != key:
            continue
        after = " ".join(
            " ".join(t.split()) for t in el.xpath("following::text()[normalize-space()][position() <= 12]")
        )
        before = " ".join(
            " ".join(t.split()) for t in el.xpath("preceding::text()[normalize-space()][position() <= 6]")
        )
        found = dates.find_dates(after[:400], now=now, default_tz=default_tz)
        return found or dates.find_dates(before[-300:], now=now, default_tz=default_tz)
    return []


def _doc_field(doc: object, name: str) -> str:
    """A field of trafilatura's result (a Document, or a dict in its dict output mode)."""
    if doc is None:
        return ""
    value = doc.get(name) if isinstance(doc, dict) else getattr(doc, name, None)
    return str(value) if value else ""


def _trafilatura(html: str, url: str, *, precise: bool) -> Any:
    """trafilatura's article text and metadata; ``precise`` favours precision over recall."""
    return trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                       include_tables=False, include_images=False, favor_precision=precise,
                                       deduplicate=False)


def extract(
    html: str,
    url: str,
    *,
    now: datetime,
    default_tz: tzinfo = dates.WIB,
    feed_title: str = "",
    site_names: Sequence[str] = (),
    affixes: Sequence[str] = (),
) -> Extracted:
    """Extract an article page; an empty ``body`` means no article text was found.

    ``feed_title`` (the feed item's title), ``site_names`` (the feed's channel title, the outlet's
    name) and ``affixes`` (title affixes the source's pages share, :class:`headline.SiteAffixes`)
    help find the headline; see :mod:`crawlers.headline`.
    """
    tree = _tree(html)
    if tree is None:
        return Extracted(title="", body="")
    meta = _meta(tree)
    doc = _trafilatura(html, url, precise=True)
    raw_body = _doc_field(doc, "text")
    if len(raw_body) < _RETRY_BELOW:
        # Precision mode finds nothing on some old CMS layouts (paragraphs inside table cells);
        # trafilatura's balanced mode reads them. Kept only when it finds more text.
        again = _trafilatura(html, url, precise=False)
        if len(_doc_field(again, "text")) > len(raw_body):
            doc, raw_body = again, _doc_field(again, "text")
    traf_title = _doc_field(doc, "title")
    title = headline.choose(
        tree, meta, url=url, feed_title=feed_title, site_names=site_names, affixes=affixes, fallback=traf_title
    )
    body, removed = clean_body(raw_body, title)
    author_text = _doc_field(doc, "author") or meta.get("author", "")
    authors = tuple(a.strip() for a in re.split(r";|,|\bdan\b", author_text) if a.strip())

    machine: list[tuple[datetime, bool]] = []
    for key in _META_DATE_KEYS:
        if key in meta:
            text = meta[key]
            parsed = dates.parse_machine(text, default_tz=default_tz)
            had_zone = parsed is not None and bool(re.search(r"(Z|[+-]\d{2}:?\d{2})$", text.strip()))
            if parsed is None:
                parsed = dates.parse(text, now=now, default_tz=default_tz)
            if parsed is not None:
                machine.append((parsed, had_zone))
    for text in _json_ld_dates(tree):
        parsed = dates.parse_machine(text, default_tz=default_tz)
        if parsed is not None:
            machine.insert(0, (parsed, bool(re.search(r"(Z|[+-]\d{2}:?\d{2})$", text.strip()))))

    canonical = ""
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            canonical = link.get("href", "").strip()
            break
    html_el = tree if tree.tag == "html" else tree.find(".//html")
    is_amp = html_el is not None and ("amp" in html_el.attrib or "⚡" in html_el.attrib)
    lang_attr = (html_el.get("lang", "") if html_el is not None else "").lower()

    title_el = tree.find(".//title")
    return Extracted(
        title=title,
        page_title=" ".join(title_el.text_content().split()) if title_el is not None else "",
        body=body,
        authors=authors,
        machine_dates=machine,
        headline_dates=_headline_dates(tree, title, now, default_tz),
        visible_dates=_visible_dates(tree, now, default_tz),
        day_hint=_doc_field(doc, "date"),
        canonical_link=canonical,
        is_amp=is_amp,
        lang_attr=lang_attr,
        boilerplate_removed=removed,
    )
