from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pantau.article import Article, Feedback, InvalidArticle, Sentiment, Topic
from pantau.regions import RegionEvidence
from pantau.urls import article_id, canonicalize

WITA = timezone(timedelta(hours=8))


def minimal(**over: object) -> dict[str, object]:
    d: dict[str, object] = {
        "url": "https://kaltim.antaranews.com/berita/1/banjir?utm_source=x",
        "title": "Banjir di Samarinda",
        "body": "Air setinggi lutut.",
        "published_at": "2025-07-01T14:30:00+08:00",
        "source": "antara-kaltim",
    }
    d.update(over)
    return d


def test_from_minimal_dict_derives_identity() -> None:
    a = Article.from_dict(minimal())
    assert a.canonical_url == "https://kaltim.antaranews.com/berita/1/banjir"
    assert a.id == article_id(a.canonical_url) and len(a.id) == 32
    assert a.published_at == datetime(2025, 7, 1, 6, 30, tzinfo=UTC)
    assert a.nlp_status == "pending" and a.content_hash


def test_dict_round_trip_with_every_field() -> None:
    a = Article.create(
        url="https://x.example.id/a",
        title="t",
        body="b",
        source="s",
        published_at=datetime(2025, 7, 1, 14, 30, tzinfo=WITA),
        crawled_at=datetime(2025, 7, 1, 7, 0, tzinfo=UTC),
        authors=("Ahmad",),
        regions=("64.72", "64"),
        region_evidence=(RegionEvidence(code="64.72", alias="Samarinda", field="title", start=3,
                                        strength="strong"),),
        cluster_id="c1",
        sentiment=Sentiment(label="negative", score=0.8, probs={"negative": 0.8, "neutral": 0.1,
                                                                  "positive": 0.1}, model="m"),
        topics=(Topic(label="bencana", score=0.9),),
        nlp_status="scored",
        nlp_version="v1",
        feedback=(Feedback(field="sentiment", value="neutral", by="ana", at=datetime(2025, 7, 2, tzinfo=UTC)),),
    )
    d = a.to_dict()
    required = {"id", "url", "canonical_url", "title", "body", "lang", "source", "source_type", "authors",
                "published_at", "crawled_at", "regions", "region_evidence", "content_hash", "cluster_id",
                "sentiment", "topics", "nlp_status", "feedback"}
    assert required <= set(d)
    assert d["published_at"] == "2025-07-01T06:30:00+00:00"
    assert Article.from_dict(d) == a


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"published_at": "2025-07-01T14:30:00"}, "published_at"),
        ({"published_at": "kemarin"}, "published_at"),
        ({"crawled_at": "2025-07-01"}, "crawled_at"),
        ({"regions": ["99.99"]}, "regions"),
        ({"regions": "64"}, "regions"),
        ({"url": "kaltim.antaranews.com/x"}, "url"),
        ({"title": ""}, "title"),
        ({"source": None}, "source"),
        ({"title": 5}, "title"),
        ({"nlp_status": "done"}, "nlp_status"),
        ({"source_type": "blog"}, "source_type"),
        ({"sentiment": {"label": "happy"}}, "sentiment.label"),
    ],
)
def test_validation_names_the_field(over: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArticle) as err:
        Article.from_dict(minimal(**over))
    assert err.value.field == field


def test_naive_datetime_is_refused_in_constructor() -> None:
    with pytest.raises(InvalidArticle, match="timezone"):
        Article.create(url="https://a.id/x", title="t", body="b", source="s", published_at=datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Kaltim.AntaraNews.com/berita/1?utm_medium=rss&b=2&a=1#top",
         "https://kaltim.antaranews.com/berita/1?a=1&b=2"),
        ("https://www.example.id:443/x/amp", "https://www.example.id/x"),
        ("http://example.id:8080/x?fbclid=abc", "http://example.id:8080/x"),
        ("https://example.id", "https://example.id/"),
        ("https://example.id/x?page=all", "https://example.id/x"),
    ],
)
def test_canonicalize(url: str, canonical: str) -> None:
    assert canonicalize(url) == canonical
