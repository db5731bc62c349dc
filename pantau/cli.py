"""The ``pantau`` command line: one entry point that wires the stages together.

Every command loads and validates the configuration first, so a bad ``pantau.toml``
stops with a clear message (file, key, expected, found) and exit status 2.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from index import Filters, StoreError, open_store
from index.store import SORTS
from nlp import cli as nlp_cli
from pantau import __version__, platforms, regions, settings
from pantau.app import alerting, feedback, job, running
from pantau.app import demo as demo_cmd
from pantau.app.dashboard_server import streamlit_command
from pantau.article import PLATFORM, SOURCE_TYPES
from pantau.loader import load_jsonl
from pantau.settings import ConfigError, Settings

app = typer.Typer(
    help="Pantau: media monitoring and sentiment for Indonesian regional governments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
regions_app = typer.Typer(help="The regions gazetteer and tagger.", no_args_is_help=True)
index_app = typer.Typer(help="Load articles into the store and maintain it.", no_args_is_help=True)
config_app = typer.Typer(help="Inspect and document the configuration.", no_args_is_help=True)
sources_app = typer.Typer(help="Find an outlet's feeds and sitemaps; check the configured sources.",
                          no_args_is_help=True)
app.add_typer(regions_app, name="regions")
app.add_typer(index_app, name="index")
app.add_typer(config_app, name="config")
app.add_typer(sources_app, name="sources")
nlp_cli.app.add_typer(feedback.app, name="feedback")  # nlp/ cannot reach the store: wired here
app.add_typer(nlp_cli.app, name="nlp")
app.add_typer(alerting.app, name="alert")
app.command("digest")(alerting.digest)
app.command("run")(running.run)
app.command("watch")(running.watch)
app.command("demo")(demo_cmd.demo)

log = logging.getLogger("pantau")


class State:
    config: str | None = None


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return settings.load(State.config)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False))


@app.callback()
def main_callback(
    config: Annotated[
        str | None, typer.Option("--config", "-c", help="Config file (default: $PANTAU_CONFIG or ./pantau.toml).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    State.config = config
    alerting.Options.config = config
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command()
def version() -> None:
    """Print Pantau's version."""
    typer.echo(__version__)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="File or directory to write (default: ./pantau.toml).")] = Path(
        settings.DEFAULT_CONFIG
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter pantau.toml for East Kalimantan (province + 10 regencies/cities)."""
    target = path / settings.DEFAULT_CONFIG if path.is_dir() else path
    if target.exists() and not force:
        raise fail(f"{target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    text = settings.render_init()
    settings.from_mapping(__import__("tomllib").loads(text), str(target), env={})  # never write a bad file
    target.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {target}")
    typer.echo("next: edit the recipients and sources, then run `pantau status`")


@app.command()
def status(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the store, article counts by NLP status, and the last crawl of each source."""
    from crawlers.refusals import explain

    cfg = load_settings()
    try:
        with open_store(cfg.store.url) as store:
            counts = store.status_counts()
            crawls = store.last_crawls()
            alerts = alerting.status(store)
    except StoreError as exc:
        raise fail(str(exc), 1) from None
    names = [s.name for s in cfg.sources] + [n for n in crawls if n not in {s.name for s in cfg.sources}]
    sources: dict[str, Any] = {}
    for name in names:
        run = crawls.get(name)
        configured = next((s for s in cfg.sources if s.name == name), None)
        enabled = configured.enabled if configured else None
        sources[name] = {"enabled": enabled, "last_crawl": run.to_dict() if run else None}
        off = platforms.disabled_reason(dataclasses.asdict(configured), os.environ) if configured else ""
        if off:  # an X or Meta source without a token: never crawled, and this says why
            sources[name]["disabled_reason"] = off
        limited = platforms.limited_reason(dataclasses.asdict(configured), os.environ) if configured else ""
        if limited:  # a YouTube source without a key: its feed is read, its comments are not
            sources[name]["limited_reason"] = limited
    report = {
        "config": cfg.path,
        "store": cfg.store.url,
        "articles": sum(counts.values()),
        "nlp_status": counts,
        "sources": sources,
        "alerts": alerts,
    }
    if json_out:
        _echo_json(report)
        return
    typer.echo(f"config   {cfg.path}")
    typer.echo(f"store    {cfg.store.url}")
    typer.echo(f"articles {report['articles']}  " + "  ".join(f"{k}={v}" for k, v in counts.items()))
    mail = alerts["outbox"]
    typer.echo(f"alerts   {alerts['active']} active  mail: {mail['pending']} waiting, {mail['sent']} sent, "
               f"{mail['failed']} failed")
    for problem in alerts["problems"]:
        typer.echo(f"  mail to {problem['to']}: {problem['last_error']}")
    typer.echo("sources:")
    if not names:
        typer.echo("  (none configured)")
    for name, info in sources.items():
        run = info["last_crawl"]
        flag = "" if info["enabled"] in (True, None) else " [disabled]"
        if info.get("disabled_reason"):
            typer.echo(f"  {name} [disabled]: {info['disabled_reason']}")
            if run is None:
                continue
        if run is None:
            typer.echo(f"  {name}{flag}: never crawled")
        else:
            errors = sum(run["errors"].values())
            typer.echo(
                f"  {name}{flag}: last crawl {run['finished_at']} fetched={run['fetched']} new={run['new']} "
                f"duplicate={run['duplicate']} errors={errors} blocked={run['blocked']}"
            )
            for reason, n in sorted(run["errors"].items()):
                words = explain(reason)
                if words:  # a platform refused: say what it means
                    typer.echo(f"    {reason}={n}: {words}")
        if info.get("limited_reason"):
            typer.echo(f"    {info['limited_reason']}")


@app.command()
def crawl(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Crawl only this source (repeatable); default: all enabled.")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Skip articles published before this day.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print each source's crawl stats as JSON.")] = False,
) -> None:
    """Crawl the configured sources into the store (resumable: a stopped crawl continues where it left off)."""
    from pantau.crawl import CrawlError, run_crawl

    cfg = load_settings()
    tz = ZoneInfo(cfg.regions.timezone)
    since_dt = _parse_day(since, tz, "--since", end=False)
    live = sys.stderr.isatty()

    def progress(per_source: dict[str, dict[str, int]]) -> None:
        totals = {k: sum(v.get(k, 0) for v in per_source.values()) for k in ("fetched", "new", "errors")}
        line = (f"crawling {len(per_source)} source(s): fetched={totals['fetched']} new={totals['new']} "
                f"errors={totals['errors']}")
        typer.echo(("\r" + line) if live else line, err=True, nl=not live)

    try:
        runs = run_crawl(cfg, cfg.store.url, source or None, since_dt, progress=progress)
    except CrawlError as exc:
        raise fail(str(exc), 1) from None
    except KeyboardInterrupt:
        typer.echo("\ninterrupted: the queue is saved; run the same command again to resume", err=True)
        raise typer.Exit(3) from None
    if live:
        typer.echo("", err=True)
    if json_out:
        _echo_json({name: run.to_dict() for name, run in runs.items()})
        return
    if not runs:
        typer.echo("no sources to crawl (check [[sources]] enabled = true, or --source)")
        return
    for line in job.crawl_table(runs):
        typer.echo(line)


