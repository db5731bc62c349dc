"""Classification metrics for Pantau's evaluation reports (no third-party dependency).

The report shape is fixed because other tools read it: ``macro_f1``, ``accuracy``, ``per_class``
(``{label: {precision, recall, f1, support}}``), ``confusion`` (``{gold: {predicted: count}}``)
and ``n``. Macro-F1 averages over the labels present in the gold data or the predictions, so a
class the model never predicts still counts with F1 = 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def classification_report(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} labels but predictions {len(pred)}")
    present = [lab for lab in labels if lab in set(gold) | set(pred)]
    extra = sorted((set(gold) | set(pred)) - set(labels))
    present.extend(extra)
    confusion = {g: {p: 0 for p in present} for g in present}
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] += 1
    per_class: dict[str, dict[str, float]] = {}
    for lab in present:
        tp = confusion[lab][lab]
        pred_n = sum(confusion[g][lab] for g in present)
        gold_n = sum(confusion[lab].values())
        precision = tp / pred_n if pred_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[lab] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": gold_n,
        }
    n = len(gold)
    macro = sum(v["f1"] for v in per_class.values()) / len(per_class) if per_class else 0.0
    correct = sum(1 for g, p in zip(gold, pred, strict=True) if g == p)
    return {
        "macro_f1": round(macro, 4),
        "accuracy": round(correct / n, 4) if n else 0.0,
        "per_class": per_class,
        "confusion": confusion,
        "n": n,
    }


def multilabel_report(
    gold: Sequence[set[str]], pred: Sequence[set[str]], labels: Sequence[str]
) -> dict[str, Any]:
    """Per-topic precision/recall/F1 and macro-F1 over the taxonomy (multi-label)."""
    per: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if lab in g and lab in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if lab not in g and lab in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if lab in g and lab not in p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[lab] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                    "support": tp + fn}
    scored = [v["f1"] for v in per.values() if v["support"]]
    exact = sum(1 for g, p in zip(gold, pred, strict=True) if g == p)
    return {
        "macro_f1": round(sum(scored) / len(scored), 4) if scored else 0.0,
        "exact_match": round(exact / len(gold), 4) if gold else 0.0,
        "per_topic": per,
        "n": len(gold),
    }
