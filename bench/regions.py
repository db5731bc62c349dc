"""Region tagger quality and speed: a naive name matcher, the previous tagger and the current one.

    python bench/regions.py [--previous REF] [--set tests/data/regions/round2.jsonl ...]
                            [--corpus ../shared/data/click-id/clickbait.csv] [--sentences 10000] [--rounds 3]

Quality: precision and recall per category of the hand-labelled sets ``round2.jsonl`` to ``round5.jsonl``
(see tests/data/regions/GUIDELINES.md and SOURCE.md), on their ``tune`` items, their
``heldout`` items (never used to adjust the tagger) and both. A true positive is a (sentence, code)
pair in the gold labels.

(a) naive: every province and regency/city name, case-insensitive, longest first, no context;
(b) previous: ``pantau/regions.py`` and ``pantau/data`` as of git ``--previous`` (default: the
    commit before the kecamatan gazetteer), run from a ``git archive`` copy in a subprocess;
(c) current: this checkout.

Speed: sentences per second over ``--sentences`` real headlines (CLICK-ID, the shared data set),
best of ``--rounds`` interleaved rounds; each tagger runs in its own subprocess on the same input,
after building its tables once (build time shown apart). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PREVIOUS = "ba87272"  # main before the kecamatan gazetteer
CATEGORIES = (
    "kaltim", "kaltim-subregency", "subregency-elsewhere", "common-word", "sentence-initial", "foreign",
    "outside-kaltim", "no-region",
)

WORKER = r"""
import json, re, sys, time
mode, path = sys.argv[1], sys.argv[2]
texts = json.load(open(path, encoding="utf-8"))
t0 = time.perf_counter()
if mode == "naive":
    import csv
    from pantau import regions
    gaz = regions.gazetteer()
    names = {}
    for r in gaz.regions:
        names.setdefault(r.name.lower(), r.code)
    pat = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b", re.I)
    def tag(t):
        return sorted({names[m.lower()] for m in pat.findall(t)})
else:
    from pantau import regions
    tagger = regions.tagger()
    def tag(t):
        return sorted(m.code for m in tagger.tag(t))
build = time.perf_counter() - t0
if sys.argv[3] == "tag":
    print(json.dumps({"build": build, "codes": [tag(t) for t in texts]}))
else:
    rounds = int(sys.argv[4])
    best = float("inf")
    for _ in range(rounds):
        t1 = time.perf_counter()
        for t in texts:
            tag(t)
        best = min(best, time.perf_counter() - t1)
    print(json.dumps({"build": build, "seconds": best}))
