"""Put the operator's API token on a request as it is sent, and take it off again after.

X and the Meta Graph API take the token as ``Authorization: Bearer <token>``. The spider marks its
API requests with ``meta["pantau_auth"]``; this middleware adds the header just before download
and removes it from the request once the answer is in, so a retried or resumed request (Scrapy
writes pending requests to ``JOBDIR``) never carries the token to disk, and the token never
appears in a URL or a log line. Off (``NotConfigured``) when the crawl has no ``PANTAU_API_TOKEN``.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

HEADER = b"Authorization"


class ApiToken:
    def __init__(self, token: str) -> None:
        self.value = f"Bearer {token}".encode("latin-1")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ApiToken:
        token = crawler.settings.get("PANTAU_API_TOKEN", "")
        if not token:
            raise NotConfigured("no API token for this source")
        return cls(token)

    def process_request(self, request: Request) -> None:
        if request.meta.get("pantau_auth"):
            request.headers[HEADER] = self.value

    def process_response(self, request: Request, response: Response) -> Response:
        request.headers.pop(HEADER, None)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        request.headers.pop(HEADER, None)
