"""PPMI-SVD token embeddings: tokens used alike end up alike, runs repeat, and training uses them."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from nlp.recipe import load_recipe
from nlp.token_embeddings import ppmi_svd_embeddings, seen_tokens
from nlp.train import build_base, load_data, token_embeddings
from tests.test_nlp_train import tiny_recipe


def corpus(seed: int = 3) -> list[list[int]]:
    """Ids 10-11 ("banjir", "genangan") share flood contexts 20-24; ids 12-13 share market contexts 30-34."""
    rng = random.Random(seed)
    seqs = []
    for _ in range(600):
        pair, ctx = rng.choice([((10, 11), range(20, 25)), ((12, 13), range(30, 35))])
        left, right = rng.sample(list(ctx), 2)
        seqs.append([left, rng.choice(pair), right, rng.choice(list(ctx))])
    return seqs


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_tokens_in_the_same_contexts_get_close_vectors() -> None:
    emb = ppmi_svd_embeddings(corpus(), 40, 8, window=3)
    assert emb.shape == (40, 8) and emb.dtype == np.float32
    assert cosine(emb[10], emb[11]) > 0.8
    assert cosine(emb[12], emb[13]) > 0.8
    assert cosine(emb[10], emb[12]) < 0.3
    assert abs(float(emb.std()) - 0.05) < 1e-3
    assert np.allclose(emb[0], 0.0, atol=1e-6)  # never seen: a zero row, which the trainer leaves alone


def test_embeddings_repeat_exactly_and_reject_impossible_sizes() -> None:
    assert np.array_equal(ppmi_svd_embeddings(corpus(), 40, 8), ppmi_svd_embeddings(corpus(), 40, 8))
    with pytest.raises(ValueError, match="smaller than the vocabulary"):
        ppmi_svd_embeddings(corpus(), 40, 40)
    seen = seen_tokens(corpus(), 40)
    assert seen[10] and seen[34] and not seen[0] and int(seen.sum()) == 14


def test_scratch_model_starts_from_the_cached_corpus_vectors(tmp_path: Path) -> None:
    path = tiny_recipe(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        'kind = "scratch"', 'kind = "scratch"\ninit_embeddings = "ppmi"\nembedding_window = 3').replace(
        "enabled = true", "enabled = false"), encoding="utf-8")
    recipe = load_recipe(path)
    train_set, _ = load_data(recipe)
    model, tok = build_base(recipe, train_set, tmp_path / "work")
    cache = tmp_path / "work" / "embeddings" / "ppmi.npz"
    assert cache.exists()
    def no_corpus() -> list[str]:
        raise AssertionError("the cached vectors must be used without reading the corpus again")

    vectors, seen = token_embeddings(recipe, tok, no_corpus, tmp_path / "work")
    weight = model.get_input_embeddings().weight.detach()  # type: ignore[operator]
    assert torch.equal(weight[torch.from_numpy(np.flatnonzero(seen))],
                       torch.from_numpy(vectors[seen]))
    unseen = np.flatnonzero(~seen)
    assert len(unseen) > 0 and not torch.equal(weight[unseen], torch.zeros_like(weight[unseen]))
