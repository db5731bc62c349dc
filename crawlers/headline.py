"""Find an article's headline on a layout no one configured, without the outlet's name.

Almost every Indonesian outlet writes ``<title>`` as "Headline - Site Name" (or "Site | Headline",
"Headline – Section – Site", "Site » Daerah » Headline", "Headline :: Site"), and many put the
headline itself in a styled ``<div>`` rather than an ``<h1>``. The rules, in order:

1. **The body decides.** The ``<title>``, ``og:title`` and the feed item's title are cut at their
   separators (`` - ``, `` | ``, `` – ``, `` — ``, `` :: ``, `` » ``, `` : ``); the longest run of
   whole segments that is also the whole text of a heading-like block in the page body (``h1``–``h3``,
   an element classed title/headline/judul, a short block of inline text) is the headline. A real
   headline with a dash in it ("Samarinda - Balikpapan ...") survives because the body prints it whole.
2. **Otherwise the outlet's name is cut off.** Names come from ``og:site_name``,
   ``application-name``, the feed's channel title, the host name, and the affixes a source's pages
   share (learned by :class:`SiteAffixes` as pages arrive); only leading or trailing segments that
   are a name (or a bare domain, "... Online", "... News") are removed, never inner ones.
3. **Without a title,** the first ``h1`` that is not the outlet's logo, else the largest heading-like
   block (inline ``font-size``), else what trafilatura found.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html

SEPARATOR = re.compile(r"\s+(?:-|\||–|—|::|»|:)\s+")
_NORM = re.compile(r"[\W_]+", re.UNICODE)
_HEADING_CLASS = re.compile(r"title|headline|judul|heading|entry-head", re.I)
_FONT_SIZE = re.compile(r"font-size\s*:\s*(\d+(?:\.\d+)?)\s*(px|pt|em|rem)", re.I)
_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)*\.(com|co\.id|id|net|org|co|news|tv|info|web\.id|go\.id)$", re.I)
_NAMEY_TAIL = re.compile(r"\b(online|news|com|co\.id)\b", re.I)
_INLINE = {"span", "b", "strong", "em", "i", "a", "br", "font", "small", "u", "mark", "abbr", "sup", "sub"}
_SKIP = {"script", "style", "noscript", "template", "title", "head", "option", "select", "textarea"}
_TLDS = {"www", "m", "amp", "com", "co", "id", "net", "org", "news", "tv", "go", "or", "web", "info"}
_MIN_WORDS = 3


def norm(text: str) -> str:
    """Letters and digits only, lower case: 'KOMPAS.com' and 'Kompas com' both give 'kompascom'."""
    return _NORM.sub("", text).casefold()


def key(text: str) -> str:
    return " ".join(text.split()).casefold()


def segments(title: str) -> list[tuple[int, int]]:
    """(start, end) of each separator-delimited segment of ``title``."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in SEPARATOR.finditer(title):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(title)))
    return spans


def runs(title: str) -> list[str]:
    """Every run of whole consecutive segments, longest first, original separators kept."""
    spans = segments(title)
    out = [title[spans[i][0] : spans[j][1]].strip() for i in range(len(spans)) for j in range(i, len(spans))]
    return sorted({r for r in out if r}, key=len, reverse=True)


