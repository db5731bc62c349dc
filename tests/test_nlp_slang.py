"""The slang normaliser for public posts: its lexicon and rules, the ``[nlp] normalise_slang``
setting, and ``pantau score``'s path, where the models read the normalised post while the store
keeps what was written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from index.sqlite import SqliteStore
from nlp.engine import SentimentEngine
from nlp.slang import LexiconError, SlangNormaliser, parse_lexicon, shipped_lexicon_text
from pantau import settings
from pantau.article import Article
from pantau.score import score_pending
from tests.test_nlp_tiny_models import tiny_tokenizer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def norm() -> SlangNormaliser:
    return SlangNormaliser.shipped()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gak jelas", "tidak jelas"),
        ("ga ada, nggak ada, enggak ada, tdk ada", "tidak ada, tidak ada, tidak ada, tidak ada"),
        ("udah lama, udh lama, sdh lama", "sudah lama, sudah lama, sudah lama"),
        ("mahal bgt", "mahal banget"),
        ("yg dgn krn gmn jg aja blm", "yang dengan karena bagaimana juga saja belum"),
        ("Mantaaap pelayanannya", "Mantap pelayanannya"),
        ("bagusss bangeeet", "bagus banget"),
        ("gaaak jelas", "tidak jelas"),
        ("maaaaf", "maaf"),
        ("anak2 sekolah", "anak-anak sekolah"),
        ("hati2nya", "hati-hatinya"),
        ("bener2 parah", "benar-benar parah"),
        ("s4y4 t3rim4 k4sih", "saya terima kasih"),
        ("kada kawa lewat", "tidak bisa lewat"),
        ("ora iso", "tidak iso"),
        ("teu acan, alus pisan", "tidak acan, bagus sekali"),
    ],
)
def test_slang_forms_become_standard(norm: SlangNormaliser, text: str, expected: str) -> None:
    assert norm.normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jalan rusak 5 km di RT 05",  # km is a unit, not "kamu"
        "Vaksin covid19 untuk warga rt05, waspada h1n1 dan g20",  # codes, not digit-for-letter spellings
        "dr. Andi memeriksa pasien",  # dr is the title
        "Orang kaya baru",  # kaya is "rich"
        "Pemerintah Kota Samarinda memperbaiki jalan tahun 2025.",
        "good coffee, well done",
    ],
)
def test_standard_text_codes_and_english_are_left_alone(norm: SlangNormaliser, text: str) -> None:
    assert norm.normalise(text) == text
    assert norm.changes(text) == []


def test_case_punctuation_and_positions_are_kept(norm: SlangNormaliser) -> None:
    text = "Gak jelas!! Udh 2 mgg, blm dibenerin... #samarinda @humas"
    assert norm.normalise(text) == "Tidak jelas!! Sudah 2 minggu, belum diperbaiki... #samarinda @humas"
    first = norm.changes(text)[0]
    assert (first.start, first.end, first.original, first.normalised) == (0, 3, "Gak", "Tidak")


def test_shipped_lexicon_is_well_formed_and_attributed() -> None:
    text = shipped_lexicon_text()
    lexicon = parse_lexicon(text.splitlines())
    assert len(lexicon) >= 250
    assert all(form != standard for form, standard in lexicon.items())
    assert "Pantau's own work" in text and "MIT" in text
    source = (ROOT / "nlp" / "data" / "SOURCE.md").read_text(encoding="utf-8")
    assert "slang.tsv" in source and "Pantau's" in source and "never shipped" in source
    # Regional forms common in Kalimantan posts are there, each with its kind.
    kinds = {line.split("\t")[0]: line.split("\t")[2] for line in text.splitlines()
             if line and not line.startswith("#")}
    assert kinds["kada"] == "banjar" and kinds["ora"] == "javanese" and kinds["teu"] == "sundanese"


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (["gak\ttidak", "gak\ttidak"], "listed twice"),
        (["gak tidak"], "expected form<TAB>standard"),
        (["Gak\ttidak"], "one lower-case word"),
        (["gak\t "], "expected form<TAB>standard"),
    ],
)
def test_a_malformed_lexicon_names_its_line(lines: list[str], problem: str) -> None:
    with pytest.raises(LexiconError, match=problem) as err:
        parse_lexicon(["# header", *lines], "mine.tsv")
    assert "mine.tsv:" in str(err.value)


def test_version_follows_the_lexicon(norm: SlangNormaliser) -> None:
    other = SlangNormaliser({**norm.lexicon, "mantul": "mantap sekali"})
    assert norm.version.startswith("slang@") and len(norm.version) == len("slang@") + 12
    assert other.version != norm.version


# -- the setting --------------------------------------------------------------------------------------
def test_normalise_slang_is_on_by_default_and_documented() -> None:
    assert settings.from_mapping({}, "<test>", {}).nlp.normalise_slang is True
    assert settings.from_mapping({"nlp": {"normalise_slang": False}}, "<test>", {}).nlp.normalise_slang is False
    assert "| `normalise_slang` | true or false | `true` |" in settings.render_docs()


def test_a_malformed_normalise_slang_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "pantau.toml"
    cfg.write_text('[nlp]\nnormalise_slang = "yes"\n', encoding="utf-8")
    with pytest.raises(settings.ConfigError) as err:
        settings.load(cfg, env={})
    assert str(err.value) == f'{cfg}: [nlp] normalise_slang: expected true or false, found "yes"'


def test_a_misspelt_normalise_slang_key_is_named_with_the_right_one(tmp_path: Path) -> None:
    cfg = tmp_path / "pantau.toml"
    cfg.write_text("[nlp]\nnormalize_slang = false\n", encoding="utf-8")
    with pytest.raises(settings.ConfigError) as err:
        settings.load(cfg, env={})
    assert "[nlp] normalize_slang" in str(err.value) and "did you mean 'normalise_slang'?" in str(err.value)


# -- pantau score ---------------------------------------------------------------------------------------
POST_TITLE = "Pelayanan gak jelas bgt"
POST_BODY = "Udh 2 mgg lapor, jalan blm dibenerin. Kecewaaa!!"


def _article(i: int, source_type: str) -> Article:
    now = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
    extra = {"platform": "telegram", "authors": ("@warga",)} if source_type == "social" else {}
    return Article.create(url=f"https://kaltim.example/p/{i}", title=POST_TITLE, body=POST_BODY, source="uji",
                          published_at=now - timedelta(hours=i), crawled_at=now, source_type=source_type, **extra)


def _sensitive_tiny_model(out: Path) -> Path:
    """A tiny random BERT like ``build_tiny_model``'s but with large initial weights, so two wordings
    of a post get visibly different probabilities (with the usual 0.02 every text scores within
    1e-5 of the same probabilities)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from nlp.tokenizer_train import save_tokenizer

    torch.manual_seed(3)
    tok = tiny_tokenizer(64)
    id2label = {0: "negative", 1: "neutral", 2: "positive"}
    labels: dict[str, Any] = {"num_labels": 3, "id2label": id2label, "label2id": {v: k for k, v in id2label.items()}}
    config = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=tok.pad_token_id,
                        initializer_range=0.5, **labels)
    BertForSequenceClassification(config).save_pretrained(str(out))
    save_tokenizer(tok, out)
    return out


