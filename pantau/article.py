"""The Article record: the one typed value that crosses crawl → index → NLP → alerts → dashboard.

Dicts only exist at the edges (JSONL files, the store's rows, Elasticsearch documents);
everything inside Pantau passes ``Article`` values so that a missing timezone or an
unknown region code is caught where it enters, not in the 07:00 report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pantau import regions, urls
from pantau.regions import RegionEvidence

SENTIMENT_LABELS = ("positive", "neutral", "negative")
NLP_STATUSES = ("pending", "scored", "failed")
SOURCE_TYPES = ("news", "government", "social", "aggregator")
# A platform name is a filter value and a facet key: short, lowercase, no separators.
PLATFORM = re.compile(r"[a-z][a-z0-9_]{0,31}")
ENGAGEMENT_FIELDS = ("likes", "reposts", "replies", "views")
# The engagement score in hundredths, so that both stores sort on the same whole number:
# likes + 2 x reposts + replies + views / 100. A repost carries a post to new readers, so it
# weighs double; a hundred views weigh as one like, which lets a Telegram channel that only
# shows views rank beside a Mastodon post that only shows likes. A missing count adds 0.
ENGAGEMENT_WEIGHTS = {"likes": 100, "reposts": 200, "replies": 100, "views": 1}


class InvalidArticle(ValueError):
    """An article dict or value that breaks the record's rules; the message says which field and why."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


def parse_datetime(value: Any, field_name: str) -> datetime:
    """Parse an ISO 8601 string (or datetime) that carries an offset, and return it in UTC."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidArticle(field_name, f"expected ISO 8601 with offset, found {value!r}") from None
    else:
        raise InvalidArticle(field_name, f"expected ISO 8601 string, found {type(value).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidArticle(field_name, f"datetime has no timezone offset: {value!r}")
    return dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    """UTC ISO 8601 with an explicit ``+00:00`` offset, the form every backend stores."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(kw_only=True, frozen=True)
