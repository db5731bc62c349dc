"""The morning job: crawl → score → alert → digest, once (``pantau run``) or on a schedule (``pantau watch``).

Each stage is independent through the store (see DESIGN.md): a crawl that fails still lets the
articles already stored be scored and judged, and a stage that fails is reported, never hidden.
What makes a run safe to repeat or to kill:

* the crawl resumes from its saved queue and dedupes by URL, so nothing is fetched or stored twice;
* scoring writes each chunk before reading the next, so unscored articles stay ``pending``;
* alert episodes and the outbox live in the store with insert-if-absent ids, so mail goes once;
* one run at a time per store: an ``flock`` on ``<state>/run.lock``. The kernel drops it when the
  holder dies, however it dies, so a crash never leaves a stale lock behind.

A stop request (SIGTERM, Ctrl-C) during the crawl checkpoints the crawl's queue; during scoring it
stops after the chunk in hand; alerting and the digest are short and are finished. Later stages are
skipped, and the next run carries on.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from index import StoreError, open_store
from pantau.crawl import CrawlError, run_crawl, state_dir_for
from pantau.settings import Settings

log = logging.getLogger(__name__)

STAGES = ("crawl", "score", "alert", "digest")


class Busy(Exception):
    """Another ``pantau run`` / ``watch`` is working on this store."""

    def __init__(self, lock: Path, holder: str) -> None:
        super().__init__(f"another run is in progress (pid {holder or '?'}, lock {lock})")
        self.lock = lock
        self.holder = holder


class Interrupted(BaseException):
    """Raised in the main thread by the signal handler while the crawl runs, so that the crawl
    child is asked to save its queue (``run_crawl`` forwards SIGTERM on any exception)."""


def lock_path(cfg: Settings) -> Path:
    return state_dir_for(cfg.store.url).parent / "run.lock"


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the store's run lock, or raise :class:`Busy` at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise Busy(path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class Stop:
    """A stop request shared by the signal handler and the stages."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.stage: str | None = None
        self.signal_name = ""

    def requested(self) -> bool:
        return self.event.is_set()

    def request(self, why: str = "") -> None:
        self.signal_name = why or self.signal_name
        self.event.set()

    def handler(self, signum: int, _frame: FrameType | None) -> None:
        first = not self.event.is_set()
        self.request(signal.Signals(signum).name)
        log.warning("stop requested signal=%s stage=%s", self.signal_name, self.stage or "-")
        if first and self.stage == "crawl":
            raise Interrupted(self.signal_name)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Route SIGTERM and SIGINT here while the block runs (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {s: signal.signal(s, self.handler) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for s, h in old.items():
                signal.signal(s, h)


@dataclass(kw_only=True)
class StageResult:
    name: str
    status: str = "skipped"  # ok | failed | stopped | skipped
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    detail: list[str] = field(default_factory=list)
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "seconds": round(self.seconds, 1),
                "summary": self.summary, "error": self.error}


@dataclass(kw_only=True)
class RunReport:
    now: datetime
    started_at: datetime
    finished_at: datetime | None = None
    stages: list[StageResult] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [s.name for s in self.stages if s.status == "failed"]

    @property
    def stopped(self) -> bool:
        return any(s.status == "stopped" for s in self.stages)

    def stage(self, name: str) -> StageResult:
        return next(s for s in self.stages if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"now": self.now.isoformat(), "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "ok": not self.failed, "failed": self.failed, "stopped": self.stopped,
                "stages": [s.to_dict() for s in self.stages]}


class Progress:
    """How a run shows itself while it works; the default shows nothing (logs still flow)."""

    def start(self, stage: str, total: int | None = None, text: str = "") -> None: ...

    def update(self, stage: str, completed: int | None = None, text: str = "") -> None: ...

    def finish(self, stage: str, result: StageResult) -> None: ...


def crawl_table(runs: dict[str, Any]) -> list[str]:
    """One screen: a line per source, then the reasons behind drops, errors and blocks."""
    header = f"{'source':<28}{'fetched':>8}{'new':>6}{'updated':>8}{'dup':>6}{'dropped':>8}{'errors':>7}{'blocked':>8}"
    lines = [header, "-" * len(header)]
    reasons: list[str] = []
    for name, run in runs.items():
        dropped = {k: v for k, v in run.dropped.items() if not k.startswith("skipped_")}
        skipped = sum(v for k, v in run.dropped.items() if k.startswith("skipped_"))
        lines.append(
            f"{name[:27]:<28}{run.fetched:>8}{run.new:>6}{run.updated:>8}{run.duplicate:>6}"
            f"{sum(dropped.values()):>8}{sum(run.errors.values()):>7}{run.blocked:>8}"
        )
        detail = [f"{k}={v}" for k, v in sorted(dropped.items())] + [
            f"error:{k}={v}" for k, v in sorted(run.errors.items())
        ]
        if skipped:
            detail.append(f"already stored={skipped}")
        if detail:
            reasons.append(f"  {name}: " + ", ".join(detail))
    return lines + (["", *reasons] if reasons else [])


def _crawl(cfg: Settings, res: StageResult, ui: Progress, overrides: dict[str, Any] | None) -> None:
    enabled = [s for s in cfg.sources if s.enabled]
    if not enabled:
        res.status, res.summary = "skipped", {"reason": "no enabled sources"}
        return
    ui.start("crawl", text=f"{len(enabled)} source(s)")

    def progress(per_source: dict[str, dict[str, int]]) -> None:
        t = {k: sum(v.get(k, 0) for v in per_source.values()) for k in ("fetched", "new", "errors")}
        ui.update("crawl", t["fetched"], f"fetched={t['fetched']} new={t['new']} errors={t['errors']}")

    from crawlers.run import job_dir

    runs = run_crawl(cfg, cfg.store.url, progress=progress, overrides=overrides)
    res.summary = {
        "sources": len(runs),
        **{k: sum(getattr(r, k) for r in runs.values()) for k in ("fetched", "new", "updated", "duplicate",
                                                                   "blocked")},
        "errors": sum(sum(r.errors.values()) for r in runs.values()),
        # A source stopped before it finished keeps its queue (JOBDIR) for the next run to resume.
        "interrupted": [name for name in runs if job_dir(state_dir_for(cfg.store.url), name).exists()],
    }
    res.detail = crawl_table(runs)
    res.status = "stopped" if res.summary["interrupted"] else "ok"


def _score(cfg: Settings, res: StageResult, ui: Progress, stop: Stop) -> None:
    from pantau.score import score_pending

    with open_store(cfg.store.url) as store:
        pending = store.status_counts()["pending"]
        ui.start("score", total=pending, text=f"{pending} pending")

        def progress(counts: dict[str, int]) -> None:
            ui.update("score", counts["seen"], f"scored={counts['scored']}")

        counts = score_pending(store, cfg, should_stop=stop.requested, progress=progress) if pending else {
            "seen": 0, "scored": 0, "written": 0, "chunks": 0}
        store.refresh()
        remaining = store.status_counts()["pending"]
    res.summary = {"scored": counts["scored"], "pending": remaining}
    res.status = "stopped" if counts.get("stopped") else "ok"


def _alert(cfg: Settings, res: StageResult, ui: Progress, now: datetime, password: str) -> None:
    from alerts.run import run_alerts
    from nlp.topics import display_names

    ui.start("alert", text="judging regions, topics and sources")
    with open_store(cfg.store.url) as store:
        r = run_alerts(store, cfg, now, topic_names=display_names(), password=password)
    t = r.transition
    res.summary = {"watches": r.watches, "alerting": len(r.conditions), "new": len(t.opened),
                   "escalated": len(t.escalated), "resolved": len(t.resolved), "active": len(r.active),
                   "queued": r.enqueued, **{f"mail_{k}": v for k, v in r.delivery.to_dict().items()
                                            if k != "reasons"}}
    res.detail = [f"  {c.severity.upper() if c.kind == 'spike' else 'NO DATA':<8} {c.watch.key}"
                  for c in r.conditions]
    res.status = "ok"


def _digest(cfg: Settings, res: StageResult, ui: Progress, now: datetime, password: str) -> None:
    from alerts.run import run_digest

    ui.start("digest", text="morning summary")
    with open_store(cfg.store.url) as store:
        r = run_digest(store, cfg, now, password=password)
    res.summary = {"period_end": r.period_end.isoformat(), "queued": r.enqueued,
                   **{f"mail_{k}": v for k, v in r.delivery.to_dict().items() if k != "reasons"}}
    res.status = "ok"


def _errors() -> tuple[type[Exception], ...]:
    from nlp.service import engine_errors

    return (StoreError, CrawlError, OSError, *engine_errors())


def run_once(cfg: Settings, *, now: datetime | None = None, stop: Stop | None = None, ui: Progress | None = None,
             password: str = "", crawl_overrides: dict[str, Any] | None = None,
             stages: tuple[str, ...] = STAGES) -> RunReport:
    """One pass of every stage, in order. Never raises for a stage's failure: it is in the report."""
    stop = stop or Stop()
    ui = ui or Progress()
    moment = now or datetime.now(UTC)
    report = RunReport(now=moment, started_at=datetime.now(UTC))
    expected = _errors()
    for name in stages:
        res = StageResult(name=name)
        report.stages.append(res)
        if stop.requested():
            res.summary = {"reason": f"stopping ({stop.signal_name or 'requested'})"}
            ui.finish(name, res)
            continue
        stop.stage = name
        t0 = time.perf_counter()
        try:
            if name == "crawl":
                _crawl(cfg, res, ui, crawl_overrides)
            elif name == "score":
                _score(cfg, res, ui, stop)
            elif name == "alert":
                # Alerts judge "now"; a replay or a backfill passes its own moment.
                _alert(cfg, res, ui, now or datetime.now(UTC), password)
            elif name == "digest":
                _digest(cfg, res, ui, now or datetime.now(UTC), password)
        except Interrupted:
            res.status, res.summary = "stopped", {"reason": "stopped during the crawl; its queue is saved"}
        except expected as exc:
            res.status, res.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            stop.stage = None
            res.seconds = time.perf_counter() - t0
        log.info("stage=%s status=%s seconds=%.1f %s", name, res.status, res.seconds,
                 " ".join(f"{k}={v}" for k, v in res.summary.items()),
                 extra={"stage": name, "status": res.status, "seconds": round(res.seconds, 1), **res.summary,
                        **({"error": res.error} if res.error else {})})
        if res.status == "failed":
            log.error("stage=%s failed: %s", name, res.error)
        ui.finish(name, res)
    report.finished_at = datetime.now(UTC)
    return report


def parse_every(text: str) -> float:
    """``90s``, ``15m``, ``1h``, ``1h30m`` or plain seconds → seconds (at least 1)."""
    import re

    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd])", value)
        if not parts or "".join(n + u for n, u in parts) != value.replace(" ", ""):
            raise ValueError(f"expected a duration like 15m, 1h or 90s, found {text!r}")
        seconds = sum(float(n) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[u] for n, u in parts)
    if seconds < 1:
        raise ValueError(f"the interval must be at least 1 s, found {text!r}")
    return seconds


def watch(load: Callable[[], Settings], every_s: float, *, stop: Stop, run: Callable[[Settings], RunReport],
          on_report: Callable[[RunReport | None, str], None], max_runs: int = 0) -> int:
    """Run ``run`` every ``every_s`` seconds (measured start to start) until a stop request.

    The configuration is read again before each run, so an edit takes effect on the next one; an
    edit that does not validate keeps the last good configuration and says why. Returns how many
    runs finished."""
    cfg = load()
    runs = 0
    while not stop.requested():
        started = time.monotonic()
        try:
            cfg = load()
        except Exception as exc:  # a bad edit must not stop the office's monitoring
            on_report(None, f"configuration not reloaded, keeping the last good one: {exc}")
        try:
            with run_lock(lock_path(cfg)):
                report = run(cfg)
            runs += 1
            on_report(report, "")
        except Busy as exc:
            on_report(None, f"skipped: {exc}")
        if max_runs and runs >= max_runs:
            break
        stop.event.wait(max(0.0, every_s - (time.monotonic() - started)))
    return runs
