"""Length-aware batching shared by training and the CPU scoring engine.

Padding is wasted work: a batch costs as much as its longest member times its size. Sorting a
large pool of documents by token length and cutting consecutive runs into batches keeps every
batch nearly uniform, so dynamic padding (pad to the batch's own longest) adds little. Training
sorts within seeded "mega-batches" and then shuffles batch order, keeping batches random enough
for SGD; inference sorts the whole pool and restores input order afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch


def sorted_batches(lengths: Sequence[int], batch_size: int, *, max_tokens: int = 0) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first.

    With ``max_tokens`` a batch also stops growing once ``size * longest`` would exceed it, so
    batches of long documents are smaller than batches of headlines.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        longest = lengths[cur[0]] if cur else lengths[i]
        if cur and (len(cur) >= batch_size or (max_tokens and (len(cur) + 1) * longest > max_tokens)):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def training_batches(lengths: Sequence[int], batch_size: int, seed: int, *, pool_factor: int = 50) -> list[list[int]]:
    """Seeded shuffled batches of similar length for one training epoch."""
    rng = random.Random(seed)
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    pool = batch_size * pool_factor
    batches: list[list[int]] = []
    for start in range(0, len(idx), pool):
        chunk = idx[start : start + pool]
        chunk.sort(key=lambda i: lengths[i])
        batches.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``input_ids`` and ``attention_mask`` padded to the longest sequence in this batch only."""
    longest = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), longest), dtype=torch.long)
    for row, s in enumerate(seqs):
        ids[row, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[row, : len(s)] = 1
    return ids, mask
