"""Behavioural gate (CheckList style) for the shipped sentiment model, and the checklist machinery.

The gate runs every case of ``nlp/data/checklist.toml`` through the shipped model as Pantau serves
it (default settings: ONNX Runtime, int8) and holds each capability to the floor stored in that
file, under the rate measured when the floors were set (the file's comments; docs/nlp.md,
"Behavioural tests"). Never lower a floor without saying why in the commit.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp.checklist import DEFAULT_CHECKLIST, Case, ChecklistError, below_floor, judge, load_suite, run_suite
from nlp.cli import app
from nlp.engine import DEFAULT_SENTIMENT_MODEL, Prediction, SentimentEngine
from nlp.service import load_engine
from pantau.settings import from_mapping

runner = CliRunner()

KALTIM_NAMES = ("Samarinda", "Balikpapan", "Bontang", "Kutai Kartanegara", "Berau", "PPU", "Sepaku", "Tenggarong",
                "Wali Kota", "Bupati", "Gubernur", "Dinas PUPR", "BPBD")


@pytest.fixture(scope="module")
def engine() -> SentimentEngine:
    return load_engine(nlp_settings=from_mapping({}, "<defaults>", {}).nlp)


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./pantau.toml: built-in settings, the shipped model
    monkeypatch.delenv("PANTAU_CONFIG", raising=False)


# -- the gate ------------------------------------------------------------------------------


def test_shipped_model_meets_every_checklist_floor(engine: SentimentEngine) -> None:
    assert Path(engine.model_dir) == DEFAULT_SENTIMENT_MODEL.resolve() and engine.quantized
    suite = load_suite()
    assert set(suite.floors) == set(suite.capabilities), "every capability needs a floor"
    assert suite.overall_floor > 0
    report = run_suite(suite, engine)
    rates = {cap: (r["pass_rate"], r["floor"]) for cap, r in report["capabilities"].items()}
    assert below_floor(report) == [], f"below floor: {below_floor(report)}; rates (rate, floor): {rates}"
    assert report["n"] == len(suite.cases) >= 150
    # Reading checks on a few cases the shipped model gets right today (a regression breaks them first).
    clear = engine.predict(["Pemkot Samarinda lakukan rotasi pejabat",
                            "Kebakaran hanguskan puluhan rumah di Tenggarong"])
    assert [p.label for p in clear] == ["neutral", "negative"]


# -- the suite file ------------------------------------------------------------------------


def test_expansion_is_deterministic_and_large_enough() -> None:
    first, second = load_suite(), load_suite()
    assert first.cases == second.cases
    assert len(first.cases) >= 150
    by_cap: dict[str, int] = {}
    for case in first.cases:
        by_cap[case.capability] = by_cap.get(case.capability, 0) + 1
        assert not any("{" in t or "}" in t for t in case.texts), case
    assert min(by_cap.values()) >= 10, by_cap
    assert {"mft", "inv", "dir"} == {c.kind for c in first.cases}
    mft = [c.texts[0] for c in first.cases if c.kind == "mft"]
    assert len(mft) == len(set(mft)), "an mft text appears twice"
    everything = " ".join(t for c in first.cases for t in c.texts)
    assert [n for n in KALTIM_NAMES if n not in everything] == []
    # Region swaps vary the region only: the variants differ in one place.
    swap = next(c for c in first.cases if c.capability == "inv_region_swap")
    assert len(swap.texts) == 5 and len(set(swap.texts)) == 5


def test_sampling_is_seeded(tmp_path: Path) -> None:
    body = ('seed = {seed}\n[fills]\na = ["1", "2", "3", "4", "5"]\nb = ["x", "y", "z"]\n'
            '[[test]]\nname = "t"\ncapability = "c"\nexpect = "neutral"\nper_template = 4\n'
            'templates = ["{{a}} {{b}}"]\n')
    f = tmp_path / "c.toml"
    f.write_text(body.format(seed=1), encoding="utf-8")
    one = [c.texts for c in load_suite(f).cases]
    assert len(one) == 4 and len(set(one)) == 4
    assert one == [c.texts for c in load_suite(f).cases]
    samples = set()
    for seed in range(2, 8):
        f.write_text(body.format(seed=seed), encoding="utf-8")
        samples.add(tuple(c.texts for c in load_suite(f).cases))
    assert len(samples) > 1


@pytest.mark.parametrize(("body", "message"), [
    ('[[test]]\nname = "t"\ncapability = "c"\nexpect = "neutral"\ntemplates = ["Banjir di {kota}"]\n',
     "test 't': template 'Banjir di {kota}' uses {kota}, which is not in [fills]"),
    ('[[test]]\nname = "t"\ncapability = "c"\nexpect = "bagus"\ntemplates = ["a"]\n',
     "test 't': 'expect' must be one of negative, neutral, positive, found 'bagus'"),
    ('[[test]]\nname = "t"\ncapability = "c"\nexpect = "neutral"\ntemplates = ["Banjir di {kota"]\n',
     "test 't': bad template"),
    ('[[test]]\nname = "t"\ncapability = "c"\nkind = "inv"\ntemplates = ["a"]\n',
     "test 't': an inv test needs either 'vary' or 'prefixes'/'suffixes'"),
    ('[[test]]\nname = "t"\ncapability = "c"\nexpect = "neutral"\ntemplates = ["a"]\n[floors]\nd = 0.5\n',
     "floors.d: no test has capability 'd'"),
    ('[[test]\nname = "t"\n', "not valid TOML"),
    ('seed = 1\n', "no [[test]] tables"),
])
def test_broken_file_gives_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    f = tmp_path / "broken.toml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ChecklistError) as err:
        load_suite(f)
    assert str(err.value).startswith(f"{f}: ") and message in str(err.value), str(err.value)
    result = runner.invoke(app, ["checklist", "--file", str(f)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {err.value}"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["checklist", "--file", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'nope.toml'}: cannot read checklist")


# -- judging -------------------------------------------------------------------------------


def _pred(label: str, positive: float) -> Prediction:
    rest = (1 - positive) / 2
    return Prediction(label=label, score=0.0, probs={"negative": rest, "neutral": rest, "positive": positive})


def test_judge_each_kind() -> None:
    mft = Case(test="t", capability="c", kind="mft", texts=("a",), expect="negative")
    assert judge(mft, [_pred("negative", 0.1)]) and not judge(mft, [_pred("neutral", 0.1)])
    mft_not = Case(test="t", capability="c", kind="mft", texts=("a",), expect_not="positive")
    assert judge(mft_not, [_pred("neutral", 0.2)]) and not judge(mft_not, [_pred("positive", 0.8)])
    inv = Case(test="t", capability="c", kind="inv", texts=("a", "b", "c"))
    assert judge(inv, [_pred("neutral", 0.1)] * 3)
    assert not judge(inv, [_pred("neutral", 0.1), _pred("neutral", 0.1), _pred("negative", 0.1)])
    d = Case(test="t", capability="c", kind="dir", texts=("a", "b"), direction="not_more_positive", tolerance=0.05)
    assert judge(d, [_pred("neutral", 0.30), _pred("negative", 0.10)])
    assert judge(d, [_pred("neutral", 0.30), _pred("neutral", 0.34)])  # within the tolerance
    assert not judge(d, [_pred("neutral", 0.30), _pred("neutral", 0.40)])  # more positive
    assert not judge(d, [_pred("negative", 0.30), _pred("neutral", 0.20)])  # label moved up
    calm = Case(test="t", capability="c", kind="dir", texts=("a", "b"), direction="not_more_negative")
    assert judge(calm, [_pred("negative", 0.1), _pred("neutral", 0.1)])
    assert not judge(calm, [_pred("neutral", 0.3), _pred("negative", 0.1)])  # label moved down
    assert not judge(calm, [_pred("neutral", 0.3), _pred("neutral", 0.0)])  # negative rose 0.35 -> 0.5


# -- the command ---------------------------------------------------------------------------


def test_cli_reports_rates_and_fails_below_floor(tmp_path: Path) -> None:
    f = tmp_path / "small.toml"
    body = ('[fills]\nkota = ["Samarinda", "Balikpapan"]\n'
            '[[test]]\nname = "plain"\ncapability = "announcement_neutral"\nexpect = "neutral"\n'
            'templates = ["Pemkot {kota} lakukan rotasi pejabat"]\n'
            '[[test]]\nname = "swap"\ncapability = "inv_region_swap"\nkind = "inv"\nvary = "kota"\n'
            'templates = ["Pemkot {kota} lakukan rotasi pejabat"]\n'
            '[floors]\nannouncement_neutral = {floor}\n')
    f.write_text(body.replace("{floor}", "0.5"), encoding="utf-8")
    result = runner.invoke(app, ["checklist", "--file", str(f), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model"] == str(DEFAULT_SENTIMENT_MODEL) and report["int8"] is True
    assert report["n"] == 3 and report["passed"] == 3 and report["pass_rate"] == 1.0
    assert report["capabilities"]["announcement_neutral"] == {
        "n": 2, "passed": 2, "pass_rate": 1.0, "floor": 0.5, "kinds": ["mft"], "failures": []}
    assert report["capabilities"]["inv_region_swap"]["floor"] is None
    # The same cases with an expectation the model does not meet: exit 1 and the capability named.
    f.write_text(body.replace("{floor}", "0.5").replace('expect = "neutral"', 'expect = "positive"'), encoding="utf-8")
    failed = runner.invoke(app, ["checklist", "--file", str(f)])
    assert failed.exit_code == 1
    assert "announcement_neutral" in failed.stdout and "BELOW FLOOR" in failed.stdout
    assert "below floor: announcement_neutral" in failed.stderr
    assert "'Pemkot Samarinda lakukan rotasi pejabat' expected positive, got neutral" in failed.stdout


def test_default_file_ships_with_the_package() -> None:
    root = Path(__file__).resolve().parent.parent
    assert root / "nlp" / "data" / "checklist.toml" == DEFAULT_CHECKLIST
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["nlp"]
