"""The CPU engine: batching must never change a document's result or the output order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from nlp.batching import pad_batch, sorted_batches, training_batches
from nlp.engine import SentimentEngine
from nlp.longdoc import HEAD_WEIGHT, MAX_CHUNKS, aggregate, lead_and_rest, split_document
from tests.test_nlp_tiny_models import build_tiny_model, tiny_texts


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SentimentEngine:
    d = build_tiny_model(tmp_path_factory.mktemp("tiny") / "m", {0: "negative", 1: "neutral", 2: "positive"},
                         seed=3, max_length=64)
    return SentimentEngine.load(str(d), threads=1, batch_size=4)


def test_sorted_batches_cover_every_index_once_and_respect_token_budget() -> None:
    lengths = [5, 60, 7, 33, 60, 2, 18, 44, 9]
    batches = sorted_batches(lengths, 3, max_tokens=100)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 3
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 100
    assert [lengths[b[0]] for b in batches] == sorted((lengths[b[0]] for b in batches), reverse=True)


def test_training_batches_are_seeded() -> None:
    lengths = list(range(1, 200))
    assert training_batches(lengths, 8, seed=4) == training_batches(lengths, 8, seed=4)
    assert training_batches(lengths, 8, seed=4) != training_batches(lengths, 8, seed=5)
    assert sorted(i for b in training_batches(lengths, 8, seed=4) for i in b) == list(range(199))


def test_pad_batch_pads_to_longest_in_batch_only() -> None:
    ids, mask = pad_batch([[1, 2, 3], [4]], pad_id=0)
    assert ids.tolist() == [[1, 2, 3], [4, 0, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_batched_results_equal_one_by_one_in_input_order(engine: SentimentEngine) -> None:
    texts = tiny_texts()[:23]
    texts[5] = " ".join(texts[:6])  # one long document among short ones
    batched = engine.predict(texts)
    single = [engine.predict([t])[0] for t in texts]
    assert len(batched) == len(texts)
    for a, b in zip(batched, single, strict=True):
        assert a.label == b.label
        for lab in a.probs:
            assert a.probs[lab] == pytest.approx(b.probs[lab], abs=1e-4)


def test_empty_input_and_output_shape(engine: SentimentEngine) -> None:
    assert engine.predict([]) == []
    d = engine.predict(["Gubernur Kaltim resmikan jalan"])[0].to_dict()
    assert set(d) == {"label", "score", "probs"}
    json.dumps(d)


def test_truncates_to_model_length(engine: SentimentEngine) -> None:
    ids = engine.encode([" ".join(tiny_texts())])[0]
    assert len(ids) == engine.max_length == 64


def test_threads_come_from_the_caller(engine: SentimentEngine) -> None:
    before = torch.get_num_threads()
    try:
        engine.threads = 1
        engine.predict(["satu"])
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_lead_and_rest_paragraphs_and_plain_text() -> None:
    assert lead_and_rest("Paragraf satu.\n\nParagraf dua.\nTiga.") == ("Paragraf satu.", "Paragraf dua. Tiga.")
    lead, rest = lead_and_rest(" ".join(f"kata{i}" for i in range(100)))
    assert len(lead.split()) == 60 and len(rest.split()) == 40
    assert lead_and_rest("  ") == ("", "")


def test_split_document_head_plus_bounded_chunks(engine: SentimentEngine) -> None:
    body = "Paragraf pembuka berita.\n" + " ".join(tiny_texts() * 5)
    pieces = split_document(engine.tokenizer, "Judul berita", body, engine.max_length)
    roles = [r for r, _ in pieces]
    assert roles[0] == "head" and set(roles[1:]) == {"chunk"}
    assert len(pieces) == 1 + MAX_CHUNKS
    assert all(len(ids) <= engine.max_length for _, ids in pieces)
    assert split_document(engine.tokenizer, "Hanya judul", "", 64)[0][0] == "head"
    assert len(split_document(engine.tokenizer, "Hanya judul", "", 64)) == 1


def test_aggregate_weights_head_double() -> None:
    head = {"positive": 1.0, "neutral": 0.0, "negative": 0.0}
    chunk = {"positive": 0.0, "neutral": 0.0, "negative": 1.0}
    agg = aggregate([("head", head), ("chunk", chunk)])
    assert agg["positive"] == pytest.approx(HEAD_WEIGHT / (HEAD_WEIGHT + 1))
    assert agg["negative"] == pytest.approx(1 / (HEAD_WEIGHT + 1))
    with pytest.raises(ValueError):
        aggregate([])


def test_predict_documents_matches_manual_aggregation(engine: SentimentEngine) -> None:
    title, body = "Banjir di Samarinda", "Air merendam rumah warga.\n" + " ".join(tiny_texts()[:30])
    got = engine.predict_documents([(title, body), ("Judul saja", "")])
    pieces = split_document(engine.tokenizer, title, body, engine.max_length)
    probs = [engine.to_prediction(p).probs for p in engine.probs_for_ids([ids for _, ids in pieces])]
    expected = aggregate([(r, p) for (r, _), p in zip(pieces, probs, strict=True)])
    for lab, v in expected.items():
        assert got[0].probs[lab] == pytest.approx(v, abs=1e-4)
    assert got[1].label in ("positive", "neutral", "negative")


def test_model_dir_without_config_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises((OSError, ValueError)):
        SentimentEngine.load(str(tmp_path / "empty"))
