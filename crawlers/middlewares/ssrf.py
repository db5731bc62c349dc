"""Refuse requests to private, loopback, link-local and other non-public addresses (SSRF guard).

Sources come from a config file and redirects come from remote servers; either can point the
crawler at ``169.254.169.254`` (cloud metadata), ``127.0.0.1`` or an office intranet. Every request,
including robots.txt fetches and each redirect hop (a redirect is a new request through this
middleware), has its host resolved and every address checked. ``[crawl] allow_private_addresses``
switches the guard off for local demo servers; ``PANTAU_PRIVATE_EXEMPT_NETWORKS`` exempts named
networks only. Resolution runs in a thread so DNS never blocks the crawl.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawlers.stats import Blocked

log = logging.getLogger(__name__)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(addr: Address) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or (isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT)
    )


_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def resolve(host: str) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


class PrivateAddressGuard:
    def __init__(self, exempt: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> None:
        self.exempt = exempt
        self._cache: dict[str, list[Address]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        if crawler.settings.getbool("PANTAU_ALLOW_PRIVATE_ADDRESSES"):
            raise NotConfigured("private addresses allowed by configuration")
        exempt = [
            ipaddress.ip_network(n, strict=False) for n in crawler.settings.getlist("PANTAU_PRIVATE_EXEMPT_NETWORKS")
        ]
        return cls(exempt)

    def check(self, host: str, addresses: list[Address]) -> None:
        for addr in addresses:
            if is_public(addr) or any(addr in net for net in self.exempt):
                continue
            raise Blocked("private_address", f"{host} resolves to {addr}")

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if not host:
            return None
        addresses = self._cache.get(host)
        if addresses is None:
            try:
                addresses = await maybe_deferred_to_future(deferToThread(resolve, host))
            except OSError:
                return None  # unresolvable: the download fails and is counted as a DNS error
            self._cache[host] = addresses
        self.check(host, addresses)
        return None
