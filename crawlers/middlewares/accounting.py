"""Give every request Pantau's errback, so that each final failure is counted with its reason.

The errback must be a spider method (``NewsSpider.failed``): with ``JOBDIR`` set, pending requests
are written to disk for resume, and only spider methods survive that serialisation.
"""

from __future__ import annotations

from scrapy.http import Request, Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware


class ErrbackMiddleware(BaseSpiderMiddleware):
    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        errback = getattr(self.crawler.spider, "failed", None)
        if request.errback is None and errback is not None:
            return request.replace(errback=errback)
        return request
