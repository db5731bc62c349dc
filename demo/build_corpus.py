"""Build the demo's replay corpus ``demo/data/corpus.jsonl.gz`` from the staged article texts in ``../shared/data``.

A developer runs this once; its output is committed, so ``make demo`` and the tests need no
``../shared``. Every record is one real article (CNN Indonesia, detik, Kompas, Tempo, Dinas PUPR
Kota Samarinda, ANTARA Kaltim, Kaltim Post) cleaned of the scraper's glued-in residue and split into
paragraphs. The originals were published over a few days (mostly 1-3 July 2025), so each record gets a
*replay* publication time inside a 28-day period that ends at :data:`demo.corpus.REPLAY_END`; the
original time is kept beside it. Replay times keep the hour of day realistic (few articles at night,
fewer at weekends, a government office that publishes in office hours on weekdays).

Kaltim coverage of national outlets is thin, so a few real, plainly negative local reports (a flood, two
thefts, a burglary, a police chief on street robberies) are *placed* in Samarinda: their place names are
replaced, the record says ``placed: true`` with every replacement, and the page shows a visible note.
They and one real Samarinda report (a boat crew member missing on the Mahakam) go into the last day of the
replay (07:30-23:00 WITA), so negative coverage of Samarinda rises and Pantau's alerts fire.
No record is labelled for sentiment here; the choice of stories is by their content.

Run: ``python -m demo.build_corpus ../shared/data demo/data/corpus.jsonl.gz``
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from crawlers import language
from demo.corpus import PLACED_MARK, REPLAY_DAYS, REPLAY_END

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
MIN_CHARS = 400  # shorter scraped texts are video captions or teasers, not articles
SEED = 20250704

_GLUE = [
    re.compile(r"ADVERTISEMENT\s+SCROLL TO CONTINUE WITH CONTENT"),
    re.compile(r"SCROLL TO CONTINUE WITH CONTENT|\bADVERTISEMENT\b"),
    re.compile(r"(Simak|Lihat) juga Video\b.*?\[Gambas:Video 20detik\]", re.S),
    re.compile(r"\[Gambas:[^\]]*\]"),
    re.compile(r"Simak Video\b.*?$", re.S),
]
_SENTENCE_END = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z\"“(])")

ARTICLES_ORIGIN = (
    "github.com/zainoor/indo-news-scrapper@5392655 result/{name}_scraped_03072025.csv "
    "(via shared/data/news-articles-2025)"
)
PUPR_ORIGIN = "github.com/8ifarrel/dinas-pupr-kota-samarinda@74a26c8 pupr_smr_test.sql (via shared/data/news-kaltim)"
KALTIMPOST_ORIGIN = (
    "github.com/andriankusuma97/KaltimNews-React@a72e466 server/data/post.json (via shared/data/news-kaltim); "
    "lead paragraphs, publisher inferred (Kaltim Post)"
)
ANTARA_ORIGIN = "ANTARA (via shared/data/seed-antara-kaltim); headline written for Pantau's fixtures"


@dataclass(frozen=True)
class Placement:
    """A real report re-sited in a Kaltim region: ``(old, new)`` text replacements, applied in order."""

    outlet: str
    index: int  # row in the outlet's CSV (0-based, header excluded)
    original_place: str
    changes: tuple[tuple[str, str], ...]


# The spike: real local reports, plainly negative by their content, re-sited in Samarinda (Kota, 64.72).
PLACEMENTS = (
    Placement(
        outlet="kompas", index=10, original_place="Kota Cimahi, Jawa Barat",
        changes=(("CIMAHI", "SAMARINDA"), ("Cimahi", "Samarinda")),
    ),
    Placement(
        outlet="kompas", index=62, original_place="Kabupaten Bangkalan, Jawa Timur",
        changes=(("BANGKALAN", "SAMARINDA"), ("KabupatenBangkalan", "KotaSamarinda"),
                 ("Kabupaten Bangkalan", "Kota Samarinda"), ("Polres Bangkalan", "Polresta Samarinda"),
                 ("Bangkalan", "Samarinda"), ("Jawa Timur", "Kalimantan Timur")),
    ),
    Placement(
        outlet="kompas", index=101, original_place="Kabupaten Bangkalan, Jawa Timur",
        changes=(("BANGKALAN", "SAMARINDA"), ("KabupatenBangkalan", "KotaSamarinda"),
                 ("Kabupaten Bangkalan", "Kota Samarinda"), ("Polres Bangkalan", "Polresta Samarinda"),
                 ("Bangkalan", "Samarinda"), ("Jawa Timur", "Kalimantan Timur")),
    ),
    Placement(
        outlet="detik", index=39, original_place="Kota Depok, Jawa Barat",
        changes=(("Depok", "Samarinda"),),
    ),
    Placement(
        outlet="detik", index=27, original_place="Kabupaten Bogor, Jawa Barat",
        changes=(("Kapolres Bogor", "Kapolresta Samarinda"), ("Kabupaten Bogor", "Kota Samarinda"),
                 ("Bogor", "Samarinda")),
    ),
)
# A real Samarinda report that belongs in the same period (not placed).
SPIKE_REAL = (("kompas", 21),)
SPIKE_REGION = "64.72"


def clean(text: str) -> str:
    text = html.unescape(text)
    for pat in _GLUE:
        text = pat.sub(" ", text)
    return " ".join(text.replace("\xa0", " ").split())


def paragraphs(text: str, per: int = 3) -> list[str]:
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    return [p for p in (" ".join(sentences[i : i + per]) for i in range(0, len(sentences), per)) if p]


def slugify(title: str, n: int) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"{words[:70].rstrip('-')}-{n:03d}"


def _original_time(outlet: str, raw: str) -> str:
    raw = raw.strip()
    m = re.match(r"^(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})$", raw)
    if m:
        y, mo, d, h, mi, sec = map(int, m.groups())
        return datetime(y, mo, d, h, mi, sec, tzinfo=WIB).isoformat()
    m = re.search(r"(\d{2})/(\d{2})/(\d{4}), (\d{2}):(\d{2}) WIB", raw)
    if m and outlet == "kompas":
        d, mo, y, h, mi = map(int, m.groups())
        return datetime(y, mo, d, h, mi, tzinfo=WIB).isoformat()
    return ""  # Tempo's scrape has no date ("Tanggal tidak ditemukan"); some detik rows are empty


def _news(shared: Path) -> list[dict[str, object]]:
    files = (("cnnindonesia", "cnn"), ("detik", "detik"), ("kompas", "kompas"), ("tempo", "tempo"))
    placed = {(p.outlet, p.index): p for p in PLACEMENTS}
    out: list[dict[str, object]] = []
    for name, outlet in files:
        rows = list(csv.DictReader((shared / "news-articles-2025" / f"{name}.csv").open(encoding="utf-8")))
        for i, row in enumerate(rows):
            text = clean(row["FullText"])
            if len(text) < MIN_CHARS:
                continue
            title = " ".join(html.unescape(row["Title"]).split())
            title = re.sub(r"\s*\|\s*tempo\.co$", "", title)
            author = row["Author"].strip()
            rec: dict[str, object] = {
                "outlet": outlet,
                "title": title,
                "paragraphs": paragraphs(text),
                "author": "" if author == "Penulis tidak ditemukan" else author,
                "original_published": _original_time(outlet, row["Date"]),
                "origin_url": row["Url"].strip(),
                "origin": ARTICLES_ORIGIN.format(name=name) + f" row {i}",
                "placed": False,
                "spike": (outlet, i) in SPIKE_REAL,
            }
            p = placed.get((outlet, i))
            if p is not None:
                _place(rec, p)
            out.append(rec)
    return out


def _place(rec: dict[str, object], p: Placement) -> None:
    title = str(rec["title"])
    paras = [str(x) for x in rec["paragraphs"]]  # type: ignore[attr-defined]
    applied: list[dict[str, object]] = []
    for old, new in p.changes:
        n = title.count(old) + sum(x.count(old) for x in paras)
        if n == 0:
            continue
        title = title.replace(old, new)
        paras = [x.replace(old, new) for x in paras]
        applied.append({"from": old, "to": new, "count": n})
    if not applied:
        raise SystemExit(f"placement {p} changed nothing: the source text is not the one expected")
    note = (
        f"[{PLACED_MARK}: berita asli ini melaporkan peristiwa di {p.original_place}. Untuk demo Pantau, "
        f"nama tempatnya diganti menjadi Samarinda; selebihnya teks tidak diubah.]"
    )
    rec.update(title=title, paragraphs=[*paras, note], placed=True, spike=True,
               placed_region=SPIKE_REGION, placed_from=p.original_place, placed_changes=applied, placed_note=note)


def _pupr(shared: Path) -> list[dict[str, object]]:
    rows = list(csv.DictReader((shared / "news-kaltim" / "pupr-samarinda.csv").open(encoding="utf-8")))
    footer = re.compile(r"—{3,}.*", re.S)
    out: list[dict[str, object]] = []
    for row in rows:
        body = footer.sub("", row["body"]).strip()
        paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
        if sum(len(p) for p in paras) < MIN_CHARS:
            continue
        created = datetime.strptime(row["date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        out.append({
            "outlet": "pupr",
            "title": " ".join(row["title"].split()),
            "paragraphs": paras,
            "author": "",
            "original_published": created.isoformat(),
            "origin_url": row["url"],
            "origin": PUPR_ORIGIN,
            "placed": False,
            "spike": False,
        })
    return out


def _kaltimpost(shared: Path) -> list[dict[str, object]]:
    rows = list(csv.DictReader((shared / "news-kaltim" / "kaltimpost-snippets.csv").open(encoding="utf-8")))
    out: list[dict[str, object]] = []
    for row in rows:
        text = clean(row["body"])
        if len(text) < MIN_CHARS:
            continue
        out.append({
            "outlet": "kaltimpost",
            "title": " ".join(row["title"].split()),
            "paragraphs": paragraphs(text, per=2),
            "author": "",
            "original_published": "",
            "origin_url": "",
            "origin": KALTIMPOST_ORIGIN,
            "placed": False,
            "spike": False,
        })
    return out


def _antara(shared: Path) -> list[dict[str, object]]:
    seed = (shared / "seed-antara-kaltim" / "article.txt").read_text(encoding="utf-8").splitlines()
    lines = [ln.strip() for ln in seed if ln.strip()]
    return [{
        "outlet": "antara",
        "title": "Pemprov Kaltim perkuat optimalisasi media sosial kehumasan kabupaten/kota",
        "paragraphs": [f"{lines[0]} {lines[1]}", *lines[2:]],
        "author": "",
        "original_published": "",  # the text says only "Jumat", early June 2024
        "origin_url": "",
        "origin": ANTARA_ORIGIN,
        "placed": False,
        "spike": False,
    }]


def _dedupe(records: Iterable[dict[str, object]]) -> tuple[list[dict[str, object]], int]:
    """Drop exact repeats (same headline or same text): the crawler would rightly index them once."""
    seen: set[str] = set()
    out: list[dict[str, object]] = []
    dropped = 0
    for rec in records:
        keys = {"t:" + " ".join(str(rec["title"]).lower().split()),
                "b:" + " ".join(" ".join(rec["paragraphs"]).lower().split())}  # type: ignore[arg-type]
        if keys & seen:
            dropped += 1
            continue
        seen |= keys
        out.append(rec)
    return out, dropped


# Relative weight of each local hour for a newsroom: quiet at night, peaks mid-morning and afternoon.
NEWS_HOURS = (1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 9, 8, 9, 10, 10, 9, 8, 7, 7, 6, 5, 3, 2)
OFFICE_HOURS = (0, 0, 0, 0, 0, 0, 0, 1, 6, 9, 9, 8, 4, 7, 8, 6, 2, 0, 0, 0, 0, 0, 0, 0)
NEWS_DAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.55, 0.45)  # Monday .. Sunday
OFFICE_DAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.08, 0.04)
ZONE = {"cnn": WIB, "detik": WIB, "kompas": WIB, "tempo": WIB, "pupr": WITA, "antara": WITA, "kaltimpost": WITA}


def _replay_time(rng: random.Random, outlet: str, start: datetime, days: int, avoid_after: datetime) -> datetime:
    office = outlet == "pupr"
    zone = ZONE[outlet]
    day_w = OFFICE_DAYS if office else NEWS_DAYS
    hour_w = OFFICE_HOURS if office else NEWS_HOURS
    first = start.astimezone(zone).date()
    while True:
        day = first + timedelta(days=rng.choices(range(days + 1), weights=[day_w[(first + timedelta(d)).weekday()]
                                                                             for d in range(days + 1)])[0])
        hour = rng.choices(range(24), weights=hour_w)[0]
        moment = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=zone)
        if start <= moment < avoid_after:
            return moment


def assign_times(records: list[dict[str, object]]) -> None:
    """Replay publication times: spike stories on the last day, the rest over the whole period."""
    rng = random.Random(SEED)
    start = REPLAY_END - timedelta(days=REPLAY_DAYS)
    spike_from = REPLAY_END - timedelta(hours=23, minutes=30)  # 07:30 WITA on the last day
    last = REPLAY_END - timedelta(hours=7)  # nothing after 00:00 WITA on the last night
    spike = [r for r in records if r["spike"]]
    for i, rec in enumerate(spike):
        # Spread over the daytime hours of the last day (WITA), one story every two or three hours.
        moment = spike_from + timedelta(hours=i * (15 / max(1, len(spike))), minutes=rng.randrange(50))
        rec["published"] = moment.astimezone(ZONE[str(rec["outlet"])]).isoformat()
    for rec in records:
        if not rec["spike"]:
            rec["published"] = _replay_time(rng, str(rec["outlet"]), start, REPLAY_DAYS, last).isoformat()
    for rec in records:
        assert datetime.fromisoformat(str(rec["published"])) < last, rec["title"]


def build(shared: Path) -> tuple[list[dict[str, object]], dict[str, int]]:
    news = _news(shared)
    kaltim = _pupr(shared) + _antara(shared) + _kaltimpost(shared)
    records, dropped = _dedupe(news + kaltim)
    # Pantau keeps only texts its language check calls Indonesian; a release that is a registration link and
    # two phone numbers is not one, and would never be indexed.
    unreadable = [r for r in records if language.detect(f"{r['title']}\n" + "\n".join(r["paragraphs"])) != "id"]  # type: ignore[arg-type]
    records = [r for r in records if r not in unreadable]
    assign_times(records)
    records.sort(key=lambda r: str(r["published"]))
    by_outlet: Counter[str] = Counter()
    for rec in records:
        outlet = str(rec["outlet"])
        rec["slug"] = slugify(str(rec["title"]), by_outlet[outlet])
        by_outlet[outlet] += 1
    keys = ("slug", "outlet", "title", "paragraphs", "author", "published", "original_published", "origin_url",
            "origin", "placed", "spike")
    ordered = [{**{k: r[k] for k in keys}, **{k: v for k, v in r.items() if k not in keys}} for r in records]
    counts = {**dict(by_outlet), "duplicates_dropped": dropped, "not_indonesian": len(unreadable),
              "placed": sum(bool(r["placed"]) for r in records)}
    return ordered, counts


def main() -> None:
    shared, target = Path(sys.argv[1]), Path(sys.argv[2])
    records, counts = build(shared)
    payload = "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records).encode("utf-8")
    # mtime=0 keeps the committed file byte-identical across rebuilds of the same data.
    target.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))
    print(f"wrote records={len(records)} bytes={target.stat().st_size} to {target} counts={json.dumps(counts)}")


if __name__ == "__main__":
    main()
