"""Topic classification for government PR: multi-label, with a score per topic.

The taxonomy (ids, Indonesian display names, keyword rules) lives in ``nlp/data/topics.json``.
There is no hand-labelled topic training set for Indonesian regional news, so the classifier is
trained on weak labels built from what the staged data offers:

* detik.com tag-page headlines: ``Politik`` → pemerintahan, ``Ekonomi`` → ekonomi,
  ``Olahraga`` → olahraga (``Selebritas``/``Teknologi`` carry no taxonomy topic);
* CLICK-ID publisher sections (sport sections → olahraga, money/business → ekonomi,
  travel → pariwisata, health → kesehatan, Haji/Muslim → sosial & budaya);
* keyword rules per topic (``keywords`` in the taxonomy) applied to every headline, which is what
  gives rare topics such as IKN, energy and mining, or disasters their positives;
* Samarinda PUPR press-release titles → infrastruktur.

Headlines with no label are negatives for every topic. The model is one logistic regression per
topic over hashed TF-IDF features (word 1-2-grams + character 3-5-grams), so the shipped files are
plain arrays (``model.npz``) plus a JSON config, loaded without pickle. A topic is assigned when its
probability is at least its threshold (0.5) or when the topic's keyword rule fires (score then at
least 0.5: the rules name things such as IKN, PLN or BPBD precisely); at most :data:`MAX_TOPICS`
topics per document, highest score first.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

from pantau.article import Topic

log = logging.getLogger(__name__)

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "topics.json"
TOPIC_MODEL_DIR = Path(__file__).resolve().parent / "models" / "topic-id-news"
MAX_TOPICS = 3
N_FEATURES = 2**18

SECTION_TOPICS: dict[str, str] = {
    "bola": "olahraga", "sports": "olahraga", "sport": "olahraga",
    "money": "ekonomi", "economy": "ekonomi", "ekbis": "ekonomi", "bisnis": "ekonomi",
    "travel": "pariwisata", "health": "kesehatan", "haji": "sosial_budaya", "muslim": "sosial_budaya",
}
DETIK_TOPICS: dict[str, str] = {"politik": "pemerintahan", "ekonomi": "ekonomi", "olahraga": "olahraga"}


@lru_cache(maxsize=1)
def _taxonomy_cached(path: str) -> tuple[dict[str, Any], ...]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(data["topics"])


def load_taxonomy(path: Path = TAXONOMY_FILE) -> list[dict[str, Any]]:
    return [dict(t) for t in _taxonomy_cached(str(path))]


def topic_ids() -> list[str]:
    return [t["id"] for t in load_taxonomy()]


def display_names() -> dict[str, str]:
    return {t["id"]: t["name"] for t in load_taxonomy()}


class KeywordRules:
    """Word-boundary keyword matching per topic (the weak-label rules)."""

    def __init__(self, taxonomy: Sequence[dict[str, Any]]) -> None:
        self.patterns: dict[str, re.Pattern[str]] = {}
        for t in taxonomy:
            words = sorted((re.escape(k.lower()) for k in t["keywords"]), key=len, reverse=True)
            self.patterns[t["id"]] = re.compile(r"(?<![0-9a-z])(?:" + "|".join(words) + r")(?![0-9a-z])")

    def match(self, text: str) -> set[str]:
        low = text.lower()
        return {tid for tid, pat in self.patterns.items() if pat.search(low)}


def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    word = HashingVectorizer(n_features=N_FEATURES, ngram_range=(1, 2), alternate_sign=False, norm=None,
                             lowercase=True)
    char = HashingVectorizer(n_features=N_FEATURES, analyzer="char_wb", ngram_range=(3, 5),
                             alternate_sign=False, norm=None, lowercase=True)
    return word, char


def featurize(texts: Sequence[str], idf: np.ndarray | None = None) -> sparse.csr_matrix:
    """Hashed word + char counts, sublinear tf, times idf, L2-normalised rows."""
    word, char = _vectorizers()
    x = sparse.hstack([word.transform(texts), char.transform(texts)]).tocsr().astype(np.float32)
    x.data = 1.0 + np.log(x.data)
    if idf is not None:
        x = x.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms).dot(x).tocsr().astype(np.float32)


def compute_idf(texts: Sequence[str]) -> np.ndarray:
    word, char = _vectorizers()
    x = sparse.hstack([word.transform(texts), char.transform(texts)]).tocsr()
    df = np.bincount(x.indices, minlength=x.shape[1]).astype(np.float64)
    n = x.shape[0]
    idf: np.ndarray = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


# -- training data ------------------------------------------------------------------------------
def weak_training_set(shared: Path, exclude: set[str]) -> tuple[list[str], list[set[str]], dict[str, Any]]:
    """Headlines with weak topic labels (see module docstring); ``exclude`` are lower-cased texts to skip."""
    rules = KeywordRules(load_taxonomy())
    texts: list[str] = []
    labels: list[set[str]] = []
    sources: Counter[str] = Counter()
    seen: set[str] = set()

    def add(text: str, given: set[str], source: str) -> None:
        text = " ".join(text.split())
        key = text.lower()
        if not text or key in exclude or key in seen:
            return
        seen.add(key)
        texts.append(text)
        labels.append(given | rules.match(text))
        sources[source] += 1

    with (shared / "news-topic-detik" / "headlines.csv").open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            topic = DETIK_TOPICS.get((r.get("KATEGORI") or "").strip().lower())
            add(r.get("JUDUL") or "", {topic} if topic else set(), "detik")
    with (shared / "click-id" / "publisher_categories.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            topic = SECTION_TOPICS.get((r.get("category") or "").strip().lower())
            add(r.get("title") or "", {topic} if topic else set(), "clickid-section")
    with (shared / "click-id" / "clickbait.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            add(r.get("title") or "", set(), "clickid-keywords")
    pupr = shared / "news-kaltim" / "pupr-samarinda.csv"
    if pupr.exists():
        with pupr.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                add(r.get("title") or "", {"infrastruktur"}, "pupr-samarinda")
    counts = Counter(t for ls in labels for t in ls)
    stats = {"texts": len(texts), "sources": dict(sources), "positives": dict(counts),
             "unlabelled": sum(1 for ls in labels if not ls)}
    return texts, labels, stats


def train_topic_model(texts: Sequence[str], labels: Sequence[set[str]], out: Path, *,
                      stats: dict[str, Any] | None = None, c: float = 4.0) -> dict[str, Any]:
    ids = topic_ids()
    idf = compute_idf(texts)
    x = featurize(texts, idf)
    coefs = np.zeros((len(ids), x.shape[1]), dtype=np.float32)
    intercepts = np.zeros(len(ids), dtype=np.float32)
    for i, tid in enumerate(ids):
        y = np.array([1 if tid in ls else 0 for ls in labels])
        if y.sum() == 0:
            intercepts[i] = -10.0
            continue
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        clf.fit(x, y)
        coefs[i] = clf.coef_[0]
        intercepts[i] = clf.intercept_[0]
        log.info("topic=%s positives=%d", tid, int(y.sum()))
    out.mkdir(parents=True, exist_ok=True)
    # Only non-zero columns are stored, so the shipped file stays small.
    used = np.flatnonzero(np.abs(coefs).max(axis=0) > 1e-6)
    np.savez_compressed(out / "model.npz", columns=used.astype(np.int32), coef=coefs[:, used].astype(np.float16),
                        intercept=intercepts, idf=idf[used].astype(np.float32))
    config = {"topics": ids, "threshold": 0.5, "max_topics": MAX_TOPICS, "n_features": 2 * N_FEATURES,
              "features": "hashed word 1-2 + char_wb 3-5, sublinear tf-idf, l2", "c": c,
              "training": stats or {}}
    (out / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    return config


@dataclass(kw_only=True)
class TopicClassifier:
    topics: list[str]
    columns: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    idf: np.ndarray
    threshold: float = 0.5
    max_topics: int = MAX_TOPICS
    model_dir: str = ""

    @classmethod
    def load(cls, model_dir: str | Path = "") -> TopicClassifier:
        d = Path(model_dir) if model_dir else TOPIC_MODEL_DIR
        config = json.loads((d / "config.json").read_text(encoding="utf-8"))
        with np.load(d / "model.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("columns", "coef", "intercept", "idf")}
        return cls(topics=list(config["topics"]), columns=arrays["columns"], coef=arrays["coef"].astype(np.float32),
                   intercept=arrays["intercept"], idf=arrays["idf"], threshold=float(config["threshold"]),
                   max_topics=int(config["max_topics"]), model_dir=str(d.resolve()))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        full_idf = np.zeros(2 * N_FEATURES, dtype=np.float32)
        full_idf[self.columns] = self.idf
        # Hashed features never seen in training get idf 0, i.e. they are ignored, as a fitted
        # TfidfVectorizer ignores out-of-vocabulary words.
        x = featurize(texts, full_idf)[:, self.columns]
        logits = np.asarray(x @ self.coef.T) + self.intercept
        probs: np.ndarray = 1.0 / (1.0 + np.exp(-logits))
        return probs

    def predict(self, texts: Sequence[str]) -> list[list[Topic]]:
        if not texts:
            return []
        probs = self.probabilities(texts)
        rules = KeywordRules(load_taxonomy())
        out: list[list[Topic]] = []
        for text, row in zip(texts, probs, strict=True):
            scores = {tid: float(p) for tid, p in zip(self.topics, row, strict=True)}
            for tid in rules.match(text):
                if tid in scores:
                    scores[tid] = max(scores[tid], self.threshold)
            ranked = sorted(scores.items(), key=lambda kv: -kv[1])[: self.max_topics]
            out.append([Topic(label=tid, score=round(sc, 4)) for tid, sc in ranked if sc >= self.threshold])
        return out


def read_topic_file(path: str | Path) -> tuple[list[str], list[set[str]]]:
    """``text<TAB>id,id`` lines (empty label = no taxonomy topic); unknown ids raise ValueError."""
    known = set(topic_ids())
    texts: list[str] = []
    gold: list[set[str]] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, _, labs = line.partition("\t")
        ids = {x.strip() for x in labs.split(",") if x.strip()}
        if ids - known:
            raise ValueError(f"{path}:{n}: unknown topic ids {sorted(ids - known)}")
        texts.append(text)
        gold.append(ids)
    return texts, gold


def evaluate_topics(path: str | Path, classifier: TopicClassifier) -> dict[str, Any]:
    """The classifier and the keyword rules alone, on the same hand-labelled file."""
    from nlp.metrics import multilabel_report

    texts, gold = read_topic_file(path)
    ids = topic_ids()
    pred = [{t.label for t in ts} for ts in classifier.predict(texts)]
    rules = KeywordRules(load_taxonomy())
    report = multilabel_report(gold, pred, ids)
    report["file"] = str(path)
    report["keyword_rules"] = multilabel_report(gold, [rules.match(t) for t in texts], ids)
    return report


def train_recipe(recipe_path: Path, raw: dict[str, Any], command: str) -> dict[str, Any]:
    """Topic recipe (``task = "topic"``): weak labels from ``shared``, model to ``output``, eval on ``eval``."""
    from nlp.prepare_labelling import draw_pools

    root = recipe_path.resolve().parent.parent
    shared = (root / str(raw.get("shared", "../shared/data"))).resolve()
    out = (root / str(raw["output"])).resolve()
    sent_pool, topic_pool = draw_pools(shared)
    exclude = {t.lower() for t in sent_pool + topic_pool}
    texts, labels, stats = weak_training_set(shared, exclude)
    log.info("topic training set: texts=%d unlabelled=%d", stats["texts"], stats["unlabelled"])
    config = train_topic_model(texts, labels, out, stats=stats, c=float(raw.get("c", 4.0)))
    config["command"] = command
    result: dict[str, Any] = {"model": str(out), "training": stats}
    eval_file = raw.get("eval")
    if eval_file and (root / str(eval_file)).exists():
        report = evaluate_topics(root / str(eval_file), TopicClassifier.load(out))
        config["eval"] = {"file": str(eval_file), "macro_f1": report["macro_f1"], "exact_match": report["exact_match"],
                          "per_topic_f1": {k: v["f1"] for k, v in report["per_topic"].items()},
                          "keyword_rules_macro_f1": report["keyword_rules"]["macro_f1"]}
        result["eval"] = config["eval"]
    (out / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    write_topic_card(out, raw, command, config)
    return result


def write_topic_card(out: Path, raw: dict[str, Any], command: str, config: dict[str, Any]) -> None:
    names = display_names()
    stats = config.get("training", {})
    lines = [
        f"# {raw.get('name', out.name)}",
        "",
        "Pantau topic classifier (multi-label) for Indonesian news; taxonomy in `nlp/data/topics.json`.",
        "",
        "## Command",
        "",
        f"    {command}",
        "",
        "## Data (weak labels; see nlp/topics.py)",
        "",
        f"- headlines: {stats.get('texts')} ({stats.get('sources')}), without any topic: {stats.get('unlabelled')}",
        f"- positives per topic: {stats.get('positives')}",
        "- sources: detik tag-page headlines (licence unclear, internal use), CLICK-ID headlines and publisher",
        "  sections (CC BY 4.0), Samarinda PUPR press-release titles; hand-labelled pools excluded.",
        "",
        "## Model",
        "",
        f"- {config['features']}; one logistic regression per topic (C={config['c']}, balanced)",
        f"- assign when probability >= {config['threshold']} or the topic's keyword rule fires;"
        f" at most {config['max_topics']} topics",
        "",
    ]
    ev = config.get("eval")
    if ev:
        lines += [f"## Evaluation on {ev['file']} (hand-labelled, never trained on)", "",
                  f"macro-F1 {ev['macro_f1']:.4f}, exact match {ev['exact_match']:.4f}; keyword rules alone:"
                  f" macro-F1 {ev['keyword_rules_macro_f1']:.4f}", "", "| topic | F1 |", "|---|---|"]
        lines += [f"| {names.get(k, k)} | {v:.4f} |" for k, v in ev["per_topic_f1"].items()]
        lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
