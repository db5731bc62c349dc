"""Build Pantau's sentiment training and held-out files from the staged third-party data.

Sources (see each folder's SOURCE.md under ``../shared/data``):

* SmSA (IndoNLU): reviews and comments, lower-cased and tokenised. Train is de-duplicated and
  every text that also occurs in SmSA valid is dropped from train, so ``smsa_valid`` is held out.
* NusaX-senti Indonesian: its sentences were sampled from SmSA. A NusaX row whose normalised text
  is already in SmSA (train or valid) is a duplicate and is dropped from NusaX train; NusaX valid
  keeps only rows that are in no training file, so ``nusax_valid`` is unseen text.
* CNBC Indonesia market headlines (news domain, human-labelled ``positif/netral/negatif``):
  de-duplicated by normalised headline, then split 90/10 with a seeded shuffle into train and
  ``cnbc_valid``.

``news-articles-2025`` is never read here: it is reserved for the demo corpus and for evaluation.
The output is deterministic for a given seed; ``manifest.json`` records counts and the seed.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from nlp.datasets import read_labelled, write_tsv

log = logging.getLogger(__name__)

_NON_WORD = re.compile(r"[^0-9a-z]+")


def norm_key(text: str) -> str:
    """Comparison key for de-duplication: lower-case, punctuation and spacing removed."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def _dedupe(texts: list[str], labels: list[str], seen: set[str]) -> tuple[list[str], list[str], int]:
    out_t: list[str] = []
    out_l: list[str] = []
    dropped = 0
    for t, lab in zip(texts, labels, strict=True):
        k = norm_key(t)
        if not k or k in seen:
            dropped += 1
            continue
        seen.add(k)
        out_t.append(t)
        out_l.append(lab)
    return out_t, out_l, dropped


