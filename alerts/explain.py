"""Why a window alerts: the stories behind it and the words that set it apart from the baseline.

A count alone ("23 negative articles") makes a PR officer open the dashboard to find out
what happened; the email should already say. Two answers, both from the store:

* **Stories:** the clusters of syndicated copies with the most negative articles in the
  window (title of the earliest copy, its outlets, how many copies).
* **Terms:** words that are far more frequent in the window's negative articles than in
  the watch's baseline coverage, by the weighted log-odds ratio with an informative
  Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"). Counts are of
  stories, not copies, so one syndicated article does not outvote three real ones, and
  the z-score keeps rare words from topping the list by chance.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from alerts.watch import Watch
from index import Store, Story
from pantau.article import Article

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
BODY_WORDS = 120  # the lead carries the story; a long tail of boilerplate would only add noise
MAX_DOCS = 400


# Words of Indonesian news pages' furniture that scraped bodies often keep inline ("Baca juga: …",
# "Simak video …", "Halaman selanjutnya"); they say nothing about why coverage spiked.
PAGE_FURNITURE = frozenset({"baca", "simak", "halaman", "selanjutnya", "berikutnya", "klik", "scroll",
                            "advertisement"})


@cache
def stopwords() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "data" / "stopwords-id.txt"
    listed = frozenset(w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip())
    return listed | PAGE_FURNITURE


@dataclass(kw_only=True, frozen=True)
class StoryLine:
    title: str
    url: str
    source: str
    published_at: datetime
    count: int
    negative: int
    sources: tuple[str, ...]

    @classmethod
    def from_story(cls, story: Story) -> StoryLine:
        lead = story.lead
        return cls(title=lead.title, url=lead.url, source=lead.source, published_at=lead.published_at,
                   count=story.count, negative=story.negative, sources=tuple(story.sources))

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url, "source": self.source,
                "published_at": self.published_at.isoformat(), "count": self.count, "negative": self.negative,
                "sources": list(self.sources)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StoryLine:
        return cls(title=str(d["title"]), url=str(d["url"]), source=str(d["source"]),
                   published_at=datetime.fromisoformat(d["published_at"]), count=int(d["count"]),
                   negative=int(d["negative"]), sources=tuple(d.get("sources") or ()))


@dataclass(kw_only=True, frozen=True)
class Term:
    term: str
    z: float
    window_stories: int
    baseline_stories: int

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "z": round(self.z, 2), "window_stories": self.window_stories,
                "baseline_stories": self.baseline_stories}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Term:
        return cls(term=str(d["term"]), z=float(d["z"]), window_stories=int(d["window_stories"]),
                   baseline_stories=int(d["baseline_stories"]))


def words(article: Article) -> set[str]:
    text = article.title + " " + " ".join(article.body.split()[:BODY_WORDS])
    stop = stopwords()
    return {w for w in (m.group(0).lower() for m in WORD.finditer(text)) if w not in stop}


def story_documents(articles: Iterable[Article]) -> list[set[str]]:
    """One bag of words per story: the words of all its copies, counted once."""
    by_story: dict[str, set[str]] = {}
    for a in articles:
        by_story.setdefault(a.cluster_id or a.id, set()).update(words(a))
    return list(by_story.values())


def log_odds(window: Sequence[set[str]], baseline: Sequence[set[str]], *, limit: int = 8,
             min_stories: int = 2, min_z: float = 1.96) -> list[Term]:
    """Terms over-represented in ``window`` against ``baseline`` (document frequencies)."""
    if not window:
        return []
    fw: Counter[str] = Counter(w for doc in window for w in doc)
    fb: Counter[str] = Counter(w for doc in baseline for w in doc)
    pooled = fw + fb
    n_w, n_b = sum(fw.values()), sum(fb.values())
    prior_total = 500.0
    grand = max(1, sum(pooled.values()))
    out: list[Term] = []
    for term, yw in fw.items():
        if yw < min_stories:
            continue
        yb = fb.get(term, 0)
        a = prior_total * pooled[term] / grand
        delta = (math.log((yw + a) / (n_w + prior_total - yw - a))
                 - math.log((yb + a) / (n_b + prior_total - yb - a)))
        z = delta / math.sqrt(1.0 / (yw + a) + 1.0 / (yb + a))
        if z >= min_z:
            out.append(Term(term=term, z=z, window_stories=yw, baseline_stories=yb))
    out.sort(key=lambda t: (-t.z, t.term))
    return out[:limit]


def _articles(store: Store, watch: Watch, since: datetime, until: datetime, negative_only: bool) -> list[Article]:
    filters = watch.filters(since, until, ("negative",) if negative_only else ())
    result = store.search("", filters, sort="newest", page=1, size=MAX_DOCS)
    return [h.article for h in result.hits]


def explain(store: Store, watch: Watch, window_start: datetime, window_end: datetime, baseline_start: datetime,
            stories: int = 5) -> tuple[list[StoryLine], list[Term]]:
    """The top negative stories of the window and the terms that set it apart from the baseline."""
    tops = store.top_stories(watch.filters(window_start, window_end, ("negative",)), limit=stories)
    lines = [StoryLine.from_story(s) for s in tops if s.negative > 0]
    window_docs = story_documents(_articles(store, watch, window_start, window_end, True))
    baseline_docs = story_documents(_articles(store, watch, baseline_start, window_start, False))
    return lines, log_odds(window_docs, baseline_docs)