def host_name(url: str) -> str:
    """'https://www.kaltimpost.id/x' → 'kaltimpost' (empty for an IP address)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host or re.fullmatch(r"[\d.:]+", host):
        return ""
    labels = [lab for lab in host.split(".") if lab not in _TLDS]
    return max(labels, key=len) if labels else ""


def _is_site(segment: str, names: Sequence[str], *, tail: bool) -> bool:
    seg = segment.strip()
    n = norm(seg)
    if not n:
        return True
    if _DOMAIN.match(seg):
        return True
    words = len(seg.split())
    for name in names:
        m = norm(name)
        if len(m) < 3:
            continue
        if n == m or (m in n and words <= 6):
            return True
    # 'Republika Online', 'Kaltim News': a short tail that names itself an outlet.
    return tail and words <= 3 and bool(_NAMEY_TAIL.search(seg))


def strip_site(title: str, names: Sequence[str], affixes: Sequence[str] = ()) -> str:
    """Cut leading/trailing segments that name the outlet; inner segments are never touched."""
    title = " ".join(title.split())
    changed = True
    while changed:
        changed = False
        for affix in affixes:
            for m in SEPARATOR.finditer(title):
                if title[m.end() :] == affix and m.start() > 0:
                    title, changed = title[: m.start()], True
                    break
                if title[: m.start()] == affix and m.end() < len(title):
                    title, changed = title[m.end() :], True
                    break
        spans = segments(title)
        if len(spans) < 2:
            break
        last, first = spans[-1], spans[0]
        if _is_site(title[last[0] : last[1]], names, tail=True):
            title, changed = title[: spans[-2][1]].strip(), True
        elif _is_site(title[first[0] : first[1]], names, tail=False):
            title, changed = title[spans[1][0] :].strip(), True
    return title


@dataclass
class SiteAffixes:
    """The suffixes and prefixes a source's page titles share ("- Kaltim Kini", "Berita Daerah » ").

    One instance per source (per crawler): after ``min_pages`` titles, a trailing or leading run of
    one or two segments seen on at least half of them is the outlet's name, not a headline.
    """

    min_pages: int = 3
    seen: int = 0
    suffixes: Counter[str] = field(default_factory=Counter)
    prefixes: Counter[str] = field(default_factory=Counter)

    def observe(self, title: str) -> None:
        title = " ".join(title.split())
        spans = segments(title)
        if len(spans) < 2:
            self.seen += 1
            return
        self.seen += 1
        for k in (1, 2):
            if len(spans) > k:
                self.suffixes[title[spans[-k][0] :]] += 1
                self.prefixes[title[: spans[k - 1][1]]] += 1

    def affixes(self) -> list[str]:
        if self.seen < self.min_pages:
            return []
        need = max(2, (self.seen + 1) // 2)
        found = [a for a, c in (*self.suffixes.items(), *self.prefixes.items()) if c >= need]
        return sorted(found, key=len, reverse=True)


def _font_size(el: lxml.html.HtmlElement) -> float:
    m = _FONT_SIZE.search(el.get("style") or "")
    if not m:
        return 0.0
    value, unit = float(m.group(1)), m.group(2).lower()
    return value * (16.0 if unit in ("em", "rem") else 1.333 if unit == "pt" else 1.0)


@dataclass
class _Block:
    text: str
    order: int
    heading: bool  # h1-h3 or classed as a title
    font: float


def _blocks(root: lxml.html.HtmlElement) -> list[_Block]:
    """Short heading-like blocks of the page body: headings, title-classed elements, inline-text blocks."""
    out: list[_Block] = []
    for order, el in enumerate(root.iter()):
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP:
            continue
        attrs = f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')}"
        heading = tag in ("h1", "h2", "h3") or bool(_HEADING_CLASS.search(attrs))
        if not heading and not (len(el) <= 4 and all(isinstance(c.tag, str) and c.tag in _INLINE for c in el)):
            continue
        text = " ".join(el.text_content().split())
        if 8 <= len(text) <= 400:
            out.append(_Block(text=text, order=order, heading=heading, font=_font_size(el)))
    return out


def choose(
    tree: lxml.html.HtmlElement,
    meta: dict[str, str],
    *,
    url: str = "",
    feed_title: str = "",
    site_names: Iterable[str] = (),
    affixes: Sequence[str] = (),
    fallback: str = "",
) -> str:
    """The headline of the page in ``tree`` (see the module docstring for the rules)."""
    names = [n for n in (*site_names, meta.get("og:site_name", ""), meta.get("application-name", "")) if n]
    # A channel title like "ANTARA News - Berita Terkini" names the outlet in its first segment.
    names += [n.split(" - ")[0] for n in names if " - " in n]
    host = host_name(url)
    if host:
        names.append(host)
    title_el = tree.find(".//title")
    tag_title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    og = " ".join(meta.get("og:title", "").split())
    twitter = " ".join(meta.get("twitter:title", "").split())
    feed = " ".join(feed_title.split())
    body = tree.find(".//body")
    blocks = _blocks(body if body is not None else tree)
    by_key: dict[str, _Block] = {}
    for b in blocks:
        by_key.setdefault(key(b.text), b)

    # 1. The longest run of title segments printed whole in the body.
    best = ""
    for ref in (tag_title, og, twitter, feed):
        if not ref:
            continue
        stripped = strip_site(ref, names, affixes)
        for run in runs(ref):
            if len(run) <= len(best):
                break
            hit = by_key.get(key(run))
            if hit is None or _is_site(run, names, tail=True):
                continue
            if len(run.split()) >= _MIN_WORDS or len(run) * 2 >= len(stripped):
                best = hit.text
                break
    if best:
        return strip_site(best, names, affixes)

    # 2. Metadata with the outlet's name cut off.
    if og:
        return strip_site(og, names, affixes)
    if feed and tag_title and any(key(r) == key(feed) for r in runs(tag_title)):
        return feed
    if tag_title:
        cleaned = strip_site(tag_title, names, affixes)
        if cleaned and not _is_site(cleaned, names, tail=True):
            return cleaned

    # 3. No usable title: the first non-logo h1, the largest heading-like block, trafilatura's guess.
    h1s = [" ".join(h.text_content().split()) for h in (body if body is not None else tree).iter("h1")]
    for h in h1s:
        if len(h) >= 10 and not _is_site(h, names, tail=True):
            return h
    sized = sorted((b for b in blocks if b.font > 0 and len(b.text.split()) >= _MIN_WORDS), key=lambda b: -b.font)
    if sized:
        return sized[0].text
    headings = [
        b for b in blocks if b.heading and len(b.text.split()) >= _MIN_WORDS and not _is_site(b.text, names, tail=True)
    ]
    if headings:
        return headings[0].text
    return strip_site(fallback or feed, names, affixes)
