"""``pantau nlp eval``: the transformer and the TF-IDF+SVM baseline, side by side, on the same file.

The report for one file is the transformer's metrics at the top level (``macro_f1``,
``accuracy``, ``per_class``, ``confusion``, ``n``) plus ``file``, ``model`` and ``baseline`` (the
same keys for the baseline, or ``null`` with ``baseline_skipped`` saying why). The baseline is
trained on ``--baseline-train`` or, by default, on the model's own training file when it exists
(``build/nlp/sentiment/train.tsv`` for the shipped recipe).

With ``slang=True`` (``--slang``) every text goes through the slang normaliser first (``nlp.slang``,
as ``pantau score`` reads public posts), for both the model and the baseline; the report then says
``slang`` (the lexicon version) and ``slang_changed`` (texts the normaliser rewrote). Without it
``slang`` is ``null``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlp.datasets import read_labelled
from nlp.labels import LABELS
from nlp.metrics import classification_report

log = logging.getLogger(__name__)

DEFAULT_BASELINE_TRAIN = Path("build/nlp/sentiment/train.tsv")


def evaluate_files(
    files: Sequence[Path],
    *,
    model: str = "",
    threads: int = 0,
    baseline_train: Path | None = None,
    with_baseline: bool = True,
    nlp_settings: Any = None,
    quantize: bool = True,
    slang: bool = False,
) -> list[dict[str, Any]]:
    from nlp.service import load_engine
    from nlp.slang import SlangNormaliser

    normaliser = SlangNormaliser.shipped() if slang else None

    engine = load_engine(model=model, threads=threads, nlp_settings=nlp_settings, quantize=quantize)
    baseline = None
    skipped = ""
    if with_baseline:
        train_file = baseline_train or DEFAULT_BASELINE_TRAIN
        if train_file.exists():
            from nlp.baseline import Baseline

            baseline = Baseline.for_train_file(train_file)
        else:
            skipped = f"baseline training file {train_file} not found (build it with the recipe's prepare step)"
            log.warning(skipped)
    else:
        skipped = "disabled with --no-baseline"
    reports = []
    for f in files:
        data = read_labelled(f)
        texts = data.texts if normaliser is None else [normaliser.normalise(t) for t in data.texts]
        preds = [p.label for p in engine.predict(texts)]
        rep: dict[str, Any] = classification_report(data.labels, preds, LABELS)
        rep = {"file": str(f), "model": engine.model_dir, "int8": engine.quantized, **rep,
               "slang": normaliser.version if normaliser is not None else None}
        if normaliser is not None:
            rep["slang_changed"] = sum(a != b for a, b in zip(data.texts, texts, strict=True))
        if baseline is not None:
            rep["baseline"] = {"name": "tfidf-word12-char25-linearsvc", "train_file": baseline.train_file,
                               **classification_report(data.labels, baseline.predict(texts), LABELS)}
        else:
            rep["baseline"] = None
            rep["baseline_skipped"] = skipped
        reports.append(rep)
    return reports


def format_report(rep: dict[str, Any]) -> str:
    """Text form: headline numbers side by side, per-class F1 and both confusion matrices."""
    base = rep.get("baseline")
    lines = [f"== {rep['file']}  (n={rep['n']})", f"model: {rep['model']} ({'int8' if rep['int8'] else 'fp32'})"]
    if rep.get("slang"):
        lines.append(f"slang normalised: {rep['slang']}, {rep.get('slang_changed', 0)} of {rep['n']} texts changed")
    header = f"{'':22}{'transformer':>12}{'baseline':>12}"
    lines.append(header)
    for key in ("macro_f1", "accuracy"):
        shown = f"{base[key]:.4f}" if base else "-"
        lines.append(f"{key:22}{rep[key]:>12.4f}{shown:>12}")
    for lab in rep["per_class"]:
        t = rep["per_class"][lab]
        other = base["per_class"].get(lab) if base else None
        bf = f"{other['f1']:.4f}" if other else "-"
        detail = f"(P {t['precision']:.3f} R {t['recall']:.3f} n {t['support']})"
        lines.append(f"{'F1 ' + lab:22}{t['f1']:>12.4f}{bf:>12}   {detail}")
    for name, r in (("transformer", rep), ("baseline", base)):
        if not r:
            continue
        labs = list(r["confusion"])
        lines.append(f"confusion ({name}), rows = gold, columns = predicted:")
        lines.append(" " * 12 + "".join(f"{lab[:8]:>10}" for lab in labs))
        for g in labs:
            lines.append(f"{g[:12]:12}" + "".join(f"{r['confusion'][g][p]:>10}" for p in labs))
    if not base:
        lines.append(f"baseline: skipped ({rep.get('baseline_skipped', '')})")
    return "\n".join(lines)
