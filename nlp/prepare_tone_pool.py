"""Draw the pool of news texts that are hand-labelled for *training* the tone-of-coverage model.

The shipped model learnt news tone mostly from CNBC headlines, whose conventions differ from what a
PR office means by tone (tests/data/nlp/GUIDELINES-sentiment.md), and it calls many negative
articles neutral. This pool is what the training labels are written on:

* headlines from CLICK-ID and the detik topic headlines, part drawn at random (the real mix of
  news) and part drawn among headlines that mention a cue word of the kinds the model gets wrong
  (disasters, crime, prices, protests, government responses). A cue only selects what to read;
  the labels are decided by reading, under the guidelines;
* every longer Kaltim text the shared data offers (Dinas PUPR Samarinda releases, Kaltim Post
  leads, the ANTARA Kaltim seed article) as ``title. first paragraph``.

Never drawn: the hand-labelled dev/test items and the topic pool (``nlp.prepare_labelling``),
and anything in ``news-articles-2025`` (kept for the demo and for evaluation only).

    python -m nlp.prepare_tone_pool ../shared/data pool.tsv
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

from nlp.prepare_labelling import clickid_titles, draw_pools

# Cue words: only to draw more of the kinds of news the shipped model mislabels.
CUES: dict[str, tuple[str, ...]] = {
    "disaster": ("banjir", "gempa", "longsor", "kebakaran", "terbakar", "tsunami", "erupsi", "karhutla",
                 "kabut asap", "kecelakaan", "tenggelam", "korban", "tewas", "meninggal", "puting beliung"),
    "crime": ("ditangkap", "tersangka", "korupsi", "narkoba", "sabu", "polisi", "pembunuhan", "dibunuh",
              "penipuan", "pencurian", "dibekuk", "diringkus", "ditahan", "vonis", "dituntut", "kpk"),
    "prices": ("harga", "inflasi", "melonjak", "naik", "turun", "anjlok", "melemah", "menguat", "ihsg",
               "rupiah", "tarif", "mahal", "langka"),
    "protest": ("demo", "unjuk rasa", "protes", "tolak", "menolak", "aksi massa", "mogok", "bentrok",
                "ricuh", "kritik", "dikritik", "kecam", "geram"),
    "government": ("bantah", "membantah", "klarifikasi", "tanggapi", "menanggapi", "respons", "pemkab",
                   "pemkot", "pemprov", "bupati", "gubernur", "wali kota", "menteri", "jokowi", "dpr"),
}

_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def detik_titles(shared: Path) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    with (shared / "news-topic-detik" / "headlines.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            t = _norm(row["JUDUL"])
            if t and _key(t) not in seen:
                seen.add(_key(t))
                out.append(t)
    return out


def _first_paragraph(body: str, max_chars: int = 400) -> str:
    for para in re.split(r"\n\s*\n|\n", body):
        para = _norm(para)
        if len(para.split()) >= 12:
            return para if len(para) <= max_chars else para[:max_chars].rsplit(" ", 1)[0]
    return ""


def kaltim_texts(shared: Path) -> list[tuple[str, str]]:
    """(origin, ``title. lead``) for every Kaltim release and lead with a usable first paragraph."""
    out: list[tuple[str, str]] = []
    for name in ("pupr-samarinda.csv", "kaltimpost-snippets.csv"):
        with (shared / "news-kaltim" / name).open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                title, lead = _norm(row["title"]), _first_paragraph(row["body"])
                if title and lead:
                    out.append((f"news-kaltim/{name} record {i - 1}", f"{title}. {lead}"))
    # The seed article has no headline line: its dateline and first paragraph are the item.
    seed = [_norm(x) for x in (shared / "seed-antara-kaltim" / "article.txt").read_text(encoding="utf-8").splitlines()]
    seed = [x for x in seed if x]
    if len(seed) >= 2:
        out.append(("seed-antara-kaltim/article.txt", f"{seed[0]} {_first_paragraph(seed[1])}".strip()))
    return out


def reserved_keys(shared: Path, repo: Path) -> set[str]:
    """Texts that must never be drawn: labelled dev/test, the topic pool, the 2025 articles."""
    keys: set[str] = set()
    sentiment_pool, topic_pool = draw_pools(shared)
    keys.update(_key(t) for t in sentiment_pool + topic_pool)
    for name in ("news_sentiment_dev.tsv", "news_sentiment_test.tsv", "news_topics.tsv"):
        for line in (repo / "tests" / "data" / "nlp" / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                keys.add(_key(line.split("\t")[0]))
    for f in sorted((shared / "news-articles-2025").glob("*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                title = row.get("title") or row.get("Title") or ""
                if title:
                    keys.add(_key(title))
    return keys


def draw_tone_pool(shared: Path, repo: Path, *, seed: int = 2026, n_clickid: int = 800, n_detik: int = 300,
                   n_per_cue: int = 220) -> list[tuple[str, str, str]]:
    """``(id, origin, text)`` rows, deterministic for a seed."""
    rng = random.Random(seed)
    taken = reserved_keys(shared, repo)
    rows: list[tuple[str, str]] = []

    def take(origin: str, text: str) -> None:
        k = _key(text)
        if len(k) >= 12 and k not in taken:
            taken.add(k)
            rows.append((origin, text))

    clickid, detik = clickid_titles(shared), detik_titles(shared)
    for t in rng.sample(clickid, n_clickid):
        take("click-id random", t)
    for t in rng.sample(detik, n_detik):
        take("detik random", t)
    headlines = [("click-id", t) for t in clickid] + [("detik", t) for t in detik]
    for kind, cues in CUES.items():
        cands = [(src, t) for src, t in headlines
                 if _key(t) not in taken and any(re.search(rf"\b{re.escape(c)}\b", t.lower()) for c in cues)]
        for src, t in rng.sample(cands, min(n_per_cue, len(cands))):
            take(f"{src} cue:{kind}", t)
    for origin, text in kaltim_texts(shared):
        take(origin, text)
    order = list(range(len(rows)))
    rng.shuffle(order)  # labellers see the kinds mixed, not in draw order
    return [(f"t{n:04d}", rows[i][0], rows[i][1]) for n, i in enumerate(order)]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m nlp.prepare_tone_pool SHARED_DATA_DIR OUT.tsv", file=sys.stderr)
        return 2
    shared, out = Path(argv[0]), Path(argv[1])
    rows = draw_tone_pool(shared, Path(__file__).resolve().parent.parent)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(["id", "origin", "text"])
        w.writerows(rows)
    print(f"{len(rows)} texts -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
