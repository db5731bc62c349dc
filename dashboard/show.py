"""Shared pieces of the pages: Indonesian labels, safe highlights, the sentiment chart, empty states.

Scraped text reaches the browser only as text: ``st.text``, Markdown-escaped labels, or
highlight HTML rebuilt here from escaped text in which ``<mark>`` is the only tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache

import altair as alt
import pandas as pd
import streamlit as st

from alerts import fmt
from dashboard import params
from index.store import Bucket
from pantau import regions
from pantau.article import Article, Engagement

SENTIMENT_NAMES = {"positive": "Positif", "neutral": "Netral", "negative": "Negatif", "unscored": "Belum dinilai"}
SENTIMENT_COLOURS = {"Positif": "#2e7d32", "Netral": "#9e9e9e", "Negatif": "#c62828", "Belum dinilai": "#d7ccc8"}
SOURCE_TYPE_NAMES = {"news": "Media berita", "government": "Pemerintah", "social": "Media sosial",
                     "aggregator": "Agregator"}
PLATFORM_NAMES = {"telegram": "Telegram", "mastodon": "Mastodon", "youtube": "YouTube", "bluesky": "Bluesky",
                  "x": "X", "facebook": "Facebook", "instagram": "Instagram", "tiktok": "TikTok"}
# What a post's platform shows about its reach, in the order platforms show it. Material Symbols ship with
# Streamlit, so the signs draw the same on every machine (emoji need a colour-emoji font the office may lack).
ENGAGEMENT_SIGNS = {"likes": ":material/favorite:", "reposts": ":material/repeat:",
                    "replies": ":material/chat_bubble:", "views": ":material/visibility:"}
ENGAGEMENT_HELP = (":material/favorite: suka · :material/repeat: dibagikan ulang · :material/chat_bubble: balasan · "
                   ":material/visibility: dilihat; angka dari platformnya saat dirayapi (rb = ribu, jt = juta)")
SEVERITY_NAMES = {"waspada": "Waspada", "siaga": "Siaga", "awas": "Awas"}
STATE_NAMES = {"new": "Baru", "ongoing": "Berlangsung", "resolved": "Selesai"}
MARK = re.compile(r"(</?mark>)")
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


@cache
def topic_names() -> dict[str, str]:
    from nlp.topics import display_names

    return display_names()


def topic_name(topic_id: str) -> str:
    return topic_names().get(topic_id, topic_id.replace("_", " ").title())


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.replace("_", " ").title())


def engagement_text(engagement: Engagement | None) -> str:
    """Markdown for "♥ 120 · 🔁 14 · 💬 9 · 👁 3,4 rb" (with Material icons); a count the platform does not
    show is left out, not shown as 0."""
    counts = engagement.to_dict() if engagement else {}
    return " · ".join(f"{sign} {fmt.compact(n)}" for name, sign in ENGAGEMENT_SIGNS.items()
                      if (n := counts.get(name)) is not None)


def byline(article: Article) -> str:
    """Who published it: the outlet for news, "Telegram @handle" for a public post (plain text, not Markdown)."""
    if not article.platform:
        return article.source
    return f"{platform_name(article.platform)} {', '.join(article.authors) or article.source}"


def post(article: Article, tz: str) -> None:
    """One public post in a list: its text as a link to the Artikel page, who posted it where, and its reach."""
    label = SENTIMENT_NAMES[article.sentiment.label if article.sentiment else "unscored"]
    with st.container(border=True):
        st.page_link("views/artikel.py", label=md_escape(article.title), query_params={"id": article.id})
        st.caption(md_escape(f"{fmt.when(article.published_at, tz)} · {byline(article)} · {label}"))
        reach = engagement_text(article.engagement)
        if reach:
            st.caption(reach, help=ENGAGEMENT_HELP)


def region_name(code: str) -> str:
    gaz = regions.gazetteer()
    if code not in gaz.by_code:
        return code
    if code.count(".") == 2:  # a kecamatan: "Kec. Sepaku, Penajam Paser Utara"
        return f"Kec. {gaz.by_code[code].name}, {gaz.by_code[gaz.regency_of(code)].name}"
    return gaz.display(code)


def md_escape(text: str) -> str:
    """Scraped text as a Markdown label that shows literally (links, emphasis, directives all inert)."""
    return MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def highlight_html(fragment: str) -> str:
    """A store highlight (escaped text with ``<mark>``) rebuilt so that ``<mark>`` is its only tag.

    The store already escapes; this does not trust that: every piece between marks is unescaped and
    escaped again, and unbalanced marks are dropped.
    """
    out: list[str] = []
    open_mark = False
    for part in MARK.split(fragment):
        if part == "<mark>" and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif part == "</mark>" and open_mark:
            out.append("</mark>")
            open_mark = False
        elif part not in ("<mark>", "</mark>"):
            out.append(html.escape(html.unescape(part)))
    if open_mark:
        out.append("</mark>")
    return "".join(out)


def snippet(fragments: Iterable[str]) -> None:
    text = " … ".join(highlight_html(f) for f in fragments)
    if text:
        st.html(f'<div style="font-size:0.9rem;color:#444">{text}</div>')


def when(moment: object, tz: str) -> str:
    from datetime import datetime

    return fmt.when(moment, tz) if isinstance(moment, datetime) else str(moment)


def sentiment_chart(buckets: list[Bucket], interval: str, tz: str) -> None:
    """Stacked bars of volume by sentiment per hour or day, in the office's timezone."""
    rows = [{"waktu": fmt.local(b.start, tz).replace(tzinfo=None),
             "sentimen": SENTIMENT_NAMES.get(k, k), "artikel": n}
            for b in buckets for k, n in b.counts.items() if n]
    if not rows:
        st.info("Belum ada artikel pada periode ini.")
        return
    frame = pd.DataFrame(rows)
    order = [n for n in SENTIMENT_COLOURS if n in set(frame["sentimen"])]
    axis = alt.Axis(format="%d/%m %H:%M" if interval == "hour" else "%d/%m", title=None, labelAngle=0,
                    labelOverlap=True)
    unit = "yearmonthdatehours" if interval == "hour" else "yearmonthdate"  # bars as wide as their bucket
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{unit}(waktu):T", axis=axis),
            y=alt.Y("sum(artikel):Q", stack="zero", title="Artikel", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("sentimen:N", scale=alt.Scale(domain=order, range=[SENTIMENT_COLOURS[n] for n in order]),
                            legend=alt.Legend(orient="bottom", title=None)),
            order=alt.Order("sentimen:N"),
            tooltip=[alt.Tooltip("waktu:T", format="%d/%m/%Y %H:%M"), "sentimen:N", "artikel:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")


# Headlines as page links wrap instead of ending in "…" (on a phone most of them would); our own CSS, no scraped text.
PAGE_CSS = """<style>
[data-testid="stPageLink-NavLink"] span, [data-testid="stPageLink-NavLink"] p {
  white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: anywhere;
}
</style>"""


def page_style() -> None:
    st.html(PAGE_CSS)


def empty_store(url: str) -> None:
    st.info(
        f"Belum ada artikel di penyimpanan `{url}`.\n\n"
        "Jalankan `pantau crawl` untuk mengumpulkan berita, lalu `pantau score` untuk menilai sentimen dan "
        "topiknya. Setelah itu `pantau alert` memeriksa lonjakan berita negatif."
    )


def store_down(url: str, error: BaseException) -> None:
    st.error(f"Penyimpanan data tidak dapat dibuka ({url}): {error}. Periksa `[store] url` di pantau.toml "
             "atau PANTAU_STORE, pastikan server berjalan, lalu muat ulang halaman ini.")


def url_view(tz: str) -> params.View:
    """The filters in the page's URL; a value that cannot be read is named in a warning and ignored."""
    view = params.from_url(tz)
    for problem in view.problems:
        st.warning(f"Filter di alamat diabaikan: {problem}")
    return view
