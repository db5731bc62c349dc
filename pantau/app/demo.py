"""``pantau demo``: the whole product offline, in minutes, on a bundled corpus of real Indonesian news.

It serves the replay (``demo/``) on 127.0.0.1, runs the real morning job on it — the Scrapy spiders and
pipelines, the shipped sentiment and topic models, the store, alerts and the digest — as of the replay's
last morning (07:00 WITA, 4 July 2025), with mail going to a local SMTP sink that writes ``.eml`` files,
and then serves the dashboard on that store. Everything it writes lives in one folder (``pantau-demo/``).
Run again on the same folder it adds nothing and sends nothing: the same ids, the same outbox.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from index import StoreError, open_store
from pantau.app import job, running
from pantau.app.dashboard_server import streamlit_command, wait_until_up

HOST = "127.0.0.1"


def _articles(store_url: str) -> int:
    with open_store(store_url) as store:
        store.refresh()
        return sum(store.status_counts().values())


@contextmanager
def _interrupted_by(*signals: signal.Signals) -> Iterator[None]:
    """Ctrl-C or SIGTERM stops the dashboard cleanly, even where the shell started us ignoring SIGINT
    (a background job or a CI runner)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    old = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _short_path(path: Path) -> str:
    """Relative to the working directory when it is below it, else absolute: what a newcomer can paste."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _summary(report: job.RunReport, info: dict[str, Any], written: list[Path]) -> list[str]:
    crawl, score = report.stage("crawl").summary, report.stage("score").summary
    alert = report.stage("alert").summary
    lines = [
        "",
        "Pantau demo — the replay's morning: Friday 4 July 2025, 07:00 WITA",
        f"  articles in the store   {info['articles']}  ({info['new_articles']} new this run, "
        f"{crawl.get('duplicate', 0)} duplicates refused)",
        f"  scored this run         {score.get('scored', 0)}  ({score.get('pending', 0)} still pending)",
        f"  active alerts           {info['alerts']}" + (f"  ({alert.get('new', 0)} new)" if alert else ""),
        f"  emails sent this run    {info['emails']}  → {info['mail_dir']}",
    ]
    lines += [f"      {p.name}" for p in written[:6]]
    if len(written) > 6:
        lines.append(f"      … and {len(written) - 6} more")
    lines += [
        "  took                    " + ", ".join(f"{s.name} {s.seconds:.0f} s" for s in report.stages),
        f"  store                   {info['store']}",
        f"  dashboard               {info['dashboard_url']}",
        "",
        f"Try: {info['pantau']} -c {info['config']} search banjir --region 64.72",
        f"     {info['pantau']} -c {info['config']} status",
    ]
    return lines


def demo(
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser on the dashboard.")] = False,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The dashboard's port.")] = 8501,
    exit_after: Annotated[float | None, typer.Option(
        "--exit-after", min=0, help="Stop the dashboard after this many seconds and exit 0.")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", help="End stdout with one JSON line: articles, new_articles, alerts, emails, mail_dir, "
                       "dashboard_url.")] = False,
    folder: Annotated[Path, typer.Option("--dir", help="Where the demo keeps its store, mail and config.")]
    = Path("pantau-demo"),
) -> None:
    """Run Pantau end to end offline: replay a bundled news corpus, crawl, score, alert, then open the dashboard."""
    import demo as replay

    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    mail_dir = folder / "mail"
    store_url = os.environ.get("PANTAU_STORE") or f"sqlite:///{folder / 'pantau.db'}"
    dashboard_url = f"http://{HOST}:{port}"
    out = sys.stderr if json_out else sys.stdout

    def say(text: str = "") -> None:
        typer.echo(text, file=out)

    try:
        server = replay.ReplayServer(HOST, replay.DEFAULT_PORT)
    except OSError as exc:
        typer.echo(f"error: the replay's port {replay.DEFAULT_PORT} on {HOST} is taken ({exc.strerror}); "
                   "is another `pantau demo` running?", err=True)
        raise typer.Exit(1) from None
    from demo.mailsink import MailSink

    with server, MailSink(mail_dir) as sink:
        text = replay.toml_text(server.base, store_url, smtp_port=sink.port, dashboard_url=dashboard_url)
        config = folder / "pantau.toml"
        config.write_text(text, encoding="utf-8")
        cfg = replay.settings(server.base, store_url, smtp_port=sink.port, dashboard_url=dashboard_url)
        say(f"Pantau demo: replaying {len(replay.corpus.load())} articles from {server.base}, store {store_url}")
        ui = running.progress_ui(False, json_out)
        stop = job.Stop()
        try:
            with stop.installed(), job.run_lock(job.lock_path(cfg)):
                report = job.run_once(cfg, now=replay.replay_now(), stop=stop, ui=ui,
                                      crawl_overrides=replay.CRAWL_OVERRIDES)
        except job.Busy as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        finally:
            if isinstance(ui, running.Bars):
                ui.close()
        if stop.requested():
            say(f"stopped ({stop.signal_name}) before the dashboard; `pantau demo` again carries on where it stopped")
            return
        if report.failed:
            for line in running.summary(report, cfg):
                say(line)
            typer.echo("error: the demo's " + ", ".join(report.failed) + " stage failed (see above)", err=True)
            raise typer.Exit(1)
        try:
            articles = _articles(store_url)
        except StoreError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        emails = sum(report.stage(s).summary.get("mail_sent", 0) for s in ("alert", "digest"))
        info: dict[str, Any] = {
            "articles": articles, "new_articles": report.stage("crawl").summary.get("new", 0),
            "alerts": report.stage("alert").summary.get("active", 0), "emails": emails,
            "mail_dir": str(mail_dir), "dashboard_url": dashboard_url + "/", "store": store_url,
            "config": _short_path(config),
            "pantau": "pantau" if shutil.which("pantau") else _short_path(Path(sys.executable).parent / "pantau")}
        args, env = streamlit_command(str(config), HOST, port)
        say(f"starting the dashboard on {dashboard_url}/ …")
        with (subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as dash,
              _interrupted_by(signal.SIGTERM, signal.SIGINT)):
            try:
                if not wait_until_up(HOST, port, timeout=120):
                    dash.terminate()
                    err = (dash.communicate(timeout=30)[1] or "")[-1500:]
                    typer.echo(f"error: the dashboard did not answer on {dashboard_url}\n{err}", err=True)
                    raise typer.Exit(1)
                for line in _summary(report, info, sink.written):
                    say(line)
                if json_out:
                    typer.echo(json.dumps({k: info[k] for k in ("articles", "new_articles", "alerts", "emails",
                                                                "mail_dir", "dashboard_url")}, ensure_ascii=False))
                sys.stdout.flush()
                if not no_browser:
                    webbrowser.open(dashboard_url + "/")
                if exit_after is not None:
                    say(f"(the dashboard stops in {exit_after:g} s)")
                    time.sleep(exit_after)
                else:
                    say("Ctrl-C stops the demo.")
                    dash.wait()
            except KeyboardInterrupt:
                say("\nstopping the demo")
            finally:
                if dash.poll() is None:
                    dash.terminate()
                    try:
                        dash.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        dash.kill()