@app.command()
def score(
    limit: Annotated[int, typer.Option("--limit", min=0, help="Score at most N pending articles (0 = all).")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Score pending articles in the store: sentiment and topics, in batches (resumable)."""
    from nlp.service import engine_errors
    from pantau.score import score_pending

    cfg = load_settings()
    try:
        with open_store(cfg.store.url) as store:
            counts = score_pending(store, cfg, limit)
            store.refresh()
            remaining = store.status_counts()["pending"]
    except StoreError as exc:
        raise fail(str(exc), 1) from None
    except engine_errors() as exc:
        raise fail(str(exc)) from None
    counts["pending"] = remaining
    if json_out:
        _echo_json(counts)
        return
    typer.echo(f"scored {counts['scored']} articles in {counts['seconds']} s; {remaining} still pending")


@regions_app.command("tag")
def regions_tag(
    text: Annotated[str | None, typer.Argument(help="Text to tag; without it, one text per line from stdin.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output (the default; one array per text).")] = True,
) -> None:
    """Print the regions a text mentions as a JSON array of {"code","name","evidence"}."""
    cfg = load_settings()
    tagger = regions.tagger(cfg.regions.watch_terms)

    def emit(value: str) -> None:
        _echo_json([m.to_dict() for m in tagger.tag(value)])

    if text is not None:
        emit(text)
        return
    for line in sys.stdin:
        emit(line.rstrip("\n"))


@regions_app.command("show")
def regions_show(
    code: Annotated[str, typer.Argument(help="Kemendagri code, e.g. 64 or 64.72.")],
) -> None:
    """Show a region and its regencies/cities."""
    gaz = regions.gazetteer()
    if code not in gaz.by_code:
        raise fail(f"unknown region code {code!r}")
    r = gaz.by_code[code]
    typer.echo(f"{r.code}\t{r.display}\t(capital: {r.capital})")
    for child in gaz.children(code):
        typer.echo(f"  {child.code}\t{child.display}")


def _parse_day(value: str | None, tz: ZoneInfo, option: str, end: bool) -> datetime | None:
    """A date (YYYY-MM-DD, local to the configured timezone) or an ISO datetime with offset."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime.combine(day, time(0), tzinfo=tz)
            return (start + timedelta(days=1) if end else start).astimezone(UTC)
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: expected YYYY-MM-DD or an ISO datetime, found {value!r}") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=tz)).astimezone(UTC)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", -exclusions and OR; empty matches all.')] = "",
    region: Annotated[list[str] | None, typer.Option("--region", help="Region code (repeatable).")] = None,
    sentiment: Annotated[
        list[str] | None, typer.Option("--sentiment", help="positive|neutral|negative|unscored (repeatable).")
    ] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Topic label (repeatable).")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Source name (repeatable).")] = None,
    source_type: Annotated[
        list[str] | None,
        typer.Option("--source-type", help="news|government|social|aggregator (repeatable)."),
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option("--platform", help="Public posts of telegram|mastodon|youtube|bluesky|x|facebook|instagram "
                     "(repeatable)."),
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, local time).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD).")] = None,
    sort: Annotated[str, typer.Option("--sort", help="relevance|newest|oldest|engagement (posts by likes + "
                                                     "2×reposts + replies + views/100; news last).")] = "relevance",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Hits per page.")] = 20,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number.")] = 1,
    json_out: Annotated[bool, typer.Option("--json", help='Print {"total": N, "hits": [Article dicts]}.')] = False,
) -> None:
    """Search all coverage, with filters."""
    cfg = load_settings()
    tz = ZoneInfo(cfg.regions.timezone)
    gaz = regions.gazetteer()
    for code in region or []:
        if code not in gaz.by_code:
            raise fail(f"--region: unknown Kemendagri code {code!r}")
    for label in sentiment or []:
        if label not in ("positive", "neutral", "negative", "unscored"):
            raise fail(f"--sentiment: expected positive, neutral, negative or unscored, found {label!r}")
    if sort not in SORTS:
        raise fail(f"--sort: expected one of {', '.join(SORTS)}, found {sort!r}")
    for kind in source_type or []:
        if kind not in SOURCE_TYPES:
            raise fail(f"--source-type: expected one of {', '.join(SOURCE_TYPES)}, found {kind!r}")
    for name in platform or []:
        if not PLATFORM.fullmatch(name):
            raise fail(f"--platform: expected a lowercase platform name such as telegram, found {name!r}")
    filters = Filters(
        regions=tuple(region or ()),
        sentiment=tuple(sentiment or ()),
        topics=tuple(topic or ()),
        sources=tuple(source or ()),
        source_types=tuple(source_type or ()),
        platforms=tuple(platform or ()),
        since=_parse_day(date_from, tz, "--from", end=False),
        until=_parse_day(date_to, tz, "--to", end=True),
    )
    try:
        with open_store(cfg.store.url) as store:
            result = store.search(query, filters, sort=sort, page=page, size=limit)
    except StoreError as exc:
        raise fail(str(exc), 1) from None
    if json_out:
        _echo_json({"total": result.total, "hits": [h.article.to_dict() for h in result.hits]})
        return
    first = (page - 1) * limit + 1
    last = first + len(result.hits) - 1
    noun = "article" if result.total == 1 else "articles"
    typer.echo(f"{result.total} {noun}" + (f", showing {first}-{last}" if result.hits else ""))
    for hit in result.hits:
        a = hit.article
        when = a.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        label = a.sentiment.label if a.sentiment else "unscored"
        codes = ",".join(a.regions) or "-"
        typer.echo(f"\n{when} {tz.key}  {a.source}  [{label}]  regions={codes}")
        if a.platform:  # a public post: who posted it (public handle) and its reach
            reach = a.engagement.to_dict() if a.engagement else {}
            shown = " ".join(f"{k}={v}" for k, v in reach.items() if v is not None)
            typer.echo(f"  {a.platform} {', '.join(a.authors) or '-'}" + (f"  {shown}" if shown else ""))
        typer.echo(f"  {a.title}")
        for fragment in hit.highlights.get("body", [])[:1]:
            text = html.unescape(fragment.replace("<mark>", "[").replace("</mark>", "]"))
            typer.echo("  " + " ".join(text.split()))
        typer.echo(f"  {a.url}")


