"""Public-post platforms for the crawl tests, in each platform's documented response format.

Served by :class:`tests.crawlserver.server.CrawlServer` under three prefixes, so a source's
address only swaps the host (and adds the prefix):

* ``/telegram/s/<channel>[?before=<id>]``: Telegram's public channel preview (HTML), 20 posts a
  page, oldest first, ``<link rel="prev">`` to the older page. Two ids are missing (deleted
  posts), one message is a service message, one has no readable time.
* ``/mastodon/api/v1/...``: Mastodon's REST API: ``timelines/tag/<tag>``, ``accounts/lookup``,
  ``accounts/<id>/statuses`` as JSON arrays of Status objects, newest first, 10 a page, paged by
  ``max_id`` / ``min_id`` with a ``Link`` header. Tags and accounts named below answer 401, 403,
  404, 410, 429 with Retry-After, a spent rate limit (``X-RateLimit-Remaining: 0``), or malformed JSON.
* ``/youtube/feeds/videos.xml?channel_id=<id>``: a channel's Atom feed with ``media:group``.
  ``UCkaltim`` is the office's channel; ``UCwarga``, ``UCkuota`` and ``UCrusakapi`` list the videos
  whose comments :mod:`tests.crawlserver.apis` serves (some about a watched region, some not).

The posts are short Indonesian texts written for these tests. Tests add newer posts with
:meth:`SocialWeb.publish` to check that a second crawl reads only those.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

BASE_TIME = datetime(2025, 7, 1, 0, 0, tzinfo=UTC)
TELEGRAM_PAGE = 20
MASTODON_PAGE = 10

PLACES = ["Samarinda", "Balikpapan", "Bontang", "Kutai Kartanegara", "Berau", "Penajam Paser Utara"]
THEMES = [
    "gelar kerja bakti membersihkan drainase di kelurahan",
    "buka posko pengaduan jalan rusak untuk warga RT",
    "salurkan bantuan sembako bagi korban banjir di gang",
    "resmikan taman bermain anak di kompleks",
    "imbau warga waspada hujan deras di kawasan",
]


# Channels whose videos have comments in the Data API fixture: (video id, title, description).
YT_CHANNELS = {
    "UCwarga": [
        ("ytbanjir001", "Banjir rendam Samarinda Ulu", "Warga mengungsi ke posko kelurahan."),
        ("ytresep0002", "Resep rendang Padang", "Masak bersama keluarga di rumah."),  # not a watched region
        ("ytlantik003", "Pelantikan pejabat Balikpapan", "Wali kota melantik 20 pejabat."),  # comments disabled
        ("ytmudik0004", "Mudik lewat jalan tol", "Tips perjalanan jauh."),  # no region at all
        ("ytjalan0005", "Jalan rusak di Bontang", "Warga mengeluh."),
    ],
    "UCkuota": [("ytsungai009", "Sungai Mahakam meluap di Samarinda", "Air naik semalam."),  # after the quota
                ("ytpanen0006", "Panen raya di Kutai Kartanegara", "Petani senang.")],  # quotaExceeded
    "UCrusakapi": [("ytbudaya007", "Festival budaya Berau", "Tari tradisional."),
                   ("ythilang008", "Car free day Samarinda", "Minggu pagi."),
                   ("ytmati0010", "Pasar Segiri Samarinda ramai", "Menjelang lebaran.")],  # answers 500
}


def post_text(n: int) -> str:
    place = PLACES[n % len(PLACES)]
    theme = THEMES[n % len(THEMES)]
    tag = place.lower().replace(" ", "")
    return f"Pemerintah {place} {theme} nomor {n}.\nWarga diminta ikut serta. #{tag}"


def tagged(text: str, tag: str = "samarinda") -> str:
    """A post in a hashtag timeline carries the hashtag."""
    return text if text.endswith(f"#{tag}") else f"{text} #{tag}"


@dataclass
class TelegramPost:
    id: int
    at: datetime
    text: str
    views: str
    kind: str = "text"  # text | service | broken


@dataclass
class Status:
    id: str
    at: datetime
    text: str
    account: str
    reblog: bool = False
    spoiler: str = ""
    broken: bool = False


@dataclass
class SocialWeb:
    base: str
    telegram: list[TelegramPost] = field(default_factory=list)
    statuses: dict[str, list[Status]] = field(default_factory=dict)  # tag or account id -> newest last
    videos: list[dict[str, Any]] = field(default_factory=list)
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # more channels, by id
    # (path, query, monotonic time) of each request, to check how long a client waited between two
    times: list[tuple[str, dict[str, list[str]], float]] = field(default_factory=list)

    # -- content ------------------------------------------------------------------------------------
    @classmethod
    def build(cls, base: str) -> SocialWeb:
        web = cls(base=base)
        for n in range(101, 151):
            if n in (120, 121):  # deleted: absent from the preview
                continue
            kind = "service" if n == 110 else "broken" if n == 111 else "text"
            views = f"{n / 10:.1f}K" if n % 2 else str(n * 7)
            web.telegram.append(TelegramPost(id=n, at=BASE_TIME + timedelta(hours=2 * (n - 101)),
                                             text=post_text(n), views=views, kind=kind))
        tag: list[Status] = []
        for n in range(1, 31):
            sid = str(110_000_000_000_000_000 + n)
            tag.append(Status(id=sid, at=BASE_TIME + timedelta(hours=3 * n), text=tagged(post_text(200 + n)),
                              account="warga" if n % 3 else "jurnalis@kaltim.social",
                              reblog=(n == 7), spoiler="Banjir" if n == 9 else "", broken=(n == 12)))
        web.statuses["samarinda"] = tag
        web.statuses["42"] = [Status(id=str(111_000_000_000_000_000 + n), at=BASE_TIME + timedelta(hours=5 * n),
                                     text=post_text(300 + n), account="humaskaltim") for n in range(1, 6)]
        for key, first in (("ramai", 400), ("sibuk", 450)):
            web.statuses[key] = [Status(id=str(112_000_000_000_000_000 + first + n), account="warga",
                                        at=BASE_TIME + timedelta(hours=n), text=post_text(first + n))
                                 for n in range(1, 13)]
        for n in range(1, 6):
            web.videos.append({
                "id": f"vid{n:08d}",
                "title": f"Liputan {PLACES[n % len(PLACES)]}: {THEMES[n % len(THEMES)]} {n}",
                "description": post_text(500 + n),
                "at": BASE_TIME + timedelta(days=n),
                "views": 1000 * n,
                "likes": 10 * n,
            })
        for channel, titles in YT_CHANNELS.items():
            web.channels[channel] = [
                {"id": vid, "title": title, "description": description, "at": BASE_TIME + timedelta(days=1, hours=i),
                 "views": 100, "likes": 3} for i, (vid, title, description) in enumerate(titles)]
        return web

    def publish(self, telegram: int = 0, mastodon: int = 0, youtube: int = 0) -> None:
        """Newer posts on each platform, for a second crawl to find."""
        for _ in range(telegram):
            last = self.telegram[-1]
            self.telegram.append(TelegramPost(id=last.id + 1, at=last.at + timedelta(hours=1),
                                              text=post_text(last.id + 1), views="12"))
        tag = self.statuses["samarinda"]
        for _ in range(mastodon):
            last_status = tag[-1]
            n = int(last_status.id) - 110_000_000_000_000_000 + 1
            tag.append(Status(id=str(int(last_status.id) + 1), at=last_status.at + timedelta(hours=1),
                              text=tagged(post_text(200 + n)), account="warga"))
        for _ in range(youtube):
            n = len(self.videos) + 1
            self.videos.append({"id": f"vid{n:08d}", "title": f"Liputan terbaru Samarinda {n}",
                                "description": post_text(500 + n), "at": self.videos[-1]["at"] + timedelta(hours=6),
                                "views": 5, "likes": 1})

    # -- routing ------------------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, list[str]], count: int) -> tuple[int, bytes, str, dict[str, str]]:
        """Status, body, content type and headers for one request under a platform prefix."""
        self.times.append((path, query, time.monotonic()))
        if path.startswith("/telegram/s/"):
            return self._telegram(path[len("/telegram/s/"):].strip("/"), query)
        if path.startswith("/mastodon/"):
            return self._mastodon(path[len("/mastodon"):], query, count)
        if path == "/youtube/feeds/videos.xml":
            return self._youtube(query)
        return 404, b"Not Found", "text/plain", {}

    # -- telegram -----------------------------------------------------------------------------------
    def _telegram(self, channel: str, query: dict[str, list[str]]) -> tuple[int, bytes, str, dict[str, str]]:
        if channel == "kacau":
            return 200, b"<html><body><h1>Maaf, halaman sedang dirawat</h1></body></html>", "text/html", {}
        if channel != "humaskaltim":
            return 404, b"<html><body>Not Found</body></html>", "text/html", {}
        before = int(query.get("before", ["0"])[0] or 0)
        older = [p for p in self.telegram if not before or p.id < before]
        shown = older[-TELEGRAM_PAGE:]
        prev = ""
        if shown and shown[0].id > self.telegram[0].id:
            prev = f'<link rel="prev" href="/telegram/s/{channel}?before={shown[0].id}">'
            more = (f'<a class="tme_messages_more js-messages_more" data-before="{shown[0].id}" '
                    f'href="/telegram/s/{channel}?before={shown[0].id}"></a>')
        else:
            more = ""
        body = "".join(self._telegram_message(channel, p) for p in shown)
        html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Humas Kaltim – Telegram</title>{prev}'
                f'</head><body class="widget_frame_base tgme_webpreview"><main class="tgme_main">'
                f'<section class="tgme_channel_history js-message_history">{more}{body}</section>'
                f"</main></body></html>")
        return 200, html.encode("utf-8"), "text/html; charset=utf-8", {}

    def _telegram_message(self, channel: str, p: TelegramPost) -> str:
        ref = f"{channel}/{p.id}"
        link = f"{self.base}/telegram/{channel}/{p.id}"
        if p.kind == "service":
            return (f'<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message '
                    f'service_message js-widget_message" data-post="{ref}"><div class="tgme_widget_message_bubble">'
                    f'<div class="tgme_widget_message_text js-message_text">Channel photo updated</div>'
                    f"</div></div></div>")
        stamp = "" if p.kind == "broken" else f'<time datetime="{p.at.isoformat()}" class="time">{p.at:%H:%M}</time>'
        lines = escape(p.text).split("\n")
        tag = lines[-1].rsplit("#", 1)
        lines[-1] = f'{tag[0]}<a href="?q=%23{tag[1]}">#{tag[1]}</a>'
        return (
            f'<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{ref}" '
            f'data-view="eyJjIjotMTAwfQ">'
            f'<div class="tgme_widget_message_bubble">'
            f'<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" '
            f'href="https://t.me/{channel}"><span dir="auto">Humas Pemprov Kaltim</span></a></div>'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{"<br/>".join(lines)}</div>'
            f'<div class="tgme_widget_message_footer compact js-message_footer">'
            f'<div class="tgme_widget_message_info short js-message_info">'
            f'<span class="tgme_widget_message_views">{p.views}</span>'
            f'<span class="copyonclick"><a class="tgme_widget_message_date" href="{link}">{stamp}</a></span>'
            f"</div></div></div></div></div>"
        )

    # -- mastodon -----------------------------------------------------------------------------------
    def _hashtag(self, line: str) -> str:
        head, sep, tag = line.rpartition("#")
        if not sep:
            return line
        return (f'{head}<a href="{self.base}/mastodon/tags/{tag}" class="mention hashtag" rel="tag">'
                f"#<span>{tag}</span></a>")

    def _status_json(self, s: Status) -> dict[str, Any]:
        acct = s.account
        username = acct.split("@")[0]
        host = acct.split("@")[1] if "@" in acct else "127.0.0.1"
        paras = "".join(f"<p>{self._hashtag(escape(line))}</p>" for line in s.text.split("\n"))
        status: dict[str, Any] = {
            "id": s.id,
            "created_at": "kemarin" if s.broken else s.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "in_reply_to_id": None,
            "sensitive": bool(s.spoiler),
            "spoiler_text": s.spoiler,
            "visibility": "public",
            "language": "id",
            "uri": f"{self.base}/mastodon/users/{username}/statuses/{s.id}",
            "url": f"{self.base}/mastodon/@{acct}/{s.id}",
            "replies_count": int(s.id[-2:]) % 4,
            "reblogs_count": int(s.id[-2:]) % 5,
            "favourites_count": int(s.id[-2:]) % 7 + 1,
            "content": paras,
            "reblog": None,
            "account": {"id": "7", "username": username, "acct": acct, "display_name": username.title(),
                        "url": f"https://{host}/@{username}"},
            "media_attachments": [],
            "mentions": [],
            "tags": [],
        }
        if s.reblog:
            status["reblog"] = {**status, "id": "100"}
            status["content"] = ""
        return status

    def _mastodon(self, path: str, query: dict[str, list[str]], count: int) -> tuple[int, bytes, str, dict[str, str]]:
        as_json = "application/json; charset=utf-8"
        if path == "/api/v1/accounts/lookup":
            acct = query.get("acct", [""])[0]
            if acct == "humaskaltim":
                return 200, json.dumps({"id": "42", "username": "humaskaltim", "acct": "humaskaltim"}).encode(), \
                    as_json, {}
            if acct == "dibekukan":
                return 410, b'{"error":"Account is suspended"}', as_json, {}
            return 404, b'{"error":"Record not found"}', as_json, {}
        if path.startswith("/api/v1/timelines/tag/"):
            key = path.rsplit("/", 1)[1]
        elif path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            key = path.split("/")[4]
        else:
            return 404, b'{"error":"Record not found"}', as_json, {}
        if key == "rahasia":
            return 401, b'{"error":"This API requires an authenticated user"}', as_json, {}
        if key == "terlarang":
            return 403, b'{"error":"This action is not allowed"}', as_json, {}
        if key == "rusak":
            return 200, b'{"error": "maintenance"}', as_json, {}
        if key == "patah":
            return 200, b'[{"id": "1", "created_at": ', as_json, {}
        headers: dict[str, str] = {}
        if key == "ramai" and count == 1 and "max_id" not in query:
            return 429, b'{"error":"Too many requests"}', as_json, {"Retry-After": "1"}
        if key == "sibuk" and "max_id" not in query:
            # The answer that spends the last request of the window: the client waits until Reset.
            reset = datetime.now(UTC) + timedelta(seconds=1)
            headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        statuses = self.statuses.get(key)
        if statuses is None:
            return 404, b'{"error":"Record not found"}', as_json, {}
        limit = min(int(query.get("limit", ["20"])[0]), MASTODON_PAGE)
        ordered = sorted(statuses, key=lambda s: int(s.id), reverse=True)  # newest first
        if "min_id" in query:  # the page right after min_id, still newest first
            floor = int(query["min_id"][0])
            page = sorted([s for s in ordered if int(s.id) > floor], key=lambda s: int(s.id))[:limit][::-1]
        else:
            if "max_id" in query:
                ordered = [s for s in ordered if int(s.id) < int(query["max_id"][0])]
            page = ordered[:limit]
        if page:
            here = f"{self.base}/mastodon{path}?limit={query.get('limit', ['20'])[0]}"
            headers["Link"] = f'<{here}&max_id={page[-1].id}>; rel="next", <{here}&min_id={page[0].id}>; rel="prev"'
        return 200, json.dumps([self._status_json(s) for s in page]).encode(), as_json, headers

    # -- youtube ------------------------------------------------------------------------------------
    def _youtube(self, query: dict[str, list[str]]) -> tuple[int, bytes, str, dict[str, str]]:
        channel = query.get("channel_id", [""])[0]
        if channel == "UCrusak":
            return 200, b"<html><body>not a feed</body></html>", "text/html", {}
        videos = self.videos if channel == "UCkaltim" else self.channels.get(channel)
        if videos is None:
            return 404, b"Not Found", "text/html", {}
        entries = []
        for v in sorted(videos, key=lambda v: v["at"], reverse=True)[:15]:
            entries.append(
                f"<entry><id>yt:video:{v['id']}</id><yt:videoId>{v['id']}</yt:videoId>"
                f"<yt:channelId>{channel}</yt:channelId><title>{escape(v['title'])}</title>"
                f'<link rel="alternate" href="https://www.youtube.com/watch?v={v["id"]}"/>'
                f"<author><name>Diskominfo Kaltim</name><uri>https://www.youtube.com/channel/{channel}</uri></author>"
                f"<published>{v['at'].isoformat()}</published><updated>{v['at'].isoformat()}</updated>"
                f"<media:group><media:title>{escape(v['title'])}</media:title>"
                f'<media:content url="https://www.youtube.com/v/{v["id"]}?version=3" '
                f'type="application/x-shockwave-flash" width="640" height="390"/>'
                f'<media:thumbnail url="https://i.ytimg.com/vi/{v["id"]}/hqdefault.jpg" width="480" height="360"/>'
                f"<media:description>{escape(v['description'])}</media:description>"
                f'<media:community><media:starRating count="{v["likes"]}" average="5.00" min="1" max="5"/>'
                f'<media:statistics views="{v["views"]}"/></media:community></media:group></entry>'
            )
        entries.append("<entry><id>yt:video:</id><title>Tanpa id</title><published>2025-07-02T00:00:00+00:00"
                       "</published></entry>")
        feed = ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
                'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">'
                f'<link rel="self" href="{self.base}/youtube/feeds/videos.xml?channel_id={channel}"/>'
                f"<id>yt:channel:{channel}</id><yt:channelId>{channel}</yt:channelId><title>Diskominfo Kaltim</title>"
                f"<author><name>Diskominfo Kaltim</name></author><published>2020-01-01T00:00:00+00:00</published>"
                + "".join(entries) + "</feed>")
        return 200, feed.encode("utf-8"), "application/atom+xml; charset=UTF-8", {}
