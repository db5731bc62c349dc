"""Sumber: per-source health: the last crawl (fetched, new, errors, blocked) and the arrivals behind it
(articles per day and the source's normal gap), with a warning for a source silent beyond that gap."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alerts import fmt
from dashboard import data, params, show


def _hours(value: float | None) -> str:
    """Hours up to two days, then days: "74 jam" reads slower than "3,1 hari"."""
    if value is None:
        return "–"
    return fmt.hours(value) if value < 48 else f"{fmt.number(value / 24, 1)} hari"


def render() -> None:
    cfg = data.settings()
    url, tz = cfg.store.url, cfg.regions.timezone
    st.title("Sumber")
    runs = data.last_crawls(url)
    configured = {s.name: s for s in cfg.sources}
    names = list(configured) + [n for n in runs if n not in configured]
    if not names:
        st.info("Belum ada sumber. Tambahkan `[[sources]]` di pantau.toml (`pantau init` menulis contoh untuk "
                "Kaltim), lalu jalankan `pantau crawl`.")
        return
    now = params.now(cfg.dashboard.as_of).replace(minute=0, second=0, microsecond=0)
    days = cfg.alerts.baseline_days
    activity = data.source_activity(url, tuple(names), now, tz, days, cfg.alerts.no_data_min_hours)
    rows = []
    for name in names:
        run, src, act = runs.get(name), configured.get(name), activity[name]
        status = "baik"
        if src is not None and not src.enabled:
            status = "nonaktif"
        elif run is None and act.silent_hours is None:
            status = "belum pernah"
        elif run is not None and (run.blocked or sum(run.errors.values()) > run.fetched // 2):
            status = "bermasalah"
        elif act.silent:
            status = "senyap"
        rows.append({
            "sumber": name,
            "status": status,
            "artikel/hari": fmt.number(act.mean_per_day, 1),
            "senyap sejak": _hours(act.silent_hours),
            "jeda biasa": _hours(act.normal_gap_hours),
            f"per hari ({days} hari)": act.per_day,
            "jenis": show.SOURCE_TYPE_NAMES.get(src.source_type, src.source_type) if src else "-",
            "crawl terakhir": fmt.when(run.finished_at, tz) if run else "-",
            "diambil": run.fetched if run else 0,
            "baru": run.new if run else 0,
            "galat": sum(run.errors.values()) if run else 0,
            "diblokir": run.blocked if run else 0,
            "rincian galat": ", ".join(f"{k}={v}" for k, v in sorted(run.errors.items())) if run else "",
        })
    frame = pd.DataFrame(rows)
    silent = [r for r in rows if r["status"] == "senyap"]
    for r in silent:
        st.warning(f"**{show.md_escape(str(r['sumber']))}** senyap sejak {r['senyap sejak']}, lebih lama dari "
                   f"jeda biasanya ({r['jeda biasa']}). Periksa feed atau situsnya, lalu `pantau sources check`.",
                   icon=":material/signal_disconnected:")
    troubled = [str(r["sumber"]) for r in rows if r["status"] == "bermasalah"]
    if troubled:
        st.warning("Diblokir atau banyak galat pada crawl terakhir: " + ", ".join(show.md_escape(t) for t in troubled))
    # What a phone shows first: the name (pinned), the status and the arrival numbers; crawl details scroll.
    st.dataframe(frame, hide_index=True, column_config={
        "sumber": st.column_config.TextColumn("sumber", pinned=True),
        f"per hari ({days} hari)": st.column_config.BarChartColumn(f"per hari ({days} hari)", y_min=0),
    })
    st.caption(f"Artikel per hari dan jeda biasa dihitung dari {days} hari terakhir, per jam. Senyap: tidak ada "
               f"artikel lebih lama dari 1,5 × jeda terpanjang biasanya (minimal {cfg.alerts.no_data_min_hours} "
               "jam), aturan yang sama dengan peringatan \"tidak ada data\". Bermasalah: ada pemblokiran atau galat "
               "pada lebih dari separuh halaman yang diambil.")


if __name__ == "__main__":
    render()
