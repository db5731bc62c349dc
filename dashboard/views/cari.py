"""Cari: search all coverage with filters; highlights, exact total, paging and a CSV of the whole result."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from alerts import fmt
from dashboard import data, export, params, show
from index import Filters
from index.store import SENTIMENT_BUCKETS, SORTS, Hit
from pantau import regions
from pantau.article import SOURCE_TYPES

PAGE_SIZE = 20
SORT_NAMES = {"relevance": "Paling relevan", "newest": "Terbaru", "oldest": "Terlama",
              "engagement": "Interaksi terbanyak"}


def _region_options(watch: list[str], chosen: tuple[str, ...]) -> list[str]:
    gaz = regions.gazetteer()
    provinces = {code.split(".")[0] for code in watch}
    children = [r.code for p in sorted(provinces) for r in gaz.children(p)]
    # The kecamatan of each regency follow it, so an officer can narrow "Penajam Paser Utara" to Sepaku.
    districts = [d.code for c in children for d in gaz.districts_of(c)]
    return list(dict.fromkeys([*watch, *children, *districts, *chosen]))


def _dates(view: params.View, tz: str) -> list[Any]:
    """The URL's window as the date picker's range; an empty list leaves the range open."""
    zone = ZoneInfo(tz)
    if view.since and view.until:
        return [view.since.astimezone(zone).date(), (view.until - timedelta(seconds=1)).astimezone(zone).date()]
    return []


def _changed(widget_key: str, param: str) -> None:
    """A new query or filter starts again at page 1."""
    params.sync(widget_key, param)
    st.session_state["cari_page"] = 1


def _sync_dates() -> None:
    st.session_state["cari_page"] = 1
    value = st.session_state["cari_dates"]
    if isinstance(value, tuple | list) and len(value) == 2:
        st.query_params["from"], st.query_params["to"] = value[0].isoformat(), value[1].isoformat()
    elif not value:
        st.query_params.pop("from", None)
        st.query_params.pop("to", None)


def _hit(hit: Hit, tz: str) -> None:
    a = hit.article
    with st.container(border=True):
        st.page_link("views/artikel.py", label=show.md_escape(a.title), query_params={"id": a.id})
        label = show.SENTIMENT_NAMES[a.sentiment.label if a.sentiment else "unscored"]
        places = ", ".join(show.region_name(c) for c in a.regions) or "tanpa wilayah"
        topics = ", ".join(show.topic_name(t.label) for t in a.topics)
        st.caption(show.md_escape(f"{fmt.when(a.published_at, tz)} · {show.byline(a)} · {label} · {places}"
                                  + (f" · {topics}" if topics else "")))
        reach = show.engagement_text(a.engagement)
        if reach:
            st.caption(reach, help=show.ENGAGEMENT_HELP)
        show.snippet(hit.highlights.get("body", [])[:2])


def render() -> None:
    cfg = data.settings()
    url, tz = cfg.store.url, cfg.regions.timezone
    view = show.url_view(tz)
    st.title("Cari")
    query = st.text_input("Kata kunci", value=view.query, key="cari_q", on_change=_changed, args=("cari_q", "q"),
                          placeholder='banjir "jalan rusak" -latihan  atau  banjir OR longsor',
                          help='Semua kata harus ada; "frasa" persis; -kata untuk mengecualikan; OR untuk salah satu.')
    known = data.facets(url, "", Filters(), ("topics", "source", "platform"), 200)
    cols = [*st.columns(3), *st.columns(3)]  # two rows of three: six in one row cut a chosen value to "Me…"
    cols[0].multiselect("Wilayah", _region_options(cfg.regions.watch, view.regions), default=list(view.regions),
                        format_func=show.region_name, placeholder="Semua", key="cari_region", on_change=_changed,
                        args=("cari_region", "region"))
    cols[1].multiselect("Sentimen", list(SENTIMENT_BUCKETS), default=list(view.sentiment),
                        format_func=show.SENTIMENT_NAMES.__getitem__, placeholder="Semua",
                        key="cari_sentiment", on_change=_changed,
                        args=("cari_sentiment", "sentiment"))
    cols[2].multiselect("Topik", list(dict.fromkeys([*known.get("topics", {}), *view.topics])),
                        default=list(view.topics), format_func=show.topic_name, placeholder="Semua", key="cari_topic",
                        on_change=_changed, args=("cari_topic", "topic"))
    cols[3].multiselect("Sumber", list(dict.fromkeys([*known.get("source", {}), *view.sources])),
                        default=list(view.sources), placeholder="Semua", key="cari_source", on_change=_changed,
                        args=("cari_source", "source"))
    cols[4].multiselect("Jenis sumber", list(SOURCE_TYPES), default=list(view.source_types),
                        format_func=show.SOURCE_TYPE_NAMES.__getitem__, placeholder="Semua", key="cari_source_type",
                        on_change=_changed, args=("cari_source_type", "source_type"))
    cols[5].multiselect("Platform", list(dict.fromkeys([*known.get("platform", {}), *view.platforms])),
                        default=list(view.platforms), format_func=show.platform_name, placeholder="Semua",
                        key="cari_platform", on_change=_changed, args=("cari_platform", "platform"),
                        help="Hanya unggahan publik dari platform ini (berita tidak punya platform).")
    left, middle, right = st.columns([2, 1, 1])
    left.date_input("Tanggal (WITA)" if tz == "Asia/Makassar" else f"Tanggal ({tz})", value=_dates(view, tz),
                    key="cari_dates", on_change=_sync_dates, format="DD/MM/YYYY")
    sort = middle.selectbox("Urutan", SORTS, format_func=SORT_NAMES.__getitem__, key="cari_sort",
                            on_change=lambda: st.session_state.update(cari_page=1),
                            help="Interaksi terbanyak: suka + 2 × dibagikan ulang + balasan + dilihat/100; "
                                 "berita (tanpa angka interaksi) di bawah semua unggahan.")
    filters = view.filters()
    result = data.search(url, query, filters, sort, 1, PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE))
    if st.session_state.setdefault("cari_page", 1) > pages:  # the URL or a filter shrank the result under this page
        st.session_state["cari_page"] = pages
    page = int(right.number_input("Halaman", min_value=1, max_value=pages, step=1, key="cari_page"))
    if page > 1:
        result = data.search(url, query, filters, sort, page, PAGE_SIZE)
    first = (page - 1) * PAGE_SIZE + 1
    summary = f"**{fmt.number(result.total)}** artikel"
    if result.hits:
        summary += f", menampilkan {fmt.number(first)}–{fmt.number(first + len(result.hits) - 1)}"
    st.markdown(summary)
    if result.total:
        # A plain link to the server's CSV route: the file streams to the browser as it is written.
        st.link_button(f"Unduh CSV (semua {fmt.number(result.total)} hasil)",
                       export.link(export.Export(query=query, filters=filters, sort=sort)),
                       icon=":material/download:")
    else:
        st.info("Tidak ada artikel yang cocok. Coba kata kunci lain atau longgarkan filter.")
    for hit in result.hits:
        _hit(hit, tz)


if __name__ == "__main__":
    render()
