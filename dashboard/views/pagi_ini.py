"""Pagi ini: what is being said about my regions since yesterday 07:00, and is it getting worse?"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from alerts import fmt
from alerts.watch import SERIES_NAMES, series_of
from dashboard import data, geo, params, show
from index import Filters
from pantau.article import SOURCE_TYPES

BASELINE = timedelta(days=7)
TOP_POSTS = 5


def _active_alerts(url: str) -> dict[str, list[dict[str, Any]]]:
    """Active alert episodes by the region codes they watch."""
    out: dict[str, list[dict[str, Any]]] = {}
    for doc in data.alerts(url).values():
        if doc.get("status") != "active":
            continue
        watch = doc.get("watch") or {}
        codes = [watch["region"]] if watch.get("region") else watch.get("scope") or []
        for code in codes:
            out.setdefault(str(code), []).append(doc)
    return out


def _card(code: str, now: dict[str, int], base: dict[str, int], scale: float, alerts: list[dict[str, Any]]) -> None:
    total = now.get("total", 0)
    scored = total - now.get("unscored", 0)
    share = now.get("negative", 0) / scored if scored else 0.0
    expected = base.get("total", 0) * scale
    base_scored = base.get("total", 0) - base.get("unscored", 0)
    base_share = base.get("negative", 0) / base_scored if base_scored else 0.0
    with st.container(border=True):
        st.markdown(f"**{show.md_escape(show.region_name(code))}**")
        for doc in alerts:
            level = "TIDAK ADA DATA" if doc.get("kind") == "no_data" else show.SEVERITY_NAMES.get(
                str(doc.get("severity")), str(doc.get("severity")))
            watch = doc.get("watch") or {}
            st.badge(f"Peringatan: {level}", color="red" if doc.get("severity") in ("siaga", "awas") else "orange",
                     icon=":material/warning:")
            # A topic alert over the watched regions sits on their cards too: say which topic (and whether it
            # is about public posts) under its badge, where the text wraps; a badge is one line and a card
            # four to a row cut "Peringatan: Awas · Hukum & Keamanan" off mid-word.
            what = [f"Topik {show.topic_name(str(watch['topic']))}"] if watch.get("topic") else []
            what += [SERIES_NAMES["social"]] if series_of(doc) == "social" else []
            if what:
                st.caption(show.md_escape(" · ".join(what)))
        left, right = st.columns(2)
        change = f"{fmt.number(100 * (total - expected) / expected)}%" if expected >= 1 else None
        # More coverage is neither good nor bad; a rising negative share is bad (inverse: red when it goes up).
        # The page caption says what the change is against; a per-card note is cut off in a narrow card.
        left.metric("Volume", fmt.number(total), delta=change, delta_color="off")
        share_change = f"{fmt.number(100 * (share - base_share), 1)} poin" if scored and base_scored else None
        right.metric("Negatif", fmt.percent(share) if scored else "–", delta=share_change, delta_color="inverse")


def _area_rows(province: str, counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    rows = []
    for code in sorted(c for c in counts if c.startswith(province + ".")):
        c = counts[code]
        scored = c.get("total", 0) - c.get("unscored", 0)
        rows.append({"wilayah": show.region_name(code), "artikel": c.get("total", 0),
                     "negatif": c.get("negative", 0),
                     "porsi negatif": fmt.percent(c.get("negative", 0) / scored) if scored else "–"})
    return sorted(rows, key=lambda r: -int(r["negatif"]))


def _map(url: str, province: str, period: Filters) -> None:
    """The province's regencies/cities by negative share (cities are small on a map: the table names them)."""
    st.subheader(f"Peta porsi negatif: {show.md_escape(show.region_name(province))}")
    counts = data.region_counts(url, period)
    areas = geo.features(province, counts)
    rows = _area_rows(province, counts)
    if areas is None:
        st.caption("Peta provinsi ini belum tersedia; angka per kabupaten/kota:")
        table = st.container()
    else:
        left, table = st.columns([3, 2])
        with left:
            st.altair_chart(geo.choropleth(areas), width="stretch")
            st.caption("Abu-abu: belum ada artikel yang dinilai. Batas wilayah (disederhanakan): "
                       "cahyadsn/wilayah_boundaries, lisensi MIT.")
    with table:
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        else:
            st.write("Belum ada artikel tentang kabupaten/kota provinsi ini pada periode tersebut.")


def _top_posts(url: str, period: Filters, tz: str) -> None:
    """The public posts of the period that reached the most people (``sort="engagement"``).

    Left out for an office that collects no posts at all, so a news-only dashboard is not padded.
    """
    if not data.article_count(url, Filters(source_types=("social",))):
        return
    st.subheader("Unggahan publik teratas")
    posts = data.search(url, "", dataclasses.replace(period, source_types=("social",)), "engagement", 1, TOP_POSTS)
    if not posts.hits:
        st.write("Tidak ada unggahan publik pada periode ini.")
        return
    st.caption(f"{fmt.number(posts.total)} unggahan, diurutkan menurut interaksi "
               "(suka + 2 × dibagikan ulang + balasan + dilihat/100)")
    for hit in posts.hits:
        show.post(hit.article, tz)


