"""``pantau nlp predict|eval|info|topics`` through the typer app, on tiny models built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp.cli import app
from nlp.datasets import read_labelled, write_tsv
from tests.test_nlp_tiny_models import build_tiny_model

DATA = Path(__file__).parent / "data" / "nlp"
runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("cli") / "m", {0: "negatif", 1: "netral", 2: "positif"}, seed=1)


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./pantau.toml: built-in settings
    monkeypatch.delenv("PANTAU_CONFIG", raising=False)


def test_predict_stdin_one_json_per_line_in_order(tiny_dir: Path) -> None:
    texts = read_labelled(DATA / "news_sentiment_test.tsv").texts[:17]
    texts[3] = ""  # a blank line still yields one result, in place
    args = ["predict", "--model", str(tiny_dir), "--threads", "1", "--fp32"]
    result = runner.invoke(app, args, input="\n".join(texts) + "\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 17
    single = runner.invoke(app, ["predict", texts[10], "--model", str(tiny_dir), "--json", "--fp32"])
    assert json.loads(single.stdout) == lines[10]
    # int8 (the default) quantises activations per batch, so a score may move in the 4th decimal
    # with its batch neighbours; labels of clear cases and the output order do not change.
    int8 = [json.loads(x) for x in runner.invoke(app, args[:-1], input="\n".join(texts) + "\n").stdout.splitlines()]
    assert len(int8) == 17
    for a, b in zip(int8, lines, strict=True):
        for lab in ("positive", "neutral", "negative"):
            assert a["probs"][lab] == pytest.approx(b["probs"][lab], abs=0.02)
    for obj in lines:
        assert set(obj) == {"label", "score", "probs"}
        assert obj["label"] in ("positive", "neutral", "negative")
        assert obj["score"] == obj["probs"][obj["label"]]


def test_predict_text_plain(tiny_dir: Path) -> None:
    result = runner.invoke(app, ["predict", "Jembatan Mahakam diresmikan", "--model", str(tiny_dir)])
    assert result.exit_code == 0
    label, score, probs = result.stdout.strip().split("\t")
    assert label in ("positive", "neutral", "negative") and 0 < float(score) <= 1 and "positive=" in probs


def test_eval_json_shape_with_baseline_side_by_side(tiny_dir: Path, tmp_path: Path) -> None:
    dev = read_labelled(DATA / "news_sentiment_dev.tsv")
    write_tsv(tmp_path / "train.tsv", dev.texts, dev.labels)
    data = DATA / "news_sentiment_test.tsv"
    result = runner.invoke(app, ["eval", "--data", str(data), "--model", str(tiny_dir), "--json",
                                 "--baseline-train", str(tmp_path / "train.tsv")])
    assert result.exit_code == 0, result.output
    rep = json.loads(result.stdout)
    assert {"macro_f1", "accuracy", "per_class", "confusion", "n"} <= set(rep)
    assert rep["n"] == len(read_labelled(data))
    assert rep["model"] == str(tiny_dir.resolve())
    assert rep["baseline"]["n"] == rep["n"]
    assert {"macro_f1", "accuracy", "per_class", "confusion"} <= set(rep["baseline"])
    text = runner.invoke(app, ["eval", "--data", str(data), "--model", str(tiny_dir),
                               "--baseline-train", str(tmp_path / "train.tsv")])
    assert "transformer" in text.stdout and "baseline" in text.stdout and "confusion" in text.stdout


def test_eval_without_baseline_says_why(tiny_dir: Path) -> None:
    result = runner.invoke(app, ["eval", "--data", str(DATA / "news_sentiment_dev.tsv"), "--model", str(tiny_dir),
                                 "--json", "--no-baseline"])
    rep = json.loads(result.stdout)
    assert rep["baseline"] is None and "disabled" in rep["baseline_skipped"]


def test_info_json_names_the_model_dir(tiny_dir: Path) -> None:
    result = runner.invoke(app, ["info", "--json", "--model", str(tiny_dir)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["sentiment_model"] == str(tiny_dir.resolve())
    assert info["sentiment_model_exists"] is True
    assert info["id2label"] == {"0": "negatif", "1": "netral", "2": "positif"}
    assert "ikn" in info["topics"]


def test_info_defaults_to_shipped_model() -> None:
    info = json.loads(runner.invoke(app, ["info", "--json"]).stdout)
    shipped = Path(__file__).resolve().parent.parent / "nlp" / "models" / "sentiment-id-news-e5-distil"
    assert info["sentiment_model"] == str(shipped)
    assert info["sentiment_model_is_default"] is True


def test_train_bad_recipe_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('name = "x"\n', encoding="utf-8")
    result = runner.invoke(app, ["train", str(tmp_path / "bad.toml")])
    assert result.exit_code == 2
    assert "output" in result.output


def test_train_with_a_missing_distillation_teacher_exits_2_naming_it(tmp_path: Path) -> None:
    recipe = tmp_path / "recipes" / "r.toml"
    recipe.parent.mkdir()
    recipe.write_text('name = "x"\noutput = "out"\n[data]\ntrain = "train.tsv"\n'
                      '[distill]\nenabled = true\nteacher = "build/no-such-teacher"\n', encoding="utf-8")
    result = runner.invoke(app, ["train", str(recipe)])
    assert result.exit_code == 2
    assert "no-such-teacher" in result.output and "build the teacher first" in result.output
    assert not (tmp_path / "out").exists()


def test_topics_command_json_lines() -> None:
    result = runner.invoke(app, ["topics"], input="Gempa guncang Balikpapan, BPBD data kerusakan\nRapper pamer mobil\n")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first[0]["label"] == "bencana" and 0.5 <= first[0]["score"] <= 1
    assert second == []


@pytest.mark.parametrize("command", [["predict", "Banjir rendam Samarinda"],
                                     ["eval", "--data", "tests/data/nlp/news_sentiment_dev.tsv", "--no-baseline"]])
def test_bad_backend_in_config_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 command: list[str]) -> None:
    config = tmp_path / "pantau.toml"
    config.write_text('[nlp]\nbackend = "tensorrt"\n', encoding="utf-8")
    monkeypatch.setenv("PANTAU_CONFIG", str(config))
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert 'error: ' in result.output and '[nlp] backend' in result.output and '"tensorrt"' in result.output
    assert "Traceback" not in result.output


def test_eval_with_slang_reads_the_normalised_texts(tiny_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "posts.tsv"
    write_tsv(data, ["pelayanan gak jelas bgt", "jalan udah mulus, mantaaap", "rapat dinas hari ini"],
              ["negative", "positive", "neutral"])
    plain = json.loads(runner.invoke(app, ["eval", "--data", str(data), "--model", str(tiny_dir), "--json",
                                           "--no-baseline"]).stdout)
    assert plain["slang"] is None and "slang_changed" not in plain
    result = runner.invoke(app, ["eval", "--data", str(data), "--model", str(tiny_dir), "--json", "--no-baseline",
                                 "--slang"])
    assert result.exit_code == 0, result.output
    rep = json.loads(result.stdout)
    assert rep["slang"].startswith("slang@") and rep["slang_changed"] == 2 and rep["n"] == 3
    text = runner.invoke(app, ["eval", "--data", str(data), "--model", str(tiny_dir), "--no-baseline", "--slang"])
    assert "slang normalised: slang@" in text.stdout and "2 of 3 texts changed" in text.stdout
