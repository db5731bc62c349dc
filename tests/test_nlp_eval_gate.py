"""Quality gate for the shipped sentiment model: macro-F1 on pinned, committed, held-out samples.

The floors sit just under the figures measured when the model was built (docs/nlp.md, model card);
a change that drops below them fails CI. Never lower a floor without saying why in the commit.
The model is scored as Pantau serves it: default settings, ONNX Runtime with int8 weights.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.datasets import read_labelled
from nlp.engine import DEFAULT_SENTIMENT_MODEL, SentimentEngine
from nlp.labels import LABELS
from nlp.metrics import classification_report
from nlp.service import load_engine
from pantau.settings import from_mapping

DATA = Path(__file__).parent / "data" / "nlp"

# file -> (floor, measured onnx-int8 macro-F1 when the shipped model was built: bench/nlp_throughput.py)
GATES = {
    # The e5-distilled model (docs/nlp.md, eighth round); the news-tone model before it scored 0.8856,
    # 0.8563 and 0.5513, its base model 0.8718, 0.8496 and 0.4508.
    "gate_smsa_valid_sample.tsv": (0.89, 0.9116),
    "gate_cnbc_valid_sample.tsv": (0.84, 0.8633),
    "news_sentiment_test.tsv": (0.555, 0.5774),
}


@pytest.fixture(scope="module")
def engine() -> SentimentEngine:
    return load_engine(nlp_settings=from_mapping({}, "<defaults>", {}).nlp)


def test_shipped_model_is_the_default_and_small(engine: SentimentEngine) -> None:
    assert Path(engine.model_dir) == DEFAULT_SENTIMENT_MODEL.resolve()
    assert engine.quantized
    size = sum(p.stat().st_size for p in DEFAULT_SENTIMENT_MODEL.iterdir() if p.is_file())
    assert size <= 25 * 1024 * 1024, f"shipped model is {size} bytes"
    card = (DEFAULT_SENTIMENT_MODEL / "README.md").read_text(encoding="utf-8")
    assert "pantau nlp train recipes/sentiment-id-news-e5-distil.toml" in card


@pytest.mark.parametrize("name", sorted(GATES))
def test_macro_f1_gate(engine: SentimentEngine, name: str) -> None:
    floor, measured = GATES[name]
    assert floor < measured
    data = read_labelled(DATA / name)
    report = classification_report(data.labels, [p.label for p in engine.predict(data.texts)], LABELS)
    assert report["macro_f1"] >= floor, f"{name}: macro-F1 {report['macro_f1']} < floor {floor}: {report}"


def test_shipped_model_reads_clear_headlines(engine: SentimentEngine) -> None:
    preds = engine.predict([
        "IHSG melemah, rupiah anjlok ke level terendah",
        "Korupsi dana desa, kepala desa ditahan",
        "Jalan rusak parah, warga keluhkan lambannya perbaikan",
        "Kutai Kartanegara raih penghargaan kabupaten terbaik, warga bangga",
        "Pemkot Balikpapan resmikan rumah sakit baru",
    ])
    assert [p.label for p in preds] == ["negative", "negative", "negative", "positive", "positive"]


def test_shipped_model_reads_disaster_headlines_as_negative(engine: SentimentEngine) -> None:
    # The base model read these as neutral, as SmSA and CNBC label disaster news; the news-tone labels fixed it.
    preds = engine.predict(["Banjir bandang tewaskan lima warga, ratusan rumah rusak",
                            "Banjir rendam Samarinda, warga mengungsi"])
    assert [p.label for p in preds] == ["negative", "negative"]


@pytest.mark.xfail(strict=True, reason="known weakness: CNBC's market sense of direction words carries over to "
                   "consumer prices; 'harga ... melonjak' reads as positive (docs/nlp.md, 'Open problems')")
def test_shipped_model_reads_price_spikes_as_negative(engine: SentimentEngine) -> None:
    preds = engine.predict(["Harga cabai di Balikpapan melonjak, pedagang mengeluh"])
    assert [p.label for p in preds] == ["negative"]


def test_shipped_model_reads_falling_market_headlines_as_negative(engine: SentimentEngine) -> None:
    # Both are CNBC valid headlines labelled negative, which the baseline gets right and the model
    # before masked-LM pre-training read as positive (docs/nlp.md, fourth round).
    preds = engine.predict(["Laba Turun 27,8%, Adira Finance (ADMF) Bagi Dividen Rp703 Miliar",
                            "IHSG Jatuh 3,33%, Saham Bluechips dan Konglomerat Berguguran"])
    assert [p.label for p in preds] == ["negative", "negative"]
