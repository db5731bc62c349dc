"""Turn a PR analyst's search text into a safe SQLite FTS5 expression.

Users type what they would type into a news search box: words, ``"quoted phrases"``,
``-exclusion`` and ``OR``. Everything else is literal. Each term is emitted as an FTS5
string (double quotes doubled), so text such as ``"NOT (`` can never reach FTS5 as
syntax. Mirrors Elasticsearch ``simple_query_string`` with flags AND|OR|NOT|PHRASE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ParsedQuery:
    positive: str  # FTS5 expression, "" when only exclusions or nothing
    negative: str  # FTS5 expression of excluded terms OR'ed together, "" when none


def _quote(text: str) -> str | None:
    words = _WORD_RE.findall(text)
    if not words:
        return None
    return '"' + " ".join(words).replace('"', '""') + '"'


def parse(query: str) -> ParsedQuery:
    groups: list[list[str]] = []  # AND of OR-groups
    negatives: list[str] = []
    pending_or = False
    for m in _TERM_RE.finditer(query):
        neg, phrase, word = m.group(1), m.group(2), m.group(3)
        if word is not None and word == "OR":
            pending_or = bool(groups)
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            neg, text = "-", word[1:]
        else:
            text = phrase if phrase is not None else word
        quoted = _quote(text or "")
        if quoted is None:
            continue
        if neg:
            negatives.append(quoted)
            pending_or = False
            continue
        if pending_or:
            groups[-1].append(quoted)
        else:
            groups.append([quoted])
        pending_or = False
    positive = " AND ".join("(" + " OR ".join(g) + ")" if len(g) > 1 else g[0] for g in groups)
    return ParsedQuery(positive=positive, negative=" OR ".join(negatives))
