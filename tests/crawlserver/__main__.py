"""Run the test news web standalone: ``python -m tests.crawlserver --port 8765`` (used by ``make demo``)."""

from __future__ import annotations

import argparse
import signal
import threading

from .server import CrawlServer


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Pantau's recorded and generated news pages on 127.0.0.1")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with CrawlServer(args.host, args.port) as srv:
        print(f"serving pages={len(srv.site.pages)} stories={len(srv.site.stories)} at {srv.base}", flush=True)
        for entry in (
            "/cnn/rss.xml",
            "/detik/atom.xml",
            "/tribunkaltim/rdf.xml",
            "/kompas/indeks",
            "/pupr/berita",
            "/sitemap_index.xml",
            "/mirror/rss.xml",
            "/real/rss.xml",
            "/fault/rss.xml",
            "/search/rss?q=Samarinda",
        ):
            print(f"  {srv.base}{entry}", flush=True)
        done.wait()


if __name__ == "__main__":
    main()
