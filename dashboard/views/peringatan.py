"""Peringatan: alert episodes (active first) with state and severity; the detail shows why it fired."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from alerts import fmt
from alerts.watch import series_of
from dashboard import data, show


def _chart(doc: dict[str, Any], tz: str) -> None:
    """The alert's recent windows (negative articles) against the expected count from its baseline."""
    rows = doc.get("detail", {}).get("chart") or []
    if not rows:
        return
    verdict = doc["detail"].get("verdict") or {}
    frame = pd.DataFrame([{"mulai": f"{fmt.local(datetime.fromisoformat(r['start']), tz):%d/%m %H:%M}",
                           "negatif": int(r["negative"]), "total": int(r["total"])} for r in rows])
    bars = alt.Chart(frame).mark_bar(color="#c62828").encode(
        x=alt.X("mulai:O", title=None, sort=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("negatif:Q", title="Berita negatif", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=["mulai:O", "negatif:Q", "total:Q"])
    layers: alt.Chart | alt.LayerChart = bars
    if verdict.get("expected") is not None:
        rule = alt.Chart(pd.DataFrame([{"biasanya": float(verdict["expected"])}])).mark_rule(
            color="#424242", strokeDash=[4, 4]).encode(y="biasanya:Q", tooltip=["biasanya:Q"])
        layers = bars + rule
    st.altair_chart(layers, width="stretch")
    st.dataframe(frame.rename(columns={"mulai": "Mulai jendela", "negatif": "Negatif", "total": "Semua"}),
                 hide_index=True)


def _link(doc: dict[str, Any]) -> dict[str, str]:
    """The same filters as the alert email's link."""
    watch = doc.get("watch") or {}
    verdict = (doc.get("detail") or {}).get("verdict") or {}
    out = {"region": watch.get("region") or ",".join(watch.get("scope") or []), "topic": watch.get("topic", ""),
           "source": watch.get("source", ""), "from": verdict.get("window_start", ""),
           "to": verdict.get("window_end", ""), "sentiment": "negative" if doc.get("kind") == "spike" else "",
           "source_type": "social" if series_of(doc) == "social" else ""}
    return {k: str(v) for k, v in out.items() if v}


def _detail(doc: dict[str, Any], tz: str) -> None:
    detail = doc.get("detail") or {}
    verdict = detail.get("verdict")
    what = "unggahan publik" if series_of(doc) == "social" else "berita"
    if verdict:
        start, end = datetime.fromisoformat(verdict["window_start"]), datetime.fromisoformat(verdict["window_end"])
        st.write(f"{fmt.number(verdict['observed'])} {what} negatif dari {fmt.number(verdict['total'])} "
                 f"pada {fmt.span(start, end, tz)}; biasanya ±{fmt.number(verdict['expected'], 1)} "
                 f"(porsi negatif biasanya {fmt.percent(verdict.get('baseline_share', 0))}).")
    elif detail.get("silent_hours") is not None:
        st.write(f"Tidak ada berita selama {fmt.hours(detail['silent_hours'])}; jeda terpanjang biasanya "
                 f"{fmt.hours(detail.get('normal_gap_hours') or 0)}.")
    _chart(doc, tz)
    link = _link(doc)
    if link:
        st.page_link("views/pagi_ini.py", label="Buka di Pagi ini dengan wilayah dan jendela ini", query_params=link)
    terms = detail.get("terms") or []
    if terms:
        st.markdown("**Kata yang menonjol:** " + ", ".join(show.md_escape(str(t["term"])) for t in terms))
    stories = detail.get("stories") or []
    if stories:
        st.markdown(f"**{what.capitalize()}**")
        for s in stories:
            st.text(f"{s['title']}  —  {s['source']}, {fmt.number(s['count'])} artikel, "
                    f"{fmt.number(s['negative'])} negatif")
            st.caption(show.md_escape(str(s["url"])))


def render() -> None:
    cfg = data.settings()
    url, tz = cfg.store.url, cfg.regions.timezone
    st.title("Peringatan")
    episodes = data.alerts(url)
    if not episodes:
        st.info("Belum ada peringatan. `pantau alert` memeriksa lonjakan berita negatif dan wilayah atau sumber "
                "yang senyap; jalankan secara berkala (misalnya tiap 15 menit).")
        return
    newest = sorted(episodes.items(), key=lambda kv: str(kv[1].get("opened_at", "")), reverse=True)
    ordered = sorted(newest, key=lambda kv: kv[1].get("status") != "active")
    active = [kv for kv in ordered if kv[1].get("status") == "active"]
    st.caption(f"{fmt.number(len(active))} aktif dari {fmt.number(len(episodes))} episode.")
    for eid, doc in ordered:
        severity = "Tidak ada data" if doc.get("kind") == "no_data" else show.SEVERITY_NAMES.get(
            str(doc.get("severity")), str(doc.get("severity")))
        state = show.STATE_NAMES.get(str(doc.get("state")), str(doc.get("state")))
        opened = fmt.when(datetime.fromisoformat(doc["opened_at"]), tz) if doc.get("opened_at") else ""
        title = f"{doc.get('label') or doc.get('key', eid)} · {severity} · {state} · dibuka {opened}"
        with st.expander(show.md_escape(title), expanded=doc.get("status") == "active" and len(active) <= 3):
            _detail(doc, tz)


if __name__ == "__main__":
    render()
