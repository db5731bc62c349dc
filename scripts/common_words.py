"""Write ``pantau/data/common-words.txt``: the words of village names that are also ordinary Indonesian words.

    python scripts/common_words.py [--ner ../shared/data/ner-nergrit ../shared/data/ner-nerp]

A village name made only of such words ("Bandara", "Minta", "Pasar Pagi") says nothing without "Desa" or
"Kelurahan" before it, however capitalised. The evidence that a word is ordinary is that annotators of
the NERGRIT and NERP corpora (IndoNLU, Apache-2.0) tagged it ``O``, outside any named entity, at least
once. Only words that occur in a shipped village name are written, so the file stays small. Rerun it
when a province's villages are added under ``pantau/data/villages/``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "pantau/data/common-words.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    shared = ROOT.parent / "shared/data"
    ap.add_argument("--ner", type=Path, nargs="+", default=[shared / "ner-nergrit", shared / "ner-nerp"])
    args = ap.parse_args()

    ordinary: set[str] = set()
    for folder in args.ner:
        for name in ("train.txt", "valid.txt"):
            with (folder / name).open(encoding="utf-8") as f:
                for line in f:
                    parts = line.split()
                    # NERGRIT keeps case, so a capitalised O-token may still be a name; NERP is lower-cased.
                    if len(parts) == 2 and parts[1] == "O" and (parts[0].islower() or folder.name == "ner-nerp"):
                        ordinary.add(parts[0].lower())

    village_words: set[str] = set()
    for path in sorted((ROOT / "pantau/data/villages").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(line for line in f if not line.startswith("#")):
                village_words.update(w for w in row["name"].lower().replace("-", " ").split() if w.isalpha())

    words = sorted(village_words & ordinary)
    header = [
        "# Words of shipped village names that are also ordinary Indonesian words (tagged O, outside any",
        "# named entity, in the NERGRIT and NERP corpora of IndoNLU, Apache-2.0). Written by",
        "# scripts/common_words.py; see pantau/data/SOURCE.md.",
    ]
    OUT.write_text("\n".join([*header, *words]) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(words)} of {len(village_words)} village-name words are ordinary words")


if __name__ == "__main__":
    main()