class Sentiment:
    label: str
    score: float
    probs: dict[str, float] = field(default_factory=dict)
    model: str = ""

    def __post_init__(self) -> None:
        if self.label not in SENTIMENT_LABELS:
            raise InvalidArticle("sentiment.label", f"expected one of {SENTIMENT_LABELS}, found {self.label!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score, "probs": dict(self.probs), "model": self.model}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Sentiment:
        return cls(
            label=str(d["label"]),
            score=float(d.get("score", 0.0)),
            probs={str(k): float(v) for k, v in (d.get("probs") or {}).items()},
            model=str(d.get("model", "")),
        )


@dataclass(kw_only=True, frozen=True)
class Topic:
    label: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Topic:
        return cls(label=str(d["label"]), score=float(d.get("score", 1.0)))


@dataclass(kw_only=True, frozen=True)
class Feedback:
    """A human correction from the dashboard; it feeds the next training run."""

    field: str  # "sentiment" | "topics"
    value: str
    by: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "by": self.by, "at": iso(self.at)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Feedback:
        return cls(
            field=str(d["field"]),
            value=str(d["value"]),
            by=str(d.get("by", "")),
            at=parse_datetime(d["at"], "feedback.at"),
        )


@dataclass(kw_only=True, frozen=True)
class Engagement:
    """What a public post's platform shows about its reach; ``None`` where the platform does not say."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    views: int | None = None

    def __post_init__(self) -> None:
        for name in ENGAGEMENT_FIELDS:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise InvalidArticle(f"engagement.{name}", f"expected a whole number of 0 or more, found {value!r}")

    def to_dict(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in ENGAGEMENT_FIELDS}

    def score(self) -> int | None:
        """The ranking score in hundredths (see ``ENGAGEMENT_WEIGHTS``); None when no count is known."""
        known = {name: getattr(self, name) for name in ENGAGEMENT_FIELDS if getattr(self, name) is not None}
        return sum(ENGAGEMENT_WEIGHTS[name] * n for name, n in known.items()) if known else None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Engagement:
        if not isinstance(d, Mapping):
            raise InvalidArticle("engagement", f"expected an object, found {type(d).__name__}")
        unknown = sorted(set(d) - set(ENGAGEMENT_FIELDS))
        if unknown:
            raise InvalidArticle("engagement", f"unknown keys {unknown}; expected {ENGAGEMENT_FIELDS}")
        return cls(**{name: d.get(name) for name in ENGAGEMENT_FIELDS})


@dataclass(kw_only=True, frozen=True)
class Article:
    id: str
    url: str
    canonical_url: str
    title: str
    body: str
    source: str
    published_at: datetime
    crawled_at: datetime
    # "id"; a public post that mixes languages is tagged Indonesian first, then the others by weight:
    # "id+en", "id+jv", "id+bjn", "id+su" (see crawlers/language.py). Same keyword field, no new column.
    lang: str = "id"
    source_type: str = "news"
    platform: str = ""  # "telegram", "mastodon", "youtube" for public posts; empty for the press
    authors: tuple[str, ...] = ()  # for a public post: the public handle only
    regions: tuple[str, ...] = ()
    region_evidence: tuple[RegionEvidence, ...] = ()
    content_hash: str = ""
    cluster_id: str = ""
    sentiment: Sentiment | None = None
    topics: tuple[Topic, ...] = ()
    nlp_status: str = "pending"
    nlp_version: str = ""
    feedback: tuple[Feedback, ...] = ()
    engagement: Engagement | None = None  # likes, reposts, replies and views of a public post
    # Conversations between public posts, as article ids (the hash of the other post's canonical URL, so
    # the link holds whether that post is stored yet or not). A repost is no article of its own: it is
    # stored as the post it repeats, under that post's URL, so it never counts twice.
    reply_to: str = ""  # the post this one answers: follow it back, post by post, to the thread's start
    quote_of: str = ""  # the post this one quotes; the quote keeps its own text

    def __post_init__(self) -> None:
        for name in ("published_at", "crawled_at"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
                raise InvalidArticle(name, "must be a timezone-aware datetime")
        if not self.id:
            raise InvalidArticle("id", "must not be empty")
        if not self.title.strip():
            raise InvalidArticle("title", "must not be empty")
        if not self.source:
            raise InvalidArticle("source", "must not be empty")
        if self.source_type not in SOURCE_TYPES:
            raise InvalidArticle("source_type", f"expected one of {SOURCE_TYPES}, found {self.source_type!r}")
        if self.platform and not PLATFORM.fullmatch(self.platform):
            raise InvalidArticle("platform", f"expected a lowercase name such as 'telegram', found {self.platform!r}")
        if self.platform and self.source_type != "social":
            raise InvalidArticle("platform", f"only public posts (source_type 'social') name a platform, "
                                             f"found {self.platform!r} on source_type {self.source_type!r}")
        for name in ("reply_to", "quote_of"):
            value = getattr(self, name)
            if value and self.source_type != "social":
                raise InvalidArticle(name, f"only public posts (source_type 'social') answer or quote a post, "
                                           f"found {name}={value!r} on source_type {self.source_type!r}")
            if value and value == self.id:
                raise InvalidArticle(name, "a post cannot answer or quote itself")
        if self.nlp_status not in NLP_STATUSES:
            raise InvalidArticle("nlp_status", f"expected one of {NLP_STATUSES}, found {self.nlp_status!r}")
        gaz = regions.gazetteer()
        for code in self.regions:
            if code not in gaz.by_code:
                raise InvalidArticle("regions", f"unknown Kemendagri code {code!r}")

    @classmethod
    def create(
        cls,
        *,
        url: str,
        title: str,
        body: str,
        source: str,
        published_at: datetime,
        crawled_at: datetime | None = None,
        **fields: Any,
    ) -> Article:
        """Build a new article, deriving canonical URL, id and content hash."""
        canonical = fields.pop("canonical_url", None) or urls.canonicalize(url)
        return cls(
            id=fields.pop("id", None) or urls.article_id(canonical),
            url=url,
            canonical_url=canonical,
            title=title,
            body=body,
            source=source,
            published_at=published_at,
            crawled_at=crawled_at or datetime.now(UTC),
            content_hash=fields.pop("content_hash", None) or urls.content_hash(title, body),
            **fields,
        )

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages in ``lang``, leading one first: ``("id", "en")`` for ``id+en``."""
        return tuple(self.lang.split("+"))

    def replace(self, **changes: Any) -> Article:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "title": self.title,
            "body": self.body,
            "lang": self.lang,
            "source": self.source,
            "source_type": self.source_type,
            "platform": self.platform,
            "authors": list(self.authors),
            "published_at": iso(self.published_at),
            "crawled_at": iso(self.crawled_at),
            "regions": list(self.regions),
            "region_evidence": [e.to_dict() for e in self.region_evidence],
            "content_hash": self.content_hash,
            "cluster_id": self.cluster_id,
            "sentiment": self.sentiment.to_dict() if self.sentiment else None,
            "topics": [t.to_dict() for t in self.topics],
            "nlp_status": self.nlp_status,
            "nlp_version": self.nlp_version,
            "feedback": [f.to_dict() for f in self.feedback],
            "engagement": self.engagement.to_dict() if self.engagement else None,
            "reply_to": self.reply_to,
            "quote_of": self.quote_of,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Article:
        """Parse a dict; only url, title, body, published_at and source are required.

        Missing derived fields (canonical URL, id, content hash, crawled_at) are computed.
        Raises :class:`InvalidArticle` naming the first bad field.
        """
        if not isinstance(d, Mapping):
            raise InvalidArticle("<record>", f"expected a JSON object, found {type(d).__name__}")
        for name in ("url", "title", "body", "published_at", "source"):
            if d.get(name) in (None, ""):
                if name == "body" and d.get(name) == "":
                    continue
                raise InvalidArticle(name, "required field is missing")
        for name in ("url", "title", "body", "source"):
            if not isinstance(d[name], str):
                raise InvalidArticle(name, f"expected a string, found {type(d[name]).__name__}")
        try:
            canonical = str(d.get("canonical_url") or urls.canonicalize(d["url"]))
        except urls.InvalidURL as exc:
            raise InvalidArticle("url", str(exc)) from None
        sentiment = d.get("sentiment")
        engagement = d.get("engagement")
        try:
            return cls(
                id=str(d.get("id") or urls.article_id(canonical)),
                url=d["url"],
                canonical_url=canonical,
                title=d["title"],
                body=d["body"],
                lang=str(d.get("lang") or "id"),
                source=d["source"],
                source_type=str(d.get("source_type") or "news"),
                platform=str(d.get("platform") or ""),
                authors=tuple(str(a) for a in _as_list(d.get("authors"), "authors")),
                published_at=parse_datetime(d["published_at"], "published_at"),
                crawled_at=parse_datetime(d["crawled_at"], "crawled_at")
                if d.get("crawled_at")
                else datetime.now(UTC),
                regions=tuple(str(c) for c in _as_list(d.get("regions"), "regions")),
                region_evidence=tuple(
                    RegionEvidence.from_dict(e) for e in _as_list(d.get("region_evidence"), "region_evidence")
                ),
                content_hash=str(d.get("content_hash") or urls.content_hash(d["title"], d["body"])),
                cluster_id=str(d.get("cluster_id") or ""),
                sentiment=Sentiment.from_dict(sentiment) if sentiment else None,
                topics=tuple(Topic.from_dict(t) for t in _as_list(d.get("topics"), "topics")),
                nlp_status=str(d.get("nlp_status") or "pending"),
                nlp_version=str(d.get("nlp_version") or ""),
                feedback=tuple(Feedback.from_dict(f) for f in _as_list(d.get("feedback"), "feedback")),
                engagement=Engagement.from_dict(engagement) if engagement is not None else None,
                reply_to=str(d.get("reply_to") or ""),
                quote_of=str(d.get("quote_of") or ""),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidArticle("<record>", f"malformed nested value: {exc!r}") from None


def _as_list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise InvalidArticle(name, f"expected a list, found {type(value).__name__}")