def render() -> None:
    cfg = data.settings()
    url, tz = cfg.store.url, cfg.regions.timezone
    view = show.url_view(tz)
    default_since, default_until = params.morning_period(params.now(cfg.dashboard.as_of), tz)
    since, until = view.since or default_since, view.until or default_until
    st.title("Pagi ini")
    st.caption(f"{fmt.span(since, until, tz)} · dibandingkan dengan 7 hari sebelumnya")
    options = list(dict.fromkeys([*cfg.regions.watch, *view.regions]))
    where, kind, platform = st.columns([2, 1, 1])
    chosen = where.multiselect("Wilayah", options, default=list(view.regions or cfg.regions.watch),
                               format_func=show.region_name, placeholder="Pilih wilayah", key="pagi_region",
                               on_change=params.sync, args=("pagi_region", "region"))
    types = kind.multiselect("Jenis sumber", list(SOURCE_TYPES), default=list(view.source_types),
                             format_func=show.SOURCE_TYPE_NAMES.__getitem__, placeholder="Semua",
                             key="pagi_source_type", on_change=params.sync, args=("pagi_source_type", "source_type"))
    known = data.facets(url, "", Filters(), ("platform",), 50).get("platform", {})
    platforms = platform.multiselect("Platform", list(dict.fromkeys([*known, *view.platforms])),
                                     default=list(view.platforms), format_func=show.platform_name,
                                     placeholder="Semua", key="pagi_platform", on_change=params.sync,
                                     args=("pagi_platform", "platform"),
                                     help="Hanya unggahan publik dari platform ini (berita tidak punya platform).")
    codes = tuple(chosen or cfg.regions.watch)
    # Everything on the page (cards, trend, map, stories, topics) counts what these filters keep.
    scope = Filters(regions=codes, topics=view.topics, sources=view.sources, source_types=tuple(types),
                    platforms=tuple(platforms))
    period = dataclasses.replace(scope, since=since, until=until)
    baseline = dataclasses.replace(scope, since=since - BASELINE, until=since)
    now_counts = data.region_counts(url, period)
    base_counts = data.region_counts(url, baseline)
    scale = (until - since) / BASELINE
    active = _active_alerts(url)
    columns = st.columns(min(4, len(codes)))
    for i, code in enumerate(codes):
        with columns[i % len(columns)]:
            _card(code, now_counts.get(code, {}), base_counts.get(code, {}), scale, active.get(code, []))
    if not any(now_counts.get(c, {}).get("total") for c in codes):
        st.info("Belum ada artikel tentang wilayah ini pada periode tersebut. Periode lain dapat dipilih "
                "lewat alamat, misalnya `?from=2025-07-01&to=2025-07-07`, atau di halaman Cari.")
    st.subheader("Tren sentimen")
    interval = "hour" if until - since <= timedelta(days=3) else "day"
    show.sentiment_chart(data.timeseries(url, period, interval, tz), interval, tz)
    for province in dict.fromkeys(code.split(".")[0] for code in codes):
        _map(url, province, dataclasses.replace(period, regions=(province,)))
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Unggahan negatif teratas" if types == ["social"] else "Berita negatif teratas")
        stories = [s for s in data.top_stories(url, dataclasses.replace(period, sentiment=view.sentiment))
                   if s.negative]
        if not stories:
            st.write("Tidak ada berita negatif pada periode ini.")
        for story in stories:
            with st.container(border=True):
                st.page_link("views/artikel.py", label=show.md_escape(story.lead.title),
                             query_params={"id": story.lead.id})
                outlets = ", ".join(story.sources[:5]) + (" …" if len(story.sources) > 5 else "")
                st.caption(f"{fmt.number(story.count)} artikel dari {fmt.number(len(story.sources))} media "
                           f"({show.md_escape(outlets)}) · {fmt.number(story.negative)} negatif · "
                           f"{fmt.when(story.lead.published_at, tz)}")
    with right:
        st.subheader("Topik")
        topics = data.facets(url, "", period, ("topics",)).get("topics", {})
        if not topics:
            st.write("Belum ada topik (jalankan `pantau score`).")
        else:
            frame = pd.DataFrame([{"topik": show.topic_name(t), "artikel": n} for t, n in topics.items()])
            chart = alt.Chart(frame).mark_bar(color="#546e7a").encode(
                x=alt.X("artikel:Q", title="Artikel"),
                y=alt.Y("topik:N", sort="-x", title=None, axis=alt.Axis(labelLimit=150)),
                tooltip=["topik:N", "artikel:Q"])
            st.altair_chart(chart, width="stretch")
    if not types or "social" in types:
        _top_posts(url, period, tz)


if __name__ == "__main__":
    render()
