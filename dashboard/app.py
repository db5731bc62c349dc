"""The pages' entry point; ``pantau dashboard`` serves it through ``serve.py`` (which adds the CSV route).

It loads the configuration, opens the store once and checks it answers before any page runs,
so a bad config or a store that is down is one clear message, never a traceback.
"""

from __future__ import annotations

import sqlite3
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


def signed_in(domains: list[str]) -> bool:
    """The OIDC gate (``[dashboard] auth = "oidc"``): a login button until the provider says who this is.

    The provider (client id and secret, metadata URL, redirect URI, cookie secret) lives in Streamlit's
    ``.streamlit/secrets.toml`` under ``[auth]``, never in pantau.toml, so the config can be shared.
    """
    try:
        configured = "auth" in st.secrets
    except FileNotFoundError:
        configured = False
    if not configured:
        st.error("`[dashboard] auth = \"oidc\"` membutuhkan penyedia login di `.streamlit/secrets.toml` bagian "
                 "`[auth]` (redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url).")
        return False
    if not st.user.get("is_logged_in", False):
        st.title("Pantau")
        st.info("Masuk dengan akun kantor untuk membuka dasbor.")
        st.button("Masuk", on_click=st.login, icon=":material/login:")
        return False
    email = str(st.user.get("email") or "")
    if domains and email.rpartition("@")[2].lower() not in {d.lower() for d in domains}:
        st.error(f"Akun {show.md_escape(email or 'ini')} tidak termasuk domain yang diizinkan.")
        st.button("Keluar", on_click=st.logout)
        return False
    with st.sidebar:
        st.caption(show.md_escape(email))
        st.button("Keluar", on_click=st.logout, icon=":material/logout:")
    return True


def main() -> None:
    st.set_page_config(page_title="Pantau", page_icon=":material/monitoring:", layout="wide")
    show.page_style()
    pages = [st.Page(HERE / path, title=title, url_path=url, icon=icon, default=i == 0)
             for i, (path, title, url, icon) in enumerate(PAGES)]
    page = st.navigation(pages)
    try:
        cfg = data.settings()
    except ConfigError as exc:
        st.error(f"Konfigurasi tidak valid: {exc}")
        st.stop()
    if cfg.dashboard.auth == "oidc" and not signed_in(cfg.dashboard.allowed_domains):
        st.stop()
    if cfg.dashboard.banner:
        st.info(cfg.dashboard.banner, icon=":material/info:")
    url = cfg.store.url
    try:
        total = data.article_count(url)
    except (StoreError, OSError, sqlite3.DatabaseError) as exc:  # a damaged SQLite file is a store that is down
        show.store_down(url, exc)
        st.stop()
    if total == 0:
        show.empty_store(url)
        if page.url_path != "sumber":  # source health explains an empty store: keep it reachable
            st.stop()
    try:
        page.run()
    except (StoreError, sqlite3.DatabaseError) as exc:
        show.store_down(url, exc)


main()
