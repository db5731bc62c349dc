"""``pantau sources discover`` and ``pantau sources check`` against the local news web (127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from pantau import settings
from tests.crawlserver import CrawlServer
from tests.crawlserver.unseen import add_unseen

ROOT = Path(__file__).resolve().parents[1]
LOCAL = "[crawl]\nallow_private_addresses = true\ndownload_timeout = 5\n"


def pantau(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "pantau.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _home(srv: CrawlServer, path: str, head: str, links: list[str]) -> None:
    anchors = "".join(f'<a href="{u}">{u}</a>' for u in links)
    srv.site.add_html(path, f"<html><head><title>Beranda</title>{head}</head><body>{anchors}</body></html>")


def test_discover_finds_a_feed_by_its_link_tag_and_prints_a_usable_block(tmp_path: Path) -> None:
    (tmp_path / "pantau.toml").write_text(LOCAL, encoding="utf-8")
    with CrawlServer() as srv:
        add_unseen(srv.site)
        head = '<link rel="alternate" type="application/rss+xml" href="/unseen/warta/rss.xml">'
        head += '<meta property="og:site_name" content="Warta Benua">'
        _home(srv, "/unseen/warta/", head, [])
        done = pantau("sources", "discover", srv.base + "/unseen/warta/", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "ok  feed" in done.stdout and "[link-alternate] rss with 8 items" in done.stdout
        block = done.stdout[done.stdout.index("[[sources]]") :]
        source = tomllib.loads(block)["sources"][0]
        assert source["type"] == "rss" and source["url"] == srv.base + "/unseen/warta/rss.xml"
        # the block is a valid [[sources]] table
        settings.from_mapping({"crawl": {"allow_private_addresses": True}, "sources": [source]}, env={})
        as_json = json.loads(pantau("sources", "discover", srv.base + "/unseen/warta/", "--json", cwd=tmp_path).stdout)
        assert as_json["site_name"] == "Warta Benua"
        tried = {c["url"]: c for c in as_json["candidates"]}
        assert tried[srv.base + "/unseen/warta/feed/"]["ok"] is False  # a common path that is not there: 404
        assert tried[srv.base + "/unseen/warta/feed/"]["status"] == 404


def test_discover_reads_robots_sitemaps_then_falls_back_to_a_listing(tmp_path: Path) -> None:
    (tmp_path / "pantau.toml").write_text(LOCAL, encoding="utf-8")
    with CrawlServer() as srv:
        gold = add_unseen(srv.site)
        del srv.site.pages["/sitemap_index.xml"]  # this host's root index would be found first
        robots = srv.site.pages["/robots.txt"]
        robots.body += f"Sitemap: {srv.base}/unseen/mahakam/sitemap.xml\n".encode()
        _home(srv, "/unseen/mahakam/", "", [])
        done = pantau("sources", "discover", srv.base + "/unseen/mahakam/", "--json", cwd=tmp_path)
        found = json.loads(done.stdout)
        assert found["source"]["type"] == "sitemap"
        assert found["source"]["url"] == srv.base + "/unseen/mahakam/sitemap.xml"
        assert "robots.txt" in found["source"]["note"]

        # No feed and no sitemap anywhere: the home page's article links give a listing pattern.
        robots.body = b"User-agent: *\nDisallow: /private/\n"
        benua = [g["path"] for g in gold if g["layout"] == "benua"]
        _home(srv, "/unseen/benua/", "", [*benua, "/unseen/benua/kanal/daerah", "/tentang"])
        done = pantau("sources", "discover", srv.base + "/unseen/benua/", "--json", cwd=tmp_path)
        listing = json.loads(done.stdout)["source"]
        assert listing["type"] == "listing" and listing["url"] == srv.base + "/unseen/benua/"
        import re

        pattern = re.compile(listing["link_pattern"])
        assert all(pattern.search(srv.base + p) for p in benua)
        assert not pattern.search(srv.base + "/unseen/benua/kanal/daerah")

        # Nothing at all: exit 1 and say so.
        _home(srv, "/kosong/", "", ["/tentang"])
        done = pantau("sources", "discover", srv.base + "/kosong/", cwd=tmp_path)
        assert done.returncode == 1 and "no feed, sitemap or article listing found" in done.stderr


def test_discover_refuses_private_addresses_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "pantau.toml").write_text("", encoding="utf-8")
    with CrawlServer() as srv:
        done = pantau("sources", "discover", srv.base + "/", "--json", cwd=tmp_path)
        assert done.returncode == 1
        assert "private address" in json.loads(done.stdout)["candidates"][0]["error"]
        assert srv.hits() == 0


def test_check_reports_each_source(tmp_path: Path) -> None:
    with CrawlServer() as srv:
        toml = LOCAL + "".join(
            f'[[sources]]\nname = "{n}"\ntype = "{t}"\nurl = "{srv.base}{u}"\n{extra}\n'
            for n, t, u, extra in [
                ("cnn", "rss", "/cnn/rss.xml", ""),
                ("peta", "sitemap", "/sitemap_index.xml", ""),
                ("kompas", "listing", "/kompas/indeks", 'link_pattern = "/kompas/read/"'),
                ("cari", "search", "/search/rss?q={query}", 'regions = ["64.72"]'),
                ("hilang", "rss", "/tidak-ada/rss.xml", ""),
                ("mati", "rss", "/cnn/rss.xml", "enabled = false"),
            ]
        )
        (tmp_path / "pantau.toml").write_text(toml, encoding="utf-8")
        done = pantau("sources", "check", "--json", cwd=tmp_path)
        assert done.returncode == 1  # one source is broken
        rows = {r["name"]: r for r in json.loads(done.stdout)}
        assert set(rows) == {"cnn", "peta", "kompas", "cari", "hilang"}  # enabled sources only
        assert rows["cnn"]["valid"] and rows["cnn"]["items"] == 22 and rows["cnn"]["newest_age_hours"] is not None
        assert rows["peta"]["valid"] and rows["peta"]["items"] == 2  # an index of two sitemaps
        assert rows["kompas"]["valid"] and rows["kompas"]["items"] == 5
        assert rows["cari"]["valid"] and rows["cari"]["items"] > 0
        assert rows["hilang"]["status"] == 404 and not rows["hilang"]["reachable"] and not rows["hilang"]["valid"]
        text = pantau("sources", "check", "-s", "cnn", cwd=tmp_path)
        assert text.returncode == 0 and "1 of 1 sources valid" in text.stdout
        assert srv.hits("/cnn/rss.xml") == 2  # one fetch per check


def test_starter_list_has_thirty_kaltim_sources_that_init_writes() -> None:
    starter = settings.starter_sources()
    assert len(starter) >= 30
    names = [s["name"] for s in starter]
    assert len(set(names)) == len(names)
    for code in settings.KALTIM_WATCH:  # a portal and an aggregator search feed for every watched region
        assert any(s["source_type"] == "government" and code in s["regions"] for s in starter), code
        assert any(s["type"] == "search" and s["regions"] == [code] for s in starter), code
    assert all(s["verified"] is False and s["language"] == "id" for s in starter)
    cfg = settings.from_mapping(tomllib.loads(settings.render_init()), env={})
    assert [s.name for s in cfg.sources] == names
