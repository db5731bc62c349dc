"""The dashboard as a PR officer meets it, through Streamlit's AppTest on a real SQLite store.

The store holds two weeks of Kaltim coverage with a flood spike in Samarinda (tests/alerts_world.py),
the alert episodes ``pantau alert`` writes for it, and one hostile article whose title and body carry
markup that must reach the browser as text.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from alerts.email import Envelope, alert_link
from dashboard import export, params, show
from index import Filters
from index.elastic import ElasticStore
from index.sqlite import SqliteStore
from index.store import CrawlRun
from pantau import regions
from tests.alerts_world import NOW, WITA, coverage
from tests.dashboard_world import CONFIG, FROM, GOVERNMENT, HOSTILE_BODY, HOSTILE_TITLE, TO, build, populate

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("config") / "pantau.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("dash") / "pantau.db")


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch, config: str) -> Iterator[None]:
    monkeypatch.setenv("PANTAU_CONFIG", config)
    yield
    st.cache_data.clear()
    st.cache_resource.clear()  # closes the stores (on_release)


def export_of(at: AppTest) -> export.Export:
    """The search behind Cari's "Unduh CSV" link, read back the way the server's route reads it."""
    (button,) = at.get("link_button")
    assert str(button.proto.label).startswith("Unduh CSV (semua ")
    path, _, query = str(button.proto.url).partition("?")
    assert path == export.PATH
    return export.read(dict(parse_qsl(query)))


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


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.text] + [e.value for e in at.markdown] + [e.value for e in at.caption]
    return "\n".join(str(p) for p in parts)


def test_pagi_ini_cards_trend_stories_and_alert_badge(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, **{"from": FROM, "to": TO})
    assert at.title[0].value == "Pagi ini"
    metrics = {m.label: m.value for m in at.metric}
    assert "Volume" in metrics and "Negatif" in metrics
    volumes = [m.value for m in at.metric if m.label == "Volume"]
    assert len(volumes) == 2 and all(int(v.replace(".", "")) > 0 for v in volumes)  # Samarinda, Balikpapan
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    assert len(badges) == 1 and "Peringatan" in badges[0]  # Samarinda's flood alert
    assert "Banjir rendam ratusan rumah di Samarinda" in texts(at) or any(
        "Banjir rendam" in str(p.proto.label) for p in at.get("page_link"))
    assert len(at.get("vega_lite_chart")) == 3  # the sentiment trend, the map and the topics


def test_pagi_ini_region_from_the_url(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, region="64.71", **{"from": FROM, "to": TO})
    assert at.multiselect[0].value == ["64.71"]
    assert len([m for m in at.metric if m.label == "Volume"]) == 1
    assert not [m for m in at.markdown if "badge[" in m.value]  # the alert is Samarinda's


def test_cari_filters_change_the_exact_total(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    def total(**query: str) -> int:
        at = app(monkeypatch, world, "cari", **query)
        line = next(m.value for m in at.markdown if "artikel" in m.value)
        return int(line.split("**")[1].replace(".", ""))

    everything = total()
    samarinda = total(region="64.72")
    negative = total(region="64.72", sentiment="negative")
    flood = total(q="banjir", region="64.72", sentiment="negative")
    assert everything > samarinda > negative > flood >= 12
    with SqliteStore(world) as store:
        assert samarinda == store.count(Filters(regions=("64.72",)))


def test_cari_narrows_a_city_to_one_kecamatan(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, "cari", region="64.72.01")
    line = next(m.value for m in at.markdown if "artikel" in m.value)
    assert int(line.split("**")[1]) == 1
    assert "pupr\\-samarinda · Netral · Kota Samarinda, Kec\\. Palaran, Samarinda" in texts(at)  # and where
    [wilayah] = [m for m in at.multiselect if m.label == "Wilayah"]
    assert wilayah.value == ["64.72.01"]
    assert "Kec. Sepaku, Penajam Paser Utara" in wilayah.options  # every watched kecamatan can be chosen
    assert show.region_name("64.72.01") == "Kec. Palaran, Samarinda"


def test_cari_highlights_paging_and_csv_of_the_whole_result(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, "cari", q="banjir")
    snippets = [h.proto.body for h in at.get("html") if not h.proto.body.startswith("<style>")]
    assert snippets and all("<mark>" in s for s in snippets)
    assert all("<script" not in s and "<img" not in s for s in snippets)
    paged = app(monkeypatch, world, "cari", region="64.72")
    paged.number_input(key="cari_page").set_value(2).run()
    assert not paged.exception
    assert any("menampilkan 21–40" in m.value for m in paged.markdown)
    assert len(paged.get("page_link")) == 20
    paged.multiselect(key="cari_sentiment").set_value(["negative"]).run()  # a filter goes back to page 1
    assert not paged.exception and not paged.warning
    assert paged.query_params["sentiment"] == "negative" and paged.query_params["region"] == "64.72"
    assert paged.number_input(key="cari_page").value == 1
    assert any("menampilkan 1–20" in m.value for m in paged.markdown)
    # The page links the CSV of the whole result: the link names this search, and the export walks its pages.
    wanted = export_of(app(monkeypatch, world, "cari", q="banjir"))
    assert wanted.query == "banjir" and wanted.sort == "relevance"
    monkeypatch.setattr(export, "EXPORT_PAGE", 5)  # 13 hits need three pages
    with SqliteStore(world) as store:
        expected = [h.article.id for h in store.search("banjir", Filters(), size=100).hits]
        rows = list(csv.reader(io.StringIO(b"".join(export.chunks(store, wanted, size=200)).decode("utf-8"))))
    assert len(expected) == 13 and [r[0] for r in rows] == ["id", *expected]  # header + every hit, in order


def test_artikel_renders_hostile_markup_as_text_and_relabels(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, "artikel", id="hostile")
    plain = [t.value for t in at.text]
    assert HOSTILE_TITLE in plain and HOSTILE_BODY in plain
    assert not [h for h in at.get("html") if "script" in h.proto.body or "onerror" in h.proto.body]
    assert all("<script>" not in m.value and "onerror" not in m.value for m in at.markdown)
    at.button[0].click().run()  # "Simpan sentimen" with the first choice
    assert not at.exception
    with SqliteStore(world) as store:
        feedback = store.get(["hostile"])["hostile"].feedback
    assert [(f.field, f.value) for f in feedback] == [("sentiment", "positive")]
    assert "tersimpan" in at.success[0].value


def test_peringatan_shows_the_episode_with_its_chart_and_stories(monkeypatch: pytest.MonkeyPatch,
                                                                  world: str) -> None:
    at = app(monkeypatch, world, "peringatan")
    assert at.expander and "Kota Samarinda" in at.expander[0].label
    assert "berita negatif dari" in texts(at)
    assert at.get("vega_lite_chart")
    assert any("Banjir" in t.value for t in at.text)


def test_sumber_lists_configured_sources(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, "sumber")
    frame = at.dataframe[0].value
    assert "antara-kaltim" in set(frame["sumber"])
    assert set(frame["status"]) <= {"baik", "belum pernah", "nonaktif", "bermasalah", "senyap"}


def test_empty_store_says_what_to_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = app(monkeypatch, f"sqlite:///{tmp_path / 'kosong.db'}")
    assert "pantau crawl" in at.info[0].value and "pantau score" in at.info[0].value
    assert not at.metric


def test_store_down_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    at = app(monkeypatch, f"http://127.0.0.1:{port}")
    assert len(at.error) == 1 and "tidak dapat dibuka" in at.error[0].value
    assert not at.exception and not at.metric


def test_highlights_keep_only_mark() -> None:
    fragment = "a &lt;b&gt; <mark>banjir</mark> <script>x</script> <mark>open"
    out = show.highlight_html(fragment)
    assert out == "a &lt;b&gt; <mark>banjir</mark> &lt;script&gt;x&lt;/script&gt; <mark>open</mark>"
    assert show.md_escape("[klik](javascript:x)") == r"\[klik\]\(javascript\:x\)"


def test_pagi_ini_defaults_to_since_yesterday_0700_wita(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    start, end = params.morning_period(NOW, "Asia/Makassar")
    assert (start.astimezone(NOW.tzinfo).isoformat(), end) == ("2025-07-14T07:00:00+08:00", NOW)
    at = app(monkeypatch, world)  # today, long after the 2025 test coverage: cards at zero, a hint
    assert "07:00" in at.caption[0].value and "7 hari sebelumnya" in at.caption[0].value
    assert any("Belum ada artikel tentang wilayah" in i.value for i in at.info)


def test_an_alert_email_link_parses_to_its_filters(world: str) -> None:
    with SqliteStore(world) as store:
        doc = next(iter(store.get_records("alert").values()))
    env = Envelope(sender="p@example.id", dashboard_url="http://127.0.0.1:8501", timezone="Asia/Makassar")
    link = alert_link(env, doc)
    raw = dict(parse_qsl(urlsplit(link).query))
    view = params.parse(raw, "Asia/Makassar")
    assert view.regions == ("64.72",) and view.sentiment == ("negative",) and not view.problems
    assert view.since is not None and view.until is not None and view.since < view.until
    assert params.parse({"region": "99.99,64.72", "from": "kemarin"}, "Asia/Makassar").problems == (
        "kode wilayah tidak dikenal: 99.99", "tanggal tidak valid di from: kemarin")


def test_hostile_titles_are_escaped_in_result_links(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, "cari", q="script")
    labels = [str(p.proto.label) for p in at.get("page_link")]
    assert labels == [show.md_escape(HOSTILE_TITLE)]
    assert "\\<script\\>" in labels[0] and "\\[klik\\]\\(javascript" in labels[0]


def _specs(at: AppTest) -> list[dict[str, object]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_pagi_ini_map_colours_regencies_by_negative_share(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    at = app(monkeypatch, world, **{"from": FROM, "to": TO})
    maps = [s for s in _specs(at) if "geoshape" in json.dumps(s)]
    assert len(maps) == 1
    datasets = maps[0]["datasets"]
    assert isinstance(datasets, dict) and len(datasets) == 1
    areas = {f["properties"]["kode"]: f["properties"] for f in next(iter(datasets.values()))}
    assert len(areas) == 10  # every regency and city of Kaltim is drawn, with or without news
    with SqliteStore(world) as store:
        counts = store.region_counts(Filters(regions=("64",), since=params.parse_moment(FROM, WITA, end=False),
                                             until=params.parse_moment(TO, WITA, end=True)))
    samarinda = counts["64.72"]
    assert areas["64.72"]["negative"] == samarinda["negative"] > 0
    assert areas["64.72"]["share"] == round(samarinda["negative"] / (samarinda["total"] - samarinda["unscored"]), 4)
    assert areas["64.08"]["share"] is None and areas["64.08"]["total"] == 0  # Kutai Timur: no news, drawn grey
    gaz = regions.gazetteer()
    assert all(code in gaz.by_code and gaz.by_code[code].province_code == "64" for code in areas)
    table = next(d.value for d in at.dataframe if "porsi negatif" in d.value.columns)
    assert table.iloc[0]["wilayah"] == "Kota Samarinda"  # most negative first


def test_a_province_without_a_shape_gets_a_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "kalsel.toml"
    config.write_text('[regions]\nwatch = ["63.71"]\n', encoding="utf-8")
    monkeypatch.setenv("PANTAU_CONFIG", str(config))
    url = f"sqlite:///{tmp_path / 'kalsel.db'}"
    with SqliteStore(url) as store:
        store.upsert(coverage("63.71", days=2, share=0.5))
    at = app(monkeypatch, url, **{"from": "2025-07-14", "to": "2025-07-14"})
    assert not [s for s in _specs(at) if "geoshape" in json.dumps(s)]
    assert any("Peta provinsi ini belum tersedia" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "porsi negatif" in d.value.columns)
    assert list(table["wilayah"]) == ["Kota Banjarmasin"] and table.iloc[0]["artikel"] > 0


def test_cari_source_type_filter_and_its_csv(monkeypatch: pytest.MonkeyPatch, world: str) -> None:
    def total(at: AppTest) -> int:
        line = next(m.value for m in at.markdown if "artikel" in m.value)
        return int(line.split("**")[1].replace(".", ""))

    government = app(monkeypatch, world, "cari", source_type="government")
    assert total(government) == len(GOVERNMENT)
    assert {str(p.proto.label) for p in government.get("page_link")} == {show.md_escape(t) for t in GOVERNMENT}
    news = app(monkeypatch, world, "cari", source_type="news")
    everything = app(monkeypatch, world, "cari")
    # The type each article was stored with: news of a source no longer in pantau.toml ("evil") counts too.
    assert total(news) == total(everything) - len(GOVERNMENT)
    news.multiselect(key="cari_source_type").set_value(["government"]).run()
    assert news.query_params["source_type"] == "government" and total(news) == len(GOVERNMENT)
    social = app(monkeypatch, world, "cari", source_type="social")  # this world holds no public posts
    assert any("Tidak ada artikel yang cocok" in i.value for i in social.info)
    assert not social.get("page_link")
    bad = app(monkeypatch, world, "cari", source_type="televisi")
    assert any("jenis sumber tidak dikenal: televisi" in w.value for w in bad.warning)
    wanted = export_of(government)  # the CSV link carries the source type itself
    assert wanted.filters.source_types == ("government",) and wanted.filters.sources == ()
    with SqliteStore(world) as store:
        rows = list(csv.reader(io.StringIO(b"".join(export.chunks(store, wanted)).decode("utf-8"))))
    assert rows[0][0] == "id" and sorted(r[3] for r in rows[1:]) == sorted(GOVERNMENT)


def test_sumber_items_per_day_normal_gap_and_a_silent_source(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    now = datetime.now(WITA)
    config = tmp_path / "sumber.toml"
    config.write_text(CONFIG + '\n[[sources]]\nname = "kaltim-post"\nurl = "http://127.0.0.1:9/kaltimpost/feed"\n',
                      encoding="utf-8")
    monkeypatch.setenv("PANTAU_CONFIG", str(config))
    url = f"sqlite:///{tmp_path / 'sumber.db'}"
    with SqliteStore(url) as store:
        store.upsert(coverage("64.72", end=now, per_day=24, source="antara-kaltim")
                     + coverage("64.71", end=now, per_day=24, source="kaltim-post",
                                silent_from=now - timedelta(days=3)))
        store.record_crawl(CrawlRun(source="kaltim-post", started_at=now - timedelta(hours=1),
                                    finished_at=now - timedelta(minutes=50), fetched=4, new=0))
    at = app(monkeypatch, url, "sumber")
    frame = at.dataframe[0].value.set_index("sumber")
    assert frame.loc["antara-kaltim", "status"] == "baik"
    assert frame.loc["kaltim-post", "status"] == "senyap"  # its crawler runs, but nothing new for three days
    assert 18 <= float(frame.loc["antara-kaltim", "artikel/hari"].replace(",", ".")) <= 30  # about its 24 a day
    daily = frame.loc["antara-kaltim", "per hari (14 hari)"]
    assert len(daily) in (14, 15) and sum(daily) > 0
    assert list(frame.loc["kaltim-post", "per hari (14 hari)"])[-2:] == [0, 0]
    gap = frame.loc["antara-kaltim", "jeda biasa"]
    assert gap.endswith(" jam") and float(gap.split()[0].replace(",", ".")) < 12
    assert frame.loc["tribun-kaltim-0", "status"] == "nonaktif"
    warning = at.warning[0].value
    assert len(at.warning) == 1 and show.md_escape("kaltim-post") in warning and "jeda biasanya" in warning
    assert "senyap sejak 3" in warning and "hari" in warning


AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "rahasia-uji",
        "client_id": "pantau", "client_secret": "s", "server_metadata_url":
        "http://127.0.0.1:1/.well-known/openid-configuration"}


def _oidc_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, user: dict[str, object] | None,
              secrets: bool = True) -> AppTest:
    config = tmp_path / "oidc.toml"
    config.write_text(CONFIG.replace("[regions]", '[dashboard]\nauth = "oidc"\nallowed_domains = ["kaltimprov.go.id"]'
                                     '\n\n[regions]', 1), encoding="utf-8")
    monkeypatch.setenv("PANTAU_CONFIG", str(config))
    monkeypatch.setenv("PANTAU_STORE", url)
    at = AppTest.from_file(APP, default_timeout=30)
    if secrets:
        at.secrets["auth"] = AUTH
    if user is not None:
        at.user.update(user)
    at.query_params.update({"from": FROM, "to": TO})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_oidc_asks_for_a_login_and_lets_in_only_allowed_domains(monkeypatch: pytest.MonkeyPatch, world: str,
                                                                  tmp_path: Path) -> None:
    anonymous = _oidc_app(monkeypatch, tmp_path, world, None)
    assert [b.label for b in anonymous.button] == ["Masuk"] and not anonymous.metric
    assert "Masuk dengan akun kantor" in anonymous.info[0].value
    outsider = _oidc_app(monkeypatch, tmp_path, world, {"is_logged_in": True, "email": "orang@gmail.com"})
    assert "tidak termasuk domain yang diizinkan" in outsider.error[0].value and not outsider.metric
    officer = _oidc_app(monkeypatch, tmp_path, world, {"is_logged_in": True, "email": "humas@kaltimprov.go.id"})
    assert officer.title[0].value == "Pagi ini" and officer.metric
    assert any(b.label == "Keluar" for b in officer.sidebar.button)


def test_oidc_without_a_provider_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, world: str,
                                                      tmp_path: Path) -> None:
    at = _oidc_app(monkeypatch, tmp_path, world, None, secrets=False)
    assert len(at.error) == 1 and "secrets.toml" in at.error[0].value and not at.metric


def test_every_page_reads_the_same_from_elasticsearch(monkeypatch: pytest.MonkeyPatch, world: str,
                                                       es_url: str) -> None:
    """The pages only call the Store contract, so the same world in Elasticsearch shows the same numbers."""
    prefix = f"pantau-dash-{uuid.uuid4().hex[:10]}"
    store = ElasticStore(es_url, prefix=prefix, refresh=True)
    try:
        url = f"{es_url}/{prefix}"
        populate(store, url)

        def shown(store_url: str, page: str, **query: str) -> str:
            at = app(monkeypatch, store_url, page, **query)
            st.cache_data.clear()
            st.cache_resource.clear()
            return texts(at)

        for page, query in [("", {"from": FROM, "to": TO}), ("cari", {"q": "banjir", "region": "64.72"}),
                            ("peringatan", {}), ("artikel", {"id": "hostile"}), ("sumber", {})]:
            on_es, on_sqlite = shown(url, page, **query), shown(world, page, **query)
            if page == "cari":  # the same hits and total; bm25 in FTS5 and in Lucene may order ties differently
                on_es, on_sqlite = "\n".join(sorted(on_es.splitlines())), "\n".join(sorted(on_sqlite.splitlines()))
            assert on_es == on_sqlite, f"/{page} differs between the backends"
        assert "Kota Samarinda" in shown(url, "", **{"from": FROM, "to": TO})
    finally:
        store.drop()
        store.close()
