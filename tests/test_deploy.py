"""The deployment files an operator copies: systemd units that systemd itself accepts, a compose file
and a cron line whose Pantau commands exist with those flags, and a Dockerfile that ships every package."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("pantau-*"))


def _help(sub: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pantau.cli", sub, "--help"], capture_output=True, text=True,
                          timeout=60, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def _commands() -> list[list[str]]:
    """Every pantau command line the deployment files run."""
    found: list[list[str]] = []
    for unit in UNITS:
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                found.append(shlex.split(line.removeprefix("ExecStart=")))
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    found += [list(s["command"]) for s in compose["services"].values() if "command" in s]
    for line in (DEPLOY / "cron.txt").read_text().splitlines():
        if line and not line.startswith("#") and "pantau" in line and "=" not in line.split()[0]:
            found.append(shlex.split(line.split("&&", 1)[1].split(">>")[0]))
    return found


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    assert {u.name for u in UNITS} == {"pantau-watch.service", "pantau-run.service", "pantau-run.timer",
                                       "pantau-dashboard.service"}
    pantau = Path(sys.executable).parent / "pantau"
    for unit in UNITS:  # systemd checks that ExecStart exists: point it at this checkout's pantau
        text = unit.read_text().replace("/srv/pantau/.venv/bin/pantau", str(pantau)).replace("/srv/pantau", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / u.name) for u in UNITS]],
                          capture_output=True, text=True, timeout=60)
    problems = [ln for ln in done.stderr.splitlines() if "pantau" in ln]
    assert done.returncode == 0 and not problems, done.stderr


def test_every_deployed_command_exists_with_its_flags() -> None:
    commands = _commands()
    subs = {c[c.index(next(w for w in c if w.endswith("pantau"))) + 1] for c in commands}
    assert subs == {"watch", "run", "dashboard"}
    for argv in commands:
        at = next(i for i, w in enumerate(argv) if w.endswith("pantau"))
        sub, args = argv[at + 1], argv[at + 2:]
        text = _help(sub)
        for flag in (a for a in args if a.startswith("--")):
            assert flag in text, f"`pantau {sub}` has no {flag}"
        if sub == "watch":
            from pantau.app.job import parse_every

            assert parse_every(args[args.index("--every") + 1]) == 900


def test_compose_runs_the_job_and_the_dashboard_on_elasticsearch() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"elasticsearch", "watch", "dashboard"}
    for name in ("watch", "dashboard"):
        env = services[name]["environment"]
        assert env["PANTAU_STORE"].startswith("http://elasticsearch:9200")
        assert services[name]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert services["watch"]["stop_signal"] == "SIGTERM"
    assert services["dashboard"]["ports"] == ["127.0.0.1:8501:8501"]  # only the reverse proxy reaches it


def test_the_image_ships_every_package() -> None:
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in include}
    copied = set(re.findall(r"^COPY (\S+) \1$", (ROOT / "Dockerfile").read_text(), flags=re.M))
    assert packages <= copied, f"Dockerfile does not copy {packages - copied}"
