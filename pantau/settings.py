"""Pantau's settings: every key declared once, with its type, default and help text.

The declaration below drives validation (``load``), the reference docs
(``docs/configuration.md`` via ``render_docs``) and the commented starter file that
``pantau init`` writes (``render_init``). A typo in a PR office's ``pantau.toml`` must
stop the run with the file, the key, what was expected and what was found, before a
crawl or an alert email goes wrong silently.

Environment overrides (read here and nowhere deeper): ``PANTAU_CONFIG`` names the file,
``PANTAU_STORE`` overrides ``[store] url``.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pantau import platforms, regions

DEFAULT_CONFIG = "pantau.toml"
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
KALTIM_WATCH = ["64", "64.01", "64.02", "64.03", "64.07", "64.08", "64.09", "64.11", "64.71", "64.72", "64.74"]


class ConfigError(ValueError):
    """A bad setting; the message names the file, the key, what was expected and what was found."""

    def __init__(self, path: str, key: str, expected: str, found: Any) -> None:
        shown = found if isinstance(found, str) and found.startswith("<") else _show(found)
        super().__init__(f"{path}: {key}: expected {expected}, found {shown}")
        self.path = path
        self.key = key
        self.expected = expected
        self.found = found


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


Check = Callable[[Any], str | None]  # returns a description of what was expected, or None when fine


def setting(default: Any, help: str, *, check: Check | None = None, choices: tuple[str, ...] = ()) -> Any:
    """Declare one setting: its default, its help text and an optional extra check."""
    meta = {"help": help, "check": check, "choices": choices}
    if isinstance(default, list | dict):

        def fresh() -> Any:
            return _copy(default)

        return field(default_factory=fresh, metadata=meta)
    return field(default=default, metadata=meta)


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


# -- checks -------------------------------------------------------------------------------------------
def _store_url(value: str) -> str | None:
    if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
        return None
    if re.match(r"^https?://[^/\s]+(:\d+)?(/[a-z0-9][a-z0-9_-]*)?/?$", value):
        return None
    return "sqlite:///path.db or http://host:port[/index-prefix]"


def _http_url(value: str) -> str | None:
    return None if re.match(r"^https?://[^\s/]+", value) else "an http(s) URL"


def _moment(value: str) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "an ISO 8601 time with offset, e.g. 2025-07-04T07:00:00+08:00"
    return None if moment.tzinfo is not None else "an ISO 8601 time with its UTC offset"


def _optional_http_url(value: str) -> str | None:
    return None if not value else _http_url(value)


def _day_or_moment(value: str) -> str | None:
    if not value or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    return None if _moment(value) is None else "a day (2025-07-01) or an ISO 8601 time with its UTC offset"


def _region_codes(value: list[str]) -> str | None:
    gaz = regions.gazetteer()
    bad = [c for c in value if c not in gaz.by_code]
    return f"Kemendagri region codes (unknown: {', '.join(bad)})" if bad else None


def _duration(value: str) -> str | None:
    if not value:
        return None
    ok = re.fullmatch(r"(\d+(\.\d+)?[smhd])+|\d+(\.\d+)?", value.strip().lower())
    return None if ok else "a duration like 15m, 1h or 1d"


def _positive(value: int | float) -> str | None:
    return None if value > 0 else "a number greater than 0"


def _non_negative(value: int | float) -> str | None:
    return None if value >= 0 else "a number of 0 or more"


def _port(value: int) -> str | None:
    return None if 0 < value < 65536 else "a TCP port between 1 and 65535"


def _hour(value: int) -> str | None:
    return None if 0 <= value <= 23 else "an hour between 0 and 23"


def _recipients(value: dict[str, list[str]]) -> str | None:
    gaz = regions.gazetteer()
    for code, addresses in value.items():
        if code != "*" and code not in gaz.by_code:
            return f"region codes (or \"*\") as keys, with lists of email addresses (unknown region {code!r})"
        for addr in addresses:
            if not EMAIL_RE.match(addr):
                return f"valid email addresses (bad address {addr!r} for region {code})"
    return None


def _watch_terms(value: dict[str, list[str]]) -> str | None:
    gaz = regions.gazetteer()
    bad = [c for c in value if c not in gaz.by_code]
    return f"Kemendagri region codes as keys (unknown: {', '.join(bad)})" if bad else None


def _email(value: str) -> str | None:
    addr = value.rsplit("<", 1)[-1].rstrip(">").strip()
    return None if EMAIL_RE.match(addr) else "an email address such as \"Pantau <pantau@example.go.id>\""


def _timezone(value: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "an IANA timezone such as Asia/Makassar"
    return None


# -- sections -----------------------------------------------------------------------------------------
@dataclass(kw_only=True, frozen=True)
class StoreSettings:
    url: str = setting(
        "sqlite:///pantau-data/pantau.db",
        "Where articles live: sqlite:///path.db (embedded; relative paths are relative to the working "
        "directory) or http://host:port for Elasticsearch, optionally with /prefix naming the indices "
        "(default pantau). PANTAU_STORE overrides it.",
        check=_store_url,
    )


@dataclass(kw_only=True, frozen=True)
class RegionSettings:
    watch: list[str] = setting(
        KALTIM_WATCH,
        "Kemendagri codes of the regions this office watches (a province code covers its "
        "regencies/cities in filters and counts).",
        check=_region_codes,
    )
    timezone: str = setting(
        "Asia/Makassar", "Timezone for days and the morning report (WITA for Kaltim).", check=_timezone
    )
    watch_terms: dict[str, list[str]] = setting(
        {},
        "Extra words that tag an article with a region, keyed by region code: officials' names, "
        "agencies, landmarks.",
        check=_watch_terms,
    )


SOURCE_TYPES = ("rss", "sitemap", "listing", "search", "telegram", "mastodon", "youtube", "bluesky", "x",
                "facebook", "instagram")
POST_SOURCE_TYPES = ("telegram", "mastodon", "youtube", "bluesky", "x", "facebook", "instagram")  # source_type social
API_SOURCE_TYPES = ("bluesky", "x", "facebook", "instagram")  # read through an API whose base is `api`
TOKEN_SOURCE_TYPES = ("x", "facebook", "instagram")  # run only with an operator's token (youtube: comments only)


@dataclass(kw_only=True, frozen=True)
class SourceSettings:
    name: str = setting("", "Unique name of the source, shown in reports and stats.")
    type: str = setting("rss", "How the source is read.", choices=SOURCE_TYPES)
    url: str = setting(
        "", "Feed, sitemap or listing URL. For search sources a template with {query}; for listing "
        "sources {n} stands for the page number. Public posts: https://t.me/s/<channel> (telegram), "
        "https://<instance>/tags/<tag> or https://<instance>/@<account> (mastodon), "
        "https://www.youtube.com/feeds/videos.xml?channel_id=<id> or ?playlist_id=<id> (youtube), "
        "https://bsky.app/search?q=<query> or https://bsky.app/profile/<handle> (bluesky), "
        "https://x.com/search?q=<query> (x), https://www.facebook.com/<page> (facebook: comments on the page's "
        "posts), https://www.instagram.com/<account> (instagram: comments on the account's media).",
        check=_http_url,
    )
    link_pattern: str = setting("", "Regular expression that article links match (listing sources).")
    regions: list[str] = setting([], "Region codes this source is known to cover (a hint, not a filter).",
                                 check=_region_codes)
    enabled: bool = setting(True, "Set to false to keep the source in the file but skip it.")
    source_type: str = setting("news", "Kind of publisher.", choices=("news", "government", "social", "aggregator"))
    max_pages: int = setting(3, "Listing pagination depth; for public-post sources, the most pages "
                             "read back in one crawl.", check=_positive)
    back_to: str = setting("", "Public-post sources: read posts back to this day or time "
                           "(2025-07-01 or an ISO 8601 time with offset) on the first crawl; later crawls "
                           "read only posts newer than the newest stored.", check=_day_or_moment)
    api: str = setting("", "Bluesky, x, facebook, instagram and youtube sources: base URL of the API; empty means "
                       "the platform's own (https://public.api.bsky.app/xrpc/, https://api.x.com/2/, "
                       "https://graph.facebook.com/v21.0/, https://www.googleapis.com/ for YouTube comments).",
                       check=_optional_http_url)
    account_id: str = setting("", "Facebook and instagram sources: the Graph API id of the office's page (facebook; "
                              "taken from a numeric url when empty) or of its Instagram professional account "
                              "(instagram, required).")
    token_env: str = setting("", "X, facebook, instagram and youtube sources: name of the environment variable holding "
                             "the API token (YouTube: the Data API key); empty means PANTAU_X_TOKEN (x), "
                             "PANTAU_META_TOKEN (facebook, instagram) or PANTAU_YOUTUBE_KEY (youtube). Without a "
                             "token an x, facebook or instagram source is not crawled, and a youtube source reads "
                             "its feed but no comments; `pantau status` says so.")
    token: str = setting("", "The API token written in the file instead (anyone who can read pantau.toml can read "
                         "it; prefer token_env).")
    verified: bool = setting(False, "True once a live crawl has confirmed the URL.")
    poll_every: str = setting("", "Least time between two crawls of this source (15m, 1h, 1d); empty: every crawl. "
                              "Unchanged feeds and sitemaps cost one 304 answer either way.", check=_duration)
    note: str = setting("", "Free text for operators: where the URL came from, caveats.")


@dataclass(kw_only=True, frozen=True)
class CrawlSettings:
    user_agent: str = setting(
        "Pantau/0.1 (media monitoring for Indonesian regional governments)",
        "User agent sent with every request; the contact URL is appended.",
    )
    contact_url: str = setting(
        "https://github.com/pantau-id/pantau", "Where a site owner can reach the operator.", check=_http_url
    )
    concurrency_per_domain: int = setting(2, "Concurrent requests per domain (at most 2 is polite).",
                                          check=_positive)
    allow_private_addresses: bool = setting(
        False, "Allow sources on private, loopback or link-local addresses. True only for local test "
        "or demo servers."
    )
    download_timeout: int = setting(30, "Seconds before a request is abandoned.", check=_positive)
    max_bytes: int = setting(8_000_000, "Largest response body accepted, after decompression.", check=_positive)


@dataclass(kw_only=True, frozen=True)
class NlpSettings:
    sentiment_model: str = setting(
        "", "Sentiment model: a local directory or a hub id. Empty means the model shipped in nlp/models/."
    )
    topic_model: str = setting("", "Topic model directory. Empty means the shipped one.")
    threads: int = setting(2, "CPU threads used for scoring.", check=_positive)
    batch_size: int = setting(16, "Documents per forward pass.", check=_positive)
    backend: str = setting(
        "onnx-int8",
        "Sentiment inference backend: torch (fp32), torch-int8 (int8 dynamic quantisation), onnx (ONNX Runtime, "
        "fp32) or onnx-int8 (ONNX Runtime, int8 weights; the fastest).",
        choices=("torch", "torch-int8", "onnx", "onnx-int8"),
    )
    onnx_cache: str = setting(
        "", "Directory for the ONNX graphs built from the sentiment model. Empty means "
        "$XDG_CACHE_HOME/pantau/onnx, else ~/.cache/pantau/onnx.",
    )
    normalise_slang: bool = setting(
        True, "Rewrite colloquial Indonesian in public posts (source_type \"social\") to standard forms before "
        "scoring (gak -> tidak, bgt -> banget, mantaaap -> mantap, anak2 -> anak-anak), with the lexicon in "
        "nlp/data/slang.tsv. Only the models read the rewritten text; the stored post keeps what was written. "
        "News is never rewritten.",
    )


def _windows(value: list[int]) -> str | None:
    if not value or any(h <= 0 or h > 24 * 7 for h in value):
        return "a non-empty list of window lengths in hours, each between 1 and 168"
    return None


def _probability(value: float) -> str | None:
    return None if 0 < value < 1 else "a probability between 0 and 1 (exclusive)"


def _at_least_one(value: float) -> str | None:
    return None if value >= 1 else "a number of 1 or more"


@dataclass(kw_only=True, frozen=True)
class AlertSettings:
    windows_hours: list[int] = setting(
        [6, 24], "Lengths of the recent windows (hours) each compared with the baseline; the strongest alerts.",
        check=_windows,
    )
    baseline_days: int = setting(14, "Days of history the baseline is computed from.", check=_positive)
    min_count: int = setting(5, "Negative articles needed in the window before a spike can alert "
                                "(one article never alerts).", check=_positive)
    min_increase: int = setting(3, "Negative articles above the expected number needed before a spike can alert.",
                                check=_non_negative)
    min_ratio: float = setting(
        1.5, "Negative volume must be at least this many times the expected volume (a slow drift of a few "
        "points never alerts).", check=_at_least_one,
    )
    alpha: float = setting(
        0.001, "False-alarm rate of the spike tests per watch per day: a window's one-sided test uses alpha x "
        "its length / 24 h. Lower means fewer, surer alerts.",
        check=_probability,
    )
    topics: bool = setting(True, "Also detect spikes per topic over all watched regions.")
    region_topics: bool = setting(
        True, "Also detect spikes per region x topic, where the pair has volume enough (see region_topic_min_daily)."
    )
    region_topic_min_daily: float = setting(
        4.0, "Articles a day (baseline average) a region x topic pair needs before it is watched on its own.",
        check=_positive,
    )
    no_data: bool = setting(
        True, "Alert when a watched region or an enabled source has been silent for longer than its normal gap."
    )
    no_data_min_hours: int = setting(12, "Shortest silence that can count as no data, whatever the normal gap.",
                                     check=_positive)
    cooldown_hours: int = setting(12, "Quiet time after an episode resolves before a new one can open "
                                      "(a relapse within it continues the old episode).", check=_non_negative)
    digest_hour: int = setting(7, "Local hour at which the morning digest is sent.", check=_hour)
    recipients: dict[str, list[str]] = setting(
        {}, "Email recipients per region code; \"*\" receives every region.", check=_recipients
    )
    province_receives_regencies: bool = setting(
        True, "A province's recipients also receive the alerts of its regencies and cities."
    )
    stories: int = setting(5, "Top negative stories listed in an alert email.", check=_positive)


@dataclass(kw_only=True, frozen=True)
class SmtpSettings:
    host: str = setting("127.0.0.1", "SMTP server host.")
    port: int = setting(25, "SMTP server port.", check=_port)
    security: str = setting("none", "Transport security.", choices=("none", "starttls", "tls"))
    username: str = setting("", "SMTP login; empty for none.")
    password_env: str = setting("PANTAU_SMTP_PASSWORD",
                                "Name of the environment variable holding the SMTP password.")
    sender: str = setting("Pantau <pantau@localhost.localdomain>", "From address of alert emails.",
                          check=_email)
    timeout: int = setting(30, "Seconds before an SMTP conversation is abandoned.", check=_positive)


@dataclass(kw_only=True, frozen=True)
class DashboardSettings:
    base_url: str = setting("http://127.0.0.1:8501", "Public URL of the dashboard, used in email links.",
                            check=_http_url)
    as_of: str = setting("", "Draw the dashboard as of this moment (ISO 8601 with offset) instead of the clock; "
                         "for replays such as `pantau demo`. Empty means now.", check=_moment)
    banner: str = setting("", "A notice shown above every page, e.g. that the data is a demo replay.")
    auth: str = setting("none", "Sign-in: \"oidc\" asks for an OpenID Connect login (Streamlit st.login, provider "
                        "in .streamlit/secrets.toml [auth]); \"none\" leaves it to the network (keep 127.0.0.1 or "
                        "put an authenticating reverse proxy in front).", choices=("none", "oidc"))
    allowed_domains: list[str] = setting([], "With auth = \"oidc\": email domains let in, e.g. "
                                         "[\"kaltimprov.go.id\"]; empty lets in every account the provider "
                                         "accepts.")


SECTIONS: dict[str, type] = {
    "store": StoreSettings,
    "regions": RegionSettings,
    "crawl": CrawlSettings,
    "nlp": NlpSettings,
    "alerts": AlertSettings,
    "smtp": SmtpSettings,
    "dashboard": DashboardSettings,
}


@dataclass(kw_only=True, frozen=True)
class Settings:
    path: str = "<defaults>"
    store: StoreSettings = field(default_factory=StoreSettings)
    regions: RegionSettings = field(default_factory=RegionSettings)
    sources: list[SourceSettings] = field(default_factory=list)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    nlp: NlpSettings = field(default_factory=NlpSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)

    def source(self, name: str) -> SourceSettings:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


# -- validation ---------------------------------------------------------------------------------------
def _type_name(tp: Any) -> str:
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    origin = typing.get_origin(tp)
    if origin is list:
        return "a list of " + _type_name(typing.get_args(tp)[0]).removeprefix("a ").removeprefix("an ") + "s"
    if origin is dict:
        return "a table of " + _type_name(typing.get_args(tp)[1]).removeprefix("a ")
    return str(tp)


def _conforms(value: Any, tp: Any) -> bool:
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        return isinstance(value, list) and all(_conforms(v, item) for v in value)
    if origin is dict:
        key_t, val_t = typing.get_args(tp)
        return isinstance(value, dict) and all(
            _conforms(k, key_t) and _conforms(v, val_t) for k, v in value.items()
        )
    if isinstance(tp, types.UnionType):
        return any(_conforms(value, t) for t in typing.get_args(tp))
    return False


def _build(cls: type, raw: Mapping[str, Any], path: str, where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(path, f"{where} {key}", f"one of the keys {', '.join(fields)}{hint}",
                              "<unknown key>")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in raw:
            continue
        value = raw[name]
        tp = hints[name]
        key = f"{where} {name}"
        if not _conforms(value, tp):
            raise ConfigError(path, key, _type_name(tp), value)
        choices = f.metadata.get("choices") or ()
        if choices and value not in choices:
            raise ConfigError(path, key, "one of " + ", ".join(f'"{c}"' for c in choices), value)
        check = f.metadata.get("check")
        if check is not None:
            problem = check(value)
            if problem:
                raise ConfigError(path, key, problem, value)
        values[name] = value
    return cls(**values)


def from_mapping(raw: Mapping[str, Any], path: str = "<config>", env: Mapping[str, str] | None = None) -> Settings:
    """Validate a parsed TOML document and return Settings (applying PANTAU_STORE from ``env``)."""
    env = os.environ if env is None else env
    known = [*SECTIONS, "sources"]
    for section in raw:
        if section not in known:
            close = difflib.get_close_matches(section, known, n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            raise ConfigError(path, f"[{section}]", f"one of the sections {', '.join(known)}{hint}",
                              "<unknown section>")
    built: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        section = raw.get(name, {})
        if not isinstance(section, dict):
            raise ConfigError(path, f"[{name}]", "a table", section)
        built[name] = _build(cls, section, path, f"[{name}]")
    sources_raw = raw.get("sources", [])
    if not isinstance(sources_raw, list):
        raise ConfigError(path, "[[sources]]", "an array of tables ([[sources]])", sources_raw)
    sources: list[SourceSettings] = []
    seen: set[str] = set()
    for i, item in enumerate(sources_raw):
        where = f"[[sources]] #{i + 1}"
        if not isinstance(item, dict):
            raise ConfigError(path, where, "a table", item)
        for required in ("name", "url"):
            if not item.get(required):
                raise ConfigError(path, f"{where} {required}", "a non-empty string", item.get(required, "<missing>"))
        src = _build(SourceSettings, item, path, f"{where} ({item.get('name')})")
        if src.name in seen:
            raise ConfigError(path, f"{where} name", "a unique source name", src.name)
        if src.type in POST_SOURCE_TYPES:
            if "source_type" not in item:
                src = dataclasses.replace(src, source_type="social")
            elif src.source_type != "social":
                raise ConfigError(path, f"{where} ({src.name}) source_type", f"\"social\" for a {src.type} source",
                                  src.source_type)
        if src.type == "instagram" and not src.account_id:
            raise ConfigError(path, f"{where} ({src.name}) account_id",
                              "the Graph API id of the Instagram professional account", "<missing>")
        if src.type == "facebook" and not platforms.graph_id(src.url, src.account_id):
            raise ConfigError(path, f"{where} ({src.name}) account_id",
                              "the Graph API id of the page (or a url ending in it)", "<missing>")
        if src.type == "search" and "{query}" not in src.url:
            raise ConfigError(path, f"{where} ({src.name}) url", "a search URL template containing {query}",
                              src.url)
        seen.add(src.name)
        sources.append(src)
    store_override = env.get("PANTAU_STORE")
    if store_override:
        problem = _store_url(store_override)
        if problem:
            raise ConfigError("PANTAU_STORE", "[store] url", problem, store_override)
        built["store"] = StoreSettings(url=store_override)
    return Settings(path=path, sources=sources, **built)


def config_path(explicit: str | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file in use: an explicit path, else $PANTAU_CONFIG, else ./pantau.toml if present."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get("PANTAU_CONFIG"):
        return Path(env["PANTAU_CONFIG"])
    local = Path(DEFAULT_CONFIG)
    return local if local.exists() else None


def load(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Load and validate settings; with no file, the built-in defaults (Kaltim, SQLite)."""
    resolved = config_path(str(path) if path else None, env)
    if resolved is None:
        return from_mapping({}, "<defaults>", env)
    shown = str(resolved)
    try:
        text = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(shown, "<file>", "an existing pantau.toml (create one with `pantau init`)",
                          "<no such file>") from None
    except UnicodeDecodeError:
        raise ConfigError(shown, "<file>", "UTF-8 text", "<undecodable bytes>") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(shown, "<syntax>", "valid TOML", f"<{exc}>") from None
    return from_mapping(raw, shown, env)


