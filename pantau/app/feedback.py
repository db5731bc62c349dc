"""``pantau nlp feedback export FILE.tsv``: officers' relabels from the dashboard as training data.

The Artikel page stores each relabel as a ``Feedback`` on the article (field ``sentiment`` or
``topics``). The export writes one ``text<TAB>label`` line per relabelled article, the layout
``nlp.datasets.read_labelled`` reads for ``pantau nlp train`` and ``pantau nlp eval``. The text is
what the topic model reads (title plus lead); when an article was relabelled more than once, the
latest relabel wins, because it is the officer's final word.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from index import Filters, Store, StoreError, open_store
from nlp.datasets import write_tsv
from nlp.labels import UnknownLabel, normalize_label
from nlp.longdoc import lead_and_rest
from pantau.article import Article, Feedback
from pantau.settings import ConfigError, load

log = logging.getLogger(__name__)
PAGE = 500
FIELDS = ("sentiment", "topics")

app = typer.Typer(help="Officers' relabels from the dashboard.", no_args_is_help=True)


@dataclass(kw_only=True)
class ExportReport:
    scanned: int = 0
    exported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)


def training_text(article: Article) -> str:
    return f"{article.title}. {lead_and_rest(article.body)[0]}".strip(" .")


def relabelled(store: Store, field_name: str) -> Iterator[tuple[Article, Feedback]]:
    """Every article with a relabel of ``field_name`` and its latest one, walking the store page by page.

    The Store contract has no "has feedback" filter, so this reads every article once (oldest first,
    a stable order); it is a batch job before a training run, not a dashboard query.
    """
    page = 1
    while True:
        result = store.search("", Filters(), sort="oldest", page=page, size=PAGE)
        for hit in result.hits:
            mine = [f for f in hit.article.feedback if f.field == field_name]
            if mine:
                yield hit.article, max(mine, key=lambda f: f.at)
        if not result.hits or page * PAGE >= result.total:
            return
        page += 1


def export(store: Store, path: Path, field_name: str = "sentiment") -> ExportReport:
    if field_name not in FIELDS:
        raise ValueError(f"field must be one of {', '.join(FIELDS)}, not {field_name!r}")
    report = ExportReport()
    texts: list[str] = []
    labels: list[str] = []
    for article, fb in relabelled(store, field_name):
        report.scanned += 1
        label = fb.value.strip()
        if field_name == "sentiment":
            try:
                label = normalize_label(label)
            except UnknownLabel:
                report.skipped[f"unknown label {fb.value!r}"] += 1
                continue
        text = " ".join(training_text(article).split())
        if not text:
            report.skipped["empty text"] += 1
            continue
        texts.append(text)
        labels.append(label)
        report.labels[label] += 1
    header = (f"Pantau relabels ({field_name}) exported {datetime.now(UTC).isoformat(timespec='seconds')} "
              f"from {store.url}\ntext<TAB>label; the latest relabel per article")
    write_tsv(path, texts, labels, header=header)
    report.exported = len(texts)
    log.info("feedback export field=%s exported=%d skipped=%d path=%s", field_name, report.exported,
             sum(report.skipped.values()), path)
    return report


@app.command("export")
def export_cmd(
    file: Annotated[Path, typer.Argument(help="TSV to write (text<TAB>label), e.g. relabels.tsv.")],
    field_name: Annotated[str, typer.Option("--field", help="Which relabels: sentiment or topics.")] = "sentiment",
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Write the dashboard's relabels as training data for the next ``pantau nlp train``."""
    from pantau.app.alerting import Options

    if field_name not in FIELDS:
        typer.echo(f"error: --field must be one of {', '.join(FIELDS)}, not {field_name!r}", err=True)
        raise typer.Exit(2)
    if file.suffix.lower() != ".tsv":
        typer.echo(f"error: {file}: the export is a .tsv file (text<TAB>label)", err=True)
        raise typer.Exit(2)
    try:
        cfg = load(Options.config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        with open_store(cfg.store.url) as store:
            report = export(store, file, field_name)
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"file": str(file), "field": field_name, "exported": report.exported,
                               "labels": dict(report.labels), "skipped": dict(report.skipped)}, ensure_ascii=False))
    else:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(report.labels.items())) or "none"
        skipped = f"; skipped {dict(report.skipped)}" if report.skipped else ""
        typer.echo(f"{report.exported} relabels written to {file} ({counts}){skipped}")
