"""Labelled-data reading, metrics, recipes and the committed hand-labelled sets."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nlp.datasets import read_labelled, write_tsv
from nlp.engine import DEFAULT_SENTIMENT_MODEL
from nlp.html_text import page_paragraphs
from nlp.metrics import classification_report, multilabel_report
from nlp.prepare_sentiment import norm_key
from nlp.recipe import RecipeError, load_recipe
from nlp.topics import read_topic_file, topic_ids

DATA = Path(__file__).parent / "data" / "nlp"
ROOT = Path(__file__).resolve().parent.parent


def test_read_tsv_csv_jsonl_with_label_map(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("# comment\nHarga naik\tpositif\n\tneutral\nBanjir\tbad\nAman\tNETRAL\n",
                                    encoding="utf-8")
    got = read_labelled(tmp_path / "a.tsv")
    assert got.texts == ["Harga naik", "Aman"]
    assert got.labels == ["positive", "neutral"]
    assert got.skipped == Counter({"empty text": 1, "unknown label 'bad'": 1})

    (tmp_path / "b.csv").write_text('judul,sentimen\n"Saham, naik",positif\nTurun,negatif\n', encoding="utf-8")
    got = read_labelled(tmp_path / "b.csv", text_col="judul", label_col="sentimen",
                        label_map={"positif": "positive", "negatif": "negative"})
    assert got.texts == ["Saham, naik", "Turun"] and got.labels == ["positive", "negative"]

    (tmp_path / "c.jsonl").write_text(json.dumps({"text": "A  b", "label": "neg"}) + "\n\n", encoding="utf-8")
    got = read_labelled(tmp_path / "c.jsonl")
    assert got.texts == ["A b"] and got.labels == ["negative"]

    with pytest.raises(ValueError, match="unsupported"):
        read_labelled(tmp_path / "d.txt")


def test_write_tsv_round_trip(tmp_path: Path) -> None:
    write_tsv(tmp_path / "x.tsv", ["satu\tdua\nbaris"], ["neutral"], header="made by a test")
    got = read_labelled(tmp_path / "x.tsv")
    assert got.texts == ["satu dua baris"] and got.labels == ["neutral"]


def test_write_tsv_replaces_a_file_whole(tmp_path: Path) -> None:
    """Two training runs share build/nlp/sentiment: a reader must see the old file or the new one."""
    target = tmp_path / "train.tsv"
    write_tsv(target, ["lama"] * 3, ["neutral"] * 3)
    before = target.stat().st_ino
    with target.open(encoding="utf-8") as reader:  # a run that is still reading the old file
        write_tsv(target, ["baru"] * 5, ["positive"] * 5)
        assert reader.read().count("lama") == 3
    assert target.stat().st_ino != before
    assert read_labelled(target).texts == ["baru"] * 5
    assert [p.name for p in tmp_path.iterdir()] == ["train.tsv"]


def test_classification_report_known_values() -> None:
    gold = ["positive", "positive", "negative", "neutral"]
    pred = ["positive", "negative", "negative", "positive"]
    rep = classification_report(gold, pred, ["negative", "neutral", "positive"])
    assert rep["n"] == 4 and rep["accuracy"] == 0.5
    assert rep["per_class"]["positive"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert rep["per_class"]["negative"]["f1"] == pytest.approx(0.6667, abs=1e-4)
    assert rep["per_class"]["neutral"]["f1"] == 0.0
    assert rep["macro_f1"] == pytest.approx((0.5 + 0.6667 + 0.0) / 3, abs=1e-4)
    assert rep["confusion"]["positive"] == {"negative": 1, "neutral": 0, "positive": 1}
    assert set(rep) == {"macro_f1", "accuracy", "per_class", "confusion", "n"}
    with pytest.raises(ValueError):
        classification_report(["positive"], [], ["positive"])


def test_multilabel_report() -> None:
    rep = multilabel_report([{"ikn", "ekonomi"}, set()], [{"ikn"}, {"olahraga"}], ["ikn", "ekonomi", "olahraga"])
    assert rep["per_topic"]["ikn"]["f1"] == 1.0
    assert rep["per_topic"]["ekonomi"]["recall"] == 0.0
    assert rep["per_topic"]["olahraga"]["support"] == 0
    assert rep["macro_f1"] == 0.5  # over topics present in gold: ikn 1.0, ekonomi 0.0
    assert rep["exact_match"] == 0.0


def test_norm_key_for_dedupe() -> None:
    assert norm_key("Harga BBM naik!!") == norm_key("harga bbm naik")


def test_page_paragraphs_skip_scripts_and_fragments() -> None:
    html = ("<html><script>var x = 'Lorem ipsum dolor sit amet';</script><h1>Banjir besar melanda kota Samarinda"
            "</h1><p>Pendek.</p><p>Air setinggi satu meter merendam <b>ratusan rumah</b> warga.</p></html>")
    assert page_paragraphs(html) == ["Banjir besar melanda kota Samarinda",
                                     "Air setinggi satu meter merendam ratusan rumah warga."]


def test_shipped_recipes_parse() -> None:
    r = load_recipe(ROOT / "recipes" / "sentiment-id-news.toml")
    assert r.base.kind == "scratch" and r.base.init_embeddings == "ppmi"
    assert r.resolve(r.output) == ROOT / "nlp" / "models" / "sentiment-id-news"
    assert "news-articles-2025" not in (ROOT / "recipes" / "sentiment-id-news.toml").read_text(encoding="utf-8")
    tone = load_recipe(ROOT / "recipes" / "sentiment-id-news-tone.toml")  # the default before, from that base
    shipped = load_recipe(ROOT / "recipes" / "sentiment-id-news-e5-distil.toml")  # the default, from that base too
    for rec in (tone, shipped):
        assert rec.base.kind == "pretrained" and rec.resolve(rec.base.path) == r.resolve(r.output)
        assert rec.data.train_extra_repeat == 3
        assert [rec.resolve(p) for p in rec.data.train_extra] == [ROOT / "nlp" / "data" / "news_tone.jsonl"]
        assert rec.seed == r.seed  # the same CNBC split as the base, so no held-out CNBC row was ever trained on
    assert shipped.resolve(shipped.output) == DEFAULT_SENTIMENT_MODEL
    assert shipped.distill.enabled and shipped.distill.teacher and shipped.distill.unlabelled


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('output = "x"\n[data]\ntrain = "t.tsv"\n', "'name'"),
        ('name = "x"\noutput = "o"\n[data]\ntrain = "t.tsv"\n[base]\nkind = "magic"\n', "kind"),
        ('name = "x"\noutput = "o"\n[data]\ntrain = "t.tsv"\n[finetune]\nepochs = "3"\n', "[finetune].epochs"),
        ('name = "x"\noutput = "o"\n[data]\ntrain = "t.tsv"\n[pretrain]\nepoch = 3\n', "unknown keys"),
        ('name = "x"\noutput = "o"\n[base]\nkind = "pretrained"\n[data]\ntrain = "t"\n', "[base].path"),
        ('name = "x"\noutput = "o"\n', "[data].train"),
        ('name = "x"\noutput = "o"\n[data]\ntrain = "t"\n[base]\ninit_embeddings = "glove"\n', "init_embeddings"),
        ("name = [", "cannot read"),
    ],
)
def test_bad_recipes_name_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    p = tmp_path / "r.toml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(RecipeError) as err:
        load_recipe(p)
    assert str(p) in str(err.value) and message in str(err.value)


def test_hand_labelled_sentiment_sets_are_disjoint_and_sized() -> None:
    dev = read_labelled(DATA / "news_sentiment_dev.tsv")
    test = read_labelled(DATA / "news_sentiment_test.tsv")
    assert len(dev) + len(test) >= 400 and not dev.skipped and not test.skipped
    assert not {norm_key(t) for t in dev.texts} & {norm_key(t) for t in test.texts}
    for part in (dev, test):
        assert set(part.labels) == {"positive", "neutral", "negative"}


def test_hand_labelled_topic_set_covers_every_topic() -> None:
    texts, gold = read_topic_file(DATA / "news_topics.tsv")
    assert len(texts) >= 200
    covered = Counter(t for g in gold for t in g)
    assert set(topic_ids()) <= set(covered), f"uncovered: {set(topic_ids()) - set(covered)}"


def test_committed_data_has_attribution() -> None:
    source = (DATA / "SOURCE.md").read_text(encoding="utf-8")
    for f in DATA.glob("*.tsv"):
        assert f.name in source or f.name.split("_")[0] in source, f"{f.name} missing from SOURCE.md"
