"""Count-based token embeddings that give a from-scratch BERT its vocabulary's meaning up front.

Pantau's shipped sentiment model is trained from scratch on a small amount of Indonesian text
(about a million WordPiece tokens of headlines, news sentences and review texts). Masked-LM
pre-training on two CPU cores barely moves past predicting frequent tokens in that budget, so
the transformer would start fine-tuning with embeddings that know next to nothing. Positive
pointwise mutual information over a co-occurrence window, factorised by truncated SVD (Levy &
Goldberg, 2014), learns useful word vectors from the same text in about a minute: "banjir"
lands next to "hujan" and "terendam", "kecewa" next to "mengecewakan" and "kesal".

The matrix is built over the WordPiece ids of the model's own tokenizer, so row ``i`` initialises
embedding ``i``; rows are scaled to a fixed standard deviation so the vectors dominate the
position embeddings after BERT's embedding LayerNorm. Deterministic: ARPACK's start vector is
seeded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.linalg import svds

log = logging.getLogger(__name__)


def cooccurrence(sequences: Sequence[Sequence[int]], vocab_size: int, window: int) -> sp.csr_matrix:
    """Symmetric co-occurrence counts within ``window`` tokens, each pair weighted 1/distance."""
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    vals: list[NDArray[np.float64]] = []
    for seq in sequences:
        a = np.asarray(seq, dtype=np.int64)
        for d in range(1, window + 1):
            if len(a) > d:
                rows.append(a[:-d])
                cols.append(a[d:])
                vals.append(np.full(len(a) - d, 1.0 / d))
    if not rows:
        return sp.csr_matrix((vocab_size, vocab_size))
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    m = sp.coo_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                      shape=(vocab_size, vocab_size))
    return m.tocsr()


def ppmi(counts: sp.csr_matrix, context_smoothing: float = 0.75) -> sp.csr_matrix:
    """Positive PMI with the context distribution raised to ``context_smoothing`` (rare contexts damped)."""
    total = float(counts.sum())
    word = np.asarray(counts.sum(axis=1)).ravel()
    ctx = np.asarray(counts.sum(axis=0)).ravel() ** context_smoothing
    ctx = ctx / ctx.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data / total) - np.log(word[coo.row] / total) - np.log(ctx[coo.col])
    keep = pmi > 0
    return sp.coo_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=counts.shape).tocsr()


def ppmi_svd_embeddings(sequences: Sequence[Sequence[int]], vocab_size: int, dim: int, *, window: int = 5,
                        target_std: float = 0.05, seed: int = 13) -> NDArray[np.float32]:
    """A ``vocab_size x dim`` matrix: SVD of the PPMI matrix, ``U * sqrt(S)``, scaled to ``target_std``.

    Token ids that never occur (special tokens, unused vocabulary) get zero rows before scaling;
    the caller keeps the model's random initialisation for them.
    """
    t0 = time.perf_counter()
    if dim >= vocab_size:
        raise ValueError(f"embedding dim {dim} must be smaller than the vocabulary ({vocab_size})")
    matrix = ppmi(cooccurrence(sequences, vocab_size, window))
    v0 = np.random.default_rng(seed).standard_normal(vocab_size)
    u, s, _ = svds(matrix.astype(np.float64), k=dim, v0=v0)
    emb = u * np.sqrt(s)
    std = float(emb.std())
    if std > 0:
        emb = emb / std * target_std
    log.info("ppmi-svd embeddings: vocab=%d dim=%d window=%d nonzero=%d seconds=%.1f",
             vocab_size, dim, window, matrix.nnz, time.perf_counter() - t0)
    out: NDArray[np.float32] = np.asarray(emb, dtype=np.float32)
    return out


def seen_tokens(sequences: Sequence[Sequence[int]], vocab_size: int) -> NDArray[np.bool_]:
    """Which token ids occur at least once (only those rows are replaced in the model)."""
    seen = np.zeros(vocab_size, dtype=bool)
    for seq in sequences:
        seen[np.asarray(seq, dtype=np.int64)] = True
    return seen
