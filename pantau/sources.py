"""``pantau sources discover`` and ``pantau sources check``: find an outlet's entry points, verify a list.

**discover** reads an outlet's home page and looks for its feeds (``<link rel=alternate>`` and the
paths CMSs use: ``/feed/``, ``/rss``, ``/rss.xml``, ``/atom.xml`` …), its sitemaps (``Sitemap:`` lines
in robots.txt, ``/sitemap.xml``, ``/sitemap_index.xml``, news sitemaps) and, failing both, a listing:
the home page's own links whose shape says "article" (a long hyphenated slug or a numeric id), grouped
into one ``link_pattern``. Each candidate is fetched once and parsed; the report says what worked,
and the first that worked becomes a ready ``[[sources]]`` block.

**check** fetches each enabled source once (a search source with its first region's query, a listing
with page 1) and reports per source: reachable (HTTP status), feed valid, items, and the age of the
newest item, so a user with internet verifies the whole list in one command.

Both refuse private, loopback and link-local addresses unless ``[crawl] allow_private_addresses``,
send Pantau's user agent, and cap each body at ``[crawl] max_bytes``.
"""

from __future__ import annotations

import gzip
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, urljoin, urlsplit

import lxml.html
from lxml import etree

from crawlers import dates, feeds, headline
from crawlers.middlewares.ssrf import Network, allowed, resolve
from pantau import platforms
from pantau.settings import API_SOURCE_TYPES, Settings, SourceSettings

FEED_PATHS = ("feed/", "feed", "rss", "rss.xml", "feed.xml", "atom.xml", "index.xml", "rss/terkini.xml")
SITEMAP_PATHS = ("sitemap.xml", "sitemap_index.xml", "sitemap-news.xml", "news-sitemap.xml", "sitemap_news.xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){3,}")
_ID = re.compile(r"\d{4,}")
_DATED = re.compile(r"/20\d\d/\d{1,2}/")


class SourceError(RuntimeError):
    """A fetch that could not be made (refused address, bad URL)."""


@dataclass
class Fetched:
    url: str
    status: int = 0
    body: bytes = b""
    content_type: str = ""
    error: str = ""


