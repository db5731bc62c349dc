"""Turn a PR analyst's search text into a safe SQLite FTS5 expression.

The grammar is :mod:`index.query_text` (words, ``"phrases"``, ``-exclusion``, ``OR``). Each
term is emitted as an FTS5 string (double quotes doubled), so text such as ``"NOT (`` can
never reach FTS5 as syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from index import query_text
from index.query_text import Term


@dataclass(frozen=True)
class ParsedQuery:
    positive: str  # FTS5 expression, "" when only exclusions or nothing
    negative: str  # FTS5 expression of excluded terms OR'ed together, "" when none


def _quote(term: Term) -> str:
    return '"' + " ".join(term).replace('"', '""') + '"'


def parse(query: str) -> ParsedQuery:
    parsed = query_text.parse(query)
    positive = " AND ".join(
        "(" + " OR ".join(_quote(t) for t in g) + ")" if len(g) > 1 else _quote(g[0]) for g in parsed.groups
    )
    return ParsedQuery(positive=positive, negative=" OR ".join(_quote(t) for t in parsed.negatives))
