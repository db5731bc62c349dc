"""What Pantau needs to know about the API platforms before it crawls them: their default bases, the
environment variable that holds an operator's token, and why a source without one stays off.

X and the Meta Graph API answer only with a token the operator supplies; Pantau never asks for
one and never guesses one. A source whose token is missing is not crawled at all (no request is
made), and ``pantau status`` prints :func:`disabled_reason` next to it. Bluesky's public AppView
needs no token. A YouTube source reads its channel feed without one; only the comments on its
videos need the operator's Data API key, so without the key it is crawled with comments off, and
``pantau status`` prints :func:`limited_reason`. Kept in the kernel because ``pantau crawl``,
``pantau status`` and the crawl child all decide the same way; the environment is passed in, never read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_BASES = {
    "bluesky": "https://public.api.bsky.app/xrpc/",
    "x": "https://api.x.com/2/",
    "facebook": "https://graph.facebook.com/v21.0/",
    "instagram": "https://graph.facebook.com/v21.0/",
    "youtube": "https://www.googleapis.com/",
}
TOKEN_ENVS = {"x": "PANTAU_X_TOKEN", "facebook": "PANTAU_META_TOKEN", "instagram": "PANTAU_META_TOKEN",
              "youtube": "PANTAU_YOUTUBE_KEY"}
NAMES = {"x": "X API", "facebook": "Meta Graph API (Facebook)", "instagram": "Meta Graph API (Instagram)",
         "youtube": "YouTube Data API"}
OPTIONAL_TOKEN = frozenset({"youtube"})  # crawled without a token too, with less read
# How each API takes the token: the Data API wants its key in X-Goog-Api-Key (or ?key=, never used).
HEADERS = {"youtube": ("X-Goog-Api-Key", "{}")}
BEARER = ("Authorization", "Bearer {}")


def needs_token(kind: str) -> bool:
    """True for a platform that is not crawled at all without a token."""
    return kind in TOKEN_ENVS and kind not in OPTIONAL_TOKEN


def auth_header(kind: str, token: str) -> tuple[str, str]:
    """The header name and value that carry ``token`` to the platform's API."""
    name, form = HEADERS.get(kind, BEARER)
    return name, form.format(token)


def api_base(source: Mapping[str, Any]) -> str:
    """The source's ``api`` or the platform's own base, always ending in ``/``."""
    base = str(source.get("api") or API_BASES.get(str(source.get("type")), ""))
    return base if not base or base.endswith("/") else base + "/"


def token_env(source: Mapping[str, Any]) -> str:
    return str(source.get("token_env") or TOKEN_ENVS.get(str(source.get("type")), ""))


def token(source: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """The token for a source: written in the file, else the environment variable it names."""
    if str(source.get("type")) not in TOKEN_ENVS:
        return ""
    return str(source.get("token") or "").strip() or env.get(token_env(source), "").strip()


def disabled_reason(source: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """Why a token source will not be crawled, in words for ``pantau status``; empty when it will."""
    kind = str(source.get("type"))
    if not needs_token(kind) or token(source, env):
        return ""
    return (f"disabled: no {NAMES[kind]} token configured ([sources] token_env = \"{token_env(source)}\" "
            "is not set in the environment, and no token in the file)")


def limited_reason(source: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """What a source crawled without its optional token leaves out, for ``pantau status``; empty otherwise."""
    kind = str(source.get("type"))
    if kind not in OPTIONAL_TOKEN or token(source, env):
        return ""
    return (f"comments off: no {NAMES[kind]} key configured ([sources] token_env = \"{token_env(source)}\" "
            "is not set in the environment, and no token in the file); the channel feed is still read")


def graph_id(url: str, account_id: str = "") -> str:
    """The Graph API id of a page or account: ``account_id``, else ``?id=`` or a numeric last path part."""
    if account_id.strip():
        return account_id.strip()
    parts = urlsplit(url)
    given = parse_qs(parts.query).get("id", [""])[0]
    if given.isdigit():
        return given
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if last.isdigit():
        return last
    if "-" in last and last.rsplit("-", 1)[-1].isdigit():  # facebook.com/Humas-Kaltim-104958162837
        return last.rsplit("-", 1)[-1]
    return ""
