"""Reading labelled text files for training and evaluation.

Three formats, chosen by file suffix:

* ``.tsv``: ``text<TAB>label``, no header (SmSA's layout and Pantau's own files). Lines starting
  with ``#`` are comments.
* ``.csv``: a header row; the text and label columns are given by name (defaults ``text`` and
  ``label``; the CNBC headlines use ``judul`` and ``sentimen``).
* ``.jsonl``: one object per line with the same column names.

Labels go through a mapping (for example ``positif -> positive``) and then
:func:`nlp.labels.normalize_label`. A row without text or with an unknown label is skipped with a
counted reason, never silently.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nlp.labels import UnknownLabel, normalize_label

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class LabelledSet:
    """Texts with canonical labels plus the reasons rows were skipped."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, other: LabelledSet) -> None:
        self.texts.extend(other.texts)
        self.labels.extend(other.labels)
        self.skipped.update(other.skipped)


def _raw_rows(path: Path, text_col: str, label_col: str) -> list[tuple[str, str]]:
    suffix = path.suffix.lower()
    rows: list[tuple[str, str]] = []
    if suffix == ".tsv":
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n").rstrip("\r")
                if not line or line.startswith("#"):
                    continue
                text, _, label = line.rpartition("\t")
                rows.append((text, label))
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                rows.append((rec.get(text_col) or "", rec.get(label_col) or ""))
    elif suffix == ".jsonl":
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rec = json.loads(line)
                    rows.append((str(rec.get(text_col, "")), str(rec.get(label_col, ""))))
    else:
        raise ValueError(f"{path}: unsupported data format {suffix!r} (use .tsv, .csv or .jsonl)")
    return rows


def read_labelled(
    path: str | Path,
    *,
    text_col: str = "text",
    label_col: str = "label",
    label_map: Mapping[str, str] | None = None,
) -> LabelledSet:
    """Read one labelled file; see the module docstring for the formats."""
    p = Path(path)
    out = LabelledSet()
    mapping = {k.lower(): v for k, v in (label_map or {}).items()}
    for text, label in _raw_rows(p, text_col, label_col):
        text = " ".join(text.split())
        if not text:
            out.skipped["empty text"] += 1
            continue
        raw = label.strip()
        raw = mapping.get(raw.lower(), raw)
        try:
            canonical = normalize_label(raw)
        except UnknownLabel:
            out.skipped[f"unknown label {raw!r}"] += 1
            continue
        out.texts.append(text)
        out.labels.append(canonical)
    if out.skipped:
        log.warning("read %s: kept=%d skipped=%s", p, len(out), dict(out.skipped))
    return out


def write_tsv(path: Path, texts: list[str], labels: list[str], header: str = "") -> None:
    """Write ``text<TAB>label`` lines (tabs and newlines inside text become spaces).

    The file appears whole or not at all (temporary file, then rename): a second training run
    reading the prepared data while the first rewrites it must never see half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for line in header.splitlines():
            fh.write(f"# {line}\n")
        for text, label in zip(texts, labels, strict=True):
            fh.write(f"{' '.join(text.split())}\t{label}\n")
    os.replace(tmp, path)
