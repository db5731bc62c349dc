"""``pantau alert``, ``pantau alert backtest`` and ``pantau digest``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from alerts import fmt, outbox
from alerts.backtest import SeriesError, backtest, to_json
from alerts.backtest import load as load_series
from alerts.detect import DetectorConfig
from alerts.run import AlertReport, DigestReport, run_alerts, run_digest
from index import Store, StoreError, open_store
from pantau.settings import ConfigError, Settings, load

T = TypeVar("T")
app = typer.Typer(help="Spike detection and alert emails.", invoke_without_command=True)


class Options:
    config: str | None = None


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return load(Options.config)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def parse_moment(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"--at: expected an ISO 8601 time with offset, e.g. 2025-07-03T07:00+08:00, found {value!r}") \
            from None
    if moment.tzinfo is None:
        raise _fail(f"--at: give the UTC offset too, e.g. {value}+08:00")
    return moment


def _in_store(cfg: Settings, work: Callable[[Store], T]) -> T:
    """Run ``work`` on the configured store; a store that cannot be reached is one error line, exit 1."""
    try:
        with open_store(cfg.store.url) as store:
            return work(store)
    except StoreError as exc:
        raise _fail(str(exc), 1) from None


def _topic_names() -> dict[str, str]:
    from nlp.topics import display_names

    return display_names()


def _password(cfg: Settings) -> str:
    return os.environ.get(cfg.smtp.password_env, "")


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False))


def status(store: Store) -> dict[str, Any]:
    """Active alert episodes and the outbox, for ``pantau status``: waiting or failed mail is shown, never hidden."""
    troubled = {**store.get_records(outbox.KIND, status="pending"), **store.get_records(outbox.KIND, status="failed")}
    problems = [{"to": d["recipient"], "status": d["status"], "attempts": d.get("attempts", 0),
                 "last_error": d["last_error"]} for d in troubled.values() if d.get("last_error")]
    return {"active": len(store.get_records("alert", status="active")), "outbox": outbox.counts(store),
            "problems": problems[:20]}


AT_HELP = "Judge as if it were this moment (ISO 8601 with offset); default: now. For replays and backfills."


@app.callback()
def alert(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; change nothing.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the run's report as JSON.")] = False,
    at: Annotated[str | None, typer.Option("--at", help=AT_HELP)] = None,
) -> None:
    """Detect spikes and silences, update alert episodes and send the emails they owe."""
    if ctx.invoked_subcommand is not None:
        return
    cfg = _settings()
    now = parse_moment(at)
    report = _in_store(cfg, lambda store: run_alerts(store, cfg, now, topic_names=_topic_names(), dry_run=dry_run,
                                                     password=_password(cfg)))
    if json_out:
        _echo_json(report.to_dict())
        return
    _print_alerts(report, cfg)


def _print_alerts(report: AlertReport, cfg: Settings) -> None:
    tz = cfg.regions.timezone
    typer.echo(f"alert run at {fmt.when(report.now, tz)}: {report.watches} watches judged, "
               f"{len(report.conditions)} alerting")
    for c in report.conditions:
        level = "NO DATA" if c.kind == "no_data" else c.severity.upper()
        if c.verdict is not None:
            v = c.verdict
            hours = round((v.window_end - v.window_start).total_seconds() / 3600)
            what = f"{v.observed} negative in {hours} h (expected {v.expected:.1f}), share {v.share:.0%}"
        else:
            what = f"silent for {c.silent_hours:g} h (longest usual gap {c.normal_gap_hours:g} h)"
        typer.echo(f"  {level:<8} {c.watch.key:<34} {what}")
    t = report.transition
    typer.echo(f"episodes: {len(t.opened)} new, {len(t.escalated)} escalated, {len(t.ongoing) + len(t.reopened)} "
               f"ongoing, {len(t.resolved)} resolved")
    if report.dry_run:
        typer.echo(f"dry run: nothing written; {len(report.outgoing)} email(s) would be queued")
        for o in report.outgoing:
            typer.echo(f"\n--- to {o.recipient}\nSubject: {o.message['Subject']}")
            body = o.message.get_body(("plain",))
            if body is not None:
                typer.echo(body.get_content())
        return
    d = report.delivery
    typer.echo(f"emails: {report.enqueued} queued, {d.sent} sent, {d.deferred} waiting for the SMTP server, "
               f"{d.failed} failed" + (f" ({', '.join(f'{k}={v}' for k, v in d.reasons.items())})"
                                       if d.reasons else ""))


@app.command("backtest")
def alert_backtest(
    series: Annotated[Path, typer.Argument(help="CSV with columns region,window_start,total,negative.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON list of the alerts, in time order.")] = False,
) -> None:
    """Replay a series of counts through the detector and list the alerts it would raise."""
    cfg = _settings()
    a = cfg.alerts
    det = DetectorConfig(baseline_days=a.baseline_days, min_count=a.min_count, min_increase=a.min_increase,
                         min_ratio=a.min_ratio, alpha=a.alpha)
    if not series.is_file():
        raise _fail(f"{series}: no such file")
    try:
        data = load_series(series)
    except SeriesError as exc:
        raise _fail(str(exc)) from None
    found = backtest(data, det)
    if json_out:
        _echo_json(to_json(found))
        return
    typer.echo(f"{series}: {len(data.regions)} regions, {len(data.starts)} windows of {data.step}; "
               f"{len(found)} alerting windows")
    for region, v in found:
        typer.echo(f"  {v.window_start.isoformat()}  {region:<10} {v.severity:<8} negative={v.observed} "
                   f"expected={v.expected:.1f} total={v.total} ({v.reason})")


def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be sent; change nothing.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the run's report as JSON.")] = False,
    at: Annotated[str | None, typer.Option("--at", help=AT_HELP)] = None,
) -> None:
    """Send each recipient the morning summary of their regions (once per period)."""
    cfg = _settings()
    now = parse_moment(at)
    report = _in_store(cfg, lambda store: run_digest(store, cfg, now, dry_run=dry_run, password=_password(cfg)))
    if json_out:
        _echo_json(report.to_dict())
        return
    _print_digest(report, cfg)


def _print_digest(report: DigestReport, cfg: Settings) -> None:
    typer.echo(f"digest for the period ending {fmt.when(report.period_end, cfg.regions.timezone)}: "
               f"{len(report.outgoing)} new")
    for o in report.outgoing:
        typer.echo(f"  to {o.recipient}: {o.message['Subject']}")
    if report.dry_run:
        typer.echo("dry run: nothing written or sent")
        return
    d = report.delivery
    typer.echo(f"emails: {report.enqueued} queued, {d.sent} sent, {d.deferred} waiting for the SMTP server, "
               f"{d.failed} failed")
    if not report.outgoing and not cfg.alerts.recipients:
        typer.echo("no recipients configured: add [alerts] recipients to pantau.toml", err=True)


