"""Behavioural tests of the sentiment model in the CheckList style (Ribeiro et al., ACL 2020).

Held-out macro-F1 says how often the model is right on average; it does not say *which* readings
it gets wrong. A PR office cares about a few readings in particular: a flood or a fatal accident
must never come out neutral, "harga cabai melonjak" is bad news for shoppers even though CNBC's
market headlines taught the model that "melonjak" is good, "tidak ada korban jiwa" is reassurance,
and a region's name must not change the tone of a story. This module turns those readings into
templated cases, scores them through the same engine ``pantau nlp eval`` uses, and reports a pass
rate per capability.

The templates, the fill-ins (Kaltim regions, officials, agencies, commodities) and the pass-rate
floors that CI holds the shipped model to live in a data file, ``nlp/data/checklist.toml``; the
expected labels follow ``tests/data/nlp/GUIDELINES-sentiment.md``. Three kinds of test:

* ``mft`` (minimum functionality): each filled template must get ``expect`` (or must not get
  ``expect_not``);
* ``inv`` (invariance): every variant of a case must get the same label. Variants are the template
  filled with each value of ``vary`` (a region swap), or the text with each of ``prefixes`` (a
  dateline) or ``suffixes`` in front of or after it;
* ``dir`` (directional): the variants with a suffix or prefix must not read more positive than the
  original (``direction = "not_more_positive"``): their label must not move up the scale
  negative < neutral < positive and their positive probability must not rise by more than
  ``tolerance``; ``"not_more_negative"`` is the mirror image.

Expansion is deterministic: a template with more fill-in combinations than ``per_template`` gets a
sample drawn with a seed made of the file's ``seed``, the test's name and the template's position.
"""

from __future__ import annotations

import logging
import random
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp.labels import LABELS

if TYPE_CHECKING:
    from nlp.engine import Prediction, SentimentEngine

log = logging.getLogger(__name__)

DEFAULT_CHECKLIST = Path(__file__).resolve().parent / "data" / "checklist.toml"
KINDS = ("mft", "inv", "dir")
DIRECTIONS = ("not_more_positive", "not_more_negative")
_RANK = {"negative": 0, "neutral": 1, "positive": 2}


class ChecklistError(ValueError):
    """A checklist file that cannot be read or expanded (the message names the file and the test)."""


@dataclass(kw_only=True, frozen=True)
class Case:
    """One behavioural case: one text (``mft``) or a group of variants that are judged together."""

    test: str
    capability: str
    kind: str
    texts: tuple[str, ...]
    expect: str = ""
    expect_not: str = ""
    direction: str = ""
    tolerance: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"test": self.test, "capability": self.capability, "kind": self.kind,
                               "texts": list(self.texts)}
        for key in ("expect", "expect_not", "direction"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(kw_only=True, frozen=True)
class Suite:
    path: str
    cases: tuple[Case, ...]
    floors: Mapping[str, float]
    overall_floor: float

    @property
    def capabilities(self) -> list[str]:
        """Capabilities in the order the file first names them."""
        return list(dict.fromkeys(c.capability for c in self.cases))


@dataclass(kw_only=True)
class CapabilityResult:
    capability: str
    n: int = 0
    passed: int = 0
    floor: float | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0


# -- loading and expansion ------------------------------------------------------------------


def _fail(path: Path, where: str, msg: str) -> ChecklistError:
    return ChecklistError(f"{path}: {where}: {msg}" if where else f"{path}: {msg}")


def _placeholders(template: str, path: Path, where: str) -> list[str]:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise _fail(path, where, f"bad template {template!r}: {exc}") from exc
    for name in fields:
        if not name.isidentifier():
            raise _fail(path, where, f"bad placeholder {{{name}}} in template {template!r}")
    return list(dict.fromkeys(fields))


def _str_list(value: Any, path: Path, where: str, key: str, *, required: bool = False) -> list[str]:
    if value is None:
        if required:
            raise _fail(path, where, f"missing {key!r}")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, f"{key!r} must be a list of non-empty strings")
    if required and not value:
        raise _fail(path, where, f"{key!r} is empty")
    return list(value)