# -- docs and the starter file ------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else _toml_value(key)


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    assert f.default_factory is not dataclasses.MISSING
    return f.default_factory()


def declared() -> list[tuple[str, dataclasses.Field[Any], Any]]:
    """Every declared setting as (section, field, type), sources included."""
    out: list[tuple[str, dataclasses.Field[Any], Any]] = []
    for name, cls in [*SECTIONS.items(), ("sources", SourceSettings)]:
        hints = typing.get_type_hints(cls)
        out.extend((name, f, hints[f.name]) for f in dataclasses.fields(cls))
    return out


def render_docs() -> str:
    """The configuration reference, generated from the declarations (docs/configuration.md)."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from `pantau/settings.py` by `pantau config docs`; a test keeps it in sync.",
        "Pantau reads `pantau.toml` from the working directory, or the file named by `PANTAU_CONFIG`.",
        "`PANTAU_STORE` overrides `[store] url`. Unknown sections and keys are errors.",
        "",
    ]
    current = None
    for section, f, tp in declared():
        if section != current:
            current = section
            lines += ["", "## [[sources]]" if section == "sources" else f"## [{section}]", "",
                      "| key | type | default | meaning |", "|---|---|---|---|"]
        choices = f.metadata.get("choices") or ()
        kind = " \\| ".join(f'"{c}"' for c in choices) if choices else _type_name(tp)
        default = _toml_value(_default(f)).replace("|", "\\|")
        lines.append(f"| `{f.name}` | {kind} | `{default}` | {f.metadata['help']} |")
    return "\n".join(lines) + "\n"


STARTER_SOURCES = "sources-kaltim.toml"  # in pantau/data/


def starter_sources() -> list[dict[str, Any]]:
    """The starter source list for East Kalimantan (``pantau/data/sources-kaltim.toml``), as tables.

    Each table holds the ``[[sources]]`` keys plus ``language``, which pantau.toml does not take
    (Pantau keeps Indonesian articles) and ``pantau init`` writes as a comment.
    """
    text = resources.files("pantau").joinpath("data", STARTER_SOURCES).read_text(encoding="utf-8")
    return list(tomllib.loads(text)["sources"])


def render_init(sources: list[dict[str, Any]] | None = None) -> str:
    """The commented starter pantau.toml for East Kalimantan that ``pantau init`` writes."""
    overrides: dict[tuple[str, str], Any] = {
        ("regions", "watch_terms"): {"64": ["Pemprov Kaltim", "Diskominfo Kaltim"],
                                     "64.72": ["Pemkot Samarinda"], "64.71": ["Pemkot Balikpapan"]},
        ("alerts", "recipients"): {"64": ["humas@kaltimprov.go.id.example"],
                                   "64.72": ["diskominfo@samarindakota.go.id.example"]},
        ("smtp", "sender"): "Pantau Kaltim <pantau@kaltimprov.go.id.example>",
    }
    gaz = regions.gazetteer()
    out = [
        "# Pantau configuration for East Kalimantan (Kalimantan Timur, code 64).",
        "# Every key is documented in docs/configuration.md; remove a key to use its default.",
        "# Any province or regency of Indonesia works: change [regions] watch to other Kemendagri codes.",
        "",
    ]
    for section, cls in SECTIONS.items():
        out.append(f"[{section}]")
        tables: list[str] = []
        for f in dataclasses.fields(cls):
            value = overrides.get((section, f.name), _default(f))
            if isinstance(value, dict):
                # Sub-tables go after the section's plain keys, or TOML would swallow those keys.
                tables.append(f"# {f.metadata['help']}")
                tables.append(f"[{section}.{f.name}]")
                tables.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
                continue
            out.append(f"# {f.metadata['help']}")
            if section == "regions" and f.name == "watch":
                out.append("watch = [")
                out.extend(f"  {_toml_value(code)},  # {gaz.display(code)}" for code in value)
                out.append("]")
            else:
                out.append(f"{f.name} = {_toml_value(value)}")
        out.extend(tables)
        out.append("")
    out += [
        "# Sources: real outlets and portals that cover Kaltim (pantau/data/sources-kaltim.toml). Feeds,",
        "# sitemaps and listing URLs are the best known ones and are UNVERIFIED (verified = false) until a",
        "# live crawl confirms them: `pantau sources check` fetches each enabled source once and reports.",
        "# Guessed entry points are disabled; `pantau sources discover URL` finds an outlet's feed or sitemap.",
        "# Search sources fill {query} from the gazetteer names and aliases of the watched regions.",
        "",
    ]
    known = {f.name for f in dataclasses.fields(SourceSettings)}
    for src in sources if sources is not None else starter_sources():
        out.append("[[sources]]")
        for key, value in src.items():
            if key in known:
                out.append(f"{key} = {_toml_value(value)}")
            else:
                out.append(f"# {key} = {_toml_value(value)}")
        if "verified" not in src:
            out.append("verified = false")
        out.append("")
    return "\n".join(out)