def _probs(engine: SentimentEngine, title: str, body: str) -> dict[str, float]:
    return engine.predict_documents([(title, body)])[0].probs


@pytest.mark.parametrize("on", [True, False])
def test_score_reads_normalised_posts_and_the_store_keeps_what_was_written(tmp_path: Path, on: bool) -> None:
    model = _sensitive_tiny_model(tmp_path / "m")
    cfg = settings.from_mapping({"nlp": {"sentiment_model": str(model), "threads": 1, "backend": "torch",
                                         "normalise_slang": on}}, "<test>", {})
    store = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    post, news = _article(1, "social"), _article(2, "news")
    assert store.upsert([post, news]).indexed == 2
    assert score_pending(store, cfg)["scored"] == 2
    got = store.get([post.id, news.id])

    engine = SentimentEngine.load(str(model), threads=1, backend="torch")
    norm = SlangNormaliser.shipped()
    as_written = _probs(engine, POST_TITLE, POST_BODY)
    normalised = _probs(engine, norm.normalise(POST_TITLE), norm.normalise(POST_BODY))
    assert norm.normalise(POST_BODY) == "Sudah 2 minggu lapor, jalan belum diperbaiki. Kecewa!!"
    # The tiny model reads the two wordings differently, so the stored scores show which one it read.
    assert max(abs(as_written[k] - normalised[k]) for k in as_written) > 1e-4

    for a in (post, news):
        stored = got[a.id]
        assert (stored.title, stored.body) == (POST_TITLE, POST_BODY)  # display and search see the post as written
        assert stored.sentiment is not None
    post_probs = got[post.id].sentiment.probs  # type: ignore[union-attr]
    news_probs = got[news.id].sentiment.probs  # type: ignore[union-attr]
    read = normalised if on else as_written
    assert all(abs(post_probs[k] - read[k]) < 2e-5 for k in read), (post_probs, read)
    assert all(abs(news_probs[k] - as_written[k]) < 2e-5 for k in as_written)  # news is never rewritten
    assert ("+slang@" in got[post.id].nlp_version) is on

    # The text search still finds the post by the words it was written with.
    hits = store.search("bgt", size=5).hits
    assert [h.article.id for h in hits if h.article.id == post.id] == [post.id]
    store.close()