def _fill_combinations(names: Sequence[str], fills: Mapping[str, list[str]], limit: int,
                       seed: str) -> list[dict[str, str]]:
    """Up to ``limit`` fill-in combinations, in product order; a seeded sample when there are more."""
    pools = [fills[n] for n in names]
    total = 1
    for pool in pools:
        total *= len(pool)
    picks = range(total) if total <= limit else sorted(random.Random(seed).sample(range(total), limit))
    out = []
    for index in picks:
        combo: dict[str, str] = {}
        rest = index
        for name, pool in zip(reversed(names), reversed(pools), strict=True):
            rest, i = divmod(rest, len(pool))
            combo[name] = pool[i]
        out.append(combo)
    return out


def _expand_test(test: Mapping[str, Any], number: int, path: Path, fills: Mapping[str, list[str]],
                 seed: int, default_per_template: int) -> list[Case]:
    name = test.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, f"test #{number}", "missing 'name'")
    where = f"test {name!r}"
    known = {"name", "capability", "kind", "templates", "expect", "expect_not", "vary", "prefixes", "suffixes",
             "direction", "tolerance", "per_template", "note"}
    unknown = sorted(set(test) - known)
    if unknown:
        raise _fail(path, where, f"unknown keys {unknown}")
    capability = test.get("capability")
    if not isinstance(capability, str) or not capability:
        raise _fail(path, where, "missing 'capability'")
    kind = test.get("kind", "mft")
    if kind not in KINDS:
        raise _fail(path, where, f"kind must be one of {', '.join(KINDS)}, found {kind!r}")
    templates = _str_list(test.get("templates"), path, where, "templates", required=True)
    per_template = test.get("per_template", default_per_template)
    if not isinstance(per_template, int) or isinstance(per_template, bool) or per_template < 1:
        raise _fail(path, where, f"'per_template' must be a positive integer, found {per_template!r}")
    expect = str(test.get("expect", ""))
    expect_not = str(test.get("expect_not", ""))
    vary = str(test.get("vary", ""))
    prefixes = _str_list(test.get("prefixes"), path, where, "prefixes")
    suffixes = _str_list(test.get("suffixes"), path, where, "suffixes")
    direction = str(test.get("direction", ""))
    tolerance = test.get("tolerance", 0.0)
    if not isinstance(tolerance, int | float) or isinstance(tolerance, bool) or not 0 <= tolerance < 1:
        raise _fail(path, where, f"'tolerance' must be a number in [0, 1), found {tolerance!r}")
    for key, label in (("expect", expect), ("expect_not", expect_not)):
        if label and label not in LABELS:
            raise _fail(path, where, f"{key!r} must be one of {', '.join(LABELS)}, found {label!r}")
    if kind == "mft":
        if bool(expect) == bool(expect_not):
            raise _fail(path, where, "an mft test needs exactly one of 'expect' and 'expect_not'")
        if vary or prefixes or suffixes or direction:
            raise _fail(path, where, "an mft test takes no 'vary', 'prefixes', 'suffixes' or 'direction'")
    else:
        if expect or expect_not:
            raise _fail(path, where, f"an {kind} test takes no 'expect' or 'expect_not'")
        if kind == "inv" and (bool(vary) + bool(prefixes or suffixes)) != 1:
            raise _fail(path, where, "an inv test needs either 'vary' or 'prefixes'/'suffixes'")
        if kind == "dir":
            if direction not in DIRECTIONS:
                raise _fail(path, where, f"'direction' must be one of {', '.join(DIRECTIONS)}, found {direction!r}")
            if vary or not (prefixes or suffixes):
                raise _fail(path, where, "a dir test needs 'prefixes' or 'suffixes' and no 'vary'")
    if vary and vary not in fills:
        raise _fail(path, where, f"'vary' names {vary!r}, which is not in [fills]")
    if vary and len(fills[vary]) < 2:
        raise _fail(path, where, f"'vary' needs at least two values in fills.{vary}")

    cases: list[Case] = []
    for t_index, template in enumerate(templates):
        names = _placeholders(template, path, where)
        for n in names:
            if n not in fills:
                raise _fail(path, where, f"template {template!r} uses {{{n}}}, which is not in [fills]")
        if vary and vary not in names:
            raise _fail(path, where, f"template {template!r} has no {{{vary}}} to vary")
        others = [n for n in names if n != vary]
        combos = _fill_combinations(others, fills, per_template, f"{seed}:{name}:{t_index}")
        for combo in combos:
            if vary:
                texts = tuple(template.format(**combo, **{vary: v}) for v in fills[vary])
            else:
                base = template.format(**combo)
                texts = (base, *(p + base for p in prefixes), *(base + s for s in suffixes)) if kind != "mft" \
                    else (base,)
            cases.append(Case(test=name, capability=capability, kind=kind, texts=texts, expect=expect,
                              expect_not=expect_not, direction=direction, tolerance=float(tolerance)))
    return cases


