"""``pantau run`` and ``pantau watch``: progress bars while they work, a one-screen summary after,
and JSON-lines logs for the operator's log collector (``--log-json``)."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from pantau.app import job
from pantau.settings import ConfigError, Settings, load

log = logging.getLogger("pantau.run")

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, plus the record's structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(json_lines: bool) -> None:
    if not json_lines:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


class Bars(job.Progress):
    """Rich progress bars on stderr, one line a stage (only on a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.fields[stage]:<7}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=False)
        self.tasks: dict[str, Any] = {}
        self.progress.start()

    def start(self, stage: str, total: int | None = None, text: str = "") -> None:
        self.tasks[stage] = self.progress.add_task(text, total=total, stage=stage)

    def update(self, stage: str, completed: int | None = None, text: str = "") -> None:
        if stage in self.tasks:
            self.progress.update(self.tasks[stage], completed=completed, description=text)

    def finish(self, stage: str, result: job.StageResult) -> None:
        if stage not in self.tasks:
            self.start(stage, total=1)
        task = self.tasks[stage]
        total = self.progress.tasks[task].total
        self.progress.update(task, total=total or 1, completed=total or 1,
                             description=f"{result.status} {_brief(result)}")

    def close(self) -> None:
        self.progress.stop()


class Lines(job.Progress):
    """Without a terminal (cron, systemd): one plain line per finished stage on stderr."""

    def finish(self, stage: str, result: job.StageResult) -> None:
        typer.echo(f"{stage}: {result.status} {_brief(result)}", err=True)


def _brief(res: job.StageResult) -> str:
    """The stage's numbers that matter, in one short line: the first always, the rest when not zero."""
    if res.error:
        return res.error
    keys = {"crawl": ("new", "fetched", "duplicate", "errors", "blocked"), "score": ("scored", "pending"),
            "alert": ("alerting", "new", "escalated", "resolved", "queued", "mail_sent", "mail_deferred",
                      "mail_failed"),
            "digest": ("queued", "mail_sent", "mail_deferred", "mail_failed")}.get(res.name, ())
    shown = [f"{k}={res.summary[k]}" for i, k in enumerate(keys) if k in res.summary and (i == 0 or res.summary[k])]
    return " ".join(shown) or str(res.summary.get("reason", ""))


def summary(report: job.RunReport, cfg: Settings) -> list[str]:
    """The one-screen summary: a line per stage, then what needs a person's eyes."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(cfg.regions.timezone)
    took = (report.finished_at or report.started_at) - report.started_at
    verdict = "FAILED: " + ", ".join(report.failed) if report.failed else ("stopped early" if report.stopped
                                                                             else "ok")
    lines = [f"pantau run {report.started_at.astimezone(tz):%Y-%m-%d %H:%M} {tz.key}: {verdict} "
             f"in {took.total_seconds():.0f} s  (store {cfg.store.url})", ""]
    for res in report.stages:
        lines.append(f"  {res.name:<7} {res.status:<8} {res.seconds:6.1f} s  {_brief(res)}")
    crawl = next((s for s in report.stages if s.name == "crawl" and s.detail), None)
    if crawl is not None:
        lines += ["", *crawl.detail]
    alert = next((s for s in report.stages if s.name == "alert" and s.detail), None)
    if alert is not None:
        lines += ["", "alerting now:", *alert.detail]
    return lines


def _settings() -> Settings:
    from pantau.app.alerting import Options

    try:
        return load(Options.config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _moment(at: str | None) -> datetime | None:
    if not at:
        return None
    from pantau.app.alerting import parse_moment

    return parse_moment(at)


def progress_ui(json_logs: bool, json_out: bool) -> job.Progress:
    """Bars on a terminal, a line per stage otherwise, nothing extra when logs are JSON."""
    if sys.stderr.isatty() and not json_logs and not json_out:
        return Bars()
    return job.Progress() if json_logs else Lines()


LOG_JSON = typer.Option("--log-json", help="Write logs to stderr as JSON lines (for journald, Loki, ELK).")
JSON_OUT = typer.Option("--json", help="Print the run's report as one JSON object on stdout.")
AT = typer.Option("--at", help="Judge alerts and the digest as if it were this moment (ISO 8601 with offset).")


def run(
    json_out: Annotated[bool, JSON_OUT] = False,
    log_json: Annotated[bool, LOG_JSON] = False,
    at: Annotated[str | None, AT] = None,
) -> None:
    """Crawl, score, alert and send the digest when it is due, once. Exit 1 only if a stage failed outright."""
    setup_logging(log_json)
    cfg = _settings()
    now = _moment(at)
    stop = job.Stop()
    ui = progress_ui(log_json, json_out)
    try:
        with stop.installed(), job.run_lock(job.lock_path(cfg)):
            report = job.run_once(cfg, now=now, stop=stop, ui=ui, password=os.environ.get(cfg.smtp.password_env, ""))
    except job.Busy as exc:
        typer.echo(f"skipped: {exc}", err=True)
        log.warning("run skipped: %s", exc, extra={"skipped": "busy", "holder": exc.holder})
        return
    finally:
        if isinstance(ui, Bars):
            ui.close()
    _show(report, cfg, json_out)
    if report.failed:
        raise typer.Exit(1)


def _show(report: job.RunReport, cfg: Settings, json_out: bool) -> None:
    if json_out:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        typer.echo("\n".join(summary(report, cfg)))


def watch(
    every: Annotated[str, typer.Option("--every", help="Time between run starts: 15m, 1h, 90s.")] = "15m",
    json_out: Annotated[bool, JSON_OUT] = False,
    log_json: Annotated[bool, LOG_JSON] = False,
    max_runs: Annotated[int, typer.Option("--max-runs", min=0, help="Stop after N runs (0 = until stopped).")] = 0,
) -> None:
    """Run crawl → score → alert → digest every --every, one run at a time; SIGTERM stops after a checkpoint."""
    setup_logging(log_json)
    try:
        every_s = job.parse_every(every)
    except ValueError as exc:
        typer.echo(f"error: --every: {exc}", err=True)
        raise typer.Exit(2) from None
    cfg = _settings()
    stop = job.Stop()
    typer.echo(f"pantau watch: a run every {every} on {cfg.store.url}; stop with Ctrl-C or SIGTERM", err=True)

    def once(current: Settings) -> job.RunReport:
        ui = progress_ui(log_json, json_out)
        try:
            return job.run_once(current, stop=stop, ui=ui,
                                password=os.environ.get(current.smtp.password_env, ""))
        finally:
            if isinstance(ui, Bars):
                ui.close()

    def on_report(report: job.RunReport | None, note: str) -> None:
        if note:
            typer.echo(note, err=True)
            log.warning(note)
        if report is not None:
            _show(report, cfg, json_out)
            sys.stdout.flush()

    def load_cfg() -> Settings:
        nonlocal cfg
        from pantau.app.alerting import Options

        cfg = load(Options.config)
        return cfg

    with stop.installed():
        runs = job.watch(load_cfg, every_s, stop=stop, run=once, on_report=on_report, max_runs=max_runs)
    typer.echo(f"pantau watch stopped after {runs} run(s)"
               + (f" ({stop.signal_name})" if stop.signal_name else ""), err=True)
