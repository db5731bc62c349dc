"""URL canonicalisation and the article id derived from it.

One story reached through a feed link with ``utm_*`` parameters, a mixed-case host or a
``#comments`` fragment must map to one id, or the morning dashboard counts it twice.
The crawler adds AMP-to-canonical following on top of this; the kernel only does the
parts that need no network.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that identify a campaign or a click, never the document.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "ref", "ref_src", "ref_url", "cmpid", "spm", "src", "share", "amp_js_v", "usqp",
        "page_source", "utm", "xtor", "from", "tracking", "oc",
    }
)
TRACKING_PREFIXES = ("utm_", "utm-", "pk_", "hsa_", "at_")


class InvalidURL(ValueError):
    """The text is not an absolute http(s) URL."""


def canonicalize(url: str) -> str:
    """Return the canonical form of an article URL.

    Lowercases scheme and host, drops default ports, fragments and tracking parameters,
    sorts the remaining query parameters and removes a trailing ``/amp`` path segment.
    """
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURL(f"not an absolute http(s) URL: {url!r}")
    host = parts.hostname.lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = parts.path or "/"
    for suffix in ("/amp/", "/amp"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)] or "/"
            break
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
        and not (k.lower() == "page" and v in ("all", "1"))
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def article_id(canonical_url: str) -> str:
    """Stable id of an article: the first 32 hex digits of SHA-256 of its canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def content_hash(title: str, body: str) -> str:
    """Hash of the normalised text, so re-crawls of an unchanged page are recognised."""
    norm = " ".join(f"{title}\n{body}".lower().split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]
