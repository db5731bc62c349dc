"""Sentiment on short posts with Pantau's slang normaliser off and on: SmSA and NusaX valid.

    python bench/slang.py [--shared ../shared/data] [--model DIR] [--threads 2] [--backend onnx-int8]

SmSA valid (IndoNLU; reviews and comments, lower-cased and tokenised) and NusaX-senti Indonesian
valid (cased, natural punctuation) are the closest labelled sets to public posts that Pantau has.
NusaX was sampled from SmSA, so NusaX valid is read the way ``nlp/prepare_sentiment.py`` holds it
out: every row whose normalised text is in SmSA train or valid, or in NusaX train, is dropped; SmSA
valid loses its repeated texts. Both sets are scored by the shipped model (or ``--model``) through
the engine ``pantau nlp eval`` uses, once as written and once through ``nlp.slang``, and the script
prints macro-F1 and accuracy side by side, how many texts the normaliser changed, how many
predictions moved (fixed: wrong → right, broken: right → wrong) and the normaliser's speed.

When ``../shared/data/slang-kamus-alay`` is there, the lexicon is also compared with that
(unlicensed, never shipped) colloquial lexicon: coverage of its slang tokens and agreement on the
ones both rewrite. Only counts are printed; none of its entries.

The lexicon was written before these sets were read; they are for measuring it, not for tuning it.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.datasets import LabelledSet, read_labelled  # noqa: E402
from nlp.labels import LABELS  # noqa: E402
from nlp.metrics import classification_report  # noqa: E402
from nlp.prepare_sentiment import norm_key  # noqa: E402
from nlp.slang import SlangNormaliser  # noqa: E402


def held_out_sets(shared: Path) -> dict[str, tuple[list[str], list[str], str]]:
    """``name -> (texts, labels, how it was filtered)`` for SmSA valid and NusaX valid."""
    smsa_tr = read_labelled(shared / "smsa" / "train.tsv")
    smsa_va = read_labelled(shared / "smsa" / "valid.tsv")
    nusax_tr = read_labelled(shared / "nusax-ind" / "train.csv")
    nusax_va = read_labelled(shared / "nusax-ind" / "valid.csv")

    def dedupe(data: LabelledSet, seen: set[str]) -> tuple[list[str], list[str], int]:
        texts: list[str] = []
        labels: list[str] = []
        for t, lab in zip(data.texts, data.labels, strict=True):
            k = norm_key(t)
            if not k or k in seen:
                continue
            seen.add(k)
            texts.append(t)
            labels.append(lab)
        return texts, labels, len(data) - len(texts)

    s_t, s_l, s_drop = dedupe(smsa_va, set())
    known = {norm_key(t) for t in smsa_tr.texts + smsa_va.texts + nusax_tr.texts}
    n_t, n_l, n_drop = dedupe(nusax_va, known)
    return {
        "smsa_valid": (s_t, s_l, f"{len(smsa_va)} rows, {s_drop} repeated texts dropped"),
        "nusax_valid": (n_t, n_l, f"{len(nusax_va)} rows, {n_drop} dropped as already in SmSA train/valid "
                                  f"or NusaX train"),
    }


def normaliser_speed(norm: SlangNormaliser, texts: list[str], rounds: int = 5) -> tuple[float, float]:
    """Best of ``rounds``: texts per second and words per second."""
    words = sum(len(t.split()) for t in texts)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            norm.normalise(t)
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best, words / best


def kamus_alay_agreement(norm: SlangNormaliser, path: Path) -> str:
    """Coverage of the kamus-alay slang tokens (most frequent formal form each) and agreement."""
    votes: dict[str, Counter[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            slang = (row.get("slang") or "").strip().lower()
            formal = (row.get("formal") or "").strip().lower()
            if slang and formal and slang != formal:
                votes.setdefault(slang, Counter())[formal] += 1
    tokens = {s: c.most_common(1)[0][0] for s, c in votes.items()}
    rewritten = {s: norm.normalise(s).lower() for s in tokens}
    changed = [s for s in tokens if rewritten[s] != s]
    agree = sum(rewritten[s] == tokens[s] for s in changed)
    lexicon_forms = set(norm.lexicon)
    listed = sum(s in lexicon_forms for s in tokens)
    return (f"kamus-alay slang tokens: {len(tokens)}; Pantau rewrites {len(changed)} "
            f"({len(changed) / max(1, len(tokens)):.1%}; {listed} are lexicon entries, the rest rules); "
            f"same standard form on {agree} of those {len(changed)} ({agree / max(1, len(changed)):.1%}); "
            f"Pantau's lexicon has {len(lexicon_forms)} forms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data",
                    help="folder holding smsa/ and nusax-ind/ (default ../shared/data)")
    ap.add_argument("--model", default="", help="sentiment model directory (default: the shipped model)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backend", default="onnx-int8", help="engine backend, as [nlp] backend (default onnx-int8)")
    args = ap.parse_args()

    needed = [args.shared / "smsa" / "train.tsv", args.shared / "smsa" / "valid.tsv",
              args.shared / "nusax-ind" / "train.csv", args.shared / "nusax-ind" / "valid.csv"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        print(f"shared data absent: {', '.join(missing)} not found; nothing measured "
              f"(pass --shared DIR holding smsa/ and nusax-ind/)")
        return 2

    from nlp.service import load_engine
    from pantau.settings import from_mapping

    nlp_settings = from_mapping({}, "<bench>", {}).nlp
    engine = load_engine(model=args.model, threads=args.threads, nlp_settings=nlp_settings, backend=args.backend)
    norm = SlangNormaliser.shipped()
    print(f"model: {engine.model_dir} (backend {engine.backend}, {args.threads} threads); normaliser {norm.version}")

    rows = []
    for name, (texts, labels, how) in held_out_sets(args.shared).items():
        normalised = [norm.normalise(t) for t in texts]
        changed = sum(a != b for a, b in zip(texts, normalised, strict=True))
        words_changed = sum(len(norm.changes(t)) for t in texts)
        off = [p.label for p in engine.predict(texts)]
        on = [p.label for p in engine.predict(normalised)]
        r_off = classification_report(labels, off, LABELS)
        r_on = classification_report(labels, on, LABELS)
        fixed = sum(a != g and b == g for a, b, g in zip(off, on, labels, strict=True))
        broken = sum(a == g and b != g for a, b, g in zip(off, on, labels, strict=True))
        moved = sum(a != b for a, b in zip(off, on, strict=True))
        tps, wps = normaliser_speed(norm, texts)
        print(f"\n== {name}: n={len(texts)} ({how})")
        print(f"{'':14}{'off':>10}{'on':>10}{'on - off':>10}")
        for key in ("macro_f1", "accuracy"):
            print(f"{key:14}{r_off[key]:>10.4f}{r_on[key]:>10.4f}{r_on[key] - r_off[key]:>+10.4f}")
        for lab in LABELS:
            a, b = r_off["per_class"][lab]["f1"], r_on["per_class"][lab]["f1"]
            print(f"{'F1 ' + lab:14}{a:>10.4f}{b:>10.4f}{b - a:>+10.4f}")
        print(f"texts changed by the normaliser: {changed} of {len(texts)} ({changed / len(texts):.1%}), "
              f"{words_changed} words rewritten")
        print(f"predictions moved: {moved} (fixed {fixed}, broken {broken})")
        print(f"normaliser speed: {tps:,.0f} texts/s, {wps:,.0f} words/s (one thread, best of 5)")
        rows.append((name, r_off["macro_f1"], r_on["macro_f1"]))

    alay = args.shared / "slang-kamus-alay" / "colloquial-indonesian-lexicon.csv"
    print()
    if alay.exists():
        print(kamus_alay_agreement(norm, alay))
    else:
        print(f"kamus-alay comparison skipped: {alay} not found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