@index_app.command("load")
def index_load(
    file: Annotated[Path, typer.Argument(help="JSONL file of Article dicts; '-' reads stdin.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load articles (url, title, body, published_at, source required) into the store."""
    cfg = load_settings()
    if str(file) != "-" and not file.is_file():
        raise fail(f"{file}: no such file")
    tagger = regions.tagger(cfg.regions.watch_terms)
    try:
        with open_store(cfg.store.url) as store:
            report = load_jsonl(sys.stdin if str(file) == "-" else file, store, tagger)
    except StoreError as exc:
        raise fail(str(exc), 1) from None
    if json_out:
        _echo_json(report.to_dict())
        return
    typer.echo(f"read {report.read}: indexed {report.indexed}, rejected {len(report.rejected)}")
    for reason, n in report.reasons().most_common():
        typer.echo(f"  rejected {n:>6}  {reason}")
    for rejection in report.rejected[:20]:
        typer.echo(f"  - {rejection.reason}", err=True)
    if len(report.rejected) > 20:
        typer.echo(f"  … and {len(report.rejected) - 20} more (use --json for all)", err=True)


@index_app.command("reindex")
def index_reindex(
    version: Annotated[int, typer.Option("--version", min=1, help="Mapping version in index/templates to move to.")],
    delete_old: Annotated[bool, typer.Option("--delete-old", help="Delete the old indices after the swap.")] = False,
) -> None:
    """Move Elasticsearch to a new mapping version without a search outage (alias swap)."""
    cfg = load_settings()
    if not cfg.store.url.startswith(("http://", "https://")):
        raise fail(f"reindex applies to Elasticsearch stores; [store] url is {cfg.store.url}")
    from index.elastic import ElasticStore
    from index.es_reindex import reindex

    try:
        with open_store(cfg.store.url) as store:
            assert isinstance(store, ElasticStore)
            report = reindex(store, version, delete_old=delete_old)
    except StoreError as exc:
        raise fail(str(exc), 1) from None
    _echo_json(report.to_dict())


@app.command()
def dashboard(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port to listen on.")] = 8501,
    host: Annotated[str, typer.Option("--host", help="Address to bind; 127.0.0.1 keeps it on this machine.")]
    = "127.0.0.1",
) -> None:
    """Start the dashboard (Streamlit) on http://HOST:PORT; put it behind a reverse proxy to share it."""
    import os

    cfg = load_settings()  # a bad config stops here with its reason, not inside the browser
    args, env = streamlit_command(cfg.path, host, port)
    typer.echo(f"Pantau dashboard: http://{host}:{port}/  (store {cfg.store.url})", err=True)
    sys.stdout.flush()
    os.execve(sys.executable, args, env)


@config_app.command("check")
def config_check() -> None:
    """Validate the configuration and summarise it."""
    cfg = load_settings()
    gaz = regions.gazetteer()
    typer.echo(f"{cfg.path}: ok")
    typer.echo(f"  store: {cfg.store.url}")
    typer.echo("  watching: " + ", ".join(gaz.display(c) for c in cfg.regions.watch))
    enabled = [s.name for s in cfg.sources if s.enabled]
    typer.echo(f"  sources: {len(cfg.sources)} ({len(enabled)} enabled)")


@config_app.command("docs")
def config_docs() -> None:
    """Print the configuration reference (docs/configuration.md)."""
    typer.echo(settings.render_docs(), nl=False)


@sources_app.command("discover")
def sources_discover(
    url: Annotated[str, typer.Argument(help="The outlet's home page (or a section page).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Find an outlet's feeds, sitemaps or a listing; fetch each candidate once; print a [[sources]] block."""
    from pantau import sources

    found = sources.discover(load_settings(), url)
    if json_out:
        typer.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{found.url}" + (f"  ({found.site_name})" if found.site_name else ""))
        for c in found.candidates:
            if c.ok:
                unit = "links" if c.kind == "listing" else "items"
                mark, what = "ok  ", f"{c.format or c.kind} with {c.items} {unit}"
            else:
                mark, what = "--  ", c.error or f"HTTP {c.status}"
            typer.echo(f"  {mark}{c.kind:8} {c.url}  [{c.found_by}] {what}")
        if found.source is not None:
            typer.echo("\n# add to pantau.toml (regions: the codes this outlet covers)")
            typer.echo(sources.toml_block(found.source))
        else:
            typer.echo("\nno feed, sitemap or article listing found", err=True)
    if found.source is None:
        raise typer.Exit(1)


@sources_app.command("check")
def sources_check(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fetch each enabled source once: reachable, feed valid, items, newest item age. Exit 1 if any fails."""
    from dataclasses import asdict

    from pantau import sources

    cfg = load_settings()
    unknown = [n for n in source or [] if n not in {s.name for s in cfg.sources}]
    if unknown:
        raise fail(f"unknown source(s) {', '.join(unknown)}")
    rows = sources.check(cfg, source or None)
    if json_out:
        typer.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{'source':28} {'type':8} {'reachable':9} {'valid':5} {'items':>5} {'newest':>8}  note")
        for r in rows:
            age = f"{r.newest_age_hours:.0f} h" if r.newest_age_hours is not None else "-"
            reach = f"yes {r.status}" if r.reachable else (f"no {r.status}" if r.status else "no")
            typer.echo(f"{r.name:28} {r.type:8} {reach:9} {'yes' if r.valid else 'no':5} {r.items:5d} {age:>8}  "
                       f"{r.error}")
        typer.echo(f"{sum(r.valid for r in rows)} of {len(rows)} sources valid")
    if any(not r.valid for r in rows):
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
