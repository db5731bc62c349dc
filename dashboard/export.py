"""Cari's CSV export: the whole result set, streamed over HTTP from ``/unduh/cari.csv``.

A search can match tens of thousands of articles. The file is written while it is read: a
thread walks the result page by page (``EXPORT_PAGE`` hits a query) inside one read snapshot
of the store, so an article the crawler adds meanwhile cannot shift a page and appear twice,
and the rows go to the browser in chunks as they are made, so neither the server nor the
browser holds the whole file.

The route is outside Streamlit's pages, so it cannot ask ``st.login`` who is calling. The Cari
page, which runs behind the login gate, writes the link instead: it carries the search (text,
filters, order) and an expiry, signed with a key that lives only in this server process. The
route serves exactly that search and nothing else; a link that was changed or is older than
``LINK_TTL`` is refused with a reason. A restart of the dashboard voids every link (the page
writes a fresh one when it is opened again).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import hmac
import io
import json
import logging
import queue
import secrets
import threading
from collections.abc import AsyncGenerator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from index import Filters, Store, StoreError, open_store
from index.store import SORTS
from pantau import settings as settings_mod
from pantau.article import ENGAGEMENT_FIELDS
from pantau.settings import ConfigError

log = logging.getLogger(__name__)

PATH = "/unduh/cari.csv"
LINK_TTL = timedelta(hours=1)
EXPORT_PAGE = 500
CHUNK_BYTES = 64 * 1024
# Public posts fill the last columns: platform, the public handle, and the counts the platform shows.
HEADER = ["id", "published_at", "source", "title", "url", "regions", "sentiment", "topics", "source_type",
          "platform", "handle", "likes", "reposts", "replies", "views"]
_KEY = secrets.token_bytes(32)  # signs links; one per server process, never written anywhere


class LinkError(ValueError):
    """Why an export link is refused (shown to the person who followed it)."""


@dataclass(kw_only=True, frozen=True)
class Export:
    """One search to export: what the Cari page showed, as the store takes it."""

    query: str
    filters: Filters
    sort: str


def _sign(payload: bytes) -> str:
    return hmac.new(_KEY, payload, hashlib.sha256).hexdigest()


def link(export: Export, *, now: datetime | None = None) -> str:
    """The signed path (with query string) that downloads ``export``; valid for ``LINK_TTL``."""
    f = export.filters
    spec = {"q": export.query, "sort": export.sort, "regions": list(f.regions), "sentiment": list(f.sentiment),
            "topics": list(f.topics), "sources": list(f.sources), "source_types": list(f.source_types),
            "platforms": list(f.platforms),
            "since": f.since.isoformat() if f.since else None, "until": f.until.isoformat() if f.until else None,
            "exp": int(((now or datetime.now(UTC)) + LINK_TTL).timestamp())}
    blob = base64.urlsafe_b64encode(json.dumps(spec, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{PATH}?s={blob}&sig={_sign(blob.encode())}"


def read(params: Mapping[str, str], *, now: datetime | None = None) -> Export:
    """The search a link asks for, once its signature and expiry hold; else :class:`LinkError`."""
    blob, sig = params.get("s", ""), params.get("sig", "")
    if not blob or not sig:
        raise LinkError("tautan unduhan tidak lengkap: buka lagi halaman Cari dan tekan Unduh CSV")
    if not hmac.compare_digest(_sign(blob.encode()), sig):
        raise LinkError("tautan unduhan tidak sah (diubah, atau dibuat sebelum dasbor dijalankan ulang): "
                        "buka lagi halaman Cari dan tekan Unduh CSV")
    spec = json.loads(base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)))
    if int(spec["exp"]) < (now or datetime.now(UTC)).timestamp():
        raise LinkError("tautan unduhan sudah kedaluwarsa: buka lagi halaman Cari dan tekan Unduh CSV")
    if spec["sort"] not in SORTS:
        raise LinkError(f"urutan tidak dikenal: {spec['sort']}")
    since, until = (datetime.fromisoformat(spec[k]) if spec[k] else None for k in ("since", "until"))
    return Export(query=spec["q"], sort=spec["sort"],
                  filters=Filters(regions=tuple(spec["regions"]), sentiment=tuple(spec["sentiment"]),
                                  topics=tuple(spec["topics"]), sources=tuple(spec["sources"]),
                                  source_types=tuple(spec["source_types"]), platforms=tuple(spec["platforms"]),
                                  since=since, until=until))


def rows(store: Store, export: Export) -> Iterator[list[str]]:
    """The header, then every hit of the search, page by page."""
    yield HEADER
    page = 1
    while True:
        result = store.search(export.query, export.filters, sort=export.sort, page=page, size=EXPORT_PAGE)
        for hit in result.hits:
            a = hit.article
            counts = a.engagement.to_dict() if a.engagement else {}
            yield [a.id, a.published_at.isoformat(), a.source, a.title, a.url, " ".join(a.regions),
                   a.sentiment.label if a.sentiment else "unscored", " ".join(t.label for t in a.topics),
                   a.source_type, a.platform, " ".join(a.authors) if a.platform else "",
                   *("" if counts.get(k) is None else str(counts[k]) for k in ENGAGEMENT_FIELDS)]
        if not result.hits or page * EXPORT_PAGE >= result.total:
            return
        page += 1


def chunks(store: Store, export: Export, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The CSV as UTF-8 pieces of about ``size`` bytes, read inside one snapshot of the store."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with store.snapshot():
        for row in rows(store, export):
            # A cell that starts with = + - @ would be a formula in a spreadsheet: scraped titles are hostile.
            writer.writerow(["'" + cell if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
            if buffer.tell() >= size:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


_END = object()
_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def _store(url: str) -> Store:
    with _stores_lock:
        if url not in _stores:
            _stores[url] = open_store(url)
        return _stores[url]


async def stream(store: Store, export: Export, size: int = CHUNK_BYTES) -> AsyncGenerator[bytes, None]:
    """``chunks`` made on one thread (a SQLite snapshot belongs to one connection), handed over a small queue.

    The queue holds a few chunks at most, so a slow download slows the reading instead of
    filling memory; a browser that goes away stops the thread at its next chunk.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=4)
    gone = threading.Event()

    def send(item: object) -> bool:
        """Hand ``item`` over, waiting while the queue is full; False once the browser has gone."""
        while not gone.is_set():
            try:
                handoff.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for piece in chunks(store, export, size):
                if not send(piece):
                    return
            send(_END)
        except Exception as exc:  # the download is cut short; the log says why
            log.exception("CSV export failed: query=%r", export.query)
            send(exc)

    threading.Thread(target=produce, name="pantau-export", daemon=True).start()
    loop = asyncio.get_running_loop()
    try:
        while True:
            item = await loop.run_in_executor(None, handoff.get)
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            assert isinstance(item, bytes)
            yield item
    finally:
        gone.set()


async def route(request: Request) -> Response:
    """``GET /unduh/cari.csv?s=…&sig=…``: the signed search as a streamed CSV download."""
    try:
        export = read(request.query_params)
    except LinkError as exc:
        return PlainTextResponse(f"Pantau: {exc}\n", status_code=403)
    except (ValueError, KeyError, TypeError):
        return PlainTextResponse("Pantau: tautan unduhan rusak: buka lagi halaman Cari dan tekan Unduh CSV\n",
                                 status_code=400)
    try:
        cfg = settings_mod.load()
        store = _store(cfg.store.url)
    except (ConfigError, StoreError) as exc:
        log.error("CSV export refused: %s", exc)
        return PlainTextResponse(f"Pantau: penyimpanan tidak dapat dibuka: {exc}\n", status_code=503)
    stamp = datetime.now(UTC).astimezone(ZoneInfo(cfg.regions.timezone)).strftime("%Y%m%d-%H%M")
    log.info("CSV export: query=%r sort=%s", export.query, export.sort)
    return StreamingResponse(stream(store, export), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="pantau-cari-{stamp}.csv"',
                                      "Cache-Control": "no-store"})
