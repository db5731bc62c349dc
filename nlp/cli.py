"""``pantau nlp ...``: train, evaluate and run Pantau's sentiment and topic models.

The lead's CLI mounts this typer app as ``pantau nlp``; it also runs on its own with
``python -m nlp.cli``. Heavy imports (torch, transformers) happen inside the commands so
``pantau --help`` stays fast.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Sentiment and topic models: train, eval, checklist, predict, info.", no_args_is_help=True)
log = logging.getLogger(__name__)

ModelOpt = Annotated[str, typer.Option("--model", help="Model directory (default: settings, else the shipped model).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ThreadsOpt = Annotated[int, typer.Option("--threads", help="CPU threads (0 = settings / automatic).")]
Fp32Opt = Annotated[bool, typer.Option("--fp32", help="Run fp32 instead of int8 dynamic quantisation.")]


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                            stream=sys.stderr)


@app.command()
def train(
    recipe: Annotated[Path, typer.Argument(help="Recipe TOML, e.g. recipes/sentiment-id-news.toml")],
) -> None:
    """Train a model from a recipe: sentiment (resumes from checkpoints) or ``task = "topic"``."""
    _configure_logging()
    import tomllib

    from nlp.recipe import RecipeError, load_recipe
    from nlp.train import train as run_train

    command = "pantau nlp train " + shlex.quote(str(recipe))
    try:
        raw = tomllib.loads(recipe.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        typer.echo(f"error: {recipe}: cannot read recipe: {exc}", err=True)
        raise typer.Exit(2) from exc
    if raw.get("task") == "topic":
        from nlp.topics import train_recipe

        typer.echo(json.dumps(train_recipe(recipe, raw, command), ensure_ascii=False))
        return
    try:
        metrics = run_train(load_recipe(recipe), command=command)
    except RecipeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps({k: {"macro_f1": v["macro_f1"], "n": v["n"]} for k, v in metrics["valid"].items()}))


@app.command("eval")
def eval_cmd(
    data: Annotated[list[Path], typer.Option("--data", help="Labelled TSV/CSV/JSONL file (repeatable).")],
    model: ModelOpt = "",
    baseline_train: Annotated[
        Path | None, typer.Option("--baseline-train", help="Train file for the TF-IDF+SVM baseline.")
    ] = None,
    no_baseline: Annotated[bool, typer.Option("--no-baseline", help="Skip the baseline.")] = False,
    as_json: JsonOpt = False,
    threads: ThreadsOpt = 0,
    fp32: Fp32Opt = False,
    slang: Annotated[bool, typer.Option("--slang", help="Normalise slang first, as pantau score does for "
                                        "public posts (nlp/data/slang.tsv).")] = False,
) -> None:
    """Macro-F1, per-class P/R/F1, confusion and n for the model, with the baseline on the same data."""
    _configure_logging()
    from nlp.evaluate import evaluate_files, format_report
    from nlp.service import engine_errors

    try:
        reports = evaluate_files(
            data, model=model, threads=threads, baseline_train=baseline_train, with_baseline=not no_baseline,
            quantize=not fp32, slang=slang,
        )
    except engine_errors() as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        # One file: its report object (transformer keys at top level, baseline under "baseline").
        typer.echo(json.dumps(reports[0] if len(reports) == 1 else reports, ensure_ascii=False, indent=2))
    else:
        for rep in reports:
            typer.echo(format_report(rep))


@app.command()
def predict(
    text: Annotated[str | None, typer.Argument(help="Text to score; without it, one document per stdin line.")] = None,
    model: ModelOpt = "",
    as_json: JsonOpt = False,
    threads: ThreadsOpt = 0,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Documents per batch (0 = settings).")] = 0,
    fp32: Fp32Opt = False,
) -> None:
    """Score one text, or every stdin line (one JSON object per line, input order)."""
    _configure_logging()
    from nlp.service import engine_errors, load_engine

    try:
        engine = load_engine(model=model, threads=threads, batch_size=batch_size, quantize=not fp32)
    except engine_errors() as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if text is not None:
        docs = [text]
        from_stdin = False
    else:
        docs = [line.rstrip("\n") for line in sys.stdin]
        from_stdin = True
    preds = engine.predict([d if d.strip() else " " for d in docs])
    for pred in preds:
        if as_json or from_stdin:
            typer.echo(json.dumps(pred.to_dict(), ensure_ascii=False))
        else:
            probs = " ".join(f"{k}={v:.3f}" for k, v in pred.probs.items())
            typer.echo(f"{pred.label}\t{pred.score:.3f}\t{probs}")


@app.command()
def checklist(
    model: ModelOpt = "",
    checklist_file: Annotated[
        Path | None, typer.Option("--file", help="Checklist TOML (default: nlp/data/checklist.toml).")
    ] = None,
    as_json: JsonOpt = False,
    threads: ThreadsOpt = 0,
    fp32: Fp32Opt = False,
) -> None:
    """Behavioural tests (CheckList style): pass rate per capability and overall, against the file's floors.

    Exits 1 when a capability (or the overall rate) is below its floor, 2 on a bad file or model.
    """
    _configure_logging()
    from nlp.checklist import DEFAULT_CHECKLIST, ChecklistError, below_floor, format_report, load_suite, run_suite
    from nlp.service import engine_errors, load_engine

    errors: tuple[type[Exception], ...] = (ChecklistError, *engine_errors())
    try:
        suite = load_suite(checklist_file or DEFAULT_CHECKLIST)
        engine = load_engine(model=model, threads=threads, quantize=not fp32)
    except errors as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    report = run_suite(suite, engine)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_report(report))
    low = below_floor(report)
    if low:
        typer.echo(f"below floor: {', '.join(low)}", err=True)
        raise typer.Exit(1)


@app.command()
def info(as_json: JsonOpt = False, model: ModelOpt = "") -> None:
    """The sentiment and topic models in use and their metadata."""
    from nlp.service import model_info

    data: dict[str, Any] = model_info(model=model)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for k, v in data.items():
            typer.echo(f"{k}: {v}")


@app.command()
def topics(
    text: Annotated[str | None, typer.Argument(help="Text; without it, one document per stdin line.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Topics (multi-label, with scores) for one text or every stdin line."""
    from nlp.topics import TopicClassifier

    clf = TopicClassifier.load()
    docs = [text] if text is not None else [line.rstrip("\n") for line in sys.stdin]
    for labels in clf.predict(docs):
        if as_json or text is None:
            typer.echo(json.dumps([{"label": t.label, "score": t.score} for t in labels], ensure_ascii=False))
        else:
            typer.echo(", ".join(f"{t.label} {t.score:.2f}" for t in labels) or "(none)")


if __name__ == "__main__":
    app()
