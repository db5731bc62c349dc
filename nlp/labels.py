"""Sentiment label vocabulary and the mapping from a model's own ``id2label`` to Pantau's labels.

Pantau reports exactly three sentiment labels: ``positive``, ``neutral`` and ``negative``. Models
trained elsewhere name them differently, so every classifier's ``id2label`` goes through
:func:`map_id2label` before its outputs are read:

* English names in any case (``Positive``, ``NEG``, ``neu``...).
* Indonesian names (``positif``, ``netral``, ``negatif``), as used by the CNBC headline set and
  many community IndoBERT fine-tunes.
* Anonymous ``LABEL_0``..``LABEL_2`` names (what ``transformers`` writes when a fine-tune forgot its
  label names). Their order is **positive, neutral, negative**: the order of IndoNLU's SmSA
  loader (``{'positive': 0, 'neutral': 1, 'negative': 2}``), which most Indonesian sentiment
  fine-tunes on the hub inherit. A two-class ``LABEL_0``/``LABEL_1`` model is read as
  negative, positive (the SST-2 convention).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
"""Pantau's canonical order (used for probability vectors, confusion matrices and new models)."""

ANONYMOUS_ORDER_3: tuple[str, ...] = ("positive", "neutral", "negative")
ANONYMOUS_ORDER_2: tuple[str, ...] = ("negative", "positive")

_ALIASES: dict[str, str] = {
    "positive": "positive",
    "pos": "positive",
    "positif": "positive",
    "neutral": "neutral",
    "neu": "neutral",
    "neut": "neutral",
    "netral": "neutral",
    "negative": "negative",
    "neg": "negative",
    "negatif": "negative",
}

_ANON = re.compile(r"^label[_\- ]?(\d+)$")


class UnknownLabel(ValueError):
    """A label name that cannot be mapped onto positive/neutral/negative."""


def normalize_label(name: str) -> str:
    """Map one human-written label name (data files, feedback) to a canonical label."""
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownLabel(f"unknown sentiment label {name!r}; expected one of {sorted(set(_ALIASES))}")


def map_id2label(id2label: Mapping[int, str] | Mapping[str, str]) -> dict[int, str]:
    """Return ``{class index: canonical label}`` for a model's ``id2label``.

    Raises :class:`UnknownLabel` when a name is neither a known alias nor ``LABEL_k``, or when two
    classes map to the same label (such a model cannot be read safely).
    """
    items = {int(k): str(v) for k, v in id2label.items()}
    n = len(items)
    result: dict[int, str] = {}
    for idx, name in sorted(items.items()):
        key = name.strip().lower()
        anon = _ANON.match(key)
        if key in _ALIASES:
            result[idx] = _ALIASES[key]
        elif anon is not None:
            k = int(anon.group(1))
            order = ANONYMOUS_ORDER_3 if n == 3 else ANONYMOUS_ORDER_2 if n == 2 else None
            if order is None or k >= len(order):
                raise UnknownLabel(f"anonymous label {name!r} in a {n}-class model has no documented meaning")
            result[idx] = order[k]
        else:
            raise UnknownLabel(f"model label {name!r} (class {idx}) is not a sentiment label")
    if len(set(result.values())) != len(result):
        raise UnknownLabel(f"id2label {items} maps two classes to the same sentiment label")
    return result
