"""Sentiment scoring throughput on CPU: the tutorial loop against Pantau's engine, same inputs.

    python bench/nlp_throughput.py [--threads N] [--docs-small 400] [--docs-base 64]

Inputs: documents built from real Indonesian headlines and leads (tests/data/nlp) concatenated to
a seeded mix of target lengths between 64 and 512 tokens (log-uniform), the spread of a news feed
from short items to long articles. Every variant sees the same documents truncated at 512 tokens.

(a) naive: one document per forward pass under ``torch.no_grad``, ``truncation=True,
    max_length=512``, as tutorials write it;
(b) engine: ``nlp.engine.SentimentEngine``: the whole pool tokenised once, sorted by length,
    batches of ``--batch-size`` with dynamic padding, ``inference_mode``; fp32 and int8 dynamic
    quantisation.

Models: the shipped ``nlp/models/sentiment-id-news`` and a base-size BERT shape (12 layers,
hidden 768, 12 heads, intermediate 3072, vocab 50k, random weights: speed does not depend on the
weights). GFLOP/s counts the useful (unpadded) multiply-adds of the encoder, and the peak is a
measured fp32 matmul on this machine with the same thread count. The int8 quality cost is reported
on the committed held-out samples. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification  # noqa: E402

from nlp.datasets import read_labelled  # noqa: E402
from nlp.engine import DEFAULT_SENTIMENT_MODEL, SentimentEngine, quantize_dynamic_int8  # noqa: E402
from nlp.labels import LABELS  # noqa: E402
from nlp.metrics import classification_report  # noqa: E402

DATA = ROOT / "tests" / "data" / "nlp"


def build_docs(tokenizer: object, n: int, seed: int) -> list[str]:
    sentences: list[str] = []
    for name in ("news_sentiment_dev.tsv", "news_sentiment_test.tsv", "gate_cnbc_valid_sample.tsv",
                 "gate_smsa_valid_sample.tsv"):
        sentences.extend(read_labelled(DATA / name).texts)
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        target = int(math.exp(rng.uniform(math.log(64), math.log(512))))
        parts: list[str] = []
        length = 2
        while length < target:
            s = rng.choice(sentences)
            parts.append(s)
            length += len(tokenizer(s, add_special_tokens=False)["input_ids"])  # type: ignore[operator]
        docs.append(" ".join(parts))
    return docs


def encoder_flops(cfg: BertConfig, lengths: list[int]) -> float:
    h, inter, layers = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    total = 0.0
    for n in lengths:
        per_layer = 2 * n * (4 * h * h + 2 * h * inter) + 2 * 2 * n * n * h
        total += layers * per_layer
    return total


def matmul_peak(threads: int) -> float:
    torch.set_num_threads(threads)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    for _ in range(3):
        a @ b
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(5):
            a @ b
        best = max(best, 5 * 2 * 2048**3 / (time.perf_counter() - t))
    return best / 1e9


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def naive_loop(model: torch.nn.Module, tokenizer: object, docs: list[str]) -> list[int]:
    preds = []
    with torch.no_grad():
        for d in docs:
            enc = tokenizer(d, truncation=True, max_length=512, return_tensors="pt")  # type: ignore[operator]
            preds.append(int(model(**enc).logits.softmax(-1).argmax(-1)))
    return preds


def run_model(name: str, model: torch.nn.Module, tokenizer: object, docs: list[str], threads: int,
              batch_size: int, max_tokens: int, peak: float) -> None:
    torch.set_num_threads(threads)
    model.eval()
    lengths = [len(x) for x in tokenizer(docs, truncation=True, max_length=512)["input_ids"]]  # type: ignore[operator]
    flops = encoder_flops(cast(BertConfig, model.config), lengths)
    print(f"\n== {name}: {len(docs)} docs, tokens min/mean/max = {min(lengths)}/{sum(lengths) / len(lengths):.0f}/"
          f"{max(lengths)}, threads={threads}")
    naive_loop(model, tokenizer, docs[:4])  # warm-up
    t_naive = timed(lambda: naive_loop(model, tokenizer, docs))
    rows = [("naive loop (fp32, 1 doc/forward, no_grad)", t_naive)]
    fp32 = SentimentEngine(model, tokenizer, model_dir=name, max_length=512, batch_size=batch_size,  # type: ignore[arg-type]
                           max_tokens=max_tokens, threads=threads)
    fp32.predict(docs[:8])
    rows.append((f"engine fp32 (sorted, <={batch_size} docs/<={max_tokens} tok)", timed(lambda: fp32.predict(docs))))
    q = SentimentEngine(quantize_dynamic_int8(model), tokenizer, model_dir=name, max_length=512,  # type: ignore[arg-type]
                        batch_size=batch_size, max_tokens=max_tokens, threads=threads)
    q.predict(docs[:8])
    rows.append(("engine int8 dynamic (same batches)", timed(lambda: q.predict(docs))))
    print(f"{'variant':52}{'docs/s':>9}{'speed-up':>10}{'GFLOP/s':>10}{'% of peak':>10}")
    for label, secs in rows:
        gfs = flops / secs / 1e9
        print(f"{label:52}{len(docs) / secs:>9.2f}{t_naive / secs:>9.2f}x{gfs:>10.1f}{100 * gfs / peak:>9.1f}%")


def int8_quality(model: torch.nn.Module, tokenizer: object, threads: int, batch_size: int, max_tokens: int) -> None:
    files = ["news_sentiment_test.tsv", "gate_smsa_valid_sample.tsv", "gate_cnbc_valid_sample.tsv"]
    print(f"\n== int8 quality cost on the shipped model (macro-F1, held-out committed samples, batches as served:"
          f" <={batch_size} docs/<={max_tokens} tok; int8 activation scales are per batch)")
    kw = {"threads": threads, "batch_size": batch_size, "max_tokens": max_tokens}
    fp32 = SentimentEngine(model, tokenizer, model_dir="fp32", **kw)  # type: ignore[arg-type]
    q = SentimentEngine(quantize_dynamic_int8(model), tokenizer, model_dir="int8", **kw)  # type: ignore[arg-type]
    for f in files:
        d = read_labelled(DATA / f)
        a = classification_report(d.labels, [p.label for p in fp32.predict(d.texts)], LABELS)["macro_f1"]
        b = classification_report(d.labels, [p.label for p in q.predict(d.texts)], LABELS)["macro_f1"]
        print(f"{f:32} fp32 {a:.4f}  int8 {b:.4f}  delta {100 * (b - a):+.2f} points")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=4096, help="Padded tokens per batch (engine default).")
    ap.add_argument("--docs-small", type=int, default=400)
    ap.add_argument("--docs-base", type=int, default=64)
    ap.add_argument("--model", default=str(DEFAULT_SENTIMENT_MODEL))
    ap.add_argument("--skip-base", action="store_true", help="Only the shipped model.")
    args = ap.parse_args()
    torch.manual_seed(0)
    peak = matmul_peak(args.threads)
    print(f"torch {torch.__version__}, threads={args.threads}, measured fp32 matmul peak (2048^3) = {peak:.1f} GFLOP/s")
    tok = AutoTokenizer.from_pretrained(args.model)
    tok.model_max_length = 512  # the bench truncates every variant at 512 tokens
    shipped = BertForSequenceClassification.from_pretrained(args.model, dtype=torch.float32)
    docs_small = build_docs(tok, args.docs_small, seed=1)
    run_model(f"shipped {Path(args.model).name}", shipped, tok, docs_small, args.threads, args.batch_size,
              args.max_tokens, peak)
    tok.model_max_length = 128  # quality as served: the shipped model's own length
    int8_quality(shipped, tok, args.threads, args.batch_size, args.max_tokens)
    tok.model_max_length = 512
    if args.skip_base:
        return
    labels: dict[str, Any] = {"num_labels": 3, "id2label": dict(enumerate(LABELS)),
                              "label2id": {lab: i for i, lab in enumerate(LABELS)}}
    base_cfg = BertConfig(vocab_size=50_000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                          intermediate_size=3072, max_position_embeddings=512, **labels)
    base = BertForSequenceClassification(base_cfg)
    docs_base = build_docs(tok, args.docs_base, seed=2)
    run_model("base BERT shape (12x768, vocab 50k, random weights)", base, tok, docs_base, args.threads,
              args.batch_size, args.max_tokens, peak)


if __name__ == "__main__":
    main()
