"""The regions gazetteer (38 provinces, 514 regencies/cities) and the region tagger.

A PR office in Samarinda needs every article about Samarinda and none about coal
("batu bara") being mistaken for Kota Batu. The tagger therefore works on word tokens
(no substring matches), prefers the longest alias at each position (so "Paser" inside
"Penajam Paser Utara" is never Kabupaten Paser), blocks known non-place phrases, and
asks more of names that are also common words: a capital letter, or a place context
("di Batu", "Kota Batu", a dateline).

Aliases live in ``pantau/data/region_aliases.csv``; names and capitals come from the
Kemendagri gazetteer in ``pantau/data/{provinces,regencies}.csv``.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

TOKEN_RE = re.compile(r"[^\W_]+")
# A dateline: "SAMARINDA, KOMPAS.com -", "Jakarta, CNN Indonesia --", "Samarinda (ANTARA) -".
DATELINE_RE = re.compile(r"^\s*(?P<place>[^\n,(]{2,40}?)\s*[,(][^\n]{0,40}?[-–—]")

# Words before a common-word place name that make it a place ("di Batu", "warga Serang").
PLACE_CONTEXT = frozenset(
    {
        "di", "ke", "dari", "asal", "wilayah", "kawasan", "daerah", "warga", "masyarakat", "kabupaten",
        "kota", "kab", "pemkab", "pemkot", "bupati", "walikota", "polres", "polresta", "kapolres", "dprd",
        "menuju", "sekitar", "se", "pilkada", "walkot",
    }
)
# Capitals that are also everyday words or belong to two regencies: never used as evidence.
CAPITAL_STOPLIST = frozenset(
    {
        "benteng", "negara", "raya", "sumber", "tanjung", "pinang", "salak", "rantau", "pandan", "mulia",
        "seba", "baa", "fef", "tigi", "kepi", "lotu", "waris", "weda", "woha", "soe", "tais", "manna",
        "bula", "maba", "raha", "borong", "kota agung", "kota prabumulih", "limapuluh", "martapura",
        "sukadana", "parigi", "tanah merah", "menteng", "koja", "kembangan", "cakung", "kebayoran baru",
        "pulau pramuka", "gido", "tiom", "daik", "dobo", "koba", "mbay", "karang baru", "sumohai",
        "lahomi", "rasiei", "botawa", "kigamani", "burmeso", "tirawuta", "panyabungan",
    }
)
# Words before a name that make it a street or a vessel, not the region ("Jalan Samarinda", "KM Bontang").
# Bays, straits, rivers, lakes and bridges named after a region are not the region ("Teluk Balikpapan").
NON_PLACE_PREFIX = frozenset(
    {"jalan", "jl", "jln", "gang", "gg", "km", "kmp", "kri", "tb", "mv", "mt", "teluk", "selat", "sungai",
     "danau", "jembatan", "bengawan"}
)
# A place followed by one of these is abroad ("Malaka, Malaysia").
FOREIGN_LOCATORS = re.compile(
    r"\s*,\s*(Malaysia|Singapura|Singapore|Brunei|Thailand|Filipina|Vietnam|Australia|Timor Leste|Papua Nugini|"
    r"Tiongkok|China|Jepang|India|Arab Saudi|Belanda|Amerika)\b"
)
KABUPATEN_FORMS = ("kabupaten", "kab", "pemkab", "bupati", "kabupaten administrasi")
KOTA_FORMS = ("kota", "pemkot", "kotamadya", "wali kota", "walikota", "walkot", "kota administrasi")
PROVINCE_FORMS = ("provinsi", "prov", "pemprov", "gubernur", "pemerintah provinsi")


@dataclass(kw_only=True, frozen=True)
class RegionEvidence:
    """Why an article was tagged with a region: the alias that matched and where."""

    code: str
    alias: str
    field: str  # "title" | "body" | "dateline" | "watch-term"
    start: int
    strength: str  # "strong" (name, form, abbreviation) | "weak" (capital, dateline city alone)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RegionEvidence:
        return cls(
            code=str(d["code"]),
            alias=str(d["alias"]),
            field=str(d.get("field", "body")),
            start=int(d.get("start", 0)),
            strength=str(d.get("strength", "strong")),
        )



def tokens(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of ``text`` as (lowercased token, start, end) offsets into the original."""
    return [(m.group(0).lower(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def _key(text: str) -> tuple[str, ...]:
    return tuple(t for t, _, _ in tokens(text))


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # "Samarinda", "Kalimantan Timur"
    display: str  # "Kota Samarinda", "Kalimantan Timur"
    level: str  # "province" | "regency" | "city"
    province_code: str
    capital: str


class Gazetteer:
    """All Indonesian provinces and regencies/cities, keyed by Kemendagri code."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions = list(regions)
        self.by_code = {r.code: r for r in self.regions}

    def ancestors(self, code: str) -> list[str]:
        """The code and its parents, province first: ``64.72`` → ``["64", "64.72"]``."""
        parts = code.split(".")
        return [".".join(parts[: i + 1]) for i in range(len(parts))]

    def children(self, code: str) -> list[Region]:
        return [r for r in self.regions if r.code.startswith(code + ".")]

    def display(self, code: str) -> str:
        return self.by_code[code].display


def _data_file(name: str) -> Any:
    return resources.files("pantau").joinpath("data", name)


@functools.cache
def gazetteer() -> Gazetteer:
    regions: list[Region] = []
    with _data_file("provinces.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            regions.append(
                Region(
                    code=row["code"], name=row["name"], display=row["name"], level="province",
                    province_code=row["code"], capital=row["capital"],
                )
            )
    with _data_file("regencies.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            regions.append(
                Region(
                    code=row["code"], name=row["name"], display=row["full_name"],
                    level="city" if row["type"] == "Kota" else "regency",
                    province_code=row["province_code"], capital=row["capital"],
                )
            )
    return Gazetteer(regions)


@dataclass(frozen=True)
class Alias:
    text: str
    key: tuple[str, ...]
    code: str | None  # None: a blocking phrase or an ambiguous name
    kind: str  # name | form | abbrev | nickname | capital | watch-term | block | ambiguous
    rule: str = ""  # "" | "case" | "context"

    @property
    def strength(self) -> str:
        return "weak" if self.kind == "capital" else "strong"


@dataclass(frozen=True)
class Match:
    code: str
    name: str
    evidence: tuple[RegionEvidence, ...] = field(default_factory=tuple)

    @property
    def strength(self) -> str:
        return "strong" if any(e.strength == "strong" for e in self.evidence) else "weak"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "evidence": [e.to_dict() for e in self.evidence]}


def read_alias_table() -> list[dict[str, str]]:
    with _data_file("region_aliases.csv").open(encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def build_aliases(gaz: Gazetteer, watch_terms: Mapping[str, Iterable[str]] | None = None) -> list[Alias]:
    """Generated names and forms, overridden by the curated table, plus configured watch-terms."""
    table: dict[tuple[str, ...], Alias] = {}

    def put(text: str, code: str | None, kind: str, rule: str = "") -> None:
        key = _key(text)
        if key:
            table[key] = Alias(text=text, key=key, code=code, kind=kind, rule=rule)

    by_name: dict[str, list[Region]] = {}
    for r in gaz.regions:
        by_name.setdefault(r.name.lower(), []).append(r)

    strong_keys: set[tuple[str, ...]] = set()
    for r in gaz.regions:
        if r.level == "province":
            put(r.name, r.code, "name")
            for form in PROVINCE_FORMS:
                put(f"{form} {r.name}", r.code, "form")
        else:
            forms = KOTA_FORMS if r.level == "city" else KABUPATEN_FORMS
            for form in forms:
                put(f"{form} {r.name}", r.code, "form")
            put(r.display, r.code, "form")
            if r.name.startswith("Administrasi "):
                # Jakarta's kota administrasi are written "Jakarta Selatan", "Kepulauan Seribu".
                short = r.name.removeprefix("Administrasi ")
                put(short, r.code, "name")
                for form in forms:
                    put(f"{form} {short}", r.code, "form")
            namesakes = by_name[r.name.lower()]
            # Shared by a Kabupaten and a Kota, the bare name means the city; shared with a province,
            # the curated table decides (Jambi, Bengkulu, Gorontalo mean the province).
            if (len(namesakes) == 1 or r.level == "city") and not any(n.level == "province" for n in namesakes):
                put(r.name, r.code, "name")
        strong_keys.add(_key(r.name))

    capital_count: dict[str, int] = {}
    for r in gaz.regions:
        if r.level == "regency" and r.capital:
            capital_count[r.capital.lower()] = capital_count.get(r.capital.lower(), 0) + 1
    for r in gaz.regions:
        cap = r.capital.lower()
        if (
            r.level == "regency"
            and cap
            and capital_count[cap] == 1
            and cap not in CAPITAL_STOPLIST
            and _key(cap) not in strong_keys
            and _key(cap) not in table
        ):
            put(r.capital, r.code, "capital", "case")

    for row in read_alias_table():
        code = row["code"] or None
        if code is not None and code not in gaz.by_code:
            raise ValueError(f"region_aliases.csv: alias {row['alias']!r} names unknown code {code!r}")
        put(row["alias"], code, row["kind"], row["rule"])

    for code, terms in (watch_terms or {}).items():
        if code not in gaz.by_code:
            raise ValueError(f"watch-term region {code!r} is not a Kemendagri code")
        for term in terms:
            put(term, code, "watch-term")
    return list(table.values())


class Tagger:
    """Finds the regions a text is about, with the alias and offset that gave each one away."""

    def __init__(self, gaz: Gazetteer, aliases: Iterable[Alias]) -> None:
        self.gaz = gaz
        self.index: dict[str, list[Alias]] = {}
        for alias in aliases:
            self.index.setdefault(alias.key[0], []).append(alias)
        for bucket in self.index.values():
            bucket.sort(key=lambda a: len(a.key), reverse=True)

    def tag(self, text: str = "", *, title: str = "") -> list[Match]:
        """Tag the title and the body; a region found in either is returned once with all its evidence."""
        evidence: dict[str, list[RegionEvidence]] = {}
        for field_name, value in (("title", title), ("body", text)):
            if value:
                for ev in self._scan(value, field_name):
                    evidence.setdefault(ev.code, []).append(ev)
        return [
            Match(code=code, name=self.gaz.display(code), evidence=tuple(evs))
            for code, evs in evidence.items()
        ]

    def _scan(self, text: str, field_name: str) -> list[RegionEvidence]:
        toks = tokens(text)
        dateline_end = -1
        m = DATELINE_RE.match(text)
        if m:
            place = m.group("place")
            words = [w for w in place.split() if w]
            if 0 < len(words) <= 4 and all(w[0].isupper() for w in words):
                dateline_end = m.start("place") + len(place)
        found: list[RegionEvidence] = []
        i = 0
        while i < len(toks):
            match = self._match_at(text, toks, i, dateline_end)
            if match is None:
                i += 1
                continue
            alias, n = match
            start = toks[i][1]
            if alias.code is not None and self._not_the_region(alias, text, toks, i, n, dateline_end):
                i += n
                continue
            if alias.code is not None:
                in_dateline = start < dateline_end
                found.append(
                    RegionEvidence(
                        code=alias.code,
                        alias=text[start : toks[i + n - 1][2]],
                        field="dateline" if in_dateline and field_name == "body" else field_name,
                        start=start,
                        strength="strong" if in_dateline else alias.strength,
                    )
                )
            i += n
        return found

    def _match_at(
        self, text: str, toks: list[tuple[str, int, int]], i: int, dateline_end: int
    ) -> tuple[Alias, int] | None:
        for alias in self.index.get(toks[i][0], ()):
            n = len(alias.key)
            if tuple(t for t, _, _ in toks[i : i + n]) != alias.key:
                continue
            if alias.rule and not self._rule_holds(alias, text, toks, i, dateline_end):
                continue
            return alias, n
        return None

    def _not_the_region(
        self, alias: Alias, text: str, toks: list[tuple[str, int, int]], i: int, n: int, dateline_end: int
    ) -> bool:
        """A bare name that is a street, a vessel, or a place located in another province."""
        if alias.kind not in ("name", "capital", "abbrev", "nickname"):
            return False
        if i > 0 and toks[i - 1][0] in NON_PLACE_PREFIX:
            return True
        if i > 1 and toks[i - 1][0] == "raya" and toks[i - 2][0] in NON_PLACE_PREFIX:  # "Jl. Raya Singkil"
            return True
        if not alias.rule or i + n >= len(toks):
            return False
        if FOREIGN_LOCATORS.match(text, toks[i + n - 1][2]):
            return True
        # "Kuningan, Jakarta Selatan" or "Ketapang, Banyuwangi (Jawa Timur)": a local place name followed
        # by the region that contains it. Only a province, or a Jakarta city, counts as such a locator,
        # so lists like "Medan, Makassar dan Padang" keep every city.
        between = text[toks[i + n - 1][2] : toks[i + n][1]]
        if between.strip() not in (",", "("):
            return False
        follower = self._match_at(text, toks, i + n, dateline_end)
        if follower is None or follower[0].code is None:
            return False
        other = self.gaz.by_code[follower[0].code]
        mine = self.gaz.by_code[alias.code or ""]
        locator = other.level == "province" or (other.code.startswith("31.") and other.code != "31")
        return locator and other.province_code != mine.province_code

    @staticmethod
    def _rule_holds(
        alias: Alias, text: str, toks: list[tuple[str, int, int]], i: int, dateline_end: int
    ) -> bool:
        start = toks[i][1]
        # Capitals are evidence only in text that uses them; a lowercased corpus gives no case signal.
        if not text[start].isupper() and any(c.isupper() for c in text):
            return False
        if alias.rule == "case" or start < dateline_end:
            return True
        if alias.rule == "form":
            return False
        # rule == "context": a place word before it, or ", <Province>" after it.
        if i > 0 and toks[i - 1][0] in PLACE_CONTEXT:
            return True
        end = toks[i + len(alias.key) - 1][2]
        after = text[end : end + 30]
        return bool(re.match(r"\s*,\s*(Jawa|Sumatera|Sulawesi|Kalimantan|Nusa|Papua|Maluku|Banten|Bali|Lampung|Riau)",
                             after))


@functools.cache
def _default_tagger() -> Tagger:
    gaz = gazetteer()
    return Tagger(gaz, build_aliases(gaz))


def tagger(watch_terms: Mapping[str, Iterable[str]] | None = None) -> Tagger:
    """The tagger for all of Indonesia, optionally with configured watch-terms (officials, agencies)."""
    if not watch_terms:
        return _default_tagger()
    gaz = gazetteer()
    return Tagger(gaz, build_aliases(gaz, watch_terms))
