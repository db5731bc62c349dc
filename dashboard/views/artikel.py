"""Artikel (``/artikel?id=…``): the text as text, scores, region evidence, its cluster, and relabelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from alerts import fmt
from dashboard import data, show
from index import Filters
from pantau.article import SENTIMENT_LABELS, Article, Feedback

CLUSTER_WINDOW = timedelta(days=3)


def _scores(a: Article) -> None:
    st.subheader("Skor")
    if a.sentiment is None:
        st.write(f"Belum dinilai (status NLP: {a.nlp_status}). Jalankan `pantau score`.")
    else:
        st.metric("Sentimen", show.SENTIMENT_NAMES[a.sentiment.label], help=f"model {a.sentiment.model}")
        probs = a.sentiment.probs or {a.sentiment.label: a.sentiment.score}
        st.dataframe(pd.DataFrame([{"sentimen": show.SENTIMENT_NAMES.get(k, k), "peluang": fmt.percent(v, 1)}
                                   for k, v in sorted(probs.items(), key=lambda kv: -kv[1])]), hide_index=True)
    if a.topics:
        st.dataframe(pd.DataFrame([{"topik": show.topic_name(t.label), "skor": fmt.number(t.score, 2)}
                                   for t in a.topics]), hide_index=True)


def _evidence(a: Article) -> None:
    st.subheader("Wilayah")
    if not a.regions:
        st.write("Tidak ada wilayah yang dikenali.")
        return
    rows = [{"wilayah": show.region_name(e.code), "kata": e.alias, "letak": e.field, "kekuatan": e.strength}
            for e in a.region_evidence]
    st.write(", ".join(show.region_name(c) for c in a.regions))
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _cluster(url: str, a: Article, tz: str) -> None:
    """Copies of the same story: same cluster, published near it, sharing its regions."""
    if not a.cluster_id:
        return
    near = Filters(regions=a.regions, since=a.published_at - CLUSTER_WINDOW, until=a.published_at + CLUSTER_WINDOW)
    hits = data.search(url, "", near, "oldest", 1, 200).hits
    others = [h.article for h in hits if h.article.cluster_id == a.cluster_id and h.article.id != a.id]
    st.subheader(f"Artikel lain dari cerita ini ({fmt.number(len(others))})")
    for o in others:
        st.page_link("views/artikel.py", label=show.md_escape(f"{o.source}: {o.title}"), query_params={"id": o.id})
        st.caption(fmt.when(o.published_at, tz))


def _linked(url: str, a: Article) -> None:
    """The post this one answers or quotes: a link when Pantau holds it, else a note that it does not."""
    for other_id, verb in ((a.reply_to, "Membalas"), (a.quote_of, "Mengutip")):
        if not other_id:
            continue
        other = data.article(url, other_id)
        if other is None:
            st.caption(f"{verb} unggahan yang belum tersimpan di Pantau.")
        else:
            st.page_link("views/artikel.py", label=show.md_escape(f"{verb} {show.byline(other)}: {other.title}"),
                         query_params={"id": other.id}, icon=":material/reply:" if verb == "Membalas" else
                         ":material/format_quote:")


def _relabel(url: str, a: Article) -> None:
    st.subheader("Perbaiki label")
    st.caption("Label dari petugas disimpan sebagai umpan balik dan dipakai untuk melatih model berikutnya.")
    who = str(st.user.get("email") or "dashboard")
    left, right = st.columns(2)
    with left, st.form("relabel_sentiment"):
        label = st.radio("Sentimen", SENTIMENT_LABELS, format_func=show.SENTIMENT_NAMES.__getitem__, horizontal=True)
        if st.form_submit_button("Simpan sentimen"):
            _save(url, a.id, Feedback(field="sentiment", value=label, by=who, at=datetime.now(UTC)))
    with right, st.form("relabel_topic"):
        names = show.topic_names()
        topic = st.selectbox("Topik", list(names), format_func=show.topic_name)
        if st.form_submit_button("Simpan topik"):
            _save(url, a.id, Feedback(field="topics", value=str(topic), by=who, at=datetime.now(UTC)))


def _save(url: str, article_id: str, feedback: Feedback) -> None:
    if data.store(url).add_feedback(article_id, feedback):
        st.cache_data.clear()
        st.session_state["artikel_saved"] = f"Label {feedback.field} = {feedback.value} tersimpan."
        st.rerun()
    else:
        st.error("Artikel tidak ditemukan lagi di penyimpanan; label tidak disimpan.")


def render() -> None:
    cfg = data.settings()
    url, tz = cfg.store.url, cfg.regions.timezone
    article_id = st.query_params.get("id", "")
    if not article_id:
        st.title("Artikel")
        st.info("Pilih artikel dari halaman Pagi ini atau Cari.")
        return
    a = data.article(url, article_id)
    if a is None:
        st.title("Artikel")
        st.warning(f"Artikel {article_id} tidak ditemukan.")
        return
    if "artikel_saved" in st.session_state:
        st.success(st.session_state.pop("artikel_saved"))
    st.text(a.title)  # scraped: never a heading, never Markdown
    st.caption(show.md_escape(f"{show.byline(a)} · {fmt.when(a.published_at, tz)} · {a.url}"))
    reach = show.engagement_text(a.engagement)
    if reach:
        st.caption(reach, help=show.ENGAGEMENT_HELP)
    _linked(url, a)
    main, side = st.columns([3, 2])
    with main:
        st.text(a.body)
    with side:
        _scores(a)
        _evidence(a)
        if a.feedback:
            st.subheader("Label dari petugas")
            st.dataframe(pd.DataFrame([{"bidang": f.field, "label": f.value, "oleh": f.by or "-",
                                        "waktu": fmt.when(f.at, tz)} for f in a.feedback]), hide_index=True)
    _relabel(url, a)
    _cluster(url, a, tz)


if __name__ == "__main__":
    render()
