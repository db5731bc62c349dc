"""``pantau score``: score pending articles in the store with the sentiment and topic models.

Articles arrive with ``nlp_status = "pending"``. This stage pulls them in chunks, scores each
chunk in one engine call (length-sorted batches; see ``nlp.engine``), and writes the results
back with ``Store.set_scores``. A crash leaves the unscored articles pending, so the next run picks
up where this one stopped; writing the same scores twice is harmless.

Public posts (``source_type = "social"``) are read through the slang normaliser
(:mod:`nlp.slang`) when ``[nlp] normalise_slang`` is on: the models see "tidak" where the post says
"gak", while the stored post keeps its own words for display and search.

Every stored article has a title (``Article`` refuses an empty one), so every article can be
scored. An error from the models is a bug or an unavailable model: it propagates and the chunk
stays pending, so a failure is never mistaken for "nothing to do".
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.store import ScoreUpdate, Store
from nlp.engine import SentimentEngine
from nlp.service import load_engine
from nlp.slang import SlangNormaliser
from nlp.topics import TopicClassifier
from pantau.article import Article, Sentiment

log = logging.getLogger(__name__)


def model_version(engine: SentimentEngine, topics: TopicClassifier) -> str:
    """``sentiment-dir@sha12:backend+topic-dir@sha12``: changes whenever either model's weights change
    or the sentiment model runs on another backend (int8 and fp32 scores differ slightly)."""

    def digest(d: str, names: tuple[str, ...]) -> str:
        h = hashlib.sha256()
        for name in names:
            p = Path(d) / name
            if p.exists():
                h.update(p.read_bytes())
        return h.hexdigest()[:12]

    s = f"{Path(engine.model_dir).name}@{digest(engine.model_dir, ('model.safetensors', 'config.json'))}"
    s += f":{engine.backend}"
    t = f"{Path(topics.model_dir).name}@{digest(topics.model_dir, ('model.npz', 'config.json'))}"
    return f"{s}+{t}"


def scored_text(article: Article, normaliser: SlangNormaliser | None) -> tuple[str, str]:
    """``(title, body)`` as the models read them: a public post's slang rewritten when a normaliser is given."""
    if normaliser is None or article.source_type != "social":
        return article.title, article.body
    return normaliser.normalise(article.title), normaliser.normalise(article.body)


def slang_normaliser(nlp_settings: Any) -> SlangNormaliser | None:
    """The shipped normaliser when ``[nlp] normalise_slang`` is on (the default), else ``None``."""
    return SlangNormaliser.shipped() if bool(getattr(nlp_settings, "normalise_slang", True)) else None


def score_articles(articles: list[Article], engine: SentimentEngine, topics: TopicClassifier,
                   version: str, normaliser: SlangNormaliser | None = None) -> list[ScoreUpdate]:
    updates: list[ScoreUpdate] = []
    ok = list(articles)
    if not ok:
        return updates
    texts = [scored_text(a, normaliser) for a in ok]
    preds = engine.predict_documents(texts)
    from nlp.longdoc import lead_and_rest

    topic_texts = [f"{title}. {lead_and_rest(body)[0]}".strip(" .") for title, body in texts]
    topic_preds = topics.predict(topic_texts)
    model_name = Path(engine.model_dir).name
    for a, p, ts in zip(ok, preds, topic_preds, strict=True):
        sentiment = Sentiment(label=p.label, score=p.score, probs=dict(p.probs), model=model_name)
        updates.append(ScoreUpdate(id=a.id, sentiment=sentiment, topics=tuple(ts), nlp_version=version))
    return updates


def score_pending(store: Store, settings: Any, limit: int = 0, *, chunk: int = 256,
                  should_stop: Callable[[], bool] | None = None,
                  progress: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
    """Score up to ``limit`` pending articles (0 = all); returns counts.

    ``should_stop`` is asked between chunks (each chunk is written before the next is read, so a
    stop there is a clean checkpoint); ``progress`` gets the counts after every chunk.

    Keys: ``seen`` (pending articles read), ``scored``, ``written`` (rows the store updated; fewer
    than ``scored`` only when articles vanished meanwhile), ``chunks`` and ``seconds``.
    """
    nlp_settings = getattr(settings, "nlp", settings)
    t0 = time.perf_counter()
    engine = load_engine(nlp_settings=nlp_settings)
    topics = TopicClassifier.load(str(getattr(nlp_settings, "topic_model", "") or ""))
    version = model_version(engine, topics)
    normaliser = slang_normaliser(nlp_settings)
    if normaliser is not None:
        version += f"+{normaliser.version}"
    counts = {"seen": 0, "scored": 0, "written": 0, "chunks": 0}
    # Articles whose write did not take (deleted meanwhile) would come back as pending forever;
    # they are skipped, and only they widen the next query.
    stuck: set[str] = set()
    while not limit or counts["seen"] < limit:
        if should_stop is not None and should_stop():
            counts["stopped"] = 1
            break
        want = chunk if not limit else min(chunk, limit - counts["seen"])
        batch = [a for a in store.pending(limit=want + len(stuck)) if a.id not in stuck][:want]
        if not batch:
            break
        updates = score_articles(batch, engine, topics, version, normaliser)
        written = store.set_scores(updates)
        # Elasticsearch shows a write to searches only after a refresh: without one the next
        # ``pending()`` hands back the chunk just scored, and every article is scored twice.
        store.refresh()
        if written < len(updates):
            still = {a.id for a in store.pending(limit=len(batch) + len(stuck))}
            stuck.update(a.id for a in batch if a.id in still)
        counts["seen"] += len(batch)
        counts["scored"] += len(updates)
        counts["written"] += written
        counts["chunks"] += 1
        if progress is not None:
            progress(dict(counts))
        log.info("scored chunk=%d articles=%d written=%d", counts["chunks"], len(batch), written)
    counts["seconds"] = round(time.perf_counter() - t0)
    log.info("score done seen=%d scored=%d written=%d version=%s", counts["seen"], counts["scored"],
             counts["written"], version)
    return counts
