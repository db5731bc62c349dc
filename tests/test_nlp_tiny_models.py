"""Tiny random sentiment models built inside the tests: label mapping and the local-directory path.

Each model is a 1-layer BERT with a WordPiece tokenizer trained on a few committed headlines. Its
classifier bias is set so one class always wins; the test then checks which Pantau label comes out
for each ``id2label`` convention (English, Indonesian, anonymous ``LABEL_k``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from nlp.datasets import read_labelled
from nlp.engine import SentimentEngine
from nlp.labels import UnknownLabel, map_id2label, normalize_label
from nlp.tokenizer_train import save_tokenizer

DATA = Path(__file__).parent / "data" / "nlp"
TINY_TOKENIZER = DATA / "tiny-wordpiece" / "tokenizer.json"


def tiny_texts() -> list[str]:
    return read_labelled(DATA / "news_sentiment_dev.tsv").texts[:80]


def tiny_tokenizer(max_length: int) -> PreTrainedTokenizerFast:
    """The tiny models' WordPiece tokenizer: 150 pieces learnt from ``tiny_texts()``, read from a committed file.

    ``tokenizers`` breaks WordPiece frequency ties in hash order, so training it in each test process
    gave each process a different vocabulary, a different tiny model, and label agreements that moved
    from run to run. The file is ``train_wordpiece(tiny_texts(), vocab_size=150, ...)`` saved once with
    ``tok.backend_tokenizer.save(...)``; ``test_tiny_tokenizer_file_is_a_wordpiece_of_the_tiny_texts``
    checks that it still fits those texts.
    """
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_file=str(TINY_TOKENIZER), unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_length)


def test_tiny_tokenizer_file_is_a_wordpiece_of_the_tiny_texts() -> None:
    tok = tiny_tokenizer(64)
    assert len(tok) == 150 and tok.unk_token_id is not None
    for text in tiny_texts():  # every character of its texts is covered: nothing falls to [UNK]
        ids = tok(text)["input_ids"]
        assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id and tok.unk_token_id not in ids


def build_tiny_model(out: Path, id2label: dict[int, str], *, winner: int | None = None, seed: int = 0,
                     max_length: int = 64) -> Path:
    """Save a tiny random classifier (and its tokenizer) to ``out``; ``winner`` gets a large bias."""
    torch.manual_seed(seed)
    tok = tiny_tokenizer(max_length)
    labels: dict[str, Any] = {"num_labels": len(id2label), "id2label": id2label,
                              "label2id": {v: k for k, v in id2label.items()}}
    config = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=tok.pad_token_id, **labels)
    model = BertForSequenceClassification(config)
    if winner is not None:
        with torch.no_grad():
            model.classifier.bias.zero_()
            model.classifier.bias[winner] = 20.0
    model.save_pretrained(str(out))
    save_tokenizer(tok, out)
    return out


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({0: "negative", 1: "neutral", 2: "positive"}, ["negative", "neutral", "positive"]),
        ({0: "POSITIVE", 1: "Neutral", 2: "neg"}, ["positive", "neutral", "negative"]),
        ({0: "positif", 1: "netral", 2: "negatif"}, ["positive", "neutral", "negative"]),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, ["positive", "neutral", "negative"]),
        ({0: "LABEL_0", 1: "LABEL_1"}, ["negative", "positive"]),
    ],
)
def test_map_id2label_conventions(id2label: dict[int, str], expected: list[str]) -> None:
    mapped = map_id2label(id2label)
    assert [mapped[i] for i in sorted(mapped)] == expected


def test_map_id2label_accepts_string_keys_from_config_json() -> None:
    assert map_id2label({"0": "negatif", "1": "positif"}) == {0: "negative", 1: "positive"}


@pytest.mark.parametrize("bad", [{0: "joy", 1: "anger"}, {0: "positive", 1: "pos"}, {0: "LABEL_5", 1: "LABEL_1"}])
def test_map_id2label_rejects_unreadable_models(bad: dict[int, str]) -> None:
    with pytest.raises(UnknownLabel):
        map_id2label(bad)


def test_normalize_label_data_variants() -> None:
    assert [normalize_label(x) for x in (" Positif", "NETRAL", "negative")] == ["positive", "neutral", "negative"]
    with pytest.raises(UnknownLabel):
        normalize_label("mixed")


@pytest.mark.parametrize(
    ("id2label", "winner", "label"),
    [
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, 2, "negative"),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, 0, "positive"),
        ({0: "positif", 1: "netral", 2: "negatif"}, 1, "neutral"),
        ({0: "negatif", 1: "positif"}, 1, "positive"),
    ],
)
def test_tiny_model_dir_loads_and_maps_labels(tmp_path: Path, id2label: dict[int, str], winner: int,
                                               label: str) -> None:
    model_dir = build_tiny_model(tmp_path / "m", id2label, winner=winner)
    engine = SentimentEngine.load(str(model_dir), threads=1)
    preds = engine.predict(["Banjir rendam Samarinda", "Pemkot resmikan jembatan baru"])
    assert [p.label for p in preds] == [label, label]
    for p in preds:
        assert set(p.probs) == {"positive", "neutral", "negative"}
        assert abs(sum(p.probs.values()) - 1.0) < 1e-4
        assert p.score == p.probs[label] > 0.99


def test_missing_local_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a local directory"):
        SentimentEngine.load(str(tmp_path / "nope"))
