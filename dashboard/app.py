"""Entry point: ``streamlit run dashboard/app.py`` (what ``pantau dashboard`` runs).

It loads the configuration, opens the store once and checks it answers before any page runs,
so a bad config or a store that is down is one clear message, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Streamlit puts this file's folder on sys.path, not the project root that holds the packages.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from dashboard import data, show  # noqa: E402
from index import StoreError  # noqa: E402
from pantau.settings import ConfigError  # noqa: E402

HERE = Path(__file__).resolve().parent
PAGES = [
    ("views/pagi_ini.py", "Pagi ini", "pagi-ini", ":material/wb_sunny:"),
    ("views/cari.py", "Cari", "cari", ":material/search:"),
    ("views/peringatan.py", "Peringatan", "peringatan", ":material/notifications:"),
    ("views/artikel.py", "Artikel", "artikel", ":material/article:"),
    ("views/sumber.py", "Sumber", "sumber", ":material/rss_feed:"),
]


def main() -> None:
    st.set_page_config(page_title="Pantau", page_icon=":material/monitoring:", layout="wide")
    pages = [st.Page(HERE / path, title=title, url_path=url, icon=icon, default=i == 0)
             for i, (path, title, url, icon) in enumerate(PAGES)]
    page = st.navigation(pages)
    try:
        cfg = data.settings()
    except ConfigError as exc:
        st.error(f"Konfigurasi tidak valid: {exc}")
        st.stop()
    if cfg.dashboard.banner:
        st.info(cfg.dashboard.banner, icon=":material/info:")
    url = cfg.store.url
    try:
        total = data.article_count(url)
    except (StoreError, OSError) as exc:
        show.store_down(url, exc)
        st.stop()
    if total == 0:
        show.empty_store(url)
        if page.url_path != "sumber":  # source health explains an empty store: keep it reachable
            st.stop()
    try:
        page.run()
    except StoreError as exc:
        show.store_down(url, exc)


main()
