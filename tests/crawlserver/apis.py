"""Bluesky, X and Meta Graph APIs for the crawl tests, in each platform's documented JSON.

Served by :class:`tests.crawlserver.server.CrawlServer` under three prefixes, which a test source
names as its ``api`` base:

* ``/bluesky/xrpc/app.bsky.feed.searchPosts`` and ``…getAuthorFeed``: the public AppView's
  ``{"posts"|"feed": […], "cursor"}``, newest first, 10 a page with an opaque offset cursor;
  ``since`` filters search results. The author feed has a pinned old post on top and a repost.
* ``/x/2/tweets/search/recent``: ``{"data", "includes": {"users"}, "meta", "errors"?}``, newest first,
  10 a page (whatever ``max_results`` asks, so that paging is exercised) with ``next_token``;
  ``since_id`` filters. Needs ``Authorization: Bearer tok-x``; ``tok-x-expired`` gets X's 401.
* ``/meta/<id>/posts``, ``/meta/<id>/media`` and ``/meta/<id>/comments``: Graph lists with
  ``paging.cursors`` and ``paging.next``, 3 a page. Needs ``Bearer tok-meta``; ``tok-meta-expired``
  gets the 400 with code 190 Meta sends for an expired token, ``tok-meta-noperm`` a 403 with code 10.
  A deleted post answers 400 with code 100 for its comments.
* ``/google/youtube/v3/commentThreads?videoId=…``: the YouTube Data API's comment threads, newest
  first, 3 a page (whatever ``maxResults`` asks) with ``nextPageToken``. Needs the header
  ``X-Goog-Api-Key: key-yt``; any other key gets the 400 ``keyInvalid`` Google sends. Videos named
  in ``yt_faults`` answer 403 ``commentsDisabled`` or ``quotaExceeded``, 404 ``videoNotFound``,
  500 ``backendError``, or a body that is not JSON. The feeds that list these videos are in
  :mod:`tests.crawlserver.social`.

Each platform has named queries or ids that answer a spent rate limit, a refusal or malformed
JSON. Texts are the short Indonesian posts of :mod:`tests.crawlserver.social`. Tests add newer
posts with :meth:`ApiWeb.publish`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .social import BASE_TIME, post_text, tagged

PAGE = 10
GRAPH_PAGE = 3
X_BASE_ID = 1_890_000_000_000_000_000
FB_PAGE = "104958162837"
FB_BUSY = "104958162838"
FB_BROKEN = "104958162839"
IG_USER = "17841400000000001"
Answer = tuple[int, bytes, str, dict[str, str]]
JSON = "application/json; charset=utf-8"
YT_KEY = "key-yt"


def _z(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _graph_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return status, json.dumps(body).encode(), JSON, headers or {}


@dataclass
class Skeet:
    n: int
    at: datetime
    text: str
    handle: str
    broken: bool = False


@dataclass
class Tweet:
    n: int
    at: datetime
    text: str
    user: str
    retweet: bool = False
    broken: bool = False

    @property
    def id(self) -> str:
        return str(X_BASE_ID + self.n)


@dataclass
class Comment:
    id: str
    at: datetime
    text: str
    likes: int
    username: str = ""
    broken: bool = False


@dataclass
class Parent:
    id: str
    at: datetime
    text: str
    link: str
    comments: list[Comment] = field(default_factory=list)  # oldest first
    deleted: bool = False


@dataclass
class YtThread:
    """A top-level YouTube comment and the replies shown with it (oldest first)."""

    id: str
    at: datetime
    text: str
    likes: int
    handle: str
    replies: list[YtThread] = field(default_factory=list)
    broken: bool = False


@dataclass
class ApiWeb:
    base: str
    skeets: dict[str, list[Skeet]] = field(default_factory=dict)  # query or handle -> oldest first
    tweets: dict[str, list[Tweet]] = field(default_factory=dict)
    parents: dict[str, list[Parent]] = field(default_factory=dict)  # page or IG user id -> oldest first
    times: list[tuple[str, dict[str, list[str]], float]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)  # the Authorization header of each request ("" when none)
    x_oldest_since_id: int = 0  # recent search's seven days: a since_id below this is refused with a 400
    yt_threads: dict[str, list[YtThread]] = field(default_factory=dict)  # video id -> oldest first
    yt_faults: dict[str, str] = field(default_factory=dict)  # video id -> the error its comments answer

    # -- content ------------------------------------------------------------------------------------
    @classmethod
    def build(cls, base: str) -> ApiWeb:
        web = cls(base=base)
        web.skeets["samarinda"] = [
            Skeet(n=n, at=BASE_TIME + timedelta(hours=2 * n), text="" if n == 5 else tagged(post_text(600 + n)),
                  handle="warga.bsky.social" if n % 2 else "jurnalis.kaltim.id", broken=(n == 12))
            for n in range(1, 26)]
        web.skeets["humaskaltim.bsky.social"] = [
            Skeet(n=700 + n, at=BASE_TIME + timedelta(hours=5 * n), text=post_text(700 + n),
                  handle="humaskaltim.bsky.social") for n in range(1, 13)]
        web.skeets["ramai"] = [Skeet(n=800 + n, at=BASE_TIME + timedelta(hours=n), text=post_text(800 + n),
                                     handle="warga.bsky.social") for n in range(1, 16)]
        web.tweets["samarinda"] = [
            Tweet(n=n, at=BASE_TIME + timedelta(hours=3 * n), text=tagged(post_text(900 + n)),
                  user="u1" if n % 3 else "u2", retweet=(n == 7), broken=(n == 12)) for n in range(1, 26)]
        web.tweets["samarinda"][19].user = "u404"  # tweet 20: its author's account was deleted
        web.tweets["putus"] = [Tweet(n=200 + n, at=BASE_TIME + timedelta(hours=n), text=post_text(970 + n),
                                     user="u1") for n in range(1, 13)]
        web.tweets["ramai"] = [Tweet(n=100 + n, at=BASE_TIME + timedelta(hours=n), text=post_text(950 + n),
                                     user="u1") for n in range(1, 13)]
        web.parents[FB_PAGE] = [web._fb_post(n) for n in range(1, 7)]
        web.parents[FB_PAGE][2].deleted = True  # post 3 was deleted after the listing was cached
        web.parents[FB_BUSY] = [web._fb_post(n, page=FB_BUSY, comments=2) for n in range(1, 2)]
        web.parents[IG_USER] = [web._ig_media(n) for n in range(1, 5)]
        web.yt_threads["ytbanjir001"] = [web._yt_thread("ytbanjir001", n) for n in range(1, 8)]
        web.yt_threads["ytbanjir001"][1].replies = [web._yt_thread("ytbanjir001", 20 + r, parent=2) for r in (1, 2)]
        web.yt_threads["ytbanjir001"][4].broken = True  # thread 5 comes without its snippet
        web.yt_threads["ytjalan0005"] = [web._yt_thread("ytjalan0005", n) for n in range(1, 3)]
        web.yt_threads["ytresep0002"] = [web._yt_thread("ytresep0002", n) for n in range(1, 3)]  # never asked
        web.yt_threads["ytsungai009"] = [web._yt_thread("ytsungai009", n) for n in range(1, 3)]  # after the quota
        web.yt_faults.update({"ytlantik003": "commentsDisabled", "ytpanen0006": "quotaExceeded",
                              "ythilang008": "videoNotFound", "ytbudaya007": "rusak", "ytmati0010": "mati"})
        return web

    def _yt_thread(self, video: str, n: int, parent: int = 0) -> YtThread:
        at = BASE_TIME + timedelta(days=2, hours=n + (24 if parent else 0))
        cid = f"Ugx{video[2:8]}{n:03d}" + (f".{parent:03d}r" if parent else "")
        first = 1700 if video == "ytbanjir001" else 1800
        return YtThread(id=cid, at=at, text=post_text(first + 10 * (parent or n) + n), likes=n % 4,
                        handle=f"@warga{n}")

    def _fb_post(self, n: int, page: str = FB_PAGE, comments: int = 0) -> Parent:
        at = BASE_TIME + timedelta(days=n)
        post = Parent(id=f"{page}_{n}", at=at, text=f"Info Humas {n}",
                      link=f"https://www.facebook.com/{page}/posts/{n}")
        for c in range(1, (comments or (5 if n == 6 else n % 3 + 1)) + 1):
            post.comments.append(Comment(id=f"{page}_{n}_{1000 + 10 * n + c}", at=at + timedelta(hours=c),
                                         text="" if (n, c) == (4, 2) else post_text(1000 + 10 * n + c),
                                         likes=c, broken=(n, c) == (5, 1)))
        return post

    def _ig_media(self, n: int) -> Parent:
        at = BASE_TIME + timedelta(days=n, hours=1)
        media = Parent(id=f"1790000000000{n}", at=at, text=f"Kegiatan Pemprov {n}",
                       link=f"https://www.instagram.com/p/Ckaltim{n}/", deleted=(n == 4))
        count = 0 if n == 2 else 2 + n
        for c in range(1, count + 1):
            media.comments.append(Comment(id=f"1800000000{n}{c:02d}", at=at + timedelta(hours=c),
                                          text=post_text(1200 + 10 * n + c), likes=n + c,
                                          username=f"warga_{n}{c}"))
        return media

    def publish(self, bluesky: int = 0, x: int = 0, facebook: int = 0, instagram: int = 0, youtube: int = 0) -> None:
        """Newer posts (or comments) on each platform, for a second crawl to find."""
        for _ in range(bluesky):
            last = self.skeets["samarinda"][-1]
            self.skeets["samarinda"].append(Skeet(n=last.n + 1, at=last.at + timedelta(hours=1),
                                                  text=tagged(post_text(600 + last.n + 1)), handle="warga.bsky.social"))
        for _ in range(x):
            last_tweet = self.tweets["samarinda"][-1]
            self.tweets["samarinda"].append(Tweet(n=last_tweet.n + 1, at=last_tweet.at + timedelta(hours=1),
                                                  text=tagged(post_text(900 + last_tweet.n + 1)), user="u1"))
        for key, count in ((FB_PAGE, facebook), (IG_USER, instagram)):
            for _ in range(count):
                newest = max(c.at for p in self.parents[key] for c in p.comments)
                old = self.parents[key][1] if key == FB_PAGE else self.parents[key][0]  # an old post gets it
                n = len(old.comments) + 1
                old.comments.append(Comment(id=f"{old.id}_{5000 + n}" if key == FB_PAGE else f"18500000{n:04d}",
                                            at=newest + timedelta(hours=1), text=post_text(1500 + n), likes=0,
                                            username="warga_baru"))

        for _ in range(youtube):  # a new comment on the flood video, after every other one
            threads = self.yt_threads["ytbanjir001"]
            newest = max(c.at for t in threads for c in [t, *t.replies])
            n = len(threads) + 1
            threads.append(YtThread(id=f"Ugxbanjir{n:03d}", at=newest + timedelta(hours=1), text=post_text(1900 + n),
                                    likes=0, handle="@wargabaru"))

    # -- routing ------------------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, list[str]], count: int, auth: str) -> Answer:
        self.times.append((path, query, time.monotonic()))
        self.auth.append(auth)
        if path.startswith("/bluesky/xrpc/"):
            return self._bluesky(path[len("/bluesky/xrpc/"):], query)
        if path == "/x/2/tweets/search/recent":
            return self._x(query, auth)
        if path.startswith("/meta/"):
            return self._meta(path[len("/meta/"):].strip("/"), query, auth)
        if path == "/google/youtube/v3/commentThreads":
            return self._youtube_comments(query, auth)
        return 404, b"Not Found", "text/plain", {}

    @staticmethod
    def _offset(query: dict[str, list[str]], key: str) -> int:
        value = query.get(key, ["0"])[0]
        return int(value.removeprefix("o")) if value.removeprefix("o").isdigit() else 0

    # -- bluesky ------------------------------------------------------------------------------------
    def _post_view(self, s: Skeet) -> dict[str, Any]:
        did = "did:plc:" + s.handle.split(".")[0]
        rkey = f"3lx{s.n:010d}"
        return {
            "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
            "cid": f"bafyreib{s.n:040d}",
            "author": {"did": did, "handle": s.handle, "displayName": s.handle.split(".")[0].title(),
                       "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/a@jpeg", "labels": []},
            "record": {"$type": "app.bsky.feed.post", "text": s.text, "langs": ["id"],
                       "createdAt": "kemarin" if s.broken else _z(s.at)},
            "replyCount": s.n % 4, "repostCount": s.n % 5, "likeCount": s.n % 7 + 1, "quoteCount": s.n % 2,
            "indexedAt": "" if s.broken else _z(s.at + timedelta(seconds=2)),
            "labels": [],
        }

    def _bluesky(self, method: str, query: dict[str, list[str]]) -> Answer:
        headers: dict[str, str] = {"ratelimit-limit": "3000", "ratelimit-policy": "3000;w=300"}
        offset = self._offset(query, "cursor")
        if method == "app.bsky.feed.searchPosts":
            q = query.get("q", [""])[0]
            if q == "patah":
                return _answer({"posts": "sedang dirawat"})
            posts = list(reversed(self.skeets.get(q, [])))  # newest first
            since = query.get("since", [""])[0]
            if since:
                floor = datetime.fromisoformat(since.replace("Z", "+00:00"))
                posts = [p for p in posts if p.at >= floor]
            if q == "ramai" and not offset:  # this answer spends the window: the client waits until reset
                headers.update({"ratelimit-remaining": "0", "ratelimit-reset": str(int(time.time()) + 2)})
            body: dict[str, Any] = {"posts": [self._post_view(p) for p in posts[offset:offset + PAGE]]}
            if offset + PAGE < len(posts):
                body["cursor"] = str(offset + PAGE)
            return _answer(body, headers=headers)
        if method == "app.bsky.feed.getAuthorFeed":
            actor = query.get("actor", [""])[0]
            if actor not in self.skeets or actor in ("samarinda", "ramai"):
                return _answer({"error": "InvalidRequest", "message": "Profile not found"}, 400)
            own = list(reversed(self.skeets[actor]))
            items: list[dict[str, Any]] = [{"post": self._post_view(p)} for p in own]
            repost = Skeet(n=790, at=BASE_TIME + timedelta(hours=59), text=post_text(790), handle="warga.bsky.social")
            items.insert(3, {"post": self._post_view(repost), "reason": {
                "$type": "app.bsky.feed.defs#reasonRepost", "by": {"did": "did:plc:humaskaltim",
                                                                   "handle": actor}, "indexedAt": _z(repost.at)}})
            items.insert(0, {"post": self._post_view(own[-1]), "reason": {"$type": "app.bsky.feed.defs#reasonPin"}})
            feed: dict[str, Any] = {"feed": items[offset:offset + PAGE]}
            if offset + PAGE < len(items):
                feed["cursor"] = f"o{offset + PAGE}"
            return _answer(feed, headers=headers)
        return _answer({"error": "MethodNotImplemented", "message": "Method Not Implemented"}, 501)

    # -- x ------------------------------------------------------------------------------------------
    def _x(self, query: dict[str, list[str]], auth: str) -> Answer:
        if auth != "Bearer tok-x":
            return _answer({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
                           401)
        q = query.get("query", [""])[0]
        if q == "terlarang":
            return _answer({"client_id": "2971", "required_enrollment": "Appropriate Level of API Access",
                            "registration_url": "https://developer.x.com/en/portal/product",
                            "title": "Client Forbidden", "type": "https://api.twitter.com/2/problems/client-forbidden",
                            "detail": "This request must be made using an approved developer account that is "
                                      "enrolled in the requested endpoint.", "reason": "client-not-enrolled"}, 403)
        if q == "rusak":
            return _answer({"data": "pemeliharaan"})
        if "since_id" in query and int(query["since_id"][0]) < self.x_oldest_since_id:
            since = query["since_id"][0]
            message = (f"Invalid 'since_id':'{since}'. 'since_id' must be a tweet id created after "
                       f"2026-11-26T06:00:00Z. Please use a 'since_id' that is larger than {self.x_oldest_since_id}")
            return _answer({"errors": [{"parameters": {"since_id": [since]}, "message": message}],
                            "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                            "type": "https://api.twitter.com/2/problems/invalid-request"}, 400)
        if q == "putus" and "next_token" in query:  # the second page is refused: the crawl has a gap
            return _answer({"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "Forbidden"}, 403)
        tweets = sorted(self.tweets.get(q, []), key=lambda t: t.n, reverse=True)
        if "since_id" in query:
            tweets = [t for t in tweets if int(t.id) > int(query["since_id"][0])]
        offset = self._offset(query, "next_token")
        shown = tweets[offset:offset + PAGE]
        headers = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449",
                   "x-rate-limit-reset": str(int(time.time()) + 900)}
        if q == "ramai" and not offset:
            headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 2)})
        meta: dict[str, Any] = {"result_count": len(shown)}
        if not shown:
            return _answer({"meta": meta}, headers=headers)
        meta.update({"newest_id": shown[0].id, "oldest_id": shown[-1].id})
        if offset + PAGE < len(tweets):
            meta["next_token"] = f"o{offset + PAGE}"
        body: dict[str, Any] = {"data": [self._tweet_json(t) for t in shown], "meta": meta}
        users = {t.user for t in shown}
        body["includes"] = {"users": [{"id": u, "name": u.title(), "username": f"warga_{u}"}
                                      for u in sorted(users) if u != "u404"]}
        if "u404" in users:
            body["errors"] = [{"value": "u404", "detail": "Could not find user with author_id: [u404].",
                               "title": "Not Found Error", "resource_type": "user", "parameter": "author_id",
                               "resource_id": "u404", "type": "https://api.twitter.com/2/problems/resource-not-found"}]
        return _answer(body, headers=headers)

    def _tweet_json(self, t: Tweet) -> dict[str, Any]:
        tweet: dict[str, Any] = {
            "id": t.id,
            "text": (f"RT @warga_u2: {t.text}" if t.retweet else t.text),
            "created_at": "kemarin" if t.broken else _z(t.at),
            "author_id": t.user,
            "lang": "in",
            "conversation_id": t.id,
            "edit_history_tweet_ids": [t.id],
            "public_metrics": {"retweet_count": t.n % 5, "reply_count": t.n % 4, "like_count": t.n % 7 + 1,
                               "quote_count": t.n % 2, "bookmark_count": 0, "impression_count": 100 * t.n},
        }
        if t.retweet:
            tweet["referenced_tweets"] = [{"type": "retweeted", "id": str(X_BASE_ID + 1)}]
        return tweet

    # -- meta ---------------------------------------------------------------------------------------
    def _graph_error(self, status: int, code: int, message: str, subcode: int | None = None) -> Answer:
        error: dict[str, Any] = {"message": message, "type": "OAuthException" if code in (10, 190) else
                                 "GraphMethodException", "code": code, "fbtrace_id": "AbCdEf123"}
        if subcode is not None:
            error["error_subcode"] = subcode
        return _answer({"error": error}, status)

    def _meta(self, path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if auth == "Bearer tok-meta-expired":
            return self._graph_error(400, 190, "Error validating access token: Session has expired on Tuesday, "
                                               "01-Jul-25 10:00:00 PDT.", 463)
        if auth == "Bearer tok-meta-noperm":
            return self._graph_error(403, 10, "(#10) This endpoint requires the 'pages_read_engagement' permission "
                                              "or the 'Page Public Content Access' feature.")
        if auth != "Bearer tok-meta":
            return self._graph_error(400, 190, "An active access token must be used to query information about the "
                                               "current user.")
        object_id, _, edge = path.partition("/")
        offset = self._offset(query, "after")
        headers: dict[str, str] = {"x-app-usage": json.dumps({"call_count": 3, "total_cputime": 1, "total_time": 1})}
        if object_id == FB_BROKEN:
            return _answer({"data": {"pesan": "rusak"}})
        if edge in ("posts", "media") and object_id in self.parents:
            if object_id == FB_BUSY:
                headers["x-business-use-case-usage"] = json.dumps({FB_BUSY: [{
                    "type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 14,
                    "estimated_time_to_regain_access": 1}]})
            parents = list(reversed(self.parents[object_id]))
            items = [self._parent_json(p, edge) for p in parents[offset:offset + GRAPH_PAGE]]
            return _answer(self._paged(items, f"{object_id}/{edge}", query, offset, len(parents)), headers=headers)
        parent = next((p for ps in self.parents.values() for p in ps if p.id == object_id), None)
        if edge == "comments" and parent is not None:
            if parent.deleted:
                return self._graph_error(400, 100, f"Unsupported get request. Object with ID '{object_id}' does not "
                                                   "exist, cannot be loaded due to missing permissions, or does not "
                                                   "support this operation.", 33)
            instagram = "instagram.com" in parent.link
            comments = sorted(parent.comments, key=lambda c: c.at, reverse=True)  # newest first
            items = [self._comment_json(c, instagram) for c in comments[offset:offset + GRAPH_PAGE]]
            return _answer(self._paged(items, f"{object_id}/comments", query, offset, len(comments)), headers=headers)
        return self._graph_error(400, 100, f"Unsupported get request. Object with ID '{object_id}' does not exist.", 33)

    def _paged(self, items: list[dict[str, Any]], where: str, query: dict[str, list[str]], offset: int,
               total: int) -> dict[str, Any]:
        body: dict[str, Any] = {"data": items}
        if not items:
            return body
        body["paging"] = {"cursors": {"before": f"o{offset}", "after": f"o{offset + len(items)}"}}
        if offset + len(items) < total:
            fields = query.get("fields", [""])[0]
            # Meta repeats the access token in paging.next when it was given in the URL; Pantau strips it.
            body["paging"]["next"] = (f"{self.base}/meta/{where}?access_token=leaked&fields={fields}&limit=3"
                                      f"&after=o{offset + len(items)}")
        return body

    def _parent_json(self, p: Parent, edge: str) -> dict[str, Any]:
        if edge == "media":
            return {"id": p.id, "caption": p.text, "timestamp": _graph_time(p.at), "permalink": p.link,
                    "like_count": 40, "comments_count": len(p.comments)}
        updated = max([p.at, *(c.at for c in p.comments)])
        return {"id": p.id, "message": p.text, "created_time": _graph_time(p.at),
                "updated_time": _graph_time(updated), "permalink_url": p.link}

    def _comment_json(self, c: Comment, instagram: bool) -> dict[str, Any]:
        stamp = "kemarin" if c.broken else _graph_time(c.at)
        if instagram:
            return {"id": c.id, "text": c.text, "timestamp": stamp, "like_count": c.likes, "username": c.username}
        comment: dict[str, Any] = {"id": c.id, "created_time": stamp, "like_count": c.likes,
                                   "comment_count": c.likes % 2}
        if c.text:
            comment["message"] = c.text
        return comment

    # -- youtube data api ---------------------------------------------------------------------------
    @staticmethod
    def _google_error(status: int, reason: str, message: str, domain: str = "youtube.commentThread") -> Answer:
        return _answer({"error": {"code": status, "message": message,
                                  "errors": [{"message": message, "domain": domain, "reason": reason}]}}, status)

    def _yt_comment(self, video: str, c: YtThread) -> dict[str, Any]:
        return {"kind": "youtube#comment", "etag": f"e{c.id}", "id": c.id, "snippet": {
            "channelId": "UCwarga", "videoId": video, "textDisplay": c.text, "textOriginal": c.text,
            "authorDisplayName": c.handle, "authorProfileImageUrl": "https://yt3.ggpht.com/a/default.jpg",
            "authorChannelUrl": f"http://www.youtube.com/{c.handle}", "authorChannelId": {"value": "UC" + c.id},
            "canRate": True, "viewerRating": "none", "likeCount": c.likes,
            "publishedAt": _z(c.at).replace(".000", ""), "updatedAt": _z(c.at).replace(".000", "")}}

    def _youtube_comments(self, query: dict[str, list[str]], key: str) -> Answer:
        if key != YT_KEY:
            return self._google_error(400, "keyInvalid", "API key not valid. Please pass a valid API key.",
                                      "usageLimits")
        video = query.get("videoId", [""])[0]
        fault = self.yt_faults.get(video, "")
        if fault == "commentsDisabled":
            return self._google_error(403, fault, "The video identified by the <code><a href=\"/youtube/v3/docs/"
                                                  "commentThreads/list#videoId\">videoId</a></code> parameter has "
                                                  "disabled comments.")
        if fault == "quotaExceeded":
            return self._google_error(403, fault, "The request cannot be completed because you have exceeded your "
                                                  "<a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
                                      "youtube.quota")
        if fault == "videoNotFound":
            return self._google_error(404, fault, "The video identified by the videoId parameter could not be found.")
        if fault == "mati":
            return self._google_error(500, "backendError", "Backend Error", "global")
        if fault == "rusak":
            return 200, b"<html><body>Layanan sedang dirawat</body></html>", "text/html", {}
        threads = sorted(self.yt_threads.get(video, []), key=lambda t: t.at, reverse=True)
        offset = self._offset(query, "pageToken")
        items: list[dict[str, Any]] = []
        for t in threads[offset:offset + GRAPH_PAGE]:
            if t.broken:
                items.append({"kind": "youtube#commentThread", "id": t.id})
                continue
            item: dict[str, Any] = {"kind": "youtube#commentThread", "etag": f"t{t.id}", "id": t.id, "snippet": {
                "channelId": "UCwarga", "videoId": video, "topLevelComment": self._yt_comment(video, t),
                "canReply": True, "totalReplyCount": len(t.replies), "isPublic": True}}
            if t.replies:
                item["replies"] = {"comments": [self._yt_comment(video, r) for r in reversed(t.replies)]}
            items.append(item)
        body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "etag": "x",
                                "pageInfo": {"totalResults": len(items), "resultsPerPage": GRAPH_PAGE},
                                "items": items}
        if offset + GRAPH_PAGE < len(threads):
            body["nextPageToken"] = f"o{offset + GRAPH_PAGE}"
        return _answer(body)
