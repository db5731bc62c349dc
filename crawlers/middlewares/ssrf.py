"""Refuse requests to private, loopback, link-local and other non-public addresses (SSRF guard).

Sources come from a config file and redirects come from remote servers; either can point the
crawler at ``169.254.169.254`` (cloud metadata), ``127.0.0.1`` or an office intranet. Every request,
including robots.txt fetches and each redirect hop (a redirect is a new request through this
middleware), has its host resolved and every address checked. ``[crawl] allow_private_addresses``
switches the guard off for local demo servers; ``PANTAU_PRIVATE_EXEMPT_NETWORKS`` exempts named
networks only. Resolution runs in a thread so DNS never blocks the crawl.

``PANTAU_ONLY_NETWORKS`` is the opposite fence, for crawls that must stay on one machine (the
offline demo, the test suite): when it names networks, a request whose host is not an address in
them is refused before any DNS lookup, counted as ``blocked/outside_networks`` and logged with
:data:`OUTSIDE`, so a page or an API answer that names an outside URL can never be fetched.

The middleware's check alone would leave a gap: the connection resolves the host a second time,
and a name whose DNS answer changes in between (DNS rebinding: public for the check, 127.0.0.1
for the connect) would slip through. :class:`GuardedResolver` closes it. It is the reactor's name
resolver (``TWISTED_DNS_RESOLVER``), so the address it hands to the connection is the very address
it checked; a refused name fails the download (Twisted reports it as a DNS failure) and the name is
remembered, so the failure is counted as ``blocked/private_address``, not as a DNS error.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import error as txerror
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
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
OUTSIDE = "refused %s: its host is outside PANTAU_ONLY_NETWORKS"  # the log line a harness can look for


def resolve(host: str) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def exempt_networks(settings: Any) -> list[Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.getlist("PANTAU_PRIVATE_EXEMPT_NETWORKS")]


def only_networks(settings: Any) -> list[Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.getlist("PANTAU_ONLY_NETWORKS")]


def inside(host: str, networks: Sequence[Network]) -> bool:
    """Whether ``host`` is an address literal (or ``localhost``) in one of ``networks``; names never are."""
    if host == "localhost":
        host = "127.0.0.1"
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return any(addr in net for net in networks)


def allowed(addr: Address, exempt: Sequence[Network]) -> bool:
    return is_public(addr) or any(addr in net for net in exempt)


_REFUSED: dict[str, str] = {}  # host -> the address refused at connect time, for the failure's count


def refused_hosts() -> dict[str, str]:
    return _REFUSED


class PrivateAddressError(txerror.DNSLookupError):
    """The name resolved, at connection time, to an address the guard refuses."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses private addresses at the moment of connecting.

    Set as ``TWISTED_DNS_RESOLVER``: Twisted asks it for the address of every connection, and the
    connection goes to exactly the address returned here, after the check.
    """

    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float, exempt: list[Network] | None) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.exempt = exempt  # None: private addresses allowed by configuration

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> GuardedResolver:
        s = crawler.settings
        cache_size = s.getint("DNSCACHE_SIZE") if s.getbool("DNSCACHE_ENABLED") else 0
        exempt = None if s.getbool("PANTAU_ALLOW_PRIVATE_ADDRESSES") else exempt_networks(s)
        return cls(reactor, cache_size, s.getfloat("DNS_TIMEOUT"), exempt)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        d = super().getHostByName(name, timeout)
        if self.exempt is not None:
            d.addCallback(self._check, name)
        return d

    def _check(self, address: str, name: str) -> str:
        assert self.exempt is not None
        if not allowed(ipaddress.ip_address(address), self.exempt):
            log.warning("refused connection to %s: it resolves to %s now", name, address)
            _REFUSED[name] = address
            raise PrivateAddressError(f"{name} resolves to {address} (private address refused at connect)")
        return address


class PrivateAddressGuard:
    def __init__(self, exempt: list[Network] | None, only: list[Network] | None = None) -> None:
        self.exempt = exempt  # None: private addresses allowed by configuration
        self.only = only or []
        self._cache: dict[str, list[Address]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        s = crawler.settings
        only = only_networks(s)
        allow_private = s.getbool("PANTAU_ALLOW_PRIVATE_ADDRESSES")
        if allow_private and not only:
            raise NotConfigured("private addresses allowed by configuration")
        return cls(None if allow_private else exempt_networks(s), only)

    def check(self, host: str, addresses: list[Address]) -> None:
        assert self.exempt is not None
        for addr in addresses:
            if allowed(addr, self.exempt):
                continue
            raise Blocked("private_address", f"{host} resolves to {addr}")

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if not host:
            return None
        if self.only and not inside(host, self.only):
            log.warning(OUTSIDE, request.url)
            raise Blocked("outside_networks", host)
        if self.exempt is None:
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
