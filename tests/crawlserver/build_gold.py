"""Write ``tests/data/crawl/gold.json``: the extraction gold set the quality test scores against.

Generated pages: gold is the corpus record itself (headline, publication day in WITA, paragraphs).
Recorded pages: gold was made by hand. A draft from the extractor was read line by line against the
saved page, the publication day was checked against the date printed under each headline and the
URL, and lines that are not article text were struck out: image captions, embedded-tweet text,
press-release contact footers, link lines to videos/photos, reporter initials and bylines. Those
strikes are listed below so the gold can be rebuilt and reviewed.

Run: ``python -m tests.crawlserver.build_gold [DRAFT.json]``. Without a draft (``{file: {title, body}}``
from the extractor) the recorded pages' reviewed bodies are taken from the current gold.json.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from crawlers.dates import WITA
from tests.crawlserver.server import CrawlServer

DATA = Path(__file__).resolve().parents[1] / "data" / "crawl"

# Publication day (WITA) of each recorded page, checked against the page and its URL by hand.
REAL_DAYS = {
    "antara-singlepage.html": "2015-11-05",
    "antara-singlepage3.html": "2016-02-23",
    "antara-singlepage5.html": "2017-05-15",
    "detik-singlepage.html": "2015-11-05",
    "kapanlagi-singlepage.html": "2015-11-05",
    "kapanlagi-singlepage3.html": "2016-02-23",
    "kompas-singlepage.html": "2015-11-04",
    "kompas-singlepage2.html": "2016-02-16",
    "liputan6-singlepage.html": "2016-02-16",
    "okezone-singlepage.html": "2015-11-05",
    "republika-singlepage.html": "2016-02-15",
    "republika-singlepage3.html": "2017-02-17",
    "tempo-singlepage.html": "2015-11-05",
    "viva-singlepage.html": "2016-02-16",
    "kompas-2025-article.html": "2025-05-28",
    "turnbackhoax-2025-article.html": "2025-05-29",
}
# Lines of the reviewed draft that are not article text (struck by hand).
STRUCK = {
    "antara-singlepage3.html": [
        "Video: https://www.youtube.com/watch?v=nM3ze35m5mc",
        "(Foto: http://photos.prnewswire.com/prnh/20160219/335111-INFO)",
        '"Mercy and Justice" International Short Film Video:',
        "KONTAK: info@merhametveadalet.com",
        "Sumber: Pemerintah Kota Cekmekoy",
    ],
    "republika-singlepage3.html": ["Berita"],
    "tempo-singlepage.html": ["DINI TEJA"],
    "viva-singlepage.html": [
        "Taylor Swift memberikan standing ovation untuk Joey Alexander. Foto: Grammy",
        "Bruno Mars memberikan standing ovation untuk Joey Alexander. Foto: Grammy",
        "A standing ovation for 12-year-old @_JoeyAlexander! #GRAMMYs",
    ],
    "kapanlagi-singlepage.html": ["(kpl/pur/tch)"],
    "kapanlagi-singlepage3.html": ["(kpl/otx)"],
    "liputan6-singlepage.html": ["(Cas/Isk)"],
    "turnbackhoax-2025-article.html": ["(Ditulis oleh Vinanda Febriani)"],
}


def main() -> None:
    if len(sys.argv) > 1:
        draft = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    else:
        current = json.loads((DATA / "gold.json").read_text(encoding="utf-8"))["pages"]
        draft = {p["path"].rsplit("/", 1)[1]: p for p in current if p["kind"] == "recorded"}
    pages = []
    srv = CrawlServer()
    try:
        for path, story in sorted(srv.site.stories.items()):
            if story.slug == "mirror-en":
                continue
            pages.append(
                {
                    "path": path,
                    "kind": "generated",
                    "layout": story.layout,
                    "title": story.title,
                    "date_wita": story.published.astimezone(WITA).date().isoformat(),
                    "body": "\n".join(story.paragraphs),
                }
            )
        for name, day in REAL_DAYS.items():
            d = draft[name]
            lines = [ln for ln in d["body"].split("\n") if ln not in STRUCK.get(name, [])]
            pages.append(
                {
                    "path": f"/real/{name}",
                    "kind": "recorded",
                    "layout": name.split("-")[0],
                    "title": d["title"],
                    "date_wita": day,
                    "body": "\n".join(lines),
                }
            )
    finally:
        srv.httpd.server_close()
    out = {"built": datetime.now(WITA).date().isoformat(), "pages": pages}
    (DATA / "gold.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"gold pages={len(pages)}")


if __name__ == "__main__":
    main()
