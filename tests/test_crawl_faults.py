"""The fault matrix: every way an outlet can misbehave ends in a counted reason, and the crawl finishes.

One real crawl (Scrapy in a child process, as ``pantau crawl`` runs it) reads a feed whose links
are the server's fault routes, plus a feed with broken XML. The assertions are on the CrawlRun the
crawl recorded in the store and on what the server saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawlers import decode
from index.store import CrawlRun, Store, open_store
from tests.crawlserver import FAULTS, CrawlServer
from tests.crawlserver.harness import crawl


@dataclass
class FaultCrawl:
    server: CrawlServer
    runs: dict[str, CrawlRun]
    store: Store
    state_dir: Path


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultCrawl]:
    tmp = tmp_path_factory.mktemp("faults")
    url = f"sqlite:///{tmp / 'pantau.db'}"
    with CrawlServer(hang_seconds=10) as srv:
        runs = crawl(
            [
                {"name": "gangguan", "type": "rss", "url": srv.base + "/fault/rss.xml"},
                {"name": "feed-rusak", "type": "rss", "url": srv.base + "/fault/broken-feed.xml"},
            ],
            url,
            tmp / "state",
            # The fence lets the metadata address through to the private-address guard, whose refusal
            # (an address literal: no lookup, no packet) is what these tests check.
            overrides={"PANTAU_ONLY_NETWORKS": ["127.0.0.0/8", "169.254.169.254/32"]},
        )
        store = open_store(url)
        yield FaultCrawl(server=srv, runs=runs, store=store, state_dir=tmp / "state")
        store.close()


def test_every_fault_has_its_reason(fault_crawl: FaultCrawl) -> None:
    run = fault_crawl.runs["gangguan"]
    assert run.errors == {
        "http_404": 1,
        "http_500": 1,
        "http_503": 1,
        "http_429": 1,
        "timeout": 1,  # headers sent, then silence
        "connection_dropped": 1,  # Content-Length 50000, connection cut after 500 bytes
        "redirect_loop": 2,  # a -> b -> a, and an endless chain past REDIRECT_MAX_TIMES
        "too_large": 3,  # gzip bomb (64 MB inflated), 20 MB with and without Content-Length
    }
    # 403, robots.txt-disallowed /private/, and a redirect to 169.254.169.254
    assert run.blocked == 3
    assert run.dropped == {"binary": 1}
    # what did get through: both wrong-charset pages and the 429 that succeeded after Retry-After
    assert (run.fetched, run.new, run.duplicate) == (4, 3, 0)


def test_every_link_has_exactly_one_outcome(fault_crawl: FaultCrawl) -> None:
    run = fault_crawl.runs["gangguan"]
    links = len(FAULTS) + 1  # + the robots-disallowed link
    outcomes = run.fetched + sum(run.errors.values()) + run.blocked
    assert outcomes == links


def test_broken_feed_is_counted_and_its_readable_items_still_followed(fault_crawl: FaultCrawl) -> None:
    run = fault_crawl.runs["feed-rusak"]
    assert run.errors == {"feed_broken_xml": 1, "http_404": 1}


def test_transient_failures_were_retried_and_permanent_ones_not(fault_crawl: FaultCrawl) -> None:
    srv = fault_crawl.server
    assert srv.hits("/fault/500") == 2 and srv.hits("/fault/503") == 2 and srv.hits("/fault/hang") == 2
    assert srv.hits("/fault/403") == 1 and srv.hits("/fault/binary") == 1
    assert srv.hits("/fault/429-once") == 2  # 429 with Retry-After, then served
    assert srv.hits("/private/secret") == 0  # robots.txt obeyed: never requested
    assert srv.hits("/fault/redirect-chain?n=6") == 0  # redirect cap of 5


def test_private_address_redirect_is_never_followed(fault_crawl: FaultCrawl) -> None:
    # The test server is exempt (127.0.0.0/8); the link-local metadata address is not. Had the
    # redirect been followed, the download would have failed with a connection error instead.
    run = fault_crawl.runs["gangguan"]
    assert "connection_refused" not in run.errors and "download_failed" not in run.errors


def test_wrong_charsets_are_decoded_without_mojibake(fault_crawl: FaultCrawl) -> None:
    hits = fault_crawl.store.search("", size=50).hits
    titles = {h.article.title for h in hits}
    assert "Festival Kopi Balikpapan Dibuka, Kafé Lokal Raih “Omzet” Rekor" in titles
    assert "Warga Samarinda Sambut Rute Bus “Trans Kota” Baru ke Bandara" in titles
    for h in hits:
        assert not decode.has_mojibake(h.article.title + h.article.body), h.article.url
        assert "“Kami ingin kopi Kaltim dikenal luas,”" in h.article.body or "Kafé" not in h.article.title


def test_crawl_runs_are_recorded_in_the_store(fault_crawl: FaultCrawl) -> None:
    recorded = fault_crawl.store.last_crawls()
    assert recorded["gangguan"].errors == fault_crawl.runs["gangguan"].errors
    assert recorded["feed-rusak"].errors == {"feed_broken_xml": 1, "http_404": 1}


def test_requests_name_pantau_and_the_contact_url(fault_crawl: FaultCrawl) -> None:
    agents = {agent for _, agent in fault_crawl.server.hit_log()}
    assert agents and all(a.startswith("Pantau/") and "+https://" in a for a in agents)


def test_finished_crawl_leaves_no_resume_queue(fault_crawl: FaultCrawl) -> None:
    # A crawl that finished removes its JOBDIR, so tomorrow's crawl starts fresh.
    assert fault_crawl.store.count() == 3
    assert list((fault_crawl.state_dir / "jobs").iterdir()) == []
