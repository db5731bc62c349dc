"""Draw the pools of real news headlines and leads that Pantau's staff-style labels are written on.

The pools are drawn once, deterministically (seeded), from CLICK-ID headlines and the saved news
pages, and then labelled by hand (see ``tests/data/nlp/GUIDELINES-*.md``). The drawn texts are
kept out of the tokenizer and masked-LM pre-training corpus so that the hand-labelled test set is
text the model has never seen in any form.

* Sentiment pool: a seeded random sample of CLICK-ID headlines (all publishers) plus the headline
  and first paragraph of every saved article page.
* Topic pool: the first part of the sentiment pool plus, for taxonomy topics that a random sample
  of 2019 headlines barely covers (IKN, energy and mining, tourism, disasters, environment...),
  headlines drawn at random among those that mention a topic cue word. The cue only selects what
  to read; the topic labels themselves are decided by hand.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

from nlp.html_text import page_paragraphs

# Cue words used only to draw extra headlines for rarely covered topics into the topic pool.
RARE_TOPIC_CUES: dict[str, tuple[str, ...]] = {
    "ikn": ("ibu kota baru", "ibu kota negara", "pemindahan ibu kota", "ibu kota pindah", "penajam"),
    "energi_tambang": ("tambang", "batu bara", "batubara", "migas", "listrik", "pln", "bbm", "minyak"),
    "pariwisata": ("wisata", "wisatawan", "turis", "pariwisata", "destinasi"),
    "bencana": ("banjir", "gempa", "longsor", "kebakaran hutan", "karhutla", "tsunami", "erupsi"),
    "lingkungan": ("sampah", "kabut asap", "hutan", "polusi", "lingkungan", "satwa", "iklim"),
    "kesehatan": ("rumah sakit", "bpjs", "dbd", "stunting", "dokter", "penyakit", "vaksin"),
    "pendidikan": ("sekolah", "guru", "siswa", "mahasiswa", "kampus", "pendidikan"),
    "infrastruktur": ("jalan tol", "jembatan", "bandara", "pelabuhan", "proyek", "bendungan"),
}


def clickid_titles(shared: Path) -> list[str]:
    with (shared / "click-id" / "clickbait.csv").open(encoding="utf-8", newline="") as fh:
        titles = [" ".join(r["title"].split()) for r in csv.DictReader(fh)]
    seen: set[str] = set()
    out = []
    for t in titles:
        if t and t.lower() not in seen:
            seen.add(t.lower())
            out.append(t)
    return out


def page_leads(shared: Path) -> list[str]:
    """``headline. first paragraph`` of every saved article page (manifest kind == article)."""
    leads: list[str] = []
    with (shared / "html" / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "article"]
    for r in rows:
        paras = page_paragraphs((shared / "html" / r["file"]).read_text(encoding="utf-8", errors="replace"))
        title = re.sub(r"\s+[-|]\s+[^-|]+$", "", r["title"]).strip()
        body = [
            p for p in paras
            if p != title and len(p.split()) >= 12 and "©" not in p and "Rights Reserved" not in p
        ]
        if title and body:
            lead = body[0] if len(body[0]) <= 400 else body[0][:400].rsplit(" ", 1)[0]
            leads.append(f"{title}. {lead}")
    return leads


def draw_pools(shared: Path, *, seed: int = 2024, n_sentiment: int = 480, n_topic_random: int = 140,
               n_per_rare_topic: int = 10) -> tuple[list[str], list[str]]:
    titles = clickid_titles(shared)
    rng = random.Random(seed)
    sample = rng.sample(titles, n_sentiment)
    sentiment_pool = sample + page_leads(shared)
    topic_pool = list(sample[:n_topic_random])
    taken = {t.lower() for t in sentiment_pool}
    for cues in RARE_TOPIC_CUES.values():
        cands = [t for t in titles if t.lower() not in taken and any(c in t.lower() for c in cues)]
        for t in rng.sample(cands, min(n_per_rare_topic, len(cands))):
            topic_pool.append(t)
            taken.add(t.lower())
    return sentiment_pool, topic_pool
