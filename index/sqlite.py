"""The embedded store: one SQLite file with FTS5 full-text search.

A regency PR office runs Pantau on one machine; this backend needs no server. It keeps
the whole Article as JSON plus the columns that filters and aggregations use, an FTS5
index (bm25, title weighted over body) kept in sync by triggers, and side tables for
region codes (expanded to their ancestors so a province filter covers its regencies)
and topics, and article counts by hour x sentiment (overall and per region code) that
triggers keep current, so the dashboard's trends and region cards do not re-read every
article. WAL mode lets the dashboard read while the crawler writes; every write
takes the lock up front with ``BEGIN IMMEDIATE`` and waits on a busy timeout instead
of failing with "database is locked".
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from index import fts_query
from index.store import (
    FACET_FIELDS,
    INTERVALS,
    SENTIMENT_BUCKETS,
    SORTS,
    Bucket,
    CrawlRun,
    Filters,
    Hit,
    Rejection,
    ScoreUpdate,
    SearchResult,
    Store,
    StoreError,
    Story,
    UpsertResult,
    check_record_ids,
    check_record_kind,
    check_record_status,
    encode_records,
)
from pantau.article import ENGAGEMENT_WEIGHTS, Article, Feedback, InvalidArticle
from pantau.regions import gazetteer

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
BATCH = 500
TIE_SLACK = 200  # rows ranked past a search page, to order bm25 ties across its end in one pass
PARALLEL_MIN_MATCHES = 5_000  # below this, one statement ranks faster than a split does
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
# Most engaging first; articles without engagement (news) last; then newest, as Elasticsearch sorts.
ENGAGED = "COALESCE(a.engagement, -1) DESC, a.published_at DESC, a.id"

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    source_type TEXT NOT NULL,
    platform TEXT NOT NULL DEFAULT '',
    engagement INTEGER,
    published_at INTEGER NOT NULL,
    crawled_at INTEGER NOT NULL,
    sentiment TEXT,
    nlp_status TEXT NOT NULL,
    cluster_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_at);
CREATE INDEX IF NOT EXISTS articles_pending ON articles(nlp_status, crawled_at);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source, published_at);
CREATE INDEX IF NOT EXISTS articles_cluster ON articles(cluster_id);
CREATE TABLE IF NOT EXISTS article_regions (
    code TEXT NOT NULL,
    article INTEGER NOT NULL,
    direct INTEGER NOT NULL,
    PRIMARY KEY (code, article)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_regions_article ON article_regions(article);
CREATE TABLE IF NOT EXISTS article_topics (
    topic TEXT NOT NULL,
    article INTEGER NOT NULL,
    PRIMARY KEY (topic, article)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_topics_article ON article_topics(article);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, body, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    source TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (source, finished_at)
);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    status TEXT,
    updated_at INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_status ON records(kind, status);
"""

