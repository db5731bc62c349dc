"""A local HTTP server on 127.0.0.1 that plays the Indonesian news web for Pantau's crawler.

It serves the pages of :mod:`.site` and a set of fault routes under ``/fault/`` that reproduce what
real outlets do to a crawler: permanent and transient errors, rate limiting with ``Retry-After``, a
server that stalls after the headers, a connection cut mid-body, redirect loops, a gzip bomb, a
20 MB page, wrong charset labels, binary served as HTML and a feed with broken XML. Every request is
logged so tests can assert what was fetched and how often (``hits``), and the log is also served at
``/__hits`` for runs outside pytest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import site as site_mod
from .apis import ApiWeb
from .social import SocialWeb

_BOMB_SIZE = 64 * 1024 * 1024
_BIG_SIZE = 20 * 1024 * 1024
_bomb_lock = threading.Lock()
_bomb: bytes | None = None

# Short original Indonesian texts with typographic characters, for the wrong-charset routes.
CP1252_TEXT = (
    "Festival Kopi Balikpapan Dibuka, Kafé Lokal Raih “Omzet” Rekor",
    [
        "Festival kopi tahunan di Balikpapan dibuka pada Sabtu pagi dan diikuti oleh empat puluh kafé lokal "
        "yang menawarkan biji kopi dari Kutai Barat, Berau dan Mahakam Ulu.",
        "“Kami ingin kopi Kaltim dikenal luas,” kata ketua panitia yang juga pemilik sebuah kafé di kawasan "
        "Klandasan. Menurut dia, omzet peserta naik hampir dua kali lipat dibanding tahun lalu – sebuah rekor.",
        "Pengunjung memadati area pameran sejak pukul 09.00 WITA. Panitia menyediakan kelas seduh manual, "
        "lomba latte art dan diskusi tentang harga biji kopi di tingkat petani.",
    ],
)
UTF8_TEXT = (
    "Warga Samarinda Sambut Rute Bus “Trans Kota” Baru ke Bandara",
    [
        "Pemerintah Kota Samarinda meresmikan rute bus baru yang menghubungkan pusat kota dengan Bandara "
        "APT Pranoto, dan warga menyambutnya dengan antusias pada hari pertama operasi.",
        "“Dulu ongkos ke bandara mahal, sekarang jauh lebih murah,” kata seorang penumpang yang berangkat "
        "dari halte di Jalan Juanda. Tarif ditetapkan Rp 5.000 untuk umum – pelajar gratis.",
        "Dinas Perhubungan menyebut armada akan ditambah bila jumlah penumpang terus naik dalam tiga bulan "
        "pertama, terutama pada jam sibuk pagi dan sore hari.",
    ],
)


def _article_html(title: str, paras: list[str], charset_label: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="{charset_label}"><title>{title}</title>'
        '<meta property="article:published_time" content="2025-07-03T10:15:00+08:00"></head><body>'
        f'<article><h1>{title}</h1><div class="date">Kamis, 3 Juli 2025 10:15 WITA</div>'
        f"<div class='content'>{body}</div></article><footer>Redaksi</footer></body></html>"
    )


def _gzip_bomb() -> bytes:
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            _bomb = gzip.compress(b" " * _BOMB_SIZE, compresslevel=9)
        return _bomb


FAULTS = (
    "404",
    "500",
    "503",
    "403",
    "429",
    "429-once",
    "hang",
    "drop",
    "loop/a",
    "redirect-chain?n=0",
    "gzip-bomb",
    "big",
    "big-chunked",
    "cp1252-as-utf8",
    "utf8-as-cp1252",
    "binary",
    "private-redirect",
)


class _QuietServer(ThreadingHTTPServer):
    """Clients hanging up mid-response is what the fault routes provoke; do not print tracebacks for it."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class CrawlServer:
    """Start with ``with CrawlServer() as srv:``; ``srv.base`` is ``http://127.0.0.1:<port>``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        hang_seconds: float = 30.0,
        page_delay: float = 0.0,
        conditional: bool = False,
    ) -> None:
        self.hang_seconds = hang_seconds
        # Feeds and sitemaps carry an ETag and Last-Modified and answer 304 to a matching
        # If-None-Match / If-Modified-Since, as most outlets' CMSs and CDNs do.
        self.conditional = conditional
        self.not_modified = 0  # 304 answers sent
        self.page_delay = page_delay  # seconds before each article page is served (a slow outlet)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._hits: list[tuple[str, str]] = []  # (path with query, user agent)
        self._counters: Counter[str] = Counter()
        self.in_flight = 0  # requests being answered right now
        self.max_in_flight = 0  # the most at once since start (tests reset it)
        handler = _make_handler(self)
        self.httpd = _QuietServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.site = site_mod.build(self.base)
        self.social = SocialWeb.build(self.base)  # Telegram, Mastodon and YouTube under their prefixes
        self.apis = ApiWeb.build(self.base)  # Bluesky, X and the Meta Graph API under theirs
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> CrawlServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="crawlserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> CrawlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request log --------------------------------------------------------------
    def record(self, path: str, agent: str) -> int:
        with self._lock:
            self._hits.append((path, agent))
            self._counters[path] += 1
            return self._counters[path]

    def hits(self, path: str | None = None) -> int:
        with self._lock:
            return len(self._hits) if path is None else self._counters[path]

    def hit_log(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._hits)

    def reset_hits(self) -> None:
        with self._lock:
            self._hits.clear()
            self._counters.clear()

    # -- helpers for tests ------------------------------------------------------------
    def fault_feed_items(self) -> list[str]:
        return [f"{self.base}/fault/{name}" for name in FAULTS] + [f"{self.base}/private/secret"]


def _make_handler(server: CrawlServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "PantauTestServer/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            with server._lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                self._get()
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _get(self) -> None:
            count = server.record(self.path, self.headers.get("User-Agent", ""))
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            try:
                if path.startswith("/fault/"):
                    self._fault(path[len("/fault/") :], query, count)
                elif path.startswith(("/telegram/", "/mastodon/", "/youtube/")):
                    status, body, ctype, headers = server.social.answer(path, query, count)
                    self._send(status, body, ctype, headers)
                elif path.startswith(("/bluesky/", "/x/", "/meta/", "/google/")):
                    auth = self.headers.get("Authorization", "") or self.headers.get("X-Goog-Api-Key", "")
                    status, body, ctype, headers = server.apis.answer(path, query, count, auth)
                    self._send(status, body, ctype, headers)
                elif path == "/__hits":
                    self._send(200, json.dumps(server.hit_log()).encode(), "application/json")
                elif path == "/search/rss":
                    q = query.get("q", [""])[0]
                    self._send(
                        200, site_mod.search(server.site, q).encode("utf-8"), "application/rss+xml; charset=utf-8"
                    )
                else:
                    page = server.site.pages.get(self.path) or server.site.pages.get(path)
                    if server.page_delay and path in server.site.stories:
                        server._stop.wait(server.page_delay)
                    if page is None:
                        self._send(404, b"<html><body><h1>404 Halaman tidak ditemukan</h1></body></html>")
                    elif server.conditional and "xml" in page.content_type:
                        self._conditional(page)
                    else:
                        self._send(200, page.body, page.content_type, page.headers)
            except (BrokenPipeError, ConnectionResetError):
                return

        def _conditional(self, page: site_mod.Page) -> None:
            etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
            modified = "Wed, 02 Jul 2025 01:00:00 GMT"
            if self.headers.get("If-None-Match") == etag or (
                self.headers.get("If-None-Match") is None and self.headers.get("If-Modified-Since") == modified
            ):
                with server._lock:
                    server.not_modified += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send(200, page.body, page.content_type, {**page.headers, "ETag": etag, "Last-Modified": modified})

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _fault(self, name: str, query: dict[str, list[str]], count: int) -> None:
            base = server.base
            if name in ("404", "500", "503", "403"):
                self._send(int(name), f"<html><body>{name}</body></html>".encode())
            elif name == "429":
                self._send(429, b"<html><body>Too Many Requests</body></html>", headers={"Retry-After": "1"})
            elif name == "429-once":
                if count == 1:
                    self._send(429, b"<html><body>Too Many Requests</body></html>", headers={"Retry-After": "1"})
                else:
                    title, paras = UTF8_TEXT
                    html = _article_html(title + " (setelah antre)", paras[::-1], "utf-8")
                    self._send(200, html.encode("utf-8"))
            elif name == "hang":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b"<html><body><p>")
                self.wfile.flush()
                server._stop.wait(server.hang_seconds)
            elif name == "drop":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "50000")
                self.end_headers()
                self.wfile.write(b"<html><body><p>" + b"Sebagian isi " * 40)
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            elif name == "loop/a":
                self._redirect(f"{base}/fault/loop/b")
            elif name == "loop/b":
                self._redirect(f"{base}/fault/loop/a")
            elif name == "redirect-chain":
                n = int(query.get("n", ["0"])[0])
                self._redirect(f"{base}/fault/redirect-chain?n={n + 1}")
            elif name == "private-redirect":
                self._redirect("http://169.254.169.254/latest/meta-data/")
            elif name == "gzip-bomb":
                self._send(200, _gzip_bomb(), "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
            elif name == "big":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(_BIG_SIZE))
                self.end_headers()
                self._stream_big()
            elif name == "big-chunked":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                self._stream_big()
            elif name == "cp1252-as-utf8":
                title, paras = CP1252_TEXT
                self._send(200, _article_html(title, paras, "utf-8").encode("cp1252"), "text/html; charset=utf-8")
            elif name == "utf8-as-cp1252":
                title, paras = UTF8_TEXT
                html = _article_html(title, paras, "windows-1252")
                self._send(200, html.encode("utf-8"), "text/html; charset=windows-1252")
            elif name == "binary":
                blob = bytes((i * 73 + 41) % 256 for i in range(40_000))
                self._send(200, b"\x89PNG\r\n\x1a\n" + blob, "text/html; charset=utf-8")
            elif name == "broken-feed.xml":
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Rusak</title>'
                    f"<item><title>Judul & tanpa escape</title><link>{base}/fault/404</link>"
                    "<item><title>Tidak ditutup</title></channel>"
                ).encode()
                self._send(200, body, "application/rss+xml; charset=utf-8")
            elif name == "rss.xml":
                items = "".join(
                    f"<item><title>Gangguan {i}</title><link>{u}</link></item>"
                    for i, u in enumerate(server.fault_feed_items())
                )
                feed = (
                    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Gangguan</title>'
                    f"{items}</channel></rss>"
                )
                self._send(200, feed.encode(), "application/rss+xml; charset=utf-8")
            else:
                self._send(404, b"<html><body>unknown fault</body></html>")

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _stream_big(self) -> None:
            chunk = b"<p>" + b"Isi halaman yang sangat besar. " * 2000 + b"</p>\n"
            sent = 0
            try:
                while sent < _BIG_SIZE and not server._stop.is_set():
                    part = chunk[: _BIG_SIZE - sent]
                    self.wfile.write(part)
                    sent += len(part)
            except OSError:
                return

    return Handler


@contextmanager
def running(port: int = 0) -> Iterator[CrawlServer]:
    with CrawlServer(port=port) as srv:
        yield srv
