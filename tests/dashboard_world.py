"""The populated store the dashboard tests open: two weeks of Kaltim coverage, a flood spike in
Samarinda with the alert episode ``pantau alert`` opens for it, and one hostile article whose title
and body carry markup that must reach the browser as text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alerts.run import run_alerts
from index.sqlite import SqliteStore
from index.store import Store
from pantau.article import Article, Engagement, Sentiment
from tests.alerts_world import NOW, coverage, settings, spike

FROM, TO = "2025-07-14T07:00+08:00", "2025-07-15T07:30+08:00"
HOSTILE_TITLE = 'Banjir <script>alert("x")</script> [klik](javascript:alert(1)) di Samarinda'
HOSTILE_BODY = 'Isi <img src=x onerror="alert(1)"> **tebal** <b>bold</b> banjir Samarinda.'

# The dashboard never fetches a source; the URLs point at loopback (port 9, discard) all the same.
CONFIG = """
[regions]
watch = ["64.72", "64.71"]

[[sources]]
name = "antara-kaltim"
url = "http://127.0.0.1:9/antara/rss/terkini.xml"

[[sources]]
name = "tribun-kaltim-0"
url = "http://127.0.0.1:9/tribun/rss"
enabled = false

[[sources]]
name = "pupr-samarinda"
url = "http://127.0.0.1:9/pupr/feed"
source_type = "government"
"""
GOVERNMENT = ["Dinas PUPR Samarinda lanjutkan perbaikan drainase Jalan Pahlawan",
              "Dinas PUPR Samarinda umumkan jadwal pengaspalan Jalan Juanda",
              "Dinas PUPR Samarinda tinjau proyek turap Sungai Karang Mumus"]


def build(path: Path) -> str:
    """Write the store at ``path`` and return its URL."""
    url = f"sqlite:///{path}"
    store = SqliteStore(url)
    populate(store, url)
    store.close()
    return url


def populate(store: Store, url: str) -> None:
    """Fill an empty store (either backend) with the dashboard's world; ``url`` is how the pages open it."""
    store.upsert(coverage("64.72") + coverage("64.71", seed=2, per_day=12)
                 + spike("64.72", 12, NOW.replace(minute=0) - timedelta(hours=6), 6))
    store.upsert([Article.create(url="https://evil.example.id/berita/1", title=HOSTILE_TITLE, body=HOSTILE_BODY,
                                 source="evil", published_at=NOW - timedelta(hours=2), regions=("64.72",),
                                 id="hostile", nlp_status="scored",
                                 sentiment=Sentiment(label="negative", score=0.8, probs={"negative": 0.8}))])
    store.upsert([Article.create(url=f"https://pupr.samarindakota.go.id/berita/{i}", title=title, body=f"{title}.",
                                 source="pupr-samarinda", source_type="government",
                                 regions=("64.72", "64.72.01") if i == 0 else ("64.72",),  # Kecamatan Palaran
                                 published_at=NOW - timedelta(hours=30 + i), nlp_status="scored",
                                 sentiment=Sentiment(label="neutral", score=0.9, probs={"neutral": 0.9}))
                  for i, title in enumerate(GOVERNMENT)])
    report = run_alerts(store, settings(url, 1, recipients={}), NOW.astimezone(NOW.tzinfo))
    assert report.transition.opened, "the spike must open an alert episode"
    store.refresh()


# Public posts about the Samarinda flood, inside the morning window (FROM–TO); their reach as each platform
# shows it. Engagement scores (likes + 2 x reposts + replies + views / 100): YouTube 198, Mastodon 157, Telegram 34.
POSTS = [
    ("youtube", "@tvkaltim", "Liputan banjir Sempaja Samarinda pagi ini", {"likes": 45, "views": 15300}),
    ("mastodon", "@wargasamarinda", "Banjir lagi di Jalan Pramuka Samarinda, drainase tidak jalan",
     {"likes": 120, "reposts": 14, "replies": 9}),
    ("telegram", "@humaskotasmd", "Warga Samarinda diminta waspada banjir susulan", {"views": 3412}),
]


def posts() -> list[Article]:
    return [Article.create(url=f"https://{platform}.example.id/{handle[1:]}/{i}", title=text, body=f"{text}.",
                           source=f"{platform}-samarinda", source_type="social", platform=platform, authors=(handle,),
                           published_at=NOW - timedelta(hours=3 + i), regions=("64.72",), nlp_status="scored",
                           sentiment=Sentiment(label="negative", score=0.8, probs={"negative": 0.8}),
                           engagement=Engagement.from_dict(counts))
            for i, (platform, handle, text, counts) in enumerate(POSTS)]


def build_with_posts(path: Path) -> str:
    """The dashboard's world plus the public posts above."""
    url = build(path)
    store = SqliteStore(url)
    store.upsert(posts())
    store.close()
    return url
