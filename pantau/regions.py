"""The regions gazetteer (38 provinces, 514 regencies/cities) and the region tagger.

A PR office in Samarinda needs every article about Samarinda and none about coal
("batu bara") being mistaken for Kota Batu. The tagger therefore works on word tokens
(no substring matches), prefers the longest alias at each position (so "Paser" inside
"Penajam Paser Utara" is never Kabupaten Paser), blocks known non-place phrases, and
asks more of names that are also common words: a capital letter, or a place context
("di Batu", "Kota Batu", a dateline).

Aliases live in ``pantau/data/region_aliases.csv``; names and capitals come from the
Kemendagri gazetteer in ``pantau/data/{provinces,regencies}.csv``.

Below the regencies, ``pantau/data/districts/<province>.csv`` (kecamatan) and
``pantau/data/villages/<province>.csv`` (desa/kelurahan) let local news that names only
"Sepaku" or "Desa Bumi Harapan" reach the regency's card: such a match tags the regency and
its evidence carries the kecamatan code (``64.09.04``). Village names are often common words
or shared across Indonesia ("Sumber Rejo"), so a village counts only after "Desa",
"Kelurahan" or "Kampung", or with its kecamatan or regency named nearby. Adding another
province's kecamatan and desa is a matter of dropping two CSV files in those folders.
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
CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
# A dateline: "SAMARINDA, KOMPAS.com -", "Jakarta, CNN Indonesia --", "Samarinda (ANTARA) -".
DATELINE_RE = re.compile(r"^\s*(?P<place>[^\n,(]{2,40}?)\s*[,(][^\n]{0,40}?[-–—]")

# Words before a common-word place name that make it a place ("di Batu", "warga Serang").
PLACE_CONTEXT = frozenset(
    {
        "di", "ke", "dari", "asal", "wilayah", "kawasan", "daerah", "warga", "masyarakat", "kabupaten",
        "kota", "kab", "pemkab", "pemkot", "bupati", "walikota", "polres", "polresta", "kapolres", "dprd",
        "menuju", "sekitar", "se", "pilkada", "walkot", "kelahiran", "cawalkot", "cawabup", "cabup", "wabup",
        "wawali", "wawalkot", "pilwalkot", "pilbup", "kapolresta", "dandim", "kajari", "kejari", "kodim", "khas",
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
        "lahomi", "rasiei", "botawa", "kigamani", "burmeso", "tirawuta", "panyabungan", "kisaran",
    }
)
# Words before a name that make it a street or a vessel, not the region ("Jalan Samarinda", "KM Bontang").
STREET_WORDS = frozenset({"jalan", "jl", "jln", "tol"})
# Bays, straits, rivers, lakes and bridges named after a region are not the region ("Teluk Balikpapan").
NON_PLACE_PREFIX = frozenset(
    {"jalan", "jl", "jln", "gang", "gg", "km", "kmp", "kri", "tb", "mv", "mt", "teluk", "selat", "sungai",
     "danau", "jembatan", "bengawan", "gunung", "sunan", "suku", "tol"}
)
# A place followed by one of these is abroad ("Malaka, Malaysia", "Kampar, Perak").
FOREIGN_LOCATORS = re.compile(
    r"\s*[,(]\s*(Malaysia|Singapura|Singapore|Brunei|Thailand|Filipina|Vietnam|Australia|Timor Leste|Papua Nugini|"
    r"Tiongkok|China|Jepang|India|Arab Saudi|Belanda|Amerika|Sabah|Sarawak|Johor|Kedah|Perak|Selangor|Penang|"
    r"Kelantan|Pahang|Terengganu|Perlis|Negeri Sembilan|Timor-Leste)\b"
)
# Words that place the next name: a kecamatan ("Kecamatan Sepaku") or a village ("Desa Bumi Harapan").
DISTRICT_LOCATORS = frozenset({"kecamatan", "kec", "camat", "kapolsek", "polsek", "koramil", "danramil"})
VILLAGE_LOCATORS = frozenset({"desa", "kelurahan", "kel", "kampung", "kampong", "ds", "kades", "lurah", "pemdes"})
# A regency's name right after these is a village or kecamatan elsewhere that shares it ("Desa Kendal",
# "Kecamatan Padang Ulak Tanding"); Kaltim's own kecamatan and villages are matched as such before this.
HAMLET_LOCATORS = frozenset({"desa", "kelurahan", "kel", "dusun", "dsn", "kades", "lurah", "kecamatan", "kec"})
# Village names made of these words, or Javanese transmigration names ending in them, recur all over
# Indonesia ("Sumber Rejo", "Sidomulyo", "Karang Anyar"): a locator alone does not place them in Kaltim.
GENERIC_VILLAGE_WORDS = frozenset(
    {
        "sumber", "rejo", "karang", "anyar", "sido", "mulyo", "margo", "jaya", "makmur", "sari", "baru",
        "indah", "bakti", "bhakti", "rahayu", "agung", "asri", "sentosa", "mulya", "mukti", "tani", "mekar",
        "tanjung", "sungai", "bukit", "teluk", "batu", "muara", "simpang", "suka", "tunas", "karya", "maju",
        "sejahtera", "damai", "permai", "lestari", "kencana", "raya", "tengah", "utara", "selatan", "barat", "timur",
        "ilir", "ulu", "hulu", "hilir", "lama", "seberang", "dalam", "luar", "pasir", "gunung", "rantau", "pulau",
        "kampung", "tanah", "air", "purwo", "wono", "joyo", "dadi", "manunggal", "panjang", "benua", "jawa", "bugis",
        "dayak", "melayu", "madura", "toraja", "sunda", "mandar", "buton", "flores", "timor", "lombok", "api",
        "merdeka", "mandiri", "sejati", "setia", "budi", "rukun", "bangun", "mulia", "baka", "kota", "pantai",
        "tepian", "long", "loa", "sepakat", "sidorejo", "sidodadi", "sukarame", "sukamaju", "mentari",
    }
)
GENERIC_VILLAGE_SUFFIXES = (
    "rejo", "mulyo", "harjo", "sari", "jaya", "agung", "makmur", "dadi", "mukti", "asri", "rahayu",
)
SUPPORT_WINDOW = 300  # characters: "nearby" for a village or kecamatan and the regency that backs it
# Between a sentence-initial word and the word before it: the end of a sentence, a quote, a colon or a bracket.
SENTENCE_END_RE = re.compile(r"[.!?\n:;\"“”'‘’(\[]\s*$")
# Words that place a kecamatan whose name is also a common word ("di Waru", "warga Sambutan").
DISTRICT_CONTEXT = frozenset(
    {"di", "ke", "dari", "asal", "warga", "wilayah", "kawasan", "daerah", "masyarakat", "menuju", "sekitar"}
)
# Facilities and institutions named after the town they stand in: "Stadion Manahan Solo", "Kawasan Industri
# Batang", "STIE Serang", "SMA Negeri 1 Batu". A common-word name that closes such a name is the place.
INSTITUTION_WORDS = frozenset(
    {
        "stadion", "bandara", "stasiun", "terminal", "pelabuhan", "rsud", "rsu", "universitas", "institut",
        "politeknik", "poltekkes", "stie", "stikes", "stmik", "stkip", "uin", "iain", "sma", "smp", "smk", "sman",
        "smpn", "smkn", "sdn", "man", "mtsn", "kejari", "kejaksaan", "pengadilan", "pn", "lapas", "rutan", "kodim",
        "korem", "polresta", "industri", "keraton", "kraton", "pasar", "alun", "kantor", "bpbd", "kpu", "bawaslu",
        "gor",
    }
)
# What joins the items of a list of places: "Malang dan Batu", "Semarang, Solo, Tegal", "Solo - Yogyakarta".
LIST_SEP_RE = re.compile(r"\s*(?:,|;|/|&|-|–|,?\s*(?:dan|serta|atau|hingga|sampai|ke))\s*", re.IGNORECASE)
# Names that are also peoples, listed beside other peoples ("Jawa, Batak dan Banjar"): no list vouches for them.
ETHNIC_NAMES = frozenset({"banjar", "karo"})
# ", Jawa Tengah" after a name places it: the province (or an island that is one) follows.
PROVINCE_AFTER_RE = re.compile(
    r"\s*,\s*(Jawa|Sumatera|Sumatra|Sulawesi|Kalimantan|Nusa|Papua|Maluku|Banten|Bali|Lampung|Riau|Aceh|"
    r"Jambi|Bengkulu|Gorontalo|Jateng|Jatim|Jabar|DIY|Yogyakarta|NTB|NTT|Sumut|Sumbar|Sumsel|Sulsel|Sulut|"
    r"Sulteng|Sultra|Sulbar|Kalsel|Kalbar|Kalteng|Kaltim|Kaltara|Kepri|Babel)\b",
    re.IGNORECASE,
)
LOCATING_FORMS = frozenset({"kota", "kabupaten", "kab", "provinsi", "prov", "kecamatan", "kec"})
DATE_WORDS = frozenset(
    {
        "senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu", "ahad", "januari", "februari", "maret",
        "april", "mei", "juni", "juli", "agustus", "september", "oktober", "november", "desember", "wib", "wita",
        "wit", "pagi", "siang", "sore", "malam",
    }
)
HANDLE_KINDS = frozenset({"name", "abbrev", "nickname", "capital", "district"})
PAIRED_FORMS = frozenset({"kota", "kabupaten", "kab", "pemkot", "pemkab"})
KABUPATEN_FORMS = ("kabupaten", "kab", "pemkab", "bupati", "kabupaten administrasi", "pilbup", "cabup", "wabup",
                   "cawabup")
KOTA_FORMS = ("kota", "pemkot", "kotamadya", "wali kota", "walikota", "walkot", "kota administrasi", "pilwalkot",
              "cawalkot", "wawali", "wawalkot")
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
    """Word tokens of ``text`` as (lowercased token, start, end) offsets into the original.

    Scraped text glues words where markup stood between them ("diNgawi", "Jawa BaratDedi",
    "KabupatenBangkalan"): a capital after a lowercase letter starts a new token.
    """
    out: list[tuple[str, int, int]] = []
    for m in TOKEN_RE.finditer(text):
        word = m.group(0)
        if word.islower() or word.isupper() or not CAMEL_RE.search(word):
            out.append((word.lower(), m.start(), m.end()))
            continue
        cut = m.start()
        for c in CAMEL_RE.finditer(word):
            out.append((text[cut : m.start() + c.start()].lower(), cut, m.start() + c.start()))
            cut = m.start() + c.start()
        out.append((text[cut : m.end()].lower(), cut, m.end()))
    return out


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


@dataclass(frozen=True)
class Village:
    code: str  # "64.09.04.2001"
    district_code: str  # "64.09.04"
    name: str


class Gazetteer:
    """All Indonesian provinces and regencies/cities, keyed by Kemendagri code, plus the kecamatan
    (``districts``, level "district") and desa/kelurahan (``villages``) of the provinces that ship them.

    ``regions`` and ``children`` hold provinces and regencies only; ``by_code`` knows districts too,
    so an article can carry ``64.09.04`` and a search can filter on it.
    """

    def __init__(
        self, regions: Iterable[Region], districts: Iterable[Region] = (), villages: Iterable[Village] = ()
    ) -> None:
        self.regions = list(regions)
        self.districts = list(districts)
        self.villages = list(villages)
        self.by_code = {r.code: r for r in self.regions}
        for d in self.districts:
            regency = ".".join(d.code.split(".")[:2])
            if regency not in self.by_code or self.by_code[regency].level == "province" or d.code.count(".") != 2:
                raise ValueError(f"district {d.code} {d.name!r}: not a kecamatan code under a known regency")
            self.by_code[d.code] = d
        for v in self.villages:
            if v.district_code not in self.by_code or not v.code.startswith(v.district_code + "."):
                raise ValueError(f"village {v.code} {v.name!r}: unknown kecamatan {v.district_code!r}")

    def regency_of(self, code: str) -> str:
        """The regency/city a code lies in (itself for a regency, ``""`` for a province)."""
        return ".".join(code.split(".")[:2]) if "." in code else ""

    def districts_of(self, code: str) -> list[Region]:
        return [d for d in self.districts if d.code.startswith(code + ".")]

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


def _csv_rows(handle: Iterable[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _data_folder_rows(folder: str) -> list[dict[str, str]]:
    """Rows of every ``pantau/data/<folder>/*.csv`` (one file per province), in file-name order."""
    base = _data_file(folder)
    if not base.is_dir():
        return []
    rows: list[dict[str, str]] = []
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            with entry.open(encoding="utf-8") as f:
                rows.extend(_csv_rows(f))
    return rows


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
    districts = [
        Region(
            code=row["code"], name=row["name"], display=f"Kecamatan {row['name']}", level="district",
            province_code=row["code"].split(".")[0], capital="",
        )
        for row in _data_folder_rows("districts")
    ]
    villages = [
        Village(code=row["code"], district_code=row["district_code"], name=row["name"])
        for row in _data_folder_rows("villages")
    ]
    return Gazetteer(regions, districts, villages)


@functools.cache
def _common_words() -> frozenset[str]:
    """Words of village names that are also ordinary words (``data/common-words.txt``)."""
    with _data_file("common-words.txt").open(encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and not line.startswith("#"))


@functools.cache
def _district_rules() -> dict[str, str]:
    return {row["code"]: row.get("rule") or "" for row in _data_folder_rows("districts")}


@dataclass(frozen=True)
class Alias:
    text: str
    key: tuple[str, ...]
    code: str | None  # None: a blocking phrase, an ambiguous name, or a village shared by kecamatan (``alts``)
    kind: str  # name | form | abbrev | nickname | capital | watch-term | block | ambiguous | district | village
    rule: str = ""  # "" | "case" | "word" | "context" | "form" | "locator" (village)
    alts: tuple[str, ...] = ()  # a village name shared by several kecamatan: their codes

    @property
    def strength(self) -> str:
        return "weak" if self.kind in ("capital", "district", "village") else "strong"

    @property
    def generic(self) -> bool:
        """A village name found all over Indonesia: a locator alone does not place it.

        "Sumber Rejo" and "Bukit Raya" are made of such words only; "Sempaja Timur" is not, since
        a compass word after a distinctive name is how one kelurahan is split into several.
        """
        return all(t in GENERIC_VILLAGE_WORDS or t.endswith(GENERIC_VILLAGE_SUFFIXES) for t in self.key)


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
        return _csv_rows(f)


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

    # Two-word names are also written as one ("Tanjungpinang", "Palangkaraya", "Pangkalpinang").
    for r in gaz.regions:
        key = _key(r.name)
        if len(key) == 2 and r.level != "province" and ("".join(key),) not in table and (
            len(by_name[r.name.lower()]) == 1 or r.level == "city"
        ):
            put("".join(key).capitalize(), r.code, "name", "case")

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
        # A former or alternative name takes the forms too, so "Kabupaten Toba Samosir" is one name,
        # not "Kabupaten Toba" followed by Samosir.
        region = gaz.by_code.get(code or "")
        if row["kind"] == "name" and region is not None and region.level in ("regency", "city"):
            for form in KOTA_FORMS if region.level == "city" else KABUPATEN_FORMS:
                if _key(f"{form} {row['alias']}") not in table:
                    put(f"{form} {row['alias']}", code, "form")

    # Kecamatan: a name already taken stays with its owner unless that is the same regency's capital or
    # name ("Penajam", "Tanjung Redeb", "Tenggarong"), which the kecamatan refines.
    rules = _district_rules()
    for d in gaz.districts:
        key = _key(d.name)
        old = table.get(key)
        if old is not None and not (
            old.code is not None and gaz.regency_of(old.code) == gaz.regency_of(d.code) and old.kind != "form"
        ):
            continue
        put(d.name, d.code, "district", rules.get(d.code, "case"))
    # Two-word kecamatan are often written as one word ("Marangkayu", "Sangasanga", "Longkali").
    for d in gaz.districts:
        key = _key(d.name)
        glued = "".join(key)
        if len(key) == 2 and (glued,) not in table and rules.get(d.code, "case") == "case":
            put(glued.capitalize(), d.code, "district", "case")
    # Villages: never over a name already taken; one shared by kecamatan keeps them all as candidates.
    # A village named after its own town ("Bontang Kuala" in Bontang) says where it is without a locator.
    home = {r.code: {_key(r.name), _key(r.capital)} - {()} for r in gaz.regions if r.level != "province"}
    district_key = {d.code: _key(d.name) for d in gaz.districts}
    by_key: dict[tuple[str, ...], list[Village]] = {}
    for v in gaz.villages:
        by_key.setdefault(_key(v.name), []).append(v)
    for key, villages in by_key.items():
        if key and key in table and table[key].kind == "capital":
            # "Manggar" is Belitung Timur's seat and a kelurahan of Balikpapan: the text around decides.
            table[key] = dataclasses.replace(table[key], alts=tuple(dict.fromkeys(v.district_code for v in villages)))
        if not key or key in table:
            continue
        alts = tuple(dict.fromkeys(v.district_code for v in villages))
        # ... or after its own kecamatan ("Muara Jawa Ulu" in Muara Jawa, "Damai Seberang" in Damai).
        own = [*home[gaz.regency_of(alts[0])], district_key[alts[0]]]
        if len(alts) == 1 and any(key[: len(k)] == k and len(key) > len(k) for k in own):
            table[key] = Alias(text=villages[0].name, key=key, code=alts[0], kind="district", rule="case")
            continue
        table[key] = Alias(
            text=villages[0].name, key=key, code=alts[0] if len(alts) == 1 else None, kind="village",
            rule="locator", alts=alts,
        )

    for code, terms in (watch_terms or {}).items():
        if code not in gaz.by_code:
            raise ValueError(f"watch-term region {code!r} is not a Kemendagri code")
        for term in terms:
            put(term, code, "watch-term")
    return list(table.values())


@dataclass(frozen=True)
class _Pending:
    """A kecamatan, village or sentence-initial common word that its surroundings must back."""

    alias: Alias
    evidence: RegionEvidence
    need: str  # "near": its regency nearby | "locator": no other province instead | "province": same province
    # nearby | "list": beside a confirmed place | "capital": a regency's seat, unless a namesake village's
    # regency is nearby


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
        """Tag the title and the body; a region found in either is returned once with all its evidence.

        A kecamatan or village tags its regency; the evidence keeps the kecamatan code (``64.09.04``).
        """
        evidence: dict[str, list[RegionEvidence]] = {}
        for field_name, value in (("title", title), ("body", text)):
            if value:
                for ev in self._scan(value, field_name):
                    owner = self.gaz.regency_of(ev.code) if ev.code.count(".") > 1 else ev.code
                    evidence.setdefault(owner, []).append(ev)
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
            if 0 < len(words) <= 4 and all(w[0].isupper() for w in words) and self._is_a_name(
                toks, m.start("place"), m.start("place") + len(place)
            ):
                dateline_end = m.start("place") + len(place)
        found: list[RegionEvidence] = []
        pending: list[_Pending] = []
        i = 0
        while i < len(toks):
            match = self._match_at(text, toks, i, dateline_end)
            if match is None:
                if toks[i][1] > 0 and text[toks[i][1] - 1] in "@#":
                    found.extend(self._in_handle(text, toks[i], field_name))
                i += 1
                continue
            alias, n, verdict = match
            start = toks[i][1]
            code = alias.code or (alias.alts[0] if alias.alts else None)
            if code is None or self._not_the_region(alias, text, toks, i, n, dateline_end):
                i += n
                continue
            in_dateline = start < dateline_end
            ev = RegionEvidence(
                code=code,
                alias=text[start : toks[i + n - 1][2]],
                field="dateline" if in_dateline and field_name == "body" else field_name,
                start=start,
                strength="strong" if in_dateline else alias.strength,
            )
            if verdict == "yes" and alias.kind == "capital" and alias.alts:
                pending.append(_Pending(alias, ev, "capital"))
            elif verdict == "yes":
                found.append(ev)
                found.extend(self._paired_form(alias, text, toks, i, field_name))
            else:
                pending.append(_Pending(alias, ev, verdict))
            i += n
        if pending:
            found.extend(self._backed([p for p in pending if p.need != "list"], found))
            found.extend(_listed([p.evidence for p in pending if p.need == "list"], found, text))
            found.sort(key=lambda e: e.start)
        return found

    def _in_handle(self, text: str, tok: tuple[str, int, int], field_name: str) -> list[RegionEvidence]:
        """A region inside a social handle or hashtag: "@humaskaltim", "#samarindabanjir", "@infopalaran".

        Only names that need no context (no common words), at least five letters long, at the start or the
        end of the handle, with at least three more letters beside them ("#banteng" is no Banten).
        """
        word, start, _end = tok
        for size in range(len(word) - 3, 4, -1):
            for offset in (len(word) - size, 0):
                part = word[offset : offset + size]
                alias = next((a for a in self.index.get(part, ()) if len(a.key) == 1), None)
                if alias is None or alias.rule not in ("", "case") or alias.kind not in HANDLE_KINDS:
                    continue
                code = alias.code or (alias.alts[0] if len(alias.alts) == 1 else None)
                if code is None:
                    continue
                return [RegionEvidence(code=code, alias=text[start + offset : start + offset + size],
                                       field=field_name, start=start + offset, strength="weak")]
        return []

    def _paired_form(
        self, alias: Alias, text: str, toks: list[tuple[str, int, int]], i: int, field_name: str
    ) -> list[RegionEvidence]:
        """"Kota dan Kabupaten Bogor" names the city as well as the regency (and the other way round)."""
        if alias.kind != "form" or i < 2 or toks[i - 1][0] not in ("dan", "serta", "atau", "maupun"):
            return []
        pair = (toks[i - 2][0], *alias.key[1:])
        if alias.key[0] not in PAIRED_FORMS or pair[0] not in PAIRED_FORMS or pair[0] == alias.key[0]:
            return []
        other = next((a for a in self.index.get(pair[0], ()) if a.key == pair and a.code), None)
        if other is None or other.code is None or other.code == alias.code:
            return []
        start = toks[i - 2][1]
        end = toks[i + len(alias.key) - 1][2]
        return [RegionEvidence(code=other.code, alias=text[start:end], field=field_name, start=start,
                               strength="strong")]

    def _backed(self, pending: list[_Pending], found: list[RegionEvidence]) -> list[RegionEvidence]:
        """The pending names that the confirmed regions around them support."""
        gaz = self.gaz
        provinces = {e.code.split(".")[0] for e in found}
        out: list[RegionEvidence] = []
        for p in pending:
            near = [e.code for e in found if abs(e.start - p.evidence.start) <= SUPPORT_WINDOW]
            own_province = p.evidence.code.split(".")[0]
            if p.need == "capital":
                village = [c for c in p.alias.alts if gaz.regency_of(c) in {gaz.regency_of(n) for n in near}]
                out.append(dataclasses.replace(p.evidence, code=village[0]) if village else p.evidence)
                continue
            if p.need == "province":
                if any(c.split(".")[0] == own_province for c in near):
                    out.append(p.evidence)
                continue
            candidates = p.alias.alts or (p.evidence.code,)
            near_regencies = {gaz.regency_of(c) for c in near}
            backed = [c for c in candidates if gaz.regency_of(c) in near_regencies]
            if len({gaz.regency_of(c) for c in backed}) == 1:
                best = next((c for c in backed if c in near), backed[0])
                out.append(dataclasses.replace(p.evidence, code=best))
                continue
            regencies = {gaz.regency_of(c) for c in candidates}
            elsewhere = bool(provinces) and own_province not in provinces
            if p.need == "locator" and not elsewhere and len(regencies) == 1 and not (
                p.alias.kind == "village" and p.alias.generic
            ):
                code = candidates[0] if len(candidates) == 1 else regencies.pop()
                out.append(dataclasses.replace(p.evidence, code=code))
        return out

    def _is_a_name(self, toks: list[tuple[str, int, int]], start: int, end: int) -> bool:
        """Whether the text from ``start`` to ``end`` is one place name and nothing else.

        A dateline's place is a name ("SAMARINDA, KOMPAS.com -"); a title-case clause before a comma
        and a hyphen ("Tampil Perdana Usai Cedera, Joan Mir Finis Ke-8") is not one, and a kecamatan
        name inside it ("Perdana") must not be read as the dateline.
        """
        key = tuple(t for t, s, e in toks if s >= start and e <= end)
        return bool(key) and any(alias.key == key for alias in self.index.get(key[0], ()))

    def _match_at(
        self, text: str, toks: list[tuple[str, int, int]], i: int, dateline_end: int
    ) -> tuple[Alias, int, str] | None:
        for alias in self.index.get(toks[i][0], ()):
            n = len(alias.key)
            if tuple(t for t, _, _ in toks[i : i + n]) != alias.key:
                continue
            verdict = self._verdict(alias, text, toks, i, dateline_end) if alias.rule else "yes"
            if verdict is None:
                continue
            return alias, n, verdict
        return None

    def _not_the_region(
        self, alias: Alias, text: str, toks: list[tuple[str, int, int]], i: int, n: int, dateline_end: int
    ) -> bool:
        """A bare name that is a street, a vessel, or a place located in another province or abroad."""
        if alias.kind not in ("name", "capital", "abbrev", "nickname", "district", "village"):
            return False
        if i > 0 and toks[i - 1][0] in NON_PLACE_PREFIX:
            return True
        # "Jalan Medan-Pematangsiantar", "Tol Sumsel-Lampung": the far end of a road named after two places.
        if i > 1 and text[toks[i - 1][2] : toks[i][1]].strip() in ("-", "–") and toks[i - 2][0] in STREET_WORDS:
            return True
        # "Desa Kendal", "Dusun Kendal Wetan": a village that shares a regency's name, elsewhere.
        if i > 0 and alias.kind not in ("district", "village") and toks[i - 1][0] in HAMLET_LOCATORS:
            return True
        # "pesisir selatan jawa barat": a name run straight into another province is a place there.
        if i + n < len(toks) and not text[toks[i + n - 1][2] : toks[i + n][1]].strip():
            follower = self._match_at(text, toks, i + n, dateline_end)
            region = self.gaz.by_code.get(follower[0].code or "") if follower is not None else None
            mine = self.gaz.by_code.get(alias.code or (alias.alts[0] if alias.alts else ""))
            # Only across island groups (the code's first digit): "Wamena Papua" and "Asmat Papua" still
            # name the provinces split from Papua in 2022, and "BPD Sumsel Babel" is a bank of both.
            if region is not None and mine is not None and region.level == "province" and (
                region.code[0] != mine.province_code[0]
            ):
                return True
        # "Pesantren Mojosari Nganjuk": a capital's name followed by another regency is a place in that one.
        if alias.kind == "capital" and i + n < len(toks) and not text[toks[i + n - 1][2] : toks[i + n][1]].strip():
            follower = self._match_at(text, toks, i + n, dateline_end)
            other = self.gaz.by_code.get(follower[0].code or "") if follower is not None else None
            own = self.gaz.by_code.get(alias.code or "")
            # "Sentani Jayapura" is Kabupaten Jayapura's own seat, so the capital stands.
            if other is not None and own is not None and other.level != "province" and other.name != own.name:
                return True
        if i > 1 and toks[i - 1][0] == "raya" and toks[i - 2][0] in NON_PLACE_PREFIX:  # "Jl. Raya Singkil"
            return True
        if FOREIGN_LOCATORS.match(text, toks[i + n - 1][2]):
            return True
        if not alias.rule or i + n >= len(toks):
            return False
        # "Kuningan, Jakarta Selatan" or "Ketapang, Banyuwangi (Jawa Timur)": a local place name followed
        # by the region that contains it. Only a province, or a Jakarta city, counts as such a locator,
        # so lists like "Medan, Makassar dan Padang" keep every city. A kecamatan or village is placed
        # by any region after it ("Waru, Sidoarjo").
        between = text[toks[i + n - 1][2] : toks[i + n][1]]
        if between.strip() not in (",", "("):
            return False
        follower = self._match_at(text, toks, i + n, dateline_end)
        if follower is None or follower[0].code is None or follower[0].kind == "village":
            return False
        other = self.gaz.by_code[follower[0].code]
        mine = self.gaz.by_code[alias.code or alias.alts[0]]
        if alias.kind in ("district", "village"):
            return other.province_code != mine.province_code
        locator = other.level == "province" or (other.code.startswith("31.") and other.code != "31")
        return locator and other.province_code != mine.province_code

    def _verdict(self, alias: Alias, text: str, toks: list[tuple[str, int, int]], i: int, dateline_end: int
                 ) -> str | None:
        """Whether a name with a rule counts here: "yes", no (None), or a condition left for the whole text."""
        start = toks[i][1]
        prev = toks[i - 1][0] if i > 0 else ""
        # Capitals are evidence only in text that uses them; a lowercased corpus gives no case signal. A
        # kecamatan or town that is no common word may be typed in lower case after "warga", "di": a
        # complaint quoted from social media ("aduan masyarakat palaran").
        if not text[start].isupper() and any(c.isupper() for c in text) and not (
            alias.kind in ("district", "capital") and alias.rule == "case" and prev in DISTRICT_CONTEXT
        ):
            return None
        if start < dateline_end:
            return "yes"
        if alias.kind == "village":
            # "Warga Sungai Keledang", "di Babulu Darat": a village name that is no common phrase, after a
            # place word, is as good as "Desa X" (the text must not be about another province).
            placed = prev in DISTRICT_CONTEXT or prev == "pasar"
            ordinary = _common_words()
            common = all(t in ordinary or t in GENERIC_VILLAGE_WORDS for t in alias.key)  # "di Bandara"
            j = i + len(alias.key)  # "di Bukit Pinang Gadiang": the start of a longer name
            if j < len(toks) and text[toks[j - 1][2] : toks[j][1]] == " " and text[toks[j][1]].isupper():
                placed = False
            return "locator" if prev in VILLAGE_LOCATORS or (placed and not common) else "near"
        if alias.kind == "district":
            if alias.rule != "context":
                return "yes"
            return "locator" if prev in DISTRICT_LOCATORS or prev in DISTRICT_CONTEXT else "near"
        end = toks[i + len(alias.key) - 1][2]
        j = i + len(alias.key)
        runs_on = (
            j < len(toks) and text[end : toks[j][1]] == " " and text[toks[j][1]].isupper()
            and toks[j][0] not in DATE_WORDS and toks[j][0] not in self.index and not _title_case(toks, text)
            and (i == 0 or not text[toks[i - 1][1]].isupper())  # "Paguyuban Sound Malang": a title's words
        )
        if alias.kind == "capital" and runs_on:
            return None  # "dengan kekasihnya, Anggi Pratama": a given name, not Pegunungan Arfak's seat
        if alias.rule == "case":
            return "yes"
        if alias.rule == "form":
            return None
        # "Padang Khincang", "Batu Raksasa": a common-word name that runs into another capitalised word is
        # the start of another name (a headline in title case proves nothing; a weekday is a date).
        if runs_on:
            return None
        if (
            i > 0 and toks[i - 1][0].isdigit() and text[toks[i - 1][2] : start] == " "
            and not _closes_institution(text, toks, i, len(alias.key))
        ):
            return None  # "Mutasi 117 Pati": a count of things (perwira tinggi), not the regency
        if prev in PLACE_CONTEXT:
            return "yes"
        if PROVINCE_AFTER_RE.match(text, end):
            return "yes"
        if alias.rule == "word":
            # A common word capitalised at the start of a sentence says nothing; inside one it names the place.
            initial = not text[:start].strip() if i == 0 else SENTENCE_END_RE.search(text, toks[i - 1][2], start)
            return "province" if initial else "yes"
        if _closes_institution(text, toks, i, len(alias.key)) or _ends_address(text, toks, i):
            return "yes"
        # Otherwise only a list of places vouches for it ("Malang dan Batu", "Semarang, Solo, Tegal"), and
        # only as a name of its own: in "Kecamatan Bukit Batu" or "Persikoba Batu" it ends another name.
        if i > 0 and not text[toks[i - 1][2] : start].strip(" -"):
            joined_by_hyphen = "-" in text[toks[i - 1][2] : start]
            if text[toks[i - 1][1]].isupper() != joined_by_hyphen:  # "Bukit Batu", "Pulau-pulau Batu"
                return None
        if alias.key[0] in ETHNIC_NAMES:
            return None
        for j in range(i - 1, max(-1, i - 5), -1):  # "Kecamatan Pulau-pulau Batu": the end of a kecamatan's name
            if toks[j][0] in DISTRICT_LOCATORS or toks[j][0] in VILLAGE_LOCATORS:
                return None
            if text[toks[j][2] : toks[j + 1][1]].strip(" -"):
                break
        return "list"


def _listed(items: list[RegionEvidence], found: list[RegionEvidence], text: str) -> list[RegionEvidence]:
    """The ambiguous names that stand in a list next to a confirmed place, or next to one so vouched for."""
    confirmed = {(e.start, e.start + len(e.alias)) for e in found}
    spans = sorted(confirmed | {(e.start, e.start + len(e.alias)) for e in items})
    out: list[RegionEvidence] = []
    changed = True
    while changed and len(out) < len(items):
        changed = False
        for e in items:
            span = (e.start, e.start + len(e.alias))
            if span in confirmed:
                continue
            k = spans.index(span)
            before = spans[k - 1] if k > 0 else None
            after = spans[k + 1] if k + 1 < len(spans) else None
            # A "Kabupaten X" or "Kota X" after a comma is where the name lies, not the next item of a list.
            after_ok = after in confirmed and LIST_SEP_RE.fullmatch(text, span[1], after[0]) and not (
                _key(text[after[0] : after[1]])[0] in LOCATING_FORMS and text[span[1] : after[0]].strip() == ","
            )
            if (before in confirmed and LIST_SEP_RE.fullmatch(text, before[1], span[0])) or after_ok:
                confirmed.add(span)
                out.append(e)
                changed = True
    return out


def _closes_institution(text: str, toks: list[tuple[str, int, int]], i: int, n: int) -> bool:
    """Whether the name at ``i`` ends a facility's or institution's proper name ("Stadion Manahan Solo").

    Up to three capitalised words or numbers may stand between the institution word and the name
    ("SMA Negeri 3 Batu", "Stadion Manahan, Solo"), and the name must end the run: in "Pasar Batu Akik"
    it is a stone. A headline in title case has no such end, so there the name must follow the
    institution word itself ("Bandara Solo Segera Buka Rute Baru").
    """
    lower = not any(c.isupper() for c in text)
    j = i - 1
    while j >= 0 and i - j <= 4:
        word, a, b = toks[j]
        gap = text[b : toks[j + 1][1]].strip(" -")
        if (gap and not (gap == "," and j == i - 1)) or not (lower or text[a].isupper() or word.isdigit()):
            return False  # punctuation between, or a lowercase word: not one proper name
        if word in INSTITUTION_WORDS:
            break
        j -= 1
    else:
        return False
    if i + n < len(toks):
        gap = text[toks[i + n - 1][2] : toks[i + n][1]]
        between = [t[0] for t in toks[j + 1 : i]]  # "SMKN 7 Medan Minta Keadilan" in a title-case headline
        if not gap.strip() and text[toks[i + n][1]].isupper() and (
            not _title_case(toks, text) or any(not (w.isdigit() or w == "negeri") for w in between)
        ):
            return False
    return True


def _ends_address(text: str, toks: list[tuple[str, int, int]], i: int) -> bool:
    """Whether the name at ``i`` ends an address that a locator opened: "di desa Dampyak, Kramat, Tegal"."""
    commas = 0
    j = i - 1
    while j >= 0 and i - j <= 8:
        word, a, b = toks[j]
        gap = text[b : toks[j + 1][1]].strip()
        if gap == ",":
            commas += 1
        elif gap:
            return False
        if word in HAMLET_LOCATORS or word in VILLAGE_LOCATORS or word in ("jalan", "jl", "rt", "rw"):
            return commas > 0
        if not text[a].isupper() and not word.isdigit():
            return False
        j -= 1
    return False


def _title_case(toks: list[tuple[str, int, int]], text: str) -> bool:
    """A headline written With Every Word Capitalised: capitals there say nothing about names."""
    words = [t for t in toks if len(t[0]) > 3 and not t[0].isdigit()]
    return len(words) >= 3 and sum(text[a].isupper() for _, a, _ in words) >= 0.8 * len(words)


def article_codes(matches: Iterable[Match]) -> tuple[str, ...]:
    """The codes an article carries: each region matched, then each kecamatan its evidence names, so a
    store that expands codes to their ancestors can answer a filter on ``64.09.04`` (Sepaku)."""
    codes = [m.code for m in matches]
    for m in matches:
        codes.extend(e.code for e in m.evidence if e.code.count(".") == 2)
    return tuple(dict.fromkeys(codes))


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
