"""Scoring whole articles: title + lead + body chunks, aggregated into one sentiment.

A PR analyst reads the tone of coverage from the headline and the opening paragraph first; the
shipped model is also trained mostly on headlines and short texts. So an article is cut into:

* ``head``: the title plus the lead (first body paragraph), truncated to the model length;
* ``chunk``: consecutive windows of the rest of the body (up to :data:`MAX_CHUNKS`), each at most
  the model length, cut on token boundaries.

Aggregation: a weighted mean of the per-piece probability vectors, head weight
:data:`HEAD_WEIGHT` (2.0) and each chunk weight 1.0, so a long body can outvote a misleading
headline only when most of it points the other way. An article without a body is its head alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from nlp.labels import LABELS

HEAD_WEIGHT = 2.0
CHUNK_WEIGHT = 1.0
MAX_CHUNKS = 4
_PARA = re.compile(r"\n\s*\n|\n")


def lead_and_rest(body: str) -> tuple[str, str]:
    """First paragraph (or first 60 words when the body has no line breaks) and the remainder."""
    body = body.strip()
    if not body:
        return "", ""
    parts = [p.strip() for p in _PARA.split(body) if p.strip()]
    if len(parts) > 1:
        return parts[0], " ".join(parts[1:])
    words = body.split()
    return " ".join(words[:60]), " ".join(words[60:])


def split_document(tokenizer: Any, title: str, body: str, max_length: int) -> list[tuple[str, list[int]]]:
    """Token-id pieces of one article: ``[("head", ids), ("chunk", ids), ...]``."""
    lead, rest = lead_and_rest(body)
    head_text = f"{title.strip()}. {lead}".strip(" .") if lead else title.strip()
    if not head_text:
        head_text = rest[:2000]
        rest = ""
    head = list(tokenizer(head_text, truncation=True, max_length=max_length)["input_ids"])
    pieces: list[tuple[str, list[int]]] = [("head", head)]
    if rest:
        first, last = _special_ids(tokenizer)
        ids = list(tokenizer(rest[: 40 * max_length * MAX_CHUNKS], add_special_tokens=False)["input_ids"])
        window = max(8, max_length - len(first) - len(last))
        for start in range(0, min(len(ids), window * MAX_CHUNKS), window):
            pieces.append(("chunk", first + ids[start : start + window] + last))
    return pieces


def _special_ids(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids a single sequence starts and ends with: [CLS]/[SEP] (BERT) or <s>/</s> (RoBERTa)."""
    start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    end = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    return ([int(start)] if start is not None else []), ([int(end)] if end is not None else [])


def aggregate(parts: Sequence[tuple[str, dict[str, float]]]) -> dict[str, float]:
    """Weighted mean of the pieces' probabilities (head 2.0, chunks 1.0), rounded to 6 places."""
    total = 0.0
    acc = dict.fromkeys(LABELS, 0.0)
    for role, probs in parts:
        w = HEAD_WEIGHT if role == "head" else CHUNK_WEIGHT
        total += w
        for lab in LABELS:
            acc[lab] += w * probs.get(lab, 0.0)
    if total == 0:
        raise ValueError("an article needs at least one scored piece")
    return {lab: round(v / total, 6) for lab, v in acc.items()}
