"""Build ``tests/data/crawl/unseen/articles.jsonl``: real article texts for the unseen-layout set.

The set measures headline, date and body extraction on six outlet layouts that Pantau's extractor
was never tuned on (see :mod:`tests.crawlserver.unseen`). The texts are real: 42 press releases of
Dinas PUPR Kota Samarinda (``news-kaltim/pupr-samarinda.csv``, those the main crawl corpus does not
use) and one ANTARA Samarinda article (``seed-antara-kaltim/article.txt``). Run once by a developer;
the output is committed so the tests need no ``../shared``.

Run: ``python tests/crawlserver/build_unseen.py ../shared/data tests/data/crawl/unseen/articles.jsonl``
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

WITA = timezone(timedelta(hours=8))
LAYOUTS = ("warta", "etam", "mahakam", "benua", "kutim", "pesut")
# The ANTARA text has no headline in the staged file; this one is written from its first sentence.
ANTARA_TITLE = "Pemprov Kaltim Perkuat Kehumasan Sepuluh Kabupaten/Kota di Media Sosial"
ANTARA_PUBLISHED = datetime(2024, 6, 7, 14, 30, tzinfo=WITA)


def main(shared: Path, out: Path) -> None:
    corpus = [json.loads(x) for x in (out.parents[1] / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if x]
    used = {str(c["title"]) for c in corpus}
    with (shared / "news-kaltim" / "pupr-samarinda.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if len(r["body"]) >= 400 and r["title"] not in used]
    records: list[dict[str, object]] = []
    for i, row in enumerate(rows[:42]):
        paragraphs = [" ".join(p.split()) for p in row["body"].splitlines() if p.strip()]
        published = datetime.fromisoformat(row["date"]).replace(tzinfo=WITA)
        records.append(
            {
                "slug": f"unseen-{i:02d}",
                "layout": LAYOUTS[i % len(LAYOUTS)],
                "title": " ".join(row["title"].split()),
                "paragraphs": paragraphs,
                "published": published.isoformat(),
                "origin": "news-kaltim/pupr-samarinda.csv (Dinas PUPR Kota Samarinda)",
            }
        )
    lines = (shared / "seed-antara-kaltim" / "article.txt").read_text(encoding="utf-8").splitlines()
    records.append(
        {
            "slug": "unseen-42",
            "layout": LAYOUTS[0],
            "title": ANTARA_TITLE,
            "paragraphs": [" ".join(ln.split()) for ln in lines[1:] if ln.strip()],
            "published": ANTARA_PUBLISHED.isoformat(),
            "origin": "seed-antara-kaltim/article.txt (ANTARA; headline written for the set)",
        }
    )
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"wrote {len(records)} records to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
