"""The search-text grammar both backends share.

A PR analyst types what they would type into a news search box: words (all must match),
``"quoted phrases"``, ``-exclusion`` and ``OR`` between neighbours. Everything else is
literal. Each term is reduced to its letters and digits, so characters such as ``*``,
``(``, ``:`` or ``|`` can never act as syntax in FTS5 or Elasticsearch; ``covid-19`` becomes
the phrase ``covid 19`` on both. :mod:`index.fts_query` and :mod:`index.es_query` render the
parsed form for their engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD_RE = re.compile(r"[^\W_]+")

Term = tuple[str, ...]  # the words of one search term; more than one word is a phrase


@dataclass(frozen=True)
class TextQuery:
    """An AND of OR-groups of terms, minus the excluded terms."""

    groups: tuple[tuple[Term, ...], ...] = ()
    negatives: tuple[Term, ...] = ()


def parse(query: str) -> TextQuery:
    groups: list[list[Term]] = []
    negatives: list[Term] = []
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
        term = tuple(_WORD_RE.findall(text or ""))
        if not term:
            continue
        if neg:
            negatives.append(term)
            pending_or = False
            continue
        if pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return TextQuery(groups=tuple(tuple(g) for g in groups), negatives=tuple(negatives))
