"""Sumber: per-source health from the crawl statistics (last run, fetched, new, errors, blocked)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from alerts import fmt
from dashboard import data, params

STALE = timedelta(days=1)  # a first slice: a fixed gap; per-source normal gaps come with the alerts' no-data state


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
    now = params.now(cfg.dashboard.as_of)
    rows = []
    for name in names:
        run = runs.get(name)
        src = configured.get(name)
        status = "nonaktif" if src is not None and not src.enabled else "belum pernah" if run is None else "baik"
        if run is not None:
            if run.blocked or sum(run.errors.values()) > run.fetched // 2:
                status = "bermasalah"
            if now - run.finished_at > STALE and status != "nonaktif":
                status = "senyap"
        rows.append({
            "sumber": name,
            "status": status,
            "terakhir": fmt.when(run.finished_at, tz) if run else "-",
            "diambil": run.fetched if run else 0,
            "baru": run.new if run else 0,
            "galat": sum(run.errors.values()) if run else 0,
            "diblokir": run.blocked if run else 0,
            "rincian galat": ", ".join(f"{k}={v}" for k, v in sorted(run.errors.items())) if run else "",
        })
    frame = pd.DataFrame(rows)
    troubled = frame[frame["status"].isin(["bermasalah", "senyap"])]
    if len(troubled):
        st.warning(f"{fmt.number(len(troubled))} sumber perlu diperiksa: " + ", ".join(troubled["sumber"]))
    st.dataframe(frame, hide_index=True)
    st.caption("Senyap: crawl terakhir lebih dari 24 jam lalu. Bermasalah: ada pemblokiran atau galat pada lebih "
               "dari separuh halaman yang diambil.")


if __name__ == "__main__":
    render()
