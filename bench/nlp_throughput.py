"""Sentiment scoring throughput on CPU: the tutorial loop against Pantau's engine, same inputs.

    python bench/nlp_throughput.py [--threads N] [--docs-small 400] [--docs-base 64] [--rounds 2]

Inputs: documents built from real Indonesian headlines and leads (tests/data/nlp) concatenated to
a seeded mix of target lengths between 64 and 512 tokens (log-uniform), the spread of a news feed
from short items to long articles. Every variant sees the same documents truncated at 512 tokens.

(a) naive: one document per forward pass under ``torch.no_grad``, ``truncation=True,
    max_length=512``, as tutorials write it;
(b) engine: ``nlp.engine.SentimentEngine``: the whole pool tokenised once, sorted by length,
    batches of ``--batch-size`` with dynamic padding, ``inference_mode``; backends ``torch`` (fp32),
    ``torch-int8`` (int8 dynamic quantisation), ``onnx`` and ``onnx-int8`` (ONNX Runtime with
    transformer fusions, fp32 or int8 weights; graphs cached in ``--onnx-cache``). Each backend
    runs with its own default token budget per batch (``nlp.engine.DEFAULT_MAX_TOKENS``) unless
    ``--max-tokens`` is given; torch-int8 is also shown at the ONNX budget, so the ONNX rows'
    gain is not only smaller batches.

Variants run in ``--rounds`` interleaved rounds (each round runs every variant once) and the best
round is reported, so a busy machine slows every variant alike.

Models: the shipped default (``nlp.engine.DEFAULT_SENTIMENT_MODEL``) and a base-size BERT shape (12 layers,
hidden 768, 12 heads, intermediate 3072, vocab 50k, random weights: speed does not depend on the
weights). ``--model`` takes any local sequence-classification directory instead of the shipped
one. GFLOP/s counts the useful (unpadded) multiply-adds of the encoder, and the peak is a
measured fp32 matmul on this machine with the same thread count. The quality cost of each backend
against torch fp32 is reported on the committed held-out samples. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import functools
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

from transformers import (  # noqa: E402
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    PretrainedConfig,
)

from bench.timing import timed  # noqa: E402
from nlp.datasets import read_labelled  # noqa: E402
from nlp.engine import DEFAULT_MAX_TOKENS, DEFAULT_SENTIMENT_MODEL, SentimentEngine  # noqa: E402
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


def encoder_flops(cfg: PretrainedConfig, lengths: list[int]) -> float:
    """FLOPs (2 per multiply-add) of the encoder's useful work: projections, MLP, attention scores.

    BERT-family MLPs are h->inter->h. ModernBERT's is gated (h->2*inter, inter->h), and its
    ``sliding_attention`` layers (``layer_types``) attend to ``sliding_window`` tokens on each side.
    """
    h, inter, layers = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    modern = getattr(cfg, "model_type", "") == "modernbert"
    mlp = 3 * h * inter if modern else 2 * h * inter
    layer_types = list(getattr(cfg, "layer_types", None) or []) if modern else []
    half = int(getattr(cfg, "sliding_window", 0) or 0)
    total = 0.0
    for n in lengths:
        for layer in range(layers):
            local = layer < len(layer_types) and layer_types[layer] == "sliding_attention" and half > 0
            span = min(n, 2 * half + 1) if local else n
            total += 2 * n * (4 * h * h + mlp) + 2 * 2 * n * span * h
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


def naive_loop(model: torch.nn.Module, tokenizer: object, docs: list[str]) -> list[int]:
    preds = []
    with torch.no_grad():
        for d in docs:
            enc = tokenizer(d, truncation=True, max_length=512, return_tensors="pt")  # type: ignore[operator]
            preds.append(int(model(**enc).logits.softmax(-1).argmax(-1)))
    return preds


def engine_for(model: torch.nn.Module, tokenizer: object, name: str, backend: str, args: argparse.Namespace,
               max_tokens: int = 0) -> SentimentEngine:
    return SentimentEngine(model, tokenizer, model_dir=name, max_length=512, batch_size=args.batch_size,  # type: ignore[arg-type]
                           max_tokens=max_tokens or args.max_tokens or DEFAULT_MAX_TOKENS[backend],
                           threads=args.threads, backend=backend, onnx_cache=args.onnx_cache)


def run_model(name: str, model: torch.nn.Module, tokenizer: object, docs: list[str], args: argparse.Namespace,
              peak: float) -> None:
    threads = args.threads
    torch.set_num_threads(threads)
    model.eval()
    lengths = [len(x) for x in tokenizer(docs, truncation=True, max_length=512)["input_ids"]]  # type: ignore[operator]
    flops = encoder_flops(cast(PretrainedConfig, model.config), lengths)
    print(f"\n== {name}: {len(docs)} docs, tokens min/mean/max = {min(lengths)}/{sum(lengths) / len(lengths):.0f}/"
          f"{max(lengths)}, threads={threads}, best of {args.rounds} interleaved rounds")
    variants: list[tuple[str, Callable[[list[str]], object]]] = [
        ("naive loop (fp32, 1 doc/forward, no_grad)", lambda d: naive_loop(model, tokenizer, d)),
    ]
    onnx_budget = args.max_tokens or DEFAULT_MAX_TOKENS["onnx-int8"]
    backends = (("torch", "engine torch fp32"), ("torch-int8", "engine torch int8 dynamic"),
                ("onnx", "engine ONNX Runtime fp32"), ("onnx-int8", "engine ONNX Runtime int8"))
    for backend, label in backends:
        t0 = time.perf_counter()
        eng = engine_for(model, tokenizer, name, backend, args)
        art = eng.onnx_artifact
        if art is not None:
            # What the build fused, from its manifest: no Attention for model types ONNX Runtime has
            # no fusion recipe for (ModernBERT), nor with an onnxruntime that misses the pattern.
            label += ", fused" if art.manifest.get("fused_operators", {}).get("Attention") else ", unfused"
            print(f"   {backend}: graph {'built' if art.built else 'from cache'} in {time.perf_counter() - t0:.1f} s, "
                  f"{art.path.stat().st_size / 1e6:.1f} MB")
        variants.append((f"{label} (<={args.batch_size} docs/<={eng.max_tokens} tok)", eng.predict))
        if backend == "torch-int8" and eng.max_tokens != onnx_budget:
            small = engine_for(model, tokenizer, name, backend, args, max_tokens=onnx_budget)
            variants.append((f"{label} (<={args.batch_size} docs/<={onnx_budget} tok)", small.predict))
    for _, fn in variants:
        fn(docs[:8])  # warm-up
    best = [math.inf] * len(variants)
    for _ in range(args.rounds):
        for i, (_, fn) in enumerate(variants):
            best[i] = min(best[i], timed(functools.partial(fn, docs), 1)[0])
    t_naive = best[0]
    print(f"{'variant':62}{'docs/s':>9}{'speed-up':>10}{'GFLOP/s':>10}{'% of peak':>10}")
    for (label, _), secs in zip(variants, best, strict=True):
        gfs = flops / secs / 1e9
        print(f"{label:62}{len(docs) / secs:>9.2f}{t_naive / secs:>9.2f}x{gfs:>10.1f}{100 * gfs / peak:>9.1f}%")


def backend_quality(model: torch.nn.Module, tokenizer: object, args: argparse.Namespace) -> None:
    files = ["news_sentiment_test.tsv", "gate_smsa_valid_sample.tsv", "gate_cnbc_valid_sample.tsv"]
    backends = ["torch-int8", "onnx", "onnx-int8"]
    budgets = {b: args.max_tokens or DEFAULT_MAX_TOKENS[b] for b in ["torch", *backends]}
    print(f"\n== quality cost against torch fp32 on the shipped model (macro-F1, held-out committed samples, "
          f"batches as served: <={args.batch_size} docs, tokens per batch "
          f"{', '.join(f'{b} {t}' for b, t in budgets.items())}; int8 activation scales are per batch)")
    engines = {b: engine_for(model, tokenizer, b, b, args) for b in ["torch", *backends]}
    for f in files:
        d = read_labelled(DATA / f)
        f1 = {b: classification_report(d.labels, [p.label for p in e.predict(d.texts)], LABELS)["macro_f1"]
              for b, e in engines.items()}
        cells = "  ".join(f"{b} {f1[b]:.4f} ({100 * (f1[b] - f1['torch']):+.2f})" for b in backends)
        print(f"{f:28} n={len(d.texts):<4} fp32 {f1['torch']:.4f}  {cells}")


def _ort_version() -> str:
    try:
        import onnxruntime
    except ImportError:
        return "not installed"
    return str(onnxruntime.__version__)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=0,
                    help="Padded tokens per batch for every engine variant (0: each backend's default).")
    ap.add_argument("--rounds", type=int, default=2, help="Interleaved timing rounds; the best is reported.")
    ap.add_argument("--onnx-cache", type=Path, default=ROOT / "build" / "onnx",
                    help="Directory for the exported ONNX graphs (reused across runs).")
    ap.add_argument("--docs-small", type=int, default=400)
    ap.add_argument("--docs-base", type=int, default=64)
    ap.add_argument("--model", default=str(DEFAULT_SENTIMENT_MODEL))
    ap.add_argument("--skip-base", action="store_true", help="Only the shipped model.")
    args = ap.parse_args()
    torch.manual_seed(0)
    peak = matmul_peak(args.threads)
    print(f"torch {torch.__version__}, onnxruntime {_ort_version()}, threads={args.threads}, "
          f"measured fp32 matmul peak (2048^3) = {peak:.1f} GFLOP/s")
    tok = AutoTokenizer.from_pretrained(args.model)
    tok.model_max_length = 512  # the bench truncates every variant at 512 tokens
    shipped = AutoModelForSequenceClassification.from_pretrained(args.model, dtype=torch.float32)
    docs_small = build_docs(tok, args.docs_small, seed=1)
    run_model(f"shipped {Path(args.model).name}", shipped, tok, docs_small, args, peak)
    tok.model_max_length = 128  # quality as served: the shipped model's own length
    backend_quality(shipped, tok, args)
    tok.model_max_length = 512
    if args.skip_base:
        return
    labels: dict[str, Any] = {"num_labels": 3, "id2label": dict(enumerate(LABELS)),
                              "label2id": {lab: i for i, lab in enumerate(LABELS)}}
    base_cfg = BertConfig(vocab_size=50_000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                          intermediate_size=3072, max_position_embeddings=512, **labels)
    base = BertForSequenceClassification(base_cfg)
    docs_base = build_docs(tok, args.docs_base, seed=2)
    run_model("base BERT shape (12x768, vocab 50k, random weights)", base, tok, docs_base, args, peak)


if __name__ == "__main__":
    main()
