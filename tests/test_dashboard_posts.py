"""Public posts on the dashboard, through Streamlit's AppTest on a real SQLite store: Cari and Pagi ini
filter by source type and platform (from the URL and from their widgets), posts show who posted them
and their reach in Indonesian numbers, and Cari ranks by engagement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from alerts import fmt
from dashboard import show
from index import Filters
from index.sqlite import SqliteStore
from pantau.article import Engagement
from tests.dashboard_world import CONFIG, FROM, POSTS, TO, build_with_posts
from tests.test_dashboard_pages import APP, export_of, texts

TITLES = [show.md_escape(text) for _, _, text, _ in POSTS]  # youtube, mastodon, telegram: most engaging first
LIKES, REPOSTS, REPLIES, VIEWS = show.ENGAGEMENT_SIGNS.values()


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("config") / "pantau.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_with_posts(tmp_path_factory.mktemp("dash-posts") / "pantau.db")


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch, config: str) -> Iterator[None]:
    monkeypatch.setenv("PANTAU_CONFIG", config)
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def app(monkeypatch: pytest.MonkeyPatch, url: str, page: str = "", **query: str) -> AppTest:
    monkeypatch.setenv("PANTAU_STORE", url)
    at = AppTest.from_file(APP, default_timeout=30)
    if page:
        at.run()
        at.switch_page(f"views/{page}.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def total(at: AppTest) -> int:
    line = next(m.value for m in at.markdown if "artikel" in m.value)
    return int(line.split("**")[1].replace(".", ""))


def links(at: AppTest) -> list[str]:
    return [str(p.proto.label) for p in at.get("page_link")]


def test_engagement_reads_as_the_platforms_show_it() -> None:
    assert show.engagement_text(Engagement(likes=120, reposts=14, replies=9, views=3412)) == (
        ":material/favorite: 120 · :material/repeat: 14 · :material/chat_bubble: 9 · :material/visibility: 3,4 rb")
    assert show.engagement_text(Engagement(views=1_250_000)) == ":material/visibility: 1,3 jt"  # others not shown
    assert show.engagement_text(Engagement()) == "" and show.engagement_text(None) == ""
    assert [fmt.compact(n) for n in (999, 1000, 1050, 999_950, 2_000_000_000)] == [
        "999", "1 rb", "1,1 rb", "1 jt", "2 M"]


def test_cari_filters_posts_by_source_type_and_platform(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    everything = app(monkeypatch, world, "cari")
    social = app(monkeypatch, world, "cari", source_type="social")
    assert total(social) == len(POSTS) and sorted(links(social)) == sorted(TITLES)
    shown = texts(social)
    assert f"{LIKES} 120 · {REPOSTS} 14 · {REPLIES} 9" in shown and f"{VIEWS} 3,4 rb" in shown
    assert f"{LIKES} 45 · {VIEWS} 15,3 rb" in shown
    assert "Mastodon @wargasamarinda" in shown and "Telegram @humaskotasmd" in shown
    news = app(monkeypatch, world, "cari", source_type="news")
    assert total(news) + len(POSTS) < total(everything)  # the government portal is neither
    assert not set(links(news)) & set(TITLES) and LIKES not in texts(news)
    with SqliteStore(world) as store:
        assert total(news) == store.count(Filters(source_types=("news",)))

    telegram = app(monkeypatch, world, "cari", platform="telegram")
    assert total(telegram) == 1 and links(telegram) == [TITLES[2]]
    telegram.multiselect(key="cari_platform").set_value(["youtube", "mastodon"]).run()
    assert telegram.query_params["platform"] == "youtube,mastodon" and total(telegram) == 2
    assert export_of(telegram).filters.platforms == ("youtube", "mastodon")  # the CSV is the same search
    bad = app(monkeypatch, world, "cari", platform="Tele Gram")
    assert any("platform tidak valid: Tele Gram" in w.value for w in bad.warning)


def test_cari_ranks_by_engagement_with_news_after_the_posts(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, "cari", q="banjir", region="64.72")
    at.selectbox(key="cari_sort").set_value("engagement").run()
    ranked = links(at)
    assert ranked[:3] == TITLES
    assert len(ranked) > 3 and not set(ranked[3:]) & set(TITLES)
    newest = app(monkeypatch, world, "cari", q="banjir", region="64.72")
    assert links(newest)[:3] != TITLES  # by date, the oldest post is not third


def test_pagi_ini_counts_posts_apart_and_lists_the_most_engaging(monkeypatch: pytest.MonkeyPatch,
                                                                 world: str) -> None:
    def volume(at: AppTest) -> int:
        return int(next(m.value for m in at.metric if m.label == "Volume").replace(".", ""))

    window = {"from": FROM, "to": TO, "region": "64.72"}
    everything = app(monkeypatch, world, **window)
    social = app(monkeypatch, world, source_type="social", **window)
    news = app(monkeypatch, world, source_type="news", **window)
    assert volume(social) == len(POSTS)
    assert 0 < volume(news) < volume(everything) and volume(news) + len(POSTS) <= volume(everything)
    assert any(h.value == "Unggahan publik teratas" for h in social.subheader)
    assert any(h.value == "Unggahan negatif teratas" for h in social.subheader)  # the stories are posts here
    assert links(social)[-3:] == TITLES  # the last section: the top posts, by engagement
    assert f"{LIKES} 120 · {REPOSTS} 14 · {REPLIES} 9" in texts(social)
    assert not any(h.value == "Unggahan publik teratas" for h in news.subheader)
    news.multiselect(key="pagi_platform").set_value(["telegram"]).run()
    assert news.query_params["platform"] == "telegram"
    assert volume(news) == 0  # news from Telegram: nothing
    telegram = app(monkeypatch, world, platform="telegram", **window)
    assert volume(telegram) == 1 and links(telegram)[-1:] == [TITLES[2]]


def test_a_store_without_posts_shows_no_posts_section(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.dashboard_world import build

    at = app(monkeypatch, build(tmp_path / "pantau.db"), **{"from": FROM, "to": TO})
    assert not any(h.value == "Unggahan publik teratas" for h in at.subheader)
    assert any(h.value == "Tren sentimen" for h in at.subheader)


def test_a_posts_alert_says_so_on_pagi_ini_and_peringatan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from alerts.run import run_alerts
    from tests.alerts_world import NOW, settings
    from tests.test_alerts_posts import SOCIAL_SPIKE, news, ordinary_posts, post_flood

    url = f"sqlite:///{tmp_path / 'pantau.db'}"
    with SqliteStore(url) as store:
        store.upsert(news() + ordinary_posts() + post_flood(14))
        report = run_alerts(store, settings(url, 9, recipients={}), NOW)
    assert [c.key for c in report.conditions] == [SOCIAL_SPIKE]
    pagi = app(monkeypatch, url, **{"from": FROM, "to": TO})
    badges = [m.value for m in pagi.markdown if "badge[" in m.value]
    assert len(badges) == 1 and "Peringatan" in badges[0]
    assert "Unggahan publik" in [c.value for c in pagi.caption]  # under the badge, where it wraps
    alerts = app(monkeypatch, url, "peringatan")
    assert "unggahan publik negatif dari" in texts(alerts)
    (link,) = [p for p in alerts.get("page_link") if "Buka di Pagi ini" in str(p.proto.label)]
    assert "source_type=social" in link.proto.query_string  # opens Pagi ini on the posts of that window


def test_artikel_links_the_post_a_reply_answers_and_says_when_it_is_not_stored(monkeypatch: pytest.MonkeyPatch,
                                                                             tmp_path: Path) -> None:
    from tests.test_crawl_threads import article_of as post_article
    from tests.test_crawl_threads import telegram_page

    posts = {p.post_id: post_article(p) for p in telegram_page().posts}
    first, reply = posts["10"], posts["12"]
    quote = reply.replace(id="quote", reply_to="", quote_of="0" * 16)  # quotes a post Pantau never read
    url = f"sqlite:///{tmp_path / 'pantau.db'}"
    with SqliteStore(url) as store:
        store.upsert([first, reply, quote])
    at = app(monkeypatch, url, "artikel", id=reply.id)
    assert links(at) == [show.md_escape(f"Membalas Telegram @wargasmd: {first.title}")]
    assert at.query_params["id"] == reply.id
    quoted = app(monkeypatch, url, "artikel", id="quote")
    assert "Mengutip unggahan yang belum tersimpan di Pantau." in texts(quoted) and not links(quoted)
