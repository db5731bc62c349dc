"""The demo's replay server: seven outlets' pages, feeds, sitemaps and index pages on 127.0.0.1.

Every article of the replay corpus (:mod:`demo.corpus`) is rendered into its outlet's layout
(:mod:`demo.layouts`) and listed in that outlet's entry point of the kind Pantau's spiders read:

============  ==========================  ==============================================
outlet        entry point                 kind
============  ==========================  ==============================================
cnn           ``/cnn/rss``                RSS 2.0
detik         ``/detik/atom.xml``         Atom
kompas        ``/kompas/indeks?page=N``   paged index (listing spider)
tempo         ``/tempo/sitemap.xml``      sitemap index → Google News sitemap
pupr          ``/pupr/berita?page=N``     paged index of a government office (no dates)
antara        ``/antara/rss/terkini.xml`` RSS 2.0
kaltimpost    ``/kaltimpost/rdf.xml``     RSS 1.0 (RDF)
============  ==========================  ==============================================

Pages are built once in memory when the server starts; nothing touches the network. An article's
id in Pantau is the hash of its canonical URL, which includes this server's port: a second demo run
on the same store adds nothing only when it serves on the same port (:data:`DEFAULT_PORT`).

``python -m demo.replay --port 8790`` serves it until Ctrl-C, for a look in a browser.
"""

from __future__ import annotations

import argparse
import hashlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from demo import corpus, feeds
from demo.layouts import Story, render

DEFAULT_PORT = 8790
WIB = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str  # the publication's own name
    layout: str
    source: str  # the [[sources]] name in the demo's settings
    entry: str  # path of the entry point (with {n} for a paged index)
    kind: str  # rss | sitemap | listing
    per_page: int = 20
    link_pattern: str = ""
    source_type: str = "news"
    regions: tuple[str, ...] = ()


OUTLETS: dict[str, Outlet] = {
    o.key: o
    for o in (
        Outlet(key="cnn", name="CNN Indonesia", layout="cnnindonesia", source="cnn-indonesia",
               entry="/cnn/rss", kind="rss"),
        Outlet(key="detik", name="detikNews", layout="detik", source="detik", entry="/detik/atom.xml", kind="rss"),
        Outlet(key="kompas", name="Kompas.com", layout="kompas", source="kompas", entry="/kompas/indeks?page={n}",
               kind="listing", per_page=20, link_pattern=r"/kompas/read/\d{4}/\d{2}/\d{2}/[a-z0-9-]+$"),
        Outlet(key="tempo", name="Tempo.co", layout="tempo", source="tempo", entry="/tempo/sitemap.xml",
               kind="sitemap"),
        Outlet(key="pupr", name="Dinas PUPR Kota Samarinda", layout="gov_timed", source="pupr-samarinda",
               entry="/pupr/berita?page={n}", kind="listing", per_page=10,
               link_pattern=r"/pupr/berita/[a-z0-9-]+$", source_type="government", regions=("64.72",)),
        Outlet(key="antara", name="ANTARA News Kalimantan Timur", layout="antara", source="antara-kaltim",
               entry="/antara/rss/terkini.xml", kind="rss", regions=("64",)),
        Outlet(key="kaltimpost", name="Kaltim Post", layout="kaltimpost", source="kaltim-post",
               entry="/kaltimpost/rdf.xml", kind="rss", regions=("64",)),
    )
}


def article_path(rec: corpus.Record) -> str:
    local = rec.published.astimezone(WIB)
    if rec.outlet == "cnn":
        return f"/cnn/nasional/{local:%Y%m%d%H%M%S}-20/{rec.slug}"
    if rec.outlet == "kompas":
        return f"/kompas/read/{local:%Y/%m/%d}/{rec.slug}"
    if rec.outlet == "detik":
        return f"/detik/berita/d-{local:%Y%m%d}/{rec.slug}"
    if rec.outlet == "pupr":
        return f"/pupr/berita/{rec.slug}"
    if rec.outlet == "antara":
        return f"/antara/berita/{rec.slug}"
    return f"/{rec.outlet}/read/{rec.slug}"