class Fetcher:
    def __init__(self, cfg: Settings) -> None:
        ua = cfg.crawl.user_agent
        self.user_agent = ua if "+http" in ua else f"{ua} (+{cfg.crawl.contact_url})"
        self.timeout = cfg.crawl.download_timeout
        self.max_bytes = cfg.crawl.max_bytes
        self.allow_private = cfg.crawl.allow_private_addresses
        self.exempt: list[Network] = []
        fetcher = self

        class GuardedRedirects(urllib.request.HTTPRedirectHandler):
            """Every redirect hop is checked like the first URL (a redirect to 169.254.169.254 stops)."""

            def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
                try:
                    fetcher._guard(newurl)
                except SourceError as exc:
                    raise urllib.error.URLError(str(exc)) from exc
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        self.opener = urllib.request.build_opener(GuardedRedirects)

    def _guard(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        if not host or urlsplit(url).scheme not in ("http", "https"):
            raise SourceError(f"not an http(s) URL: {url}")
        if self.allow_private:
            return
        try:
            addresses = resolve(host)
        except OSError as exc:
            raise SourceError(f"cannot resolve {host}: {exc}") from exc
        for addr in addresses:
            if not allowed(addr, self.exempt):
                raise SourceError(
                    f"{host} resolves to the private address {addr} (see [crawl] allow_private_addresses)"
                )

    def get(self, url: str, token: str = "") -> Fetched:
        try:
            self._guard(url)
        except SourceError as exc:
            return Fetched(url=url, error=str(exc))
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip"})
        if token:  # an API token never follows a redirect to another address
            request.add_unredirected_header("Authorization", f"Bearer {token}")
        try:
            with self.opener.open(request, timeout=self.timeout) as resp:
                body = resp.read(self.max_bytes + 1)
                if resp.headers.get("Content-Encoding", "") == "gzip":
                    body = gzip.decompress(body)[: self.max_bytes + 1]
                if len(body) > self.max_bytes:
                    return Fetched(url=url, status=resp.status, error=f"larger than {self.max_bytes} bytes")
                return Fetched(url=resp.geturl(), status=resp.status, body=body,
                               content_type=resp.headers.get("Content-Type", ""))  # fmt: skip
        except urllib.error.HTTPError as exc:
            return Fetched(url=url, status=exc.code, error=f"HTTP {exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Fetched(url=url, error=f"unreachable: {reason}")


# -- reading a fetched feed ---------------------------------------------------------------------------------


@dataclass
class FeedReport:
    kind: str = ""  # rss | atom | rdf | urlset | sitemapindex
    items: int = 0
    newest: datetime | None = None
    error: str = ""


def read_feed(fetched: Fetched, now: datetime) -> FeedReport:
    body = fetched.body
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    try:
        parsed = feeds.parse(body, fetched.url)
    except feeds.FeedError as exc:
        return FeedReport(error=str(exc))
    stamps = [dates.parse(e.published or e.updated, now=now) for e in parsed.entries if e.published or e.updated]
    newest = max((s for s in stamps if s is not None), default=None)
    count = len(parsed.entries) or len(parsed.sitemaps)
    return FeedReport(kind=parsed.kind, items=count, newest=newest, error=parsed.broken and "broken XML (recovered)")


# -- discover -------------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    url: str
    kind: str  # feed | sitemap | listing
    found_by: str  # link-alternate | common-path | robots.txt | home-page-links
    status: int = 0
    ok: bool = False
    format: str = ""
    items: int = 0
    error: str = ""
    link_pattern: str = ""


@dataclass
class Discovery:
    url: str
    site_name: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    source: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "site_name": self.site_name,
                "candidates": [asdict(c) for c in self.candidates], "source": self.source}  # fmt: skip


def _slug_name(url: str) -> str:
    host = (urlsplit(url).hostname or "source").lower()
    return headline.host_name(url) or re.sub(r"[^a-z0-9]+", "-", host).strip("-")


def _listing_pattern(home: str, tree: lxml.html.HtmlElement) -> tuple[str, int]:
    """A ``link_pattern`` for the home page's article links, and how many links it matches.

    An article link is on the same host and ends in a long hyphenated slug, carries a numeric id,
    or sits under a /YYYY/MM/ date path; the pattern is the folder those links share, else the slug.
    """
    host = urlsplit(home).netloc
    paths: list[list[str]] = []
    for a in tree.iter("a"):
        href = a.get("href")
        if not href:
            continue
        parts = urlsplit(urljoin(home, href.strip()))
        if parts.netloc != host or parts.scheme not in ("http", "https"):
            continue
        segs = [s for s in parts.path.split("/") if s]
        last = segs[-1].lower().removesuffix(".html") if segs else ""
        article = bool(_SLUG.fullmatch(last) or _ID.search(last) or _DATED.search(parts.path))
        if segs and article and segs not in paths:
            paths.append(segs)
    if len(paths) < 3:
        return "", 0
    common: list[str] = []
    for column in zip(*(p[:-1] for p in paths), strict=False):
        if len(set(column)) != 1 or re.fullmatch(r"\d+", column[0]):
            break
        common.append(column[0])
    base = re.escape(f"{urlsplit(home).scheme}://{host}")
    if common:
        return f"^{base}/{re.escape('/'.join(common))}/", len(paths)
    return f"^{base}/[^?#]*[a-z0-9]+(?:-[a-z0-9]+){{3,}}", len(paths)


def discover(cfg: Settings, url: str, fetcher: Fetcher | None = None) -> Discovery:
    fetch = fetcher or Fetcher(cfg)
    now = datetime.now(UTC)
    found = Discovery(url=url)
    home = fetch.get(url)
    if home.error:
        found.candidates.append(Candidate(url=url, kind="home", found_by="argument", status=home.status,
                                          error=home.error))  # fmt: skip
        return found
    base = home.url
    root = f"{urlsplit(base).scheme}://{urlsplit(base).netloc}/"
    tree: lxml.html.HtmlElement | None = None
    try:
        tree = lxml.html.document_fromstring(home.body)
    except (etree.ParserError, ValueError):
        tree = None
    seen: set[str] = set()

    def add(u: str, kind: str, how: str) -> None:
        if u not in seen:
            seen.add(u)
            found.candidates.append(Candidate(url=u, kind=kind, found_by=how))

    if tree is not None:
        meta = {(m.get("property") or m.get("name") or "").lower(): m.get("content") or "" for m in tree.iter("meta")}
        title_el = tree.find(".//title")
        found.site_name = (
            meta.get("og:site_name")
            or meta.get("application-name")
            or (" ".join(title_el.text_content().split()) if title_el is not None else "")
        )
        for link in tree.iter("link"):
            rel = (link.get("rel") or "").lower().split()
            kind = (link.get("type") or "").lower()
            if "alternate" in rel and link.get("href") and any(t in kind for t in _FEED_TYPES):
                add(urljoin(base, link.get("href", "").strip()), "feed", "link-alternate")
    for p in FEED_PATHS:
        add(urljoin(base if base.endswith("/") else base + "/", p), "feed", "common-path")
        add(urljoin(root, p), "feed", "common-path")
    robots = fetch.get(urljoin(root, "robots.txt"))
    if not robots.error:
        for line in robots.body.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("sitemap:"):
                add(urljoin(root, line.split(":", 1)[1].strip()), "sitemap", "robots.txt")
    for p in SITEMAP_PATHS:
        add(urljoin(root, p), "sitemap", "common-path")

    for cand in found.candidates:
        got = fetch.get(cand.url)
        cand.status = got.status
        if got.error:
            cand.error = got.error
            continue
        report = read_feed(got, now)
        cand.format, cand.items, cand.error = report.kind, report.items, report.error
        cand.ok = bool(report.kind) and report.items > 0
        if report.kind and report.items == 0:
            cand.error = cand.error or "no items"
        if cand.kind == "feed" and report.kind in ("urlset", "sitemapindex"):
            cand.kind = "sitemap"
    if not any(c.ok for c in found.candidates) and tree is not None:
        pattern, n = _listing_pattern(base, tree)
        cand = Candidate(url=base, kind="listing", found_by="home-page-links", status=home.status,
                         link_pattern=pattern, items=n, ok=bool(pattern))  # fmt: skip
        if not pattern:
            cand.error = "no article-like links on the page"
        found.candidates.append(cand)
    best = next((c for kind in ("feed", "sitemap", "listing") for c in found.candidates if c.ok and c.kind == kind),
                None)  # fmt: skip
    if best is not None:
        source: dict[str, Any] = {
            "name": _slug_name(base),
            "type": {"feed": "rss", "sitemap": "sitemap", "listing": "listing"}[best.kind],
            "url": best.url,
        }
        if best.link_pattern:
            source["link_pattern"] = best.link_pattern
        source["regions"] = []
        source["verified"] = False
        name = f"{found.site_name}: " if found.site_name else ""
        source["note"] = f"{name}found by pantau sources discover {now:%Y-%m-%d} ({best.found_by}, {best.items} items)"
        found.source = source
    return found


def toml_block(source: dict[str, Any]) -> str:
    from pantau.settings import _toml_value

    return "\n".join(["[[sources]]", *(f"{k} = {_toml_value(v)}" for k, v in source.items())]) + "\n"


# -- check ------------------------------------------------------------------------------------------------------


@dataclass
class CheckRow:
    name: str
    type: str
    url: str
    reachable: bool = False
    status: int = 0
    valid: bool = False
    items: int = 0
    newest_age_hours: float | None = None
    error: str = ""


def _probe_url(cfg: Settings, src: SourceSettings) -> str:
    url = src.url
    if src.type in ("telegram", "mastodon"):
        from crawlers.social import mastodon, telegram

        try:
            if src.type == "telegram":
                return telegram.page_url(*telegram.target(url))
            base, kind, name = mastodon.target(url)
        except ValueError:
            return url
        return mastodon.tag_url(base, name, 40) if kind == "tag" else mastodon.lookup_url(base, name)
    if src.type == "search":
        from crawlers.spiders.search import region_query

        codes = src.regions or cfg.regions.watch
        url = url.replace("{query}", quote_plus(region_query(codes[0]))) if codes else url
    return url.replace("{n}", "1")


def _check_posts(fetch: Fetcher, src: SourceSettings, got: Fetched, row: CheckRow, now: datetime) -> None:
    """A Telegram preview or a Mastodon timeline: read with the connector's own parser."""
    from crawlers.social import Unreadable, mastodon, telegram

    try:
        if src.type == "telegram":
            page = telegram.parse(got.body.decode("utf-8", "replace"), *telegram.target(src.url))
        else:
            base, kind, _ = mastodon.target(src.url)
            if kind == "account":  # the lookup answered; now the account's statuses
                got = fetch.get(mastodon.statuses_url(base, mastodon.account_id(got.body), 40))
                if got.error:
                    row.error = got.error
                    return
            page = mastodon.parse(got.body, base)
    except (Unreadable, ValueError) as exc:
        row.error = f"not a {src.type} response: {exc}"
        return
    row.items = len(page.posts)
    row.valid = True
    if page.posts:
        newest = max(p.published for p in page.posts)
        row.newest_age_hours = round((now - newest).total_seconds() / 3600, 1)
    else:
        row.error = "no posts"


def _api_url(src: SourceSettings) -> str:
    """The first API request a Bluesky, X or Meta source makes."""
    from crawlers.social import bluesky, meta, x

    config = asdict(src)
    base = platforms.api_base(config)
    if src.type == "bluesky":
        kind, name = bluesky.target(src.url)
        return bluesky.search_url(base, name) if kind == "search" else bluesky.author_url(base, name)
    if src.type == "x":
        return x.search_url(base, x.target(src.url))
    return meta.posts_url(base, platforms.graph_id(src.url, src.account_id), src.type)


def _check_api(fetch: Fetcher, src: SourceSettings, row: CheckRow, now: datetime, env: Mapping[str, str]) -> None:
    """A Bluesky, X or Meta source: its first API page, read with the connector's own parser."""
    from crawlers.social import Unreadable, bluesky, meta, x

    config = asdict(src)
    off = platforms.disabled_reason(config, env)
    if off:
        row.error = off
        return
    try:
        row.url = _api_url(src)
    except ValueError as exc:
        row.error = str(exc)
        return
    got = fetch.get(row.url, token=platforms.token(config, env))
    row.status = got.status
    row.reachable = not got.error and 200 <= got.status < 400
    if got.error:
        row.error = got.error
        return
    try:
        if src.type == "bluesky":
            kind, _ = bluesky.target(src.url)
            page = bluesky.parse_search(got.body) if kind == "search" else bluesky.parse_author_feed(got.body)
            times = [p.published for p in page.posts]
        elif src.type == "x":
            times = [p.published for p in x.parse(got.body).posts]
        else:
            times = [o["at"] for o in meta.parse_parents(got.body, src.type)[0]]
    except Unreadable as exc:
        row.error = f"not a {src.type} response: {exc}"
        return
    row.items = len(times)
    row.valid = True
    if times:
        row.newest_age_hours = round((now - max(times)).total_seconds() / 3600, 1)
    else:
        row.error = "no posts"


def check(cfg: Settings, names: list[str] | None = None, fetcher: Fetcher | None = None,
          env: Mapping[str, str] | None = None) -> list[CheckRow]:
    fetch = fetcher or Fetcher(cfg)
    now = datetime.now(UTC)
    chosen = [s for s in cfg.sources if (s.name in names if names else s.enabled)]
    rows: list[CheckRow] = []
    for src in chosen:
        if src.type in API_SOURCE_TYPES:
            row = CheckRow(name=src.name, type=src.type, url=src.url)
            _check_api(fetch, src, row, now, os.environ if env is None else env)
            rows.append(row)
            continue
        url = _probe_url(cfg, src)
        row = CheckRow(name=src.name, type=src.type, url=url)
        got = fetch.get(url)
        row.status = got.status
        row.reachable = not got.error and 200 <= got.status < 400
        if got.error:
            row.error = got.error
        elif src.type in ("telegram", "mastodon"):
            _check_posts(fetch, src, got, row, now)
        elif src.type == "listing":
            pattern = re.compile(src.link_pattern) if src.link_pattern else None
            try:
                tree = lxml.html.document_fromstring(got.body)
            except (etree.ParserError, ValueError):
                tree = None
            hrefs = [a.get("href", "").strip() for a in tree.iter("a")] if tree is not None else []
            links = {urljoin(got.url, h) for h in hrefs if h}
            row.items = sum(1 for u in links if pattern is not None and pattern.search(u))
            row.valid = row.items > 0
            if not row.valid:
                row.error = "no links match link_pattern"
        else:
            report = read_feed(got, now)
            row.valid = bool(report.kind) and report.items > 0
            row.items = report.items
            row.error = report.error if report.kind else report.error or "not a feed"
            if report.kind and report.items == 0:
                row.error = row.error or "no items"
            if report.newest is not None:
                row.newest_age_hours = round((now - report.newest).total_seconds() / 3600, 1)
        rows.append(row)
    return rows
