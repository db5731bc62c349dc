"""How the dashboard is served: ``streamlit run dashboard/serve.py`` (pages and CSV route), configured."""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def streamlit_command(config_path: str, host: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the dashboard for ``config_path``."""
    import os

    import dashboard as dashboard_pkg

    env = dict(os.environ)
    if config_path != "<defaults>":
        env["PANTAU_CONFIG"] = str(Path(config_path).resolve())
    app_path = str(Path(dashboard_pkg.__file__).resolve().parent / "serve.py")
    args = [sys.executable, "-m", "streamlit", "run", app_path, "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--client.showErrorDetails", "none", "--client.toolbarMode", "viewer",
            "--browser.gatherUsageStats", "false"]
    return args, env


def wait_until_up(host: str, port: int, timeout: float = 120.0) -> bool:
    """Poll Streamlit's health endpoint until it answers ``ok`` (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False
