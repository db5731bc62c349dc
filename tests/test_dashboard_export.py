"""Cari's CSV download: signed links, one snapshot for the whole file, spreadsheet-safe cells.

The route itself is exercised over HTTP against a running ``pantau dashboard`` in
tests/test_dashboard_browser.py; here are the pieces it is made of, on real SQLite files.
"""

from __future__ import annotations

import asyncio
import csv
import io
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from dashboard import export
from index import Filters
from index.sqlite import SqliteStore
from pantau.article import Article
from tests.alerts_world import NOW, coverage

WANTED = export.Export(query="banjir OR longsor -hoaks", sort="newest",
                       filters=Filters(regions=("64.72",), sentiment=("negative",), topics=("bencana",),
                                       sources=("antara-kaltim",), since=datetime(2025, 7, 1, tzinfo=UTC),
                                       until=datetime(2025, 7, 15, tzinfo=UTC)))


def params(link: str) -> dict[str, str]:
    parts = urlsplit(link)
    assert parts.path == export.PATH
    return dict(parse_qsl(parts.query))


def test_a_link_carries_its_search_and_refuses_changes_and_age() -> None:
    now = datetime(2025, 7, 15, 7, tzinfo=UTC)
    good = params(export.link(WANTED, now=now))
    assert export.read(good, now=now + timedelta(minutes=59)) == WANTED
    with pytest.raises(export.LinkError, match="kedaluwarsa"):
        export.read(good, now=now + export.LINK_TTL + timedelta(seconds=1))
    other = params(export.link(export.Export(query="banjir", sort="newest", filters=Filters()), now=now))
    with pytest.raises(export.LinkError, match="tidak sah"):  # another search under this link's signature
        export.read({"s": other["s"], "sig": good["sig"]}, now=now)
    with pytest.raises(export.LinkError, match="tidak sah"):
        export.read({"s": good["s"], "sig": "0" * 64}, now=now)
    with pytest.raises(export.LinkError, match="tidak lengkap"):
        export.read({"s": good["s"]}, now=now)


def test_the_file_is_one_snapshot_while_the_crawler_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "EXPORT_PAGE", 7)  # 60 articles: nine pages
    url = f"sqlite:///{tmp_path / 'pantau.db'}"
    reader, crawler = SqliteStore(url), SqliteStore(url)
    reader.upsert(coverage("64.72", days=3, per_day=20))
    wanted = export.Export(query="", sort="newest", filters=Filters(regions=("64.72",)))
    before = [h.article.id for h in reader.search("", wanted.filters, sort="newest", size=1000).hits]
    pieces = export.chunks(reader, wanted, size=1)  # a piece per row, so the walk is paused mid-file
    head = [next(pieces) for _ in range(3)]
    # Newer articles arrive mid-download: read page by page without a snapshot, each would push
    # the last rows of a page onto the next one and they would be written twice.
    crawler.upsert([Article.create(url=f"https://kaltim.example.id/baru/{i}", title=f"Berita baru {i}",
                                   body="Samarinda.", source="antara-kaltim", regions=("64.72",),
                                   published_at=NOW + timedelta(minutes=i)) for i in range(30)])
    rows = list(csv.reader(io.StringIO(b"".join([*head, *pieces]).decode("utf-8"))))
    assert rows[0] == export.HEADER
    assert [r[0] for r in rows[1:]] == before  # every article once, in order; none of the new ones
    after = list(csv.reader(io.StringIO(b"".join(export.chunks(reader, wanted)).decode("utf-8"))))
    assert len(after) == len(rows) + 30  # the next download sees them
    reader.close()
    crawler.close()


def test_cells_that_a_spreadsheet_would_run_are_quoted_and_text_is_utf8(tmp_path: Path) -> None:
    with SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}") as store:
        store.upsert([Article.create(url="https://evil.example.id/1", title='=HYPERLINK("http://x","klik") banjir',
                                     body="Banjir di Samarinda.", source="evil", regions=("64.72",),
                                     published_at=NOW),
                      Article.create(url="https://kaltim.example.id/2", title="Banjir rob “pasang” di Bontang",
                                     body="Banjir.", source="antara-kaltim", regions=("64.74",),
                                     published_at=NOW)])
        data = b"".join(export.chunks(store, export.Export(query="banjir", sort="oldest", filters=Filters())))
    titles = sorted(r[3] for r in list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:])
    assert titles == ["'=HYPERLINK(\"http://x\",\"klik\") banjir", "Banjir rob “pasang” di Bontang"]


def test_the_stream_stops_reading_when_the_browser_goes_away(tmp_path: Path) -> None:
    with SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}") as store:
        store.upsert(coverage("64.72", days=4, per_day=24))

        async def first_piece() -> bytes:
            gen = export.stream(store, export.Export(query="", sort="newest", filters=Filters()), size=100)
            piece = await anext(gen)
            await gen.aclose()  # what Starlette does when the client disconnects
            return piece

        piece = asyncio.run(first_piece())
        assert piece.startswith(b"id,published_at,")
        deadline = time.monotonic() + 30  # the reader notices within one queue timeout; 30 s is a hang
        while any(t.name == "pantau-export" for t in threading.enumerate()):
            assert time.monotonic() < deadline, "the export thread kept reading for a browser that left"
            time.sleep(0.05)