@dataclass(kw_only=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    etag: str = ""


@dataclass(kw_only=True)
class Site:
    """Every page the replay serves, by path (with query where the path has one)."""

    base: str
    pages: dict[str, Page] = field(default_factory=dict)
    stories: dict[str, Story] = field(default_factory=dict)  # article path -> story
    records: dict[str, corpus.Record] = field(default_factory=dict)  # article path -> corpus record

    def add(self, path: str, text: str, content_type: str = "text/html; charset=utf-8") -> None:
        body = text.encode("utf-8")
        self.pages[path] = Page(body=body, content_type=content_type,
                                etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"')

    def entry_urls(self) -> dict[str, str]:
        """Each outlet's entry point as a full URL (``{n}`` left in for paged indexes)."""
        return {key: self.base + o.entry for key, o in OUTLETS.items()}

    def pages_of(self, outlet: str) -> int:
        """How many index pages a listing outlet has (its source's ``max_pages``)."""
        o = OUTLETS[outlet]
        n = sum(1 for r in self.records.values() if r.outlet == outlet)
        return max(1, -(-n // o.per_page))


def build(base: str, records: tuple[corpus.Record, ...] | None = None) -> Site:
    """Render every page of the replay for a server listening at ``base`` (``http://127.0.0.1:PORT``)."""
    records = corpus.load() if records is None else records
    site = Site(base=base)
    by_outlet: dict[str, list[Story]] = {key: [] for key in OUTLETS}
    for rec in records:  # oldest first
        outlet = OUTLETS[rec.outlet]
        path = article_path(rec)
        older = by_outlet[rec.outlet][-5:][::-1]
        story = Story(
            slug=rec.slug,
            outlet=rec.outlet,
            layout=outlet.layout,
            title=rec.title,
            paragraphs=rec.paragraphs,
            author=rec.author,
            published=rec.published,
            path=path,
            canonical=base + path,
            related=tuple((s.title, s.path) for s in older),
        )
        if path in site.stories:
            raise ValueError(f"two corpus records map to one URL path {path}")
        by_outlet[rec.outlet].append(story)
        site.stories[path] = story
        site.records[path] = rec
        site.add(path, render(story))

    newest = {key: sorted(group, key=lambda s: s.published, reverse=True) for key, group in by_outlet.items()}
    site.add("/cnn/rss", feeds.rss("CNN Indonesia", base + "/cnn/", [feeds.rss_item(s, base + s.path)
                                                                      for s in newest["cnn"]]),
             "application/rss+xml; charset=utf-8")
    site.add("/detik/atom.xml",
             feeds.atom("detikNews", base, newest["detik"], outlet="detik",
                        feed_updated=newest["detik"][0].published.isoformat()),
             "application/atom+xml; charset=utf-8")
    site.add("/antara/rss/terkini.xml",
             feeds.rss("ANTARA News Kalimantan Timur", base + "/antara/",
                       [feeds.rss_item(s, base + s.path) for s in newest["antara"]]),
             "application/rss+xml; charset=utf-8")
    site.add("/kaltimpost/rdf.xml",
             feeds.rdf(base, newest["kaltimpost"], outlet="kaltimpost", title="Kaltim Post",
                       description="Berita Kalimantan Timur"),
             "application/rdf+xml; charset=utf-8")
    site.add("/tempo/sitemap.xml",
             '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{escape(base)}/tempo/sitemap-news.xml</loc>"
             f"<lastmod>{newest['tempo'][0].published.isoformat()}</lastmod></sitemap></sitemapindex>",
             "application/xml")
    site.add("/tempo/sitemap-news.xml", feeds.news_sitemap(base, newest["tempo"], name="Tempo.co"), "application/xml")
    for key in ("kompas", "pupr"):
        outlet = OUTLETS[key]
        section = outlet.entry.split("/")[2].split("?")[0]
        pages = site.pages_of(key)
        for n in range(1, pages + 1):
            html, _ = feeds.listing(key, newest[key], n, outlet.per_page, section)
            site.add(f"/{key}/{section}?page={n}", html)
        site.add(f"/{key}/{section}", feeds.listing(key, newest[key], 1, outlet.per_page, section)[0])
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain; charset=utf-8")
    site.add("/", _home(site))
    return site


def _home(site: Site) -> str:
    rows = "".join(
        f"<li><strong>{escape(o.name)}</strong> ({sum(1 for r in site.records.values() if r.outlet == key)} artikel): "
        f'<a href="{escape(o.entry.replace("{n}", "1"))}">{escape(o.entry)}</a></li>'
        for key, o in OUTLETS.items()
    )
    placed = sum(1 for r in site.records.values() if r.placed)
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Pantau: korpus demo</title></head><body>'
        "<h1>Korpus demo Pantau</h1><p>Berita asli dari media Indonesia, diputar ulang dengan tanggal yang digeser "
        f"ke {corpus.REPLAY_START:%d/%m/%Y}–{corpus.REPLAY_END:%d/%m/%Y %H:%M} WITA. {placed} berita diberi catatan "
        f"karena nama tempatnya dipindahkan ke Kalimantan Timur.</p><ul>{rows}</ul></body></html>"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # a crawler that hangs up mid-response is not the replay's error
        super().handle_error(request, client_address)


class ReplayServer:
    """``with ReplayServer() as srv:`` serves at ``srv.base``; ``port=0`` picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.httpd = _Server((host, port), _make_handler(self))
        self.port = int(self.httpd.server_address[1])
        self.base = f"http://{host}:{self.port}"
        self.site = build(self.base)
        self._thread: threading.Thread | None = None

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="demo-replay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self) -> None:
        with self._lock:
            self.requests += 1


def _make_handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "PantauReplay/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            server.count()
            page = server.site.pages.get(self.path) or server.site.pages.get(urlsplit(self.path).path)
            try:
                if page is None:
                    self._send(404, b"<html><body><h1>404 Halaman tidak ditemukan</h1></body></html>",
                               "text/html; charset=utf-8", "")
                elif page.etag and self.headers.get("If-None-Match") == page.etag:
                    self.send_response(304)
                    self.send_header("ETag", page.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._send(200, page.body, page.content_type, page.etag)
            except (BrokenPipeError, ConnectionResetError):
                return

        def _send(self, status: int, body: bytes, content_type: str, etag: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the replay for the duration of the block; yields its base URL (``http://127.0.0.1:PORT``)."""
    with ReplayServer(host, port) as srv:
        yield srv.base


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Pantau's demo replay corpus on 127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with ReplayServer(port=args.port) as srv:
        print(f"serving articles={len(srv.site.stories)} pages={len(srv.site.pages)} at {srv.base}/", flush=True)
        for key, url in srv.site.entry_urls().items():
            print(f"  {key:<11} {url}", flush=True)
        done.wait()


if __name__ == "__main__":
    main()
