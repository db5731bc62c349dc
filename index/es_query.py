"""Build Elasticsearch queries from a PR analyst's search text and the dashboard's filters.

Search text is user input. It reaches Elasticsearch only through ``simple_query_string``
with the flags ``AND|OR|NOT|PHRASE|WHITESPACE`` and ``default_operator: and``, and only
after it has been reduced to the documented subset, exactly as :mod:`index.fts_query`
does for SQLite: words (all must match), ``"quoted phrases"``, ``-exclusion`` and ``OR``
between neighbours. Every term is re-emitted as letters and digits only (a phrase when it
holds several words, so ``covid-19`` means the same on both backends), so characters such
as ``*``, ``~``, ``(`` or ``|`` typed by a user can never act as syntax.

``simple_query_string`` combines operators strictly left to right and, without the
``PRECEDENCE`` flag, has no parentheses, so the OR-group goes first: ``banjir OR longsor
samarinda -tambang`` is sent as ``banjir | longsor samarinda -tambang``, which is
``((banjir OR longsor) AND samarinda) AND NOT tambang``. That keeps "OR binds its two
neighbours" identical to SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from index import query_text
from index.query_text import Term
from index.store import Filters
from pantau.article import iso

SQS_FLAGS = "AND|OR|NOT|PHRASE|WHITESPACE"
TEXT_FIELDS = ("title^3", "body")  # title weighted over body, as SQLite's bm25(3.0, 1.0)
UNSCORED = "unscored"


@dataclass(frozen=True)
class TextQuery:
    """Search text reduced to the documented subset: an AND of OR-groups, minus exclusions."""

    groups: tuple[tuple[str, ...], ...] = ()  # each clause is a word or a quoted phrase
    negatives: tuple[str, ...] = ()

    @property
    def positive(self) -> bool:
        return bool(self.groups)


def _clause(term: Term) -> str:
    return term[0] if len(term) == 1 else '"' + " ".join(term) + '"'


def parse(query: str) -> TextQuery:
    """Split search text into OR-groups and exclusions (the grammar of :mod:`index.query_text`)."""
    parsed = query_text.parse(query)
    return TextQuery(
        groups=tuple(tuple(_clause(t) for t in g) for g in parsed.groups),
        negatives=tuple(_clause(t) for t in parsed.negatives),
    )


def _sqs(text: str) -> dict[str, Any]:
    return {
        "simple_query_string": {
            "query": text,
            "fields": list(TEXT_FIELDS),
            "default_operator": "and",
            "flags": SQS_FLAGS,
        }
    }


def text_query(query: str) -> tuple[dict[str, Any], bool]:
    """The query for search text and whether it has positive terms (which rank and highlight).

    As much as possible goes into one ``simple_query_string``, because inside one the
    analyzer drops a term that is only a stopword ("yang", "di") instead of letting it
    match nothing. Left-to-right evaluation means one OR-group placed first, then the
    AND-ed words and the exclusions, is exact; a second OR-group needs its own clause.
    """
    parsed = parse(query)
    if not parsed.groups:
        if not parsed.negatives:
            return {"match_all": {}}, False
        return {"bool": {"must": [{"match_all": {}}], "must_not": [_sqs(n) for n in parsed.negatives]}}, False
    ors = [g for g in parsed.groups if len(g) > 1]
    singles = [g[0] for g in parsed.groups if len(g) == 1]
    head = [" | ".join(ors[0])] if ors else []
    main = _sqs(" ".join([*head, *singles, *(f"-{n}" for n in parsed.negatives)]))
    if len(ors) <= 1:
        return main, True
    return {"bool": {"must": [main, *(_sqs(" | ".join(g)) for g in ors[1:])]}}, True


def sentiment_filter(labels: tuple[str, ...]) -> dict[str, Any]:
    scored = [label for label in labels if label != UNSCORED]
    should: list[dict[str, Any]] = []
    if scored:
        should.append({"terms": {"sentiment.label": scored}})
    if UNSCORED in labels:
        should.append({"bool": {"must_not": {"exists": {"field": "sentiment.label"}}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def filter_clauses(filters: Filters | None) -> list[dict[str, Any]]:
    """Non-scoring clauses for the shared filters; regions match through the ancestor tree."""
    f = filters or Filters()
    clauses: list[dict[str, Any]] = []
    if f.regions:
        clauses.append({"terms": {"region_tree": list(f.regions)}})
    if f.topics:
        clauses.append({"terms": {"topics.label": list(f.topics)}})
    if f.sentiment:
        clauses.append(sentiment_filter(tuple(f.sentiment)))
    if f.sources:
        clauses.append({"terms": {"source": list(f.sources)}})
    if f.source_types:
        clauses.append({"terms": {"source_type": list(f.source_types)}})
    if f.platforms:
        clauses.append({"terms": {"platform": list(f.platforms)}})
    if f.since is not None or f.until is not None:
        bounds: dict[str, str] = {}
        if f.since is not None:
            bounds["gte"] = iso(f.since)
        if f.until is not None:
            bounds["lt"] = iso(f.until)
        clauses.append({"range": {"published_at": bounds}})
    return clauses


def build_query(query: str = "", filters: Filters | None = None) -> tuple[dict[str, Any], bool]:
    """Text and filters combined: the text scores, the filters only restrict."""
    text, positive = text_query(query)
    clauses = filter_clauses(filters)
    if not clauses:
        return text, positive
    return {"bool": {"must": [text], "filter": clauses}}, positive


def filters_query(filters: Filters | None) -> dict[str, Any]:
    clauses = filter_clauses(filters)
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}