def build(shared: Path, out: Path, *, seed: int = 13, cnbc_valid_share: float = 0.1) -> dict[str, Any]:
    """Write ``train.tsv``, ``smsa_valid.tsv``, ``nusax_valid.tsv``, ``cnbc_valid.tsv`` under ``out``."""
    if "news-articles-2025" in str(shared):
        raise ValueError("news-articles-2025 is reserved for evaluation and must not be used for training")
    smsa_tr = read_labelled(shared / "smsa" / "train.tsv")
    smsa_va = read_labelled(shared / "smsa" / "valid.tsv")
    nusax_tr = read_labelled(shared / "nusax-ind" / "train.csv")
    nusax_va = read_labelled(shared / "nusax-ind" / "valid.csv")
    cnbc = read_labelled(
        shared / "news-sentiment-cnbc" / "headlines.csv",
        text_col="judul",
        label_col="sentimen",
        label_map={"positif": "positive", "netral": "neutral", "negatif": "negative"},
    )
    stats: dict[str, Any] = {"seed": seed}

    # Held-out sets first, so training rows that repeat them are removed.
    va_seen: set[str] = set()
    smsa_va_t, smsa_va_l, d = _dedupe(smsa_va.texts, smsa_va.labels, va_seen)
    stats["smsa_valid_dup_dropped"] = d

    cnbc_t, cnbc_l, d = _dedupe(cnbc.texts, cnbc.labels, set())
    stats["cnbc_dup_dropped"] = d
    order = list(range(len(cnbc_t)))
    random.Random(seed).shuffle(order)
    n_valid = round(len(order) * cnbc_valid_share)
    cnbc_va_idx, cnbc_tr_idx = sorted(order[:n_valid]), sorted(order[n_valid:])
    cnbc_va_t = [cnbc_t[i] for i in cnbc_va_idx]
    cnbc_va_l = [cnbc_l[i] for i in cnbc_va_idx]
    va_seen.update(norm_key(t) for t in cnbc_va_t)

    train_seen = set(va_seen)
    smsa_tr_t, smsa_tr_l, d = _dedupe(smsa_tr.texts, smsa_tr.labels, train_seen)
    stats["smsa_train_dup_or_valid_dropped"] = d
    smsa_keys = {norm_key(t) for t in smsa_tr.texts} | {norm_key(t) for t in smsa_va.texts}
    nusax_tr_t, nusax_tr_l, d = _dedupe(nusax_tr.texts, nusax_tr.labels, train_seen | smsa_keys)
    stats["nusax_train_in_smsa_dropped"] = d
    train_seen.update(norm_key(t) for t in nusax_tr_t)
    cnbc_tr_t, cnbc_tr_l, d = _dedupe(
        [cnbc_t[i] for i in cnbc_tr_idx], [cnbc_l[i] for i in cnbc_tr_idx], train_seen
    )
    stats["cnbc_train_dropped"] = d

    # NusaX valid: only sentences that no training file contains.
    nusax_va_t, nusax_va_l, d = _dedupe(nusax_va.texts, nusax_va.labels, set(train_seen) | smsa_keys)
    stats["nusax_valid_seen_dropped"] = d

    train_t = smsa_tr_t + nusax_tr_t + cnbc_tr_t
    train_l = smsa_tr_l + nusax_tr_l + cnbc_tr_l
    files = {
        "train.tsv": (train_t, train_l),
        "smsa_valid.tsv": (smsa_va_t, smsa_va_l),
        "nusax_valid.tsv": (nusax_va_t, nusax_va_l),
        "cnbc_valid.tsv": (cnbc_va_t, cnbc_va_l),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, (texts, labels) in files.items():
        write_tsv(out / name, texts, labels)
        stats[name] = {"n": len(texts), "labels": dict(Counter(labels))}
    stats["train_parts"] = {"smsa": len(smsa_tr_t), "nusax": len(nusax_tr_t), "cnbc": len(cnbc_tr_t)}
    (out / "manifest.json").write_text(json.dumps(stats, indent=2, sort_keys=True), encoding="utf-8")
    log.info(
        "sentiment data built: train=%d smsa_valid=%d nusax_valid=%d cnbc_valid=%d",
        len(train_t),
        len(smsa_va_t),
        len(nusax_va_t),
        len(cnbc_va_t),
    )
    return stats


def unlabelled_news_text(shared: Path, *, extra_texts: list[str] | None = None) -> list[str]:
    """Unlabelled Indonesian text for the tokenizer and masked-LM pre-training.

    CLICK-ID headlines, detik topic headlines, NERP and NERGRIT sentences, the Samarinda PUPR press
    releases and the paragraphs of the saved news pages. ``news-articles-2025`` is excluded.
    """
    texts: list[str] = []
    with (shared / "click-id" / "clickbait.csv").open(encoding="utf-8", newline="") as fh:
        texts.extend(r["title"] for r in csv.DictReader(fh))
    with (shared / "news-topic-detik" / "headlines.csv").open(encoding="utf-8-sig", newline="") as fh:
        texts.extend(r["JUDUL"] for r in csv.DictReader(fh))
    for ner in ("ner-nerp", "ner-nergrit"):
        for split in ("train.txt", "valid.txt"):
            p = shared / ner / split
            if not p.exists():
                continue
            sent: list[str] = []
            for line in p.read_text(encoding="utf-8").splitlines():
                tok = line.split("\t")[0].strip()
                if tok:
                    sent.append(tok)
                elif sent:
                    texts.append(" ".join(sent))
                    sent = []
            if sent:
                texts.append(" ".join(sent))
    pupr = shared / "news-kaltim" / "pupr-samarinda.csv"
    if pupr.exists():
        with pupr.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                texts.append(r.get("title", ""))
                texts.extend(p for p in re.split(r"\n+", r.get("body", "")) if len(p.split()) >= 5)
    from nlp.html_text import page_paragraphs

    for page in sorted((shared / "html").glob("*/*.html")):
        texts.extend(page_paragraphs(page.read_text(encoding="utf-8", errors="replace")))
    if extra_texts:
        texts.extend(extra_texts)
    uniq: dict[str, str] = {}
    for t in texts:
        t = " ".join(t.split())
        if len(t) >= 10:
            uniq.setdefault(norm_key(t), t)
    return list(uniq.values())
