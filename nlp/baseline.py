"""The reference baseline every evaluation report shows next to the transformer.

TF-IDF over word 1-2-grams plus character 2-5-grams (within word boundaries), then a linear SVM
(``LinearSVC``, ``C=0.5``, balanced class weights), trained on the same training file as the
transformer. It is the classic strong baseline for short Indonesian texts; if the shipped model
cannot beat it on a held-out split, the model is not worth its cost.

A fitted baseline is cached under ``build/nlp/baseline/`` keyed by the training file's SHA-256,
because fitting the character n-grams on 20k texts takes a while on two cores.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Sequence
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlp.datasets import read_labelled

log = logging.getLogger(__name__)


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("char", TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                     sublinear_tf=True, max_features=200_000)),
        ]
    )
    return Pipeline([("tfidf", features), ("svm", LinearSVC(C=0.5, class_weight="balanced"))])


class Baseline:
    def __init__(self, pipeline: Pipeline, train_file: str) -> None:
        self.pipeline = pipeline
        self.train_file = train_file

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], train_file: str = "") -> Baseline:
        pipe = build_pipeline()
        pipe.fit(list(texts), list(labels))
        return cls(pipe, train_file)

    @classmethod
    def for_train_file(cls, path: Path, cache_dir: Path | None = None) -> Baseline:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        cache = (cache_dir or Path("build/nlp/baseline")) / f"tfidf-svm-{digest}.pkl"
        if cache.exists():
            with cache.open("rb") as fh:
                pipe = pickle.load(fh)
            return cls(pipe, str(path))
        data = read_labelled(path)
        log.info("fitting TF-IDF+SVM baseline on %s rows=%d", path, len(data))
        model = cls.fit(data.texts, data.labels, str(path))
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("wb") as fh:
            pickle.dump(model.pipeline, fh)
        return model

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(y) for y in self.pipeline.predict(list(texts))]
