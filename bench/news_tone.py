"""What Pantau's hand-labelled news-tone set is worth as training data, measured by k-fold.

The shipped sentiment model learnt news from CNBC headlines, labelled by CNBC's own conventions
(a disaster or a price rise is often "netral" there). ``nlp/data/news_tone.jsonl`` holds news
headlines and Kaltim releases labelled under Pantau's tone-of-coverage guidelines. This bench asks,
with the TF-IDF + linear-SVM recipe (``nlp.baseline``; fast enough to repeat over folds and seeds):

* does adding the news-tone labels to the review/comment/CNBC training data help on news?
* where CNBC's conventions contradict the guidelines, is it better to keep CNBC, down-weight it or
  drop it?

Every row of ``news_tone.jsonl`` is scored by a model that did not see it (k folds, several seeds),
and each fold's model is also scored on the fixed held-out files: ``news_sentiment_test.tsv`` (299
hand-labelled headlines and leads that no recipe trains on), SmSA valid, NusaX valid (deduplicated
against SmSA) and CNBC valid. Figures are macro-F1, mean ± sd over seeds × folds. The shipped model
(as served, ONNX int8) is scored once on the same texts for reference: it never trained on them.

    python bench/news_tone.py [--folds 5] [--seeds 2] [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nlp.baseline import build_pipeline  # noqa: E402
from nlp.datasets import read_labelled  # noqa: E402
from nlp.labels import LABELS  # noqa: E402
from nlp.metrics import classification_report  # noqa: E402
from nlp.prepare_sentiment import build  # noqa: E402

# name -> (include news-tone rows, their repeat count, CNBC weight; 0 drops CNBC)
CONFIGS: dict[str, tuple[bool, int, float]] = {
    "reviews + CNBC (as shipped)": (False, 1, 1.0),
    "+ news tone": (True, 1, 1.0),
    "+ news tone x3": (True, 3, 1.0),
    "+ news tone x3, CNBC x0.3": (True, 3, 0.3),
    "+ news tone x3, no CNBC": (True, 3, 0.0),
}


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    return float(classification_report(list(gold), list(pred), LABELS)["macro_f1"])


def folds_of(n: int, k: int, seed: int) -> list[list[int]]:
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def mean_sd(xs: Sequence[float]) -> str:
    return f"{statistics.mean(xs):.3f} ± {statistics.stdev(xs) if len(xs) > 1 else 0.0:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", type=Path, default=REPO / "nlp" / "data" / "news_tone.jsonl")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--no-shipped", action="store_true", help="skip scoring the shipped model")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not (args.shared / "smsa").is_dir():
        print(f"news_tone: {args.shared} has no smsa/ (the shared sentiment data is needed to train)", file=sys.stderr)
        return 2

    news = read_labelled(args.labels)
    held = {
        "news test (299)": read_labelled(REPO / "tests" / "data" / "nlp" / "news_sentiment_test.tsv"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        stats = build(args.shared, Path(tmp))
        train = read_labelled(Path(tmp) / "train.tsv")
        for name, file in (("SmSA valid", "smsa_valid.tsv"), ("NusaX valid", "nusax_valid.tsv"),
                           ("CNBC valid", "cnbc_valid.tsv")):
            held[name] = read_labelled(Path(tmp) / file)
    n_cnbc = stats["train_parts"]["cnbc"]
    base_t, base_l = train.texts, train.labels
    is_cnbc = [False] * (len(base_t) - n_cnbc) + [True] * n_cnbc  # build() writes SmSA, NusaX, then CNBC
    print(f"news tone: {len(news)} labelled texts from {args.labels.name}; training base: {len(base_t)} texts "
          f"({stats['train_parts']}); {args.folds} folds x {args.seeds} seeds")

    results: dict[str, dict[str, list[float]]] = {}
    started = time.perf_counter()
    for cname, (with_news, repeat, cnbc_w) in CONFIGS.items():
        scores: dict[str, list[float]] = {"news tone (k-fold)": [], **{h: [] for h in held}}
        runs = [(s, f) for s in range(args.seeds) for f in range(args.folds)] if with_news else [(0, -1)]
        for seed, fold in runs:
            test_idx = set(folds_of(len(news), args.folds, seed)[fold]) if fold >= 0 else set(range(len(news)))
            texts = [t for t, c in zip(base_t, is_cnbc, strict=True) if cnbc_w > 0 or not c]
            labels = [lab for lab, c in zip(base_l, is_cnbc, strict=True) if cnbc_w > 0 or not c]
            weights = [cnbc_w if c else 1.0 for c in is_cnbc if cnbc_w > 0 or not c]
            if with_news:
                for i, (t, lab) in enumerate(zip(news.texts, news.labels, strict=True)):
                    if i not in test_idx:
                        texts += [t] * repeat
                        labels += [lab] * repeat
                        weights += [1.0] * repeat
            pipe = build_pipeline()
            pipe.fit(texts, labels, svm__sample_weight=weights)
            order = sorted(test_idx)
            pred = pipe.predict([news.texts[i] for i in order])
            scores["news tone (k-fold)"].append(macro_f1([news.labels[i] for i in order], pred))
            for hname, hset in held.items():
                scores[hname].append(macro_f1(hset.labels, pipe.predict(hset.texts)))
        results[cname] = scores
        print(f"  {cname}: {len(runs)} fits, {time.perf_counter() - started:.0f} s so far", flush=True)

    shipped: dict[str, float] = {}
    if not args.no_shipped:
        from nlp.service import load_engine

        engine = load_engine()
        shipped["news tone (k-fold)"] = macro_f1(news.labels, [p.label for p in engine.predict(news.texts)])
        for hname, hset in held.items():
            shipped[hname] = macro_f1(hset.labels, [p.label for p in engine.predict(hset.texts)])

    cols = ["news tone (k-fold)", *held]
    print("\nmacro-F1, mean ± sd over seeds x folds (TF-IDF + linear SVM)")
    print(f"{'training data':32s}" + "".join(f"{c:>18s}" for c in cols))
    for cname, scores in results.items():
        print(f"{cname:32s}" + "".join(f"{mean_sd(scores[c]):>18s}" for c in cols))
    if shipped:
        print(f"{'shipped model (as served)':32s}" + "".join(f"{shipped[c]:>18.3f}" for c in cols))
    print("(the 'as shipped' row trains once on the base data, so its news-tone column scores all rows at once)")
    if args.json:
        out: dict[str, Any] = {"configs": results, "shipped": shipped, "n_news": len(news)}
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