def load_suite(path: Path | str = DEFAULT_CHECKLIST) -> Suite:
    """Read and expand a checklist file; anything malformed raises one :class:`ChecklistError`."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(path, "", f"cannot read checklist: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(path, "", f"not valid TOML: {exc}") from exc
    seed = raw.get("seed", 0)
    per_template = raw.get("per_template", 3)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise _fail(path, "", f"'seed' must be an integer, found {seed!r}")
    fills_raw = raw.get("fills", {})
    if not isinstance(fills_raw, dict):
        raise _fail(path, "", "[fills] must be a table of lists")
    fills = {k: _str_list(v, path, f"fills.{k}", k, required=True) for k, v in fills_raw.items()}
    tests = raw.get("test")
    if not isinstance(tests, list) or not tests or not all(isinstance(t, dict) for t in tests):
        raise _fail(path, "", "no [[test]] tables")
    names = [t.get("name") for t in tests]
    dupes = sorted({str(n) for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(path, "", f"duplicate test names {dupes}")
    cases: list[Case] = []
    for number, test in enumerate(tests, 1):
        cases.extend(_expand_test(test, number, path, fills, seed, per_template))
    floors_raw = raw.get("floors", {})
    if not isinstance(floors_raw, dict):
        raise _fail(path, "", "[floors] must be a table of capability = rate")
    capabilities = set(c.capability for c in cases)
    floors: dict[str, float] = {}
    overall = 0.0
    for cap, value in floors_raw.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise _fail(path, f"floors.{cap}", f"must be a rate in [0, 1], found {value!r}")
        if cap == "overall":
            overall = float(value)
        elif cap not in capabilities:
            raise _fail(path, f"floors.{cap}", f"no test has capability {cap!r}")
        else:
            floors[cap] = float(value)
    log.info("checklist loaded path=%s tests=%d cases=%d capabilities=%d", path, len(tests), len(cases),
             len(capabilities))
    return Suite(path=str(path), cases=tuple(cases), floors=floors, overall_floor=overall)


# -- judging ---------------------------------------------------------------------------------


def judge(case: Case, preds: Sequence[Prediction]) -> bool:
    """Whether the model's predictions for ``case.texts`` (same order) pass the case."""
    labels = [p.label for p in preds]
    if case.kind == "mft":
        return labels[0] == case.expect if case.expect else labels[0] != case.expect_not
    if case.kind == "inv":
        return len(set(labels)) == 1
    first = preds[0]
    if case.direction == "not_more_negative":
        return all(_RANK[p.label] >= _RANK[first.label]
                   and p.probs.get("negative", 0.0) <= first.probs.get("negative", 0.0) + case.tolerance
                   for p in preds[1:])
    return all(_RANK[p.label] <= _RANK[first.label]
               and p.probs.get("positive", 0.0) <= first.probs.get("positive", 0.0) + case.tolerance
               for p in preds[1:])