# Version 2 adds what the dashboard's reads need at 100,000 articles: a covering index over the
# narrow columns (a row's published_at sits behind its JSON and body, in overflow pages), and
# article counts by UTC hour x sentiment, overall and per region code, kept current by triggers.
SCHEMA_VERSION = 2
_HOUR = "{t} - (({t} % 3600) + 3600) % 3600"  # floor to the UTC hour, also before 1970
_NEW_HOUR, _OLD_HOUR = _HOUR.format(t="new.published_at"), _HOUR.format(t="old.published_at")
_NEW_LABEL, _OLD_LABEL = "COALESCE(new.sentiment, 'unscored')", "COALESCE(old.sentiment, 'unscored')"
# The count tables answer for these UTC hours; earlier and later ones (none in practice) come from
# the article rows. From a week after the epoch, bucket arithmetic never sees a negative number.
ROLLUP_FROM, ROLLUP_UNTIL = 7 * 86400, 2**40
_CODE = re.compile(r"[0-9.]+")  # a region filter the count tables can answer (no LIKE wildcards)
_BUMP = "ON CONFLICT DO UPDATE SET n = n + excluded.n"
ROLLUP = f"""
CREATE INDEX IF NOT EXISTS articles_meta ON articles(published_at, sentiment, source);
CREATE TABLE IF NOT EXISTS hour_counts (
    hour INTEGER NOT NULL,
    sentiment TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hour, sentiment)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS region_hour_counts (
    region TEXT NOT NULL,
    hour INTEGER NOT NULL,
    sentiment TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (region, hour, sentiment)
) WITHOUT ROWID;
DROP TRIGGER IF EXISTS articles_ai;
DROP TRIGGER IF EXISTS articles_ad;
DROP TRIGGER IF EXISTS articles_au;
DROP TRIGGER IF EXISTS articles_counts_au;
DROP TRIGGER IF EXISTS article_regions_ai;
DROP TRIGGER IF EXISTS article_regions_ad;
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
    INSERT INTO hour_counts VALUES ({_NEW_HOUR}, {_NEW_LABEL}, 1) {_BUMP};
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
    UPDATE hour_counts SET n = n - 1 WHERE hour = {_OLD_HOUR} AND sentiment = {_OLD_LABEL};
    UPDATE region_hour_counts SET n = n - 1
        WHERE region IN (SELECT code FROM article_regions WHERE article = old.rowid)
          AND hour = {_OLD_HOUR} AND sentiment = {_OLD_LABEL};
    DELETE FROM article_regions WHERE article = old.rowid;
    DELETE FROM article_topics WHERE article = old.rowid;
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
CREATE TRIGGER articles_counts_au AFTER UPDATE OF published_at, sentiment ON articles
WHEN {_OLD_HOUR} IS NOT {_NEW_HOUR} OR old.sentiment IS NOT new.sentiment BEGIN
    UPDATE hour_counts SET n = n - 1 WHERE hour = {_OLD_HOUR} AND sentiment = {_OLD_LABEL};
    INSERT INTO hour_counts VALUES ({_NEW_HOUR}, {_NEW_LABEL}, 1) {_BUMP};
    UPDATE region_hour_counts SET n = n - 1
        WHERE region IN (SELECT code FROM article_regions WHERE article = old.rowid)
          AND hour = {_OLD_HOUR} AND sentiment = {_OLD_LABEL};
    INSERT INTO region_hour_counts SELECT code, {_NEW_HOUR}, {_NEW_LABEL}, 1
        FROM article_regions WHERE article = new.rowid {_BUMP};
END;
CREATE TRIGGER article_regions_ai AFTER INSERT ON article_regions BEGIN
    INSERT INTO region_hour_counts
        SELECT new.code, {_HOUR.format(t="a.published_at")}, COALESCE(a.sentiment, 'unscored'), 1
        FROM articles a WHERE a.rowid = new.article {_BUMP};
END;
-- When the article row is already gone (articles_ad), the subquery is empty and nothing changes:
-- articles_ad has counted it down itself.
CREATE TRIGGER article_regions_ad AFTER DELETE ON article_regions BEGIN
    UPDATE region_hour_counts SET n = n - 1 WHERE region = old.code AND (hour, sentiment) = (
        SELECT {_HOUR.format(t="a.published_at")}, COALESCE(a.sentiment, 'unscored')
        FROM articles a WHERE a.rowid = old.article);
END;
DELETE FROM hour_counts;
DELETE FROM region_hour_counts;
INSERT INTO hour_counts
    SELECT {_HOUR.format(t="published_at")} AS h, COALESCE(sentiment, 'unscored') AS s, COUNT(*)
    FROM articles GROUP BY h, s;
INSERT INTO region_hour_counts
    SELECT r.code, {_HOUR.format(t="a.published_at")} AS h, COALESCE(a.sentiment, 'unscored') AS s, COUNT(*)
    FROM article_regions r JOIN articles a ON a.rowid = r.article GROUP BY r.code, h, s;
PRAGMA user_version = {SCHEMA_VERSION};
"""


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def _from_epoch(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _outermost(f: Filters) -> Filters:
    """``f`` without region codes that another filtered code contains: ``64`` already covers ``64.72``,
    since every article tagged ``64.72`` is stored under ``64`` too. The default Kaltim watch list
    (the province and its regencies) thus becomes one code, which the count tables answer."""
    codes = set(f.regions)
    kept = tuple(c for c in dict.fromkeys(f.regions)
                 if not any(a in codes for a in gazetteer().ancestors(c) if a != c))
    return f if kept == f.regions else dataclasses.replace(f, regions=kept)


def _kinds(f: Filters) -> bool:
    """Whether ``f`` filters on source type or platform, which the hour count tables do not split by."""
    return bool(f.source_types or f.platforms)


def _order(sort: str) -> str:
    """ORDER BY for the sorts that do not rank by text relevance."""
    return {"oldest": "a.published_at ASC, a.id", "engagement": ENGAGED}.get(sort, "a.published_at DESC, a.id")


def _highlight(text: str | None) -> str:
    escaped = html.escape(text or "", quote=False)
    return escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


class SqliteStore(Store):
    def __init__(self, url: str) -> None:
        if not url.startswith("sqlite:///"):
            raise StoreError(f"not a SQLite URL: {url!r}")
        self.url = url
        self.path = Path(url[len("sqlite:///") :])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.optimised = True  # False runs the plain SQL of schema version 1 (bench/store.py compares them)
        # Connections that rank one part of a broad search each (see _rank): one per core, up to 4.
        self.search_workers = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                  else os.cpu_count() or 1)
        self._executor: ThreadPoolExecutor | None = None
        con = self._con()
        con.executescript(SCHEMA)
        self._add_platform(con)
        self._add_engagement(con)
        if con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            self._migrate(con)

    @staticmethod
    def _add_platform(con: sqlite3.Connection) -> None:
        """Files written before public posts have no ``platform`` column; every row in them is news
        (platform empty), so the column's default is their value. Two processes may race here."""
        columns = {row[1] for row in con.execute("PRAGMA table_info(articles)")}
        if "platform" not in columns:
            try:
                con.execute("ALTER TABLE articles ADD COLUMN platform TEXT NOT NULL DEFAULT ''")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):
                    raise StoreError(f"cannot add the platform column: {exc}") from exc

    @staticmethod
    def _add_engagement(con: sqlite3.Connection) -> None:
        """Files written before ranking by engagement have no ``engagement`` column (the score of
        ``Engagement.score``); posts already stored get theirs from their JSON, news stays NULL."""
        columns = {row[1] for row in con.execute("PRAGMA table_info(articles)")}
        if "engagement" in columns:
            return
        counts = [f"json_extract(doc, '$.engagement.{name}')" for name in ENGAGEMENT_WEIGHTS]
        known = " OR ".join(f"{c} IS NOT NULL" for c in counts)
        score = " + ".join(f"{w} * COALESCE({c}, 0)" for w, c in zip(ENGAGEMENT_WEIGHTS.values(), counts,
                                                                       strict=True))
        try:
            con.execute("BEGIN IMMEDIATE")
            if "engagement" not in {row[1] for row in con.execute("PRAGMA table_info(articles)")}:
                con.execute("ALTER TABLE articles ADD COLUMN engagement INTEGER")
                n = con.execute(f"UPDATE articles SET engagement = {score} WHERE platform != '' AND ({known})").rowcount
                log.info("added the engagement column: posts_scored=%d", n)
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise StoreError(f"cannot add the engagement column: {exc}") from exc

    def _migrate(self, con: sqlite3.Connection) -> None:
        """Bring a file from an older Pantau up to ``SCHEMA_VERSION`` in one transaction.

        The count tables are rebuilt from the articles, so running it twice (two processes
        opening an old file at once) leaves the same result.
        """
        t = datetime.now(UTC)
        try:
            con.executescript(f"BEGIN IMMEDIATE;\n{ROLLUP}\nCOMMIT;")
        except sqlite3.Error as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise StoreError(f"cannot migrate {self.path} to schema version {SCHEMA_VERSION}: {exc}") from exc
        log.info("migrated %s to schema_version=%d in seconds=%.1f", self.path, SCHEMA_VERSION,
                 (datetime.now(UTC) - t).total_seconds())

    # -- connections --------------------------------------------------------------------------------
    def _con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            try:
                con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                      check_same_thread=False)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open {self.path}: {exc}") from exc
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            con.execute("PRAGMA foreign_keys = ON")
            self._local.con = con
            with self._lock:
                self._all.append(con)
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._con()
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction on this thread's connection; a search inside it ranks on that connection only."""
        con = self._con()
        if con.in_transaction:  # nested: the outer block's snapshot holds
            yield
            return
        con.execute("BEGIN")
        try:
            con.execute("SELECT 1 FROM articles LIMIT 1").fetchall()  # the snapshot starts at the first read
            self._local.snapshot = True
            yield
        finally:
            self._local.snapshot = False
            con.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        with self._lock:
            for con in self._all:
                con.close()
            self._all.clear()
        self._local = threading.local()

    # -- writes -------------------------------------------------------------------------------------
    def upsert(self, articles: Iterable[Article]) -> UpsertResult:
        result = UpsertResult()
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= BATCH:
                result.merge(self._upsert_batch(batch))
                batch = []
        if batch:
            result.merge(self._upsert_batch(batch))
        log.info("upsert indexed=%d rejected=%d", result.indexed, len(result.rejected))
        return result

    def _upsert_batch(self, batch: list[Article]) -> UpsertResult:
        result = UpsertResult()
        gaz = gazetteer()
        with self._write() as con:
            for article in batch:
                if not isinstance(article, Article):
                    result.rejected.append(Rejection(id=str(getattr(article, "id", "?")),
                                                     reason=f"not an Article: {type(article).__name__}"))
                    continue
                try:
                    doc = json.dumps(article.to_dict(), ensure_ascii=False)
                except (TypeError, ValueError, InvalidArticle) as exc:
                    result.rejected.append(Rejection(id=article.id, reason=f"unserialisable: {exc}"))
                    continue
                row = con.execute(
                    """INSERT INTO articles (id, doc, title, body, source, source_type, platform, engagement,
                           published_at, crawled_at, sentiment, nlp_status, cluster_id)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT(id) DO UPDATE SET doc=excluded.doc, title=excluded.title,
                           body=excluded.body, source=excluded.source, source_type=excluded.source_type,
                           platform=excluded.platform, engagement=excluded.engagement,
                           published_at=excluded.published_at,
                           crawled_at=excluded.crawled_at,
                           sentiment=excluded.sentiment, nlp_status=excluded.nlp_status,
                           cluster_id=excluded.cluster_id
                       RETURNING rowid""",
                    (
                        article.id, doc, article.title, article.body, article.source, article.source_type,
                        article.platform, article.engagement.score() if article.engagement else None,
                        _epoch(article.published_at), _epoch(article.crawled_at),
                        article.sentiment.label if article.sentiment else None,
                        article.nlp_status, article.cluster_id,
                    ),
                ).fetchone()
                rowid = row[0]
                con.execute("DELETE FROM article_regions WHERE article = ?", (rowid,))
                tree: dict[str, int] = {}
                for code in article.regions:
                    for anc in gaz.ancestors(code):
                        tree[anc] = max(tree.get(anc, 0), int(anc == code))
                con.executemany(
                    "INSERT INTO article_regions (code, article, direct) VALUES (?,?,?)",
                    [(code, rowid, direct) for code, direct in tree.items()],
                )
                self._write_topics(con, rowid, [t.label for t in article.topics])
                result.indexed += 1
        return result

    @staticmethod
    def _write_topics(con: sqlite3.Connection, rowid: int, topics: Sequence[str]) -> None:
        con.execute("DELETE FROM article_topics WHERE article = ?", (rowid,))
        con.executemany("INSERT OR IGNORE INTO article_topics (topic, article) VALUES (?,?)",
                        [(t, rowid) for t in topics])

    def set_scores(self, updates: Iterable[ScoreUpdate]) -> int:
        updated = 0
        with self._write() as con:
            for u in updates:
                status = "failed" if u.failed_reason else "scored"
                sentiment = json.dumps(u.sentiment.to_dict()) if u.sentiment else "null"
                topics = json.dumps([t.to_dict() for t in u.topics])
                row = con.execute(
                    """UPDATE articles SET
                           doc = json_set(doc, '$.sentiment', json(?), '$.topics', json(?),
                                          '$.nlp_status', ?, '$.nlp_version', ?),
                           sentiment = ?, nlp_status = ?
                       WHERE id = ? RETURNING rowid""",
                    (sentiment, topics, status, u.nlp_version,
                     u.sentiment.label if u.sentiment else None, status, u.id),
                ).fetchone()
                if row is None:
                    continue
                self._write_topics(con, row[0], [t.label for t in u.topics])
                updated += 1
        return updated

    def add_feedback(self, article_id: str, feedback: Feedback) -> bool:
        with self._write() as con:
            row = con.execute(
                "UPDATE articles SET doc = json_insert(doc, '$.feedback[#]', json(?)) WHERE id = ? RETURNING rowid",
                (json.dumps(feedback.to_dict()), article_id),
            ).fetchone()
        return row is not None

    def record_crawl(self, run: CrawlRun) -> None:
        with self._write() as con:
            con.execute(
                "INSERT OR REPLACE INTO crawl_runs (source, finished_at, doc) VALUES (?,?,?)",
                (run.source, _epoch(run.finished_at), json.dumps(run.to_dict())),
            )

    def put_records(
        self, kind: str, records: Mapping[str, Mapping[str, Any]], *, create_only: bool = False
    ) -> list[str]:
        """One ``BEGIN IMMEDIATE`` transaction per call: all of it is written, or none of it."""
        encoded = encode_records(kind, records)
        if not encoded:
            return []
        on_conflict = ("DO NOTHING" if create_only else
                       "DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, doc = excluded.doc")
        now = _epoch(datetime.now(UTC))
        written: list[str] = []
        with self._write() as con:
            for record in encoded:
                # RETURNING yields no row when DO NOTHING skipped an existing id.
                rows = con.execute(
                    f"""INSERT INTO records (kind, id, status, updated_at, doc) VALUES (?,?,?,?,?)
                        ON CONFLICT(kind, id) {on_conflict} RETURNING id""",
                    (kind, record.id, record.status, now, record.doc),
                ).fetchall()
                if rows:
                    written.append(record.id)
        log.info("put_records kind=%s written=%d skipped=%d create_only=%s",
                 kind, len(written), len(encoded) - len(written), create_only)
        return written

    def get_records(
        self, kind: str, *, status: str | None = None, ids: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        check_record_kind(kind)
        where, params = "kind = ?", [kind]
        if status is not None:
            where += " AND status = ?"
            params.append(check_record_status(status))
        con = self._con()
        if ids is None:
            rows = con.execute(f"SELECT id, doc FROM records WHERE {where} ORDER BY id", params).fetchall()
        else:
            wanted = check_record_ids(ids)
            rows = []
            for i in range(0, len(wanted), BATCH):
                chunk = wanted[i : i + BATCH]
                marks = ",".join("?" * len(chunk))
                rows += con.execute(f"SELECT id, doc FROM records WHERE {where} AND id IN ({marks})",
                                    [*params, *chunk]).fetchall()
            rows.sort()  # SQLite's BINARY order of UTF-8 text is code point order, as Python's
        return {str(record_id): json.loads(doc) for record_id, doc in rows}

    # -- reads --------------------------------------------------------------------------------------
    @staticmethod
    def _article(doc: str) -> Article:
        return Article.from_dict(json.loads(doc))

    def get(self, ids: Sequence[str]) -> dict[str, Article]:
        out: dict[str, Article] = {}
        ids = list(dict.fromkeys(ids))
        con = self._con()
        for i in range(0, len(ids), BATCH):
            chunk = ids[i : i + BATCH]
            marks = ",".join("?" * len(chunk))
            for aid, doc in con.execute(f"SELECT id, doc FROM articles WHERE id IN ({marks})", chunk):
                out[aid] = self._article(doc)
        return out

    def pending(self, limit: int = 100) -> list[Article]:
        rows = self._con().execute(
            "SELECT doc FROM articles WHERE nlp_status = 'pending' ORDER BY crawled_at, id LIMIT ?", (limit,)
        )
        return [self._article(doc) for (doc,) in rows]

    def _where(self, filters: Filters | None, *, correlated: bool | None = None) -> tuple[str, list[Any]]:
        """WHERE clause over ``articles a``.

        ``correlated`` tests regions and topics row by row instead of building the whole
        region's set of rowids first. That is what a date window or an ordered page wants
        (the published_at index drives and stops early); without either, SQLite would walk a
        province's set and read each wide row by rowid, several times slower. By default it
        is on for a window in the optimised path, and off in the plain one.
        """
        f = filters or Filters()
        if correlated is None:
            correlated = self.optimised and (f.since is not None or f.until is not None)
        clauses: list[str] = []
        params: list[Any] = []
        member = ("EXISTS (SELECT 1 FROM {table} WHERE {key} IN ({marks}) AND article = a.rowid)" if correlated
                  else "a.rowid IN (SELECT article FROM {table} WHERE {key} IN ({marks}))")
        if f.regions:
            clauses.append(member.format(table="article_regions", key="code", marks=",".join("?" * len(f.regions))))
            params += list(f.regions)
        if f.topics:
            clauses.append(member.format(table="article_topics", key="topic", marks=",".join("?" * len(f.topics))))
            params += list(f.topics)
        if f.sentiment:
            clauses.append(f"COALESCE(a.sentiment, 'unscored') IN ({','.join('?' * len(f.sentiment))})")
            params += list(f.sentiment)
        if f.sources:
            clauses.append(f"a.source IN ({','.join('?' * len(f.sources))})")
            params += list(f.sources)
        if f.source_types:
            clauses.append(f"a.source_type IN ({','.join('?' * len(f.source_types))})")
            params += list(f.source_types)
        if f.platforms:
            clauses.append(f"a.platform IN ({','.join('?' * len(f.platforms))})")
            params += list(f.platforms)
        if f.since is not None:
            clauses.append("a.published_at >= ?")
            params.append(_epoch(f.since))
        if f.until is not None:
            clauses.append("a.published_at < ?")
            params.append(_epoch(f.until))
        return (" AND ".join(clauses) or "1"), params

    def _text_where(self, query: str, filters: Filters | None) -> tuple[str, str, list[Any], str]:
        """FROM clause, WHERE clause, params and the positive FTS expression for a text query."""
        parsed = fts_query.parse(query)
        where, params = self._where(filters)
        if parsed.negative:
            where += " AND a.rowid NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
            params.append(parsed.negative)
        if parsed.positive:
            return ("articles_fts JOIN articles a ON a.rowid = articles_fts.rowid",
                    f"articles_fts MATCH ? AND {where}", [parsed.positive, *params], parsed.positive)
        return "articles a", where, params, ""

    def count(self, filters: Filters | None = None) -> int:
        """Summed from the count tables where they answer exactly (as ``timeseries``), else counted."""
        f = _outermost(filters or Filters())
        lo, hi = self._rollup_span(f)
        if (self.optimised and f.regions and len(f.regions) == 1 and not (f.topics or f.sources or _kinds(f))
                and hi > lo):
            clauses = ["region = ?", "hour >= ?", "hour < ?"]
            params: list[Any] = [f.regions[0], lo, hi]
            if f.sentiment:
                clauses.append(f"sentiment IN ({','.join('?' * len(f.sentiment))})")
                params += list(f.sentiment)
            con = self._con()
            n = con.execute(f"SELECT TOTAL(n) FROM region_hour_counts WHERE {' AND '.join(clauses)}",
                            params).fetchone()[0]
            where, params = self._where(filters, correlated=True)
            n += con.execute(f"SELECT COUNT(*) FROM articles a WHERE {where} AND (a.published_at < ? "
                             "OR a.published_at >= ?)", [*params, lo, hi]).fetchone()[0]
            return int(n)
        where, params = self._where(filters)
        row = self._con().execute(f"SELECT COUNT(*) FROM articles a WHERE {where}", params).fetchone()
        return int(row[0])

    def status_counts(self) -> dict[str, int]:
        counts = {"pending": 0, "scored": 0, "failed": 0}
        for status, n in self._con().execute("SELECT nlp_status, COUNT(*) FROM articles GROUP BY nlp_status"):
            counts[status] = n
        return counts

    def last_crawls(self) -> dict[str, CrawlRun]:
        rows = self._con().execute(
            """SELECT doc FROM crawl_runs c WHERE finished_at = (
                   SELECT MAX(finished_at) FROM crawl_runs WHERE source = c.source) ORDER BY source"""
        )
        runs = [CrawlRun.from_dict(json.loads(doc)) for (doc,) in rows]
        return {r.source: r for r in runs}

    def _plain_search(self, query: str, filters: Filters | None, sort: str, page: int, size: int) -> SearchResult:
        """Schema version 1's search: one statement that ranks, highlights and loads every match."""
        frm, where, params, positive = self._text_where(query, filters)
        con = self._con()
        total = int(con.execute(f"SELECT COUNT(*) FROM {frm} WHERE {where}", params).fetchone()[0])
        if positive:
            order = {
                "relevance": "bm25(articles_fts, 3.0, 1.0), a.published_at DESC, a.id",
                "newest": "a.published_at DESC, a.id",
                "oldest": "a.published_at ASC, a.id",
                "engagement": ENGAGED,
            }[sort]
            cols = (f"a.doc, bm25(articles_fts, 3.0, 1.0), highlight(articles_fts, 0, '{MARK_OPEN}', "
                    f"'{MARK_CLOSE}'), snippet(articles_fts, 1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24)")
        else:
            order = _order(sort)
            cols = "a.doc, 0.0, NULL, NULL"
        rows = con.execute(
            f"SELECT {cols} FROM {frm} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        ).fetchall()
        hits = [self._hit(doc, rank, title_hl, body_hl) for doc, rank, title_hl, body_hl in rows]
        return SearchResult(total=total, hits=hits, page=page, size=size)

    def _hit(self, doc: str, rank: float, title_hl: str | None, body_hl: str | None) -> Hit:
        highlights: dict[str, list[str]] = {}
        if title_hl and MARK_OPEN in title_hl:
            highlights["title"] = [_highlight(title_hl)]
        if body_hl and MARK_OPEN in body_hl:
            highlights["body"] = [_highlight(body_hl)]
        return Hit(article=self._article(doc), score=-float(rank), highlights=highlights)

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        sort: str = "relevance",
        page: int = 1,
        size: int = 20,
    ) -> SearchResult:
        """Rank first, then load the page: only the rows shown are read whole and get snippets.

        The count and the bm25 ranking run on the full-text index alone; filters reach it as
        rowid sets from narrow indexes (``article_regions``, ``articles_meta``), so no wide
        article row is read for a match that is not shown.
        """
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {sort!r}")
        page, size = max(1, page), max(1, min(size, 1000))
        if not self.optimised:
            return self._plain_search(query, filters, sort, page, size)
        parsed = fts_query.parse(query)
        if not parsed.positive:
            return self._browse(parsed.negative, filters, sort, page, size)
        con = self._con()
        # Exclusions go into the FTS5 expression itself ("a NOT b" merges two doclists); an
        # excluded phrase is absent from every row it leaves, so it adds exactly 0 to bm25.
        match = f"({parsed.positive}) NOT ({parsed.negative})" if parsed.negative else parsed.positive
        # Unary +: FTS5 would otherwise take a rowid set as a list of lookups and rerun the query per rowid.
        clauses, params = self._rowid_sets(filters, "+articles_fts.rowid")
        where = " AND ".join(["articles_fts MATCH ?", *clauses])
        params = [match, *params]
        total = int(con.execute(f"SELECT COUNT(*) FROM articles_fts WHERE {where}", params).fetchone()[0])
        offset = (page - 1) * size
        if offset >= total:
            return SearchResult(total=total, hits=[], page=page, size=size)
        rank = "bm25(articles_fts, 3.0, 1.0)"
        scores: dict[int, float] = {}
        if sort == "relevance":
            # bm25 alone orders the index. Equal scores are common (a word in most articles scores
            # next to nothing), and the plain query orders them newest first: fetch TIE_SLACK rows
            # past the page, so that a tie across the page's end is usually read in the same pass.
            need = offset + size
            top, complete = self._rank(where, params, need + TIE_SLACK, parallel=total >= PARALLEL_MIN_MATCHES)
            top.sort(key=lambda row: row[1])
            if len(top) > need:
                last = top[need - 1][1]
                if not complete(last):  # the tie runs past what was fetched: order every match
                    top = con.execute(
                        f"""SELECT articles_fts.rowid, {rank} FROM articles_fts JOIN articles a
                            ON a.rowid = articles_fts.rowid WHERE {where}
                            ORDER BY 2, a.published_at DESC, a.id LIMIT ?""",
                        [*params, need]).fetchall()
                else:
                    top = [row for row in top if row[1] <= last]
            scores = {rowid: score for rowid, score in top}
            order = self._tie_order(con, [rowid for rowid, _ in top], scores)[:need]
            shown = order[offset:]
        else:
            a_clauses, a_params = self._rowid_sets(filters, "a.rowid")
            a_clauses.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            a_params.append(match)
            shown = [r for (r,) in con.execute(
                f"""SELECT a.rowid FROM articles a WHERE {" AND ".join(a_clauses)}
                    ORDER BY {_order(sort)} LIMIT ? OFFSET ?""",
                [*a_params, size, offset])]
            marks = ",".join("?" * len(shown))
            scores = dict(con.execute(  # unary + keeps FTS5 from re-running the query once per rowid
                f"SELECT rowid, {rank} FROM articles_fts WHERE articles_fts MATCH ? AND +rowid IN ({marks})",
                [match, *shown]).fetchall())
        marks = ",".join("?" * len(shown))
        loaded = {rowid: (doc, title_hl, body_hl) for rowid, doc, title_hl, body_hl in con.execute(
            f"""SELECT articles_fts.rowid, a.doc, highlight(articles_fts, 0, '{MARK_OPEN}', '{MARK_CLOSE}'),
                       snippet(articles_fts, 1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24)
                FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
                WHERE articles_fts MATCH ? AND articles_fts.rowid IN ({marks})""",
            [match, *shown])}
        hits = [self._hit(loaded[r][0], scores[r], loaded[r][1], loaded[r][2]) for r in shown]
        return SearchResult(total=total, hits=hits, page=page, size=size)

    def _rank(self, where: str, params: list[Any], limit: int, *, parallel: bool
              ) -> tuple[list[tuple[int, float]], Callable[[float], bool]]:
        """The ``limit`` best (rowid, bm25) rows of each part of the rowid range, and a check.

        Scoring every match is most of a broad search's time (a word in most articles means
        tens of thousands of bm25 calls), and SQLite runs one statement on one core. bm25's
        statistics (document count, average length, each phrase's document frequency) are
        read from the whole index whatever the rowid range, so the rowid range split across
        ``search_workers`` connections gives the very scores one statement gives, in a
        fraction of the time. ``complete(last)`` says whether every row scoring ``last`` or
        better was fetched (no part stopped at its limit inside a tie at ``last``).
        """
        sql = (f"SELECT rowid, bm25(articles_fts, 3.0, 1.0) FROM articles_fts WHERE {where} "
               "AND articles_fts.rowid >= ? AND articles_fts.rowid <= ? ORDER BY 2 LIMIT ?")
        con = self._con()
        # Two subqueries: SQLite reads MIN or MAX of a rowid off the end of the b-tree only when it is alone.
        lo, hi = con.execute("SELECT (SELECT MIN(rowid) FROM articles), (SELECT MAX(rowid) FROM articles)").fetchone()
        snapshot = getattr(self._local, "snapshot", False)  # other connections would read a newer state
        workers = self.search_workers if parallel and lo is not None and not snapshot else 1
        if workers <= 1:
            bounds = [(lo if lo is not None else 0, hi if hi is not None else 0)]
        else:
            cuts = [lo + (hi - lo + 1) * i // workers for i in range(workers + 1)]
            bounds = [(a, b - 1) for a, b in pairwise(cuts) if b > a]

        def part(span: tuple[int, int]) -> list[tuple[int, float]]:
            return self._con().execute(sql, [*params, span[0], span[1], limit]).fetchall()

        if len(bounds) == 1:
            parts = [part(bounds[0])]
        else:
            pool = self._pool(len(bounds) - 1)
            futures = [pool.submit(part, span) for span in bounds[1:]]
            parts = [part(bounds[0]), *(f.result() for f in futures)]

        def complete(last: float) -> bool:
            return all(len(rows) < limit or rows[-1][1] > last for rows in parts)

        return [row for rows in parts for row in rows], complete

    def _pool(self, n: int) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=max(1, n), thread_name_prefix="pantau-search")
            return self._executor

    def _browse(self, negative: str, filters: Filters | None, sort: str, page: int, size: int) -> SearchResult:
        """Search without words to match: newest (or oldest) first, walking the published_at index."""
        con = self._con()
        if negative:
            where, params = self._where(filters)
            where += " AND a.rowid NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
            params.append(negative)
            total = int(con.execute(f"SELECT COUNT(*) FROM articles a WHERE {where}", params).fetchone()[0])
        else:
            total = self.count(filters)
        if (page - 1) * size >= total:
            return SearchResult(total=total, hits=[], page=page, size=size)
        where, params = self._where(filters, correlated=True)
        if negative:
            where += " AND a.rowid NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
            params.append(negative)
        shown = [r for (r,) in con.execute(
            f"SELECT a.rowid FROM articles a WHERE {where} ORDER BY {_order(sort)} LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size])]
        docs: dict[int, str] = {}
        for i in range(0, len(shown), BATCH):
            chunk = shown[i : i + BATCH]
            marks = ",".join("?" * len(chunk))
            docs.update(con.execute(f"SELECT rowid, doc FROM articles WHERE rowid IN ({marks})", chunk).fetchall())
        return SearchResult(total=total, hits=[self._hit(docs[r], 0.0, None, None) for r in shown],
                            page=page, size=size)

    @staticmethod
    def _tie_order(con: sqlite3.Connection, rowids: list[int], scores: dict[int, float]) -> list[int]:
        """``rowids`` (ordered by score) with equal scores put newest first, then by id, as the plain query does."""
        keys: dict[int, tuple[int, str]] = {}
        for i in range(0, len(rowids), BATCH):
            chunk = rowids[i : i + BATCH]
            marks = ",".join("?" * len(chunk))
            for rowid, published, aid in con.execute(
                    f"SELECT rowid, published_at, id FROM articles WHERE rowid IN ({marks})", chunk):
                keys[rowid] = (published, aid)
        return sorted(rowids, key=lambda r: (scores[r], -keys[r][0], keys[r][1]))

    def _rowid_sets(self, filters: Filters | None, rowid: str) -> tuple[list[str], list[Any]]:
        """The filters as membership tests on ``rowid``, each answered from a narrow index."""
        f = filters or Filters()
        clauses: list[str] = []
        params: list[Any] = []
        if f.regions:
            clauses.append(f"{rowid} IN (SELECT article FROM article_regions WHERE code IN "
                           f"({','.join('?' * len(f.regions))}))")
            params += list(f.regions)
        if f.topics:
            clauses.append(f"{rowid} IN (SELECT article FROM article_topics WHERE topic IN "
                           f"({','.join('?' * len(f.topics))}))")
            params += list(f.topics)
        meta: list[str] = []
        meta_params: list[Any] = []
        if f.sentiment:
            meta.append(f"COALESCE(sentiment, 'unscored') IN ({','.join('?' * len(f.sentiment))})")
            meta_params += list(f.sentiment)
        if f.sources:
            meta.append(f"source IN ({','.join('?' * len(f.sources))})")
            meta_params += list(f.sources)
        if f.since is not None:
            meta.append("published_at >= ?")
            meta_params.append(_epoch(f.since))
        if f.until is not None:
            meta.append("published_at < ?")
            meta_params.append(_epoch(f.until))
        if meta:
            clauses.append(f"{rowid} IN (SELECT rowid FROM articles INDEXED BY articles_meta "
                           f"WHERE {' AND '.join(meta)})")
            params += meta_params
        kinds: list[str] = []  # not in articles_meta: public posts are a small share, read by their rows
        if f.source_types:
            kinds.append(f"source_type IN ({','.join('?' * len(f.source_types))})")
            params += list(f.source_types)
        if f.platforms:
            kinds.append(f"platform IN ({','.join('?' * len(f.platforms))})")
            params += list(f.platforms)
        if kinds:
            clauses.append(f"{rowid} IN (SELECT rowid FROM articles WHERE {' AND '.join(kinds)})")
        return clauses, params

    @staticmethod
    def _offset_seconds(tz: str) -> int:
        """UTC offset of ``tz`` now; Indonesian zones (WIB/WITA/WIT) have no daylight saving."""
        off = datetime.now(ZoneInfo(tz)).utcoffset() or timedelta(0)
        return int(off.total_seconds())

    @staticmethod
    def _bucket_sql(interval: str, off: int, column: str) -> str:
        monday = 4 * 86400  # 1970-01-05 was a Monday
        return {
            "hour": f"(({column} + {off}) / 3600) * 3600 - {off}",
            "day": f"(({column} + {off}) / 86400) * 86400 - {off}",
            "week": f"(({column} + {off} - {monday}) / 604800) * 604800 + {monday} - {off}",
            "month": f"CAST(strftime('%s', strftime('%Y-%m-01', {column} + {off}, 'unixepoch')) AS INTEGER)"
                     f" - {off}",
        }[interval]

    def _plain_timeseries(self, filters: Filters | None, interval: str, tz: str) -> list[Bucket]:
        """Schema version 1's timeseries: every matching article row bucketed in SQL."""
        off = self._offset_seconds(tz)
        bucket_sql = self._bucket_sql(interval, off, "a.published_at")
        where, params = self._where(filters)
        rows = self._con().execute(
            f"""SELECT {bucket_sql} AS b, COALESCE(a.sentiment, 'unscored'), COUNT(*)
                FROM articles a WHERE {where} GROUP BY 1, 2 ORDER BY 1""",
            params,
        )
        buckets: dict[int, dict[str, int]] = {}
        for b, label, n in rows:
            counts = buckets.setdefault(int(b), dict.fromkeys(SENTIMENT_BUCKETS, 0))
            counts[label] = n
        return [Bucket(start=_from_epoch(b), counts=c) for b, c in sorted(buckets.items())]

    def timeseries(
        self, filters: Filters | None = None, *, interval: str = "day", tz: str = "UTC"
    ) -> list[Bucket]:
        """Summed from ``hour_counts`` / ``region_hour_counts`` where they answer exactly.

        They do for whole-hour UTC offsets (every Indonesian zone), at most one region and no
        topic or source filter (an article can carry two regions or topics, and a per-code
        count cannot tell which articles it would count twice). The partial hours at either
        end of the window are counted from the article rows.
        """
        if interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS}, not {interval!r}")
        f = _outermost(filters or Filters())
        off = self._offset_seconds(tz)
        if not self.optimised or off % 3600 or f.topics or f.sources or _kinds(f) or len(f.regions) > 1:
            return self._plain_timeseries(filters, interval, tz)
        con = self._con()
        buckets: dict[int, dict[str, int]] = {}

        def add(rows: Iterable[tuple[int, str, int]]) -> None:
            for b, label, n in rows:
                if n:
                    counts = buckets.setdefault(int(b), dict.fromkeys(SENTIMENT_BUCKETS, 0))
                    counts[label] += n
        lo, hi = self._rollup_span(f)
        table = "hour_counts"
        clauses: list[str] = ["hour >= ?", "hour < ?"]
        params: list[Any] = [lo, hi]
        if f.regions:
            table = "region_hour_counts"
            clauses.append("region = ?")
            params.append(f.regions[0])
        if f.sentiment:
            clauses.append(f"sentiment IN ({','.join('?' * len(f.sentiment))})")
            params += list(f.sentiment)
        if hi <= lo:  # a window inside one hour
            return self._plain_timeseries(filters, interval, tz)
        add(con.execute(f"""SELECT {self._bucket_sql(interval, off, "hour")}, sentiment, SUM(n)
                            FROM {table} WHERE {" AND ".join(clauses)} GROUP BY 1, 2""", params))
        where, edge_params = self._where(filters, correlated=True)
        bucket_sql = self._bucket_sql(interval, off, "a.published_at")
        for edge, bound in (("a.published_at < ?", lo), ("a.published_at >= ?", hi)):
            add(con.execute(f"""SELECT {bucket_sql}, COALESCE(a.sentiment, 'unscored'), COUNT(*)
                                FROM articles a WHERE {where} AND {edge} GROUP BY 1, 2""", [*edge_params, bound]))
        return [Bucket(start=_from_epoch(b), counts=c) for b, c in sorted(buckets.items())]

    @staticmethod
    def _rollup_span(f: Filters) -> tuple[int, int]:
        """Whole UTC hours inside the filter's window that the count tables answer for.

        Hours before ``ROLLUP_FROM`` are left to the article rows: SQLite's integer division
        truncates towards zero, and the plain bucketing is what defines buckets there.
        """
        lo = ROLLUP_FROM if f.since is None else max(ROLLUP_FROM, -(-_epoch(f.since) // 3600) * 3600)
        hi = ROLLUP_UNTIL if f.until is None else min(ROLLUP_UNTIL, _epoch(f.until) // 3600 * 3600)
        return lo, hi

    def region_counts(self, filters: Filters | None = None) -> dict[str, dict[str, int]]:
        """From ``region_hour_counts`` unless a topic or source filter asks for the article rows.

        A region filter needs no per-article test here: a code's row counts articles that also
        carry every ancestor of the code, so "the code is under a filtered region" already
        implies "the article is in that region".
        """
        f = filters or Filters()
        if (not self.optimised or f.topics or f.sources or _kinds(f)
                or not all(_CODE.fullmatch(c) for c in f.regions)):
            return self._plain_region_counts(filters)
        con = self._con()
        out: dict[str, dict[str, int]] = {}

        def add(rows: Iterable[tuple[str, str, int]]) -> None:
            for code, label, n in rows:
                if n:
                    counts = out.setdefault(code, {**dict.fromkeys(SENTIMENT_BUCKETS, 0), "total": 0})
                    counts[label] += n
                    counts["total"] += n
        lo, hi = self._rollup_span(f)
        clauses: list[str] = ["hour >= ?", "hour < ?"]
        params: list[Any] = [lo, hi]
        if f.regions:
            clauses.append("(" + " OR ".join(["region = ? OR region LIKE ?"] * len(f.regions)) + ")")
            for code in f.regions:
                params += [code, code + ".%"]
        if f.sentiment:
            clauses.append(f"sentiment IN ({','.join('?' * len(f.sentiment))})")
            params += list(f.sentiment)
        if hi <= lo:  # a window inside one hour
            return self._plain_region_counts(filters)
        add(con.execute(f"SELECT region, sentiment, SUM(n) FROM region_hour_counts "
                        f"WHERE {' AND '.join(clauses)} GROUP BY 1, 2", params))
        where, edge_params = self._where(filters, correlated=True)
        code_clause = ""
        if f.regions:
            code_clause = " AND (" + " OR ".join(["r.code = ? OR r.code LIKE ?"] * len(f.regions)) + ")"
            for code in f.regions:
                edge_params += [code, code + ".%"]
        for edge, bound in (("a.published_at < ?", lo), ("a.published_at >= ?", hi)):
            add(con.execute(f"""SELECT r.code, COALESCE(a.sentiment, 'unscored'), COUNT(*)
                                FROM articles a CROSS JOIN article_regions r ON r.article = a.rowid
                                WHERE {where}{code_clause} AND {edge} GROUP BY 1, 2""",
                            [*edge_params, bound]))
        return out

    def _plain_region_counts(self, filters: Filters | None) -> dict[str, dict[str, int]]:
        """Schema version 1's region counts: a join of every matching article with its region rows."""
        where, params = self._where(filters)
        f = filters or Filters()
        code_clause = ""
        if f.regions:
            ors = " OR ".join(["r.code = ? OR r.code LIKE ?"] * len(f.regions))
            code_clause = f" AND ({ors})"
            for code in f.regions:
                params += [code, code + ".%"]
        rows = self._con().execute(
            f"""SELECT r.code, COALESCE(a.sentiment, 'unscored'), COUNT(*)
                FROM article_regions r JOIN articles a ON a.rowid = r.article
                WHERE {where}{code_clause} GROUP BY 1, 2""",
            params,
        )
        out: dict[str, dict[str, int]] = {}
        for code, label, n in rows:
            counts = out.setdefault(code, {**dict.fromkeys(SENTIMENT_BUCKETS, 0), "total": 0})
            counts[label] += n
            counts["total"] += n
        return out

    def facets(
        self, query: str = "", filters: Filters | None = None, fields: Sequence[str] = FACET_FIELDS, size: int = 20
    ) -> dict[str, dict[str, int]]:
        frm, where, params, _ = self._text_where(query, filters)
        con = self._con()
        out: dict[str, dict[str, int]] = {}
        for name in fields:
            if name not in FACET_FIELDS:
                raise ValueError(f"facet field must be one of {FACET_FIELDS}, not {name!r}")
            if name == "regions":
                sql = (f"SELECT r.code, COUNT(*) FROM {frm} JOIN article_regions r ON r.article = a.rowid "
                       f"WHERE {where} AND r.direct = 1 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?")
            elif name == "topics":
                sql = (f"SELECT t.topic, COUNT(*) FROM {frm} JOIN article_topics t ON t.article = a.rowid "
                       f"WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?")
            else:
                column = "COALESCE(a.sentiment, 'unscored')" if name == "sentiment" else f"a.{name}"
                # News has no platform; Elasticsearch leaves the field out and counts nothing for it.
                only = " AND a.platform != ''" if name == "platform" else ""
                sql = (f"SELECT {column}, COUNT(*) FROM {frm} WHERE {where}{only} "
                       "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?")
            out[name] = {str(k): int(n) for k, n in con.execute(sql, [*params, size])}
        return out

    def top_stories(self, filters: Filters | None = None, *, limit: int = 10) -> list[Story]:
        where, params = self._where(filters)
        con = self._con()
        key = "COALESCE(NULLIF(a.cluster_id, ''), a.id)"
        groups = con.execute(
            f"""SELECT {key} AS k, COUNT(*), TOTAL(a.sentiment = 'negative'), MAX(a.published_at)
                FROM articles a WHERE {where} GROUP BY k
                ORDER BY 3 DESC, 2 DESC, 4 DESC, k LIMIT ?""",
            [*params, limit],
        ).fetchall()
        stories = []
        for k, n, neg, _latest in groups:
            members = con.execute(
                f"SELECT a.doc, a.source FROM articles a WHERE {where} AND {key} = ? "
                "ORDER BY a.published_at, a.id",
                [*params, k],
            ).fetchall()
            sources = list(dict.fromkeys(src for _, src in members))
            stories.append(Story(cluster_id=str(k), count=int(n), negative=int(neg or 0),
                                 lead=self._article(members[0][0]), sources=sources))
        return stories
