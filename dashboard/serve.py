"""What ``pantau dashboard`` serves: the Streamlit pages of ``app.py`` plus the CSV download route.

``streamlit run dashboard/serve.py`` finds ``app`` (an ``st.App``) and serves it with uvicorn,
with the same flags and ``.streamlit/config.toml`` as a plain Streamlit app.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Streamlit puts this file's folder on sys.path, not the project root that holds the packages.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402
from starlette.routing import Route  # noqa: E402

from dashboard import export  # noqa: E402

app = st.App(Path(__file__).resolve().parent / "app.py", routes=[Route(export.PATH, export.route, methods=["GET"])])
