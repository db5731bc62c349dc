"""Put the operator's API token on a request as it is sent, and take it off again after.

X and the Meta Graph API take the token as ``Authorization: Bearer <token>``, the YouTube Data API
its key as ``X-Goog-Api-Key`` (:func:`pantau.platforms.auth_header`; never the ``key`` query
parameter, which would put it in the URL). The spider marks its API requests with
``meta["pantau_auth"]``; this middleware adds the header just before download and removes it from
the request once the answer is in, so a retried or resumed request (Scrapy writes pending requests
to ``JOBDIR``) never carries the token to disk, and the token never appears in a URL or a log line.
Off (``NotConfigured``) when the crawl has no ``PANTAU_API_TOKEN``.

The mark is the origin (scheme, host, port) of the source's API base, and the header goes only to a
request for that origin: a ``paging.next`` link or anything else that points at another host never
gets the token. API requests also carry ``dont_redirect``, so a redirect is an error to count rather
than a new request (which would copy the header into the scheduler, and to disk with ``JOBDIR``).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from pantau import platforms


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL, with the default port spelled out."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def api_meta(api_base: str) -> dict[str, object]:
    """The request meta that lets :class:`ApiToken` put the token on requests to ``api_base`` only."""
    return {"pantau_auth": origin(api_base), "dont_redirect": True}


class ApiToken:
    def __init__(self, token: str, platform: str = "") -> None:
        name, value = platforms.auth_header(platform, token)
        self.header = name.encode("latin-1")
        self.value = value.encode("latin-1")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ApiToken:
        token = crawler.settings.get("PANTAU_API_TOKEN", "")
        if not token:
            raise NotConfigured("no API token for this source")
        raw = crawler.settings.get("PANTAU_SOURCE", "")
        source = json.loads(raw) if isinstance(raw, str) and raw else dict(raw or {})
        return cls(token, str(source.get("type") or ""))

    def process_request(self, request: Request) -> None:
        request.headers.pop(self.header, None)
        allowed = request.meta.get("pantau_auth")
        if isinstance(allowed, str) and allowed == origin(request.url):
            request.headers[self.header] = self.value

    def process_response(self, request: Request, response: Response) -> Response:
        request.headers.pop(self.header, None)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        request.headers.pop(self.header, None)