"""


def previous_tree(ref: str, dest: Path) -> Path:
    """``pantau/regions.py`` and ``pantau/data`` of git ``ref`` in ``dest`` (a package on its own)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "pantau/__init__.py", "pantau/regions.py", "pantau/data"],
        check=True, capture_output=True,
    ).stdout
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def run_worker(pythonpath: Path, mode: str, texts_file: Path, what: str, rounds: int = 1) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    out = subprocess.run(
        [sys.executable, "-c", WORKER, mode, str(texts_file), what, str(rounds)],
        check=True, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(),
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def prf(pairs: list[tuple[set[str], set[str]]]) -> tuple[float, float, int, int, int]:
    tp = sum(len(g & p) for g, p in pairs)
    fp = sum(len(p - g) for g, p in pairs)
    fn = sum(len(g - p) for g, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def read_corpus(path: Path, n: int) -> list[str]:
    with path.open(encoding="utf-8") as f:
        titles = [" ".join(row["title"].split()) for row in csv.DictReader(f)]
    if not titles:
        raise SystemExit(f"{path}: no headlines")
    return [titles[i % len(titles)] for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--previous", default=DEFAULT_PREVIOUS, help="git ref of the previous tagger")
    ap.add_argument("--set", type=Path, nargs="+", default=sorted((ROOT / "tests/data/regions").glob("round*.jsonl")),
                    help="labelled sets (default: every round*.jsonl); each item's 'split' says tune or held out")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/data/click-id/clickbait.csv")
    ap.add_argument("--sentences", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--misses", action="store_true", help="print the current tagger's errors on the tune part")
    args = ap.parse_args()

    items = [json.loads(line) for path in args.set for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        prev = previous_tree(args.previous, Path(tmp) / "prev")
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps([i["text"] for i in items]), encoding="utf-8")
        taggers = {"naive": (ROOT, "naive"), "previous": (prev, "tagger"), "current": (ROOT, "tagger")}
        got = {name: run_worker(path, mode, texts_file, "tag")["codes"] for name, (path, mode) in taggers.items()}

        names = ", ".join(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in args.set)
        print(f"evaluation sets: {names}: {len(items)} sentences "
              f"({sum(i['split'] == 'tune' for i in items)} tune, {sum(i['split'] == 'heldout' for i in items)} "
              f"held out); previous = git {args.previous}")
        for split in ("heldout", "tune", "all"):
            print(f"\n== {split} ==")
            print(f"{'category':<22}{'n':>4}  " + "  ".join(f"{name + ' P':>12}{'R':>6}" for name in taggers))
            rows: dict[str, list[int]] = defaultdict(list)
            for k, item in enumerate(items):
                if split == "all" or item["split"] == split:
                    rows[item["category"]].append(k)
            for cat in [*CATEGORIES, "ALL"]:
                ks = [k for c in CATEGORIES for k in rows[c]] if cat == "ALL" else rows[cat]
                if not ks:
                    continue
                cells = []
                for name in taggers:
                    p, r, *_ = prf([(set(items[k]["codes"]), set(got[name][k])) for k in ks])  # type: ignore[index]
                    cells.append(f"{p:>12.3f}{r:>6.3f}")
                print(f"{cat:<22}{len(ks):>4}  " + "  ".join(cells))
            ks = [k for c in CATEGORIES for k in rows[c]]
            for name in taggers:
                p, r, tp, fp, fn = prf([(set(items[k]["codes"]), set(got[name][k])) for k in ks])  # type: ignore[index]
                print(f"  {name:<9} precision={p:.3f} recall={r:.3f} tp={tp} fp={fp} fn={fn}")
        if args.misses:
            print("\ncurrent tagger, tune part, errors:")
            for k, item in enumerate(items):
                pred = got["current"][k]  # type: ignore[index]
                if item["split"] == "tune" and sorted(item["codes"]) != pred:
                    print(f"  {item['id']} [{item['category']}] gold={item['codes']} got={pred} :: "
                          f"{item['text'][:100]}")

        if not args.corpus.exists():
            print(f"\nspeed: skipped, {args.corpus} not found (give --corpus)")
            return
        corpus = read_corpus(args.corpus, args.sentences)
        corpus_file = Path(tmp) / "corpus.json"
        corpus_file.write_text(json.dumps(corpus), encoding="utf-8")
        best: dict[str, float] = {}
        build: dict[str, float] = {}
        for _ in range(args.rounds):
            for name in ("previous", "current"):
                path, mode = taggers[name]
                res = run_worker(path, mode, corpus_file, "time", 1)
                best[name] = min(best.get(name, float("inf")), float(res["seconds"]))  # type: ignore[arg-type]
                build[name] = float(res["build"])  # type: ignore[arg-type]
        print(f"\nspeed on {len(corpus)} real headlines ({args.corpus.name}), best of {args.rounds} rounds:")
        for name in ("previous", "current"):
            print(f"  {name:<9} {len(corpus) / best[name]:>9.0f} sentences/s  ({best[name]:.3f} s; "
                  f"tables built in {build[name]:.2f} s)")
        print(f"  current / previous = {best['previous'] / best['current']:.2f}x")


if __name__ == "__main__":
    main()