def run_suite(suite: Suite, engine: SentimentEngine, *, max_failures: int = 5) -> dict[str, Any]:
    """Score every text of the suite in one pass through ``engine.predict`` and judge each case.

    The report: ``file``, ``model``, ``int8``, ``n``, ``passed``, ``pass_rate``, ``overall_floor`` and
    ``capabilities`` (per capability ``n``, ``passed``, ``pass_rate``, ``floor``, ``kinds`` and up to
    ``max_failures`` failed cases with the labels the model gave).
    """
    texts = [t for case in suite.cases for t in case.texts]
    preds = engine.predict(texts)
    results = {cap: CapabilityResult(capability=cap, floor=suite.floors.get(cap)) for cap in suite.capabilities}
    kinds: dict[str, set[str]] = {cap: set() for cap in suite.capabilities}
    at = 0
    for case in suite.cases:
        mine = preds[at:at + len(case.texts)]
        at += len(case.texts)
        res = results[case.capability]
        kinds[case.capability].add(case.kind)
        res.n += 1
        if judge(case, mine):
            res.passed += 1
        elif len(res.failures) < max_failures:
            res.failures.append({**case.to_dict(), "got": [p.label for p in mine]})
    n = sum(r.n for r in results.values())
    passed = sum(r.passed for r in results.values())
    log.info("checklist scored cases=%d texts=%d passed=%d", n, len(texts), passed)
    return {
        "file": suite.path,
        "model": engine.model_dir,
        "int8": engine.quantized,
        "n": n,
        "passed": passed,
        "pass_rate": round(passed / n, 4) if n else 0.0,
        "overall_floor": suite.overall_floor,
        "capabilities": {
            cap: {"n": r.n, "passed": r.passed, "pass_rate": round(r.rate, 4), "floor": r.floor,
                  "kinds": sorted(kinds[cap]), "failures": r.failures}
            for cap, r in results.items()
        },
    }


def below_floor(report: Mapping[str, Any]) -> list[str]:
    """Capabilities (and ``overall``) whose pass rate is under the file's floor."""
    low = [cap for cap, r in report["capabilities"].items()
           if r["floor"] is not None and r["pass_rate"] < r["floor"]]
    if report["pass_rate"] < report["overall_floor"]:
        low.append("overall")
    return low


def format_report(report: Mapping[str, Any]) -> str:
    """Text form: one line per capability (kind, n, passed, rate, floor), overall, then failed examples."""
    lines = [f"== checklist {report['file']}",
             f"model: {report['model']} ({'int8' if report['int8'] else 'fp32'})",
             f"{'capability':26}{'kind':>9}{'n':>6}{'passed':>8}{'rate':>8}{'floor':>8}"]
    for cap, r in report["capabilities"].items():
        floor = f"{r['floor']:.2f}" if r["floor"] is not None else "-"
        flag = "  BELOW FLOOR" if r["floor"] is not None and r["pass_rate"] < r["floor"] else ""
        lines.append(f"{cap:26}{'/'.join(r['kinds']):>9}{r['n']:>6}{r['passed']:>8}{r['pass_rate']:>8.3f}"
                     f"{floor:>8}{flag}")
    flag = "  BELOW FLOOR" if report["pass_rate"] < report["overall_floor"] else ""
    lines.append(f"{'overall':26}{'':>9}{report['n']:>6}{report['passed']:>8}{report['pass_rate']:>8.3f}"
                 f"{report['overall_floor']:>8.2f}{flag}")
    shown = [(cap, f) for cap, r in report["capabilities"].items() for f in r["failures"][:2]]
    if shown:
        lines.append("failed examples (up to 2 per capability):")
        for cap, f in shown:
            expected = f.get("expect") or (f"not {f['expect_not']}" if f.get("expect_not") else
                                           f.get("direction") or "same label")
            lines.append(f"  [{cap}] {f['texts'][0]!r} expected {expected}, got {'/'.join(f['got'])}")
    return "\n".join(lines)

