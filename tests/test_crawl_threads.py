"""Reposts, quote-posts and replies between public posts: a repost is read as the post it repeats (so
it is the same article and never counts twice), a quote-post keeps its own text and links the quoted
post, and a reply links the post it answers; the links are article ids, stored on every backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawlers.items import Post
from crawlers.pipelines.store import linked_id
from crawlers.social import Page, mastodon, telegram
from index import Filters, Store
from pantau.article import Article, InvalidArticle

BASE = "https://t.me"
AT = datetime(2025, 7, 14, 9, 0, tzinfo=UTC)


def message(post_id: int, text: str, *, forwarded: str = "", reply: str = "", views: str = "1.2K") -> str:
    """One message of a ``t.me/s/`` preview, in the markup Telegram prints."""
    forward = ""
    if forwarded:
        name = (f'<a class="tgme_widget_message_forwarded_from_name" href="{forwarded}"><span dir="auto">Humas '
                'Kaltim</span></a>' if forwarded.startswith("http") else
                f'<span class="tgme_widget_message_forwarded_from_name">{forwarded}</span>')
        forward = f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from {name}</div>'
    replied = ""
    if reply:
        replied = (f'<a class="tgme_widget_message_reply" href="{reply}"><div class="tgme_widget_message_author '
                   'accent_color"><span class="tgme_widget_message_author_name" dir="auto">Warga</span></div>'
                   '<div class="tgme_widget_message_text js-message_reply_text" dir="auto">teks lama yang dibalas'
                   '</div></a>')
    return (f'<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message '
            f'js-widget_message" data-post="wargasmd/{post_id}"><div class="tgme_widget_message_bubble">{forward}'
            f'{replied}<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>'
            '<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info">'
            f'<span class="tgme_widget_message_views">{views}</span><span class="copyonclick">'
            f'<a class="tgme_widget_message_date" href="{BASE}/wargasmd/{post_id}"><time datetime="'
            f'{AT.isoformat()}" class="time">09:00</time></a></span></div></div></div></div></div>')


def telegram_page() -> Page:
    body = ('<div class="tgme_channel_history js-message_history">'
            + message(10, "Banjir di Sempaja sejak subuh")
            + message(11, "Pemprov buka posko banjir di Samarinda", forwarded=f"{BASE}/humaskaltim/456")
            + message(12, "Di Sempaja air sudah surut", reply=f"{BASE}/wargasmd/10")
            + message(13, "Info dari grup warga", forwarded="Pak RT")
            + "</div>")
    return telegram.parse(body, BASE, "wargasmd")


def article_of(post: Post) -> Article:
    """The article the crawl's pipelines make of a post (canonical URL, id, links)."""
    own = Article.create(url=post.url, title=post.text[:60], body=post.text, source="tg-warga",
                         source_type="social", platform=post.platform, published_at=post.published,
                         authors=(post.author,), engagement=post.engagement)
    return own.replace(reply_to=linked_id(post.reply_to_url, own.id), quote_of=linked_id(post.quote_of_url, own.id))


def test_telegram_forward_is_read_as_the_original_post() -> None:
    posts = {p.post_id: p for p in telegram_page().posts}
    forward = posts["11"]
    assert forward.url == f"{BASE}/humaskaltim/456" and forward.author == "@humaskaltim"
    assert forward.engagement is None  # the copy's views are not the original's reach
    assert posts["10"].engagement is not None and posts["10"].engagement.views == 1200
    private = posts["13"]  # forwarded from a person: no public original, so the channel's own post
    assert private.url == f"{BASE}/wargasmd/13" and private.author == "@wargasmd"


def test_telegram_reply_links_the_post_it_answers_and_keeps_only_its_own_text() -> None:
    reply = {p.post_id: p for p in telegram_page().posts}["12"]
    assert reply.text == "Di Sempaja air sudah surut"  # not the snippet of the message it answers
    assert reply.reply_to_url == f"{BASE}/wargasmd/10"


def test_a_repost_of_a_stored_post_does_not_count_twice(store: Store) -> None:
    original = Post(platform="telegram", post_id="456", url=f"{BASE}/humaskaltim/456",
                    text="Pemprov buka posko banjir di Samarinda", published=AT, author="@humaskaltim")
    assert store.upsert([article_of(original)]).indexed == 1
    page = telegram_page()
    assert store.upsert([article_of(p) for p in page.posts]).indexed == 4
    store.refresh()
    assert store.count(Filters(platforms=("telegram",))) == 4  # 10, 12, 13 and the one original of 11
    stored = store.search("posko", Filters(platforms=("telegram",))).hits
    assert [h.article.url for h in stored] == [f"{BASE}/humaskaltim/456"]


def test_a_reply_and_a_quote_keep_their_links_on_every_backend(store: Store) -> None:
    posts = {p.post_id: article_of(p) for p in telegram_page().posts}
    first, reply = posts["10"], posts["12"]
    assert reply.reply_to == first.id and first.reply_to == "" and reply.quote_of == ""
    quote = Article.create(url="https://mastodon.example/@warga/300", title="Ini yang saya maksud",
                           body="Ini yang saya maksud soal banjir", source="md-warga", source_type="social",
                           platform="mastodon", published_at=AT, quote_of=first.id)
    assert store.upsert([first, reply, quote]).indexed == 3
    store.refresh()
    back = store.get([reply.id, quote.id])
    assert back[reply.id].to_dict() == reply.to_dict() and back[quote.id].quote_of == first.id
    news = store.get([first.id])[first.id]
    assert news.quote_of == "" and news.reply_to == ""


def status(sid: str, text: str, *, account: str = "1", acct: str = "warga", reply_to: str = "",
           reply_account: str = "", mentions: list[dict[str, str]] | None = None,
           quoted: str = "") -> dict[str, object]:
    base = "https://mastodon.example"
    host = f"{base}/@{acct}" if "@" not in acct else f"https://{acct.split('@')[1]}/@{acct.split('@')[0]}"
    return {"id": sid, "created_at": "2025-07-14T09:00:00.000Z", "url": f"{host}/{sid}",
            "content": f"<p>{text}</p>", "account": {"id": account, "acct": acct, "url": host},
            "in_reply_to_id": reply_to or None, "in_reply_to_account_id": reply_account or None,
            "mentions": mentions or [], "favourites_count": 1, "reblogs_count": 0, "replies_count": 0,
            "reblog": None,
            "quote": {"state": "accepted", "quoted_status": {"id": "77", "url": quoted}} if quoted else None}


def test_mastodon_replies_and_quotes_link_what_can_be_known_without_a_request() -> None:
    base = "https://mastodon.example"
    statuses = [
        status("205", "Dikutip dari warga", quoted="https://other.social/@x/77"),
        status("204", "Balasan ke akun lain", reply_to="190", reply_account="9",
               mentions=[{"id": "9", "acct": "x@other.social", "url": "https://other.social/@x"}]),
        status("203", "Balasan ke tetangga", account="2", acct="tetangga", reply_to="180", reply_account="1",
               mentions=[{"id": "1", "acct": "warga", "url": f"{base}/@warga"}]),
        status("202", "Lanjutan utas saya", reply_to="150", reply_account="1"),
        status("201", "Balasan di halaman yang sama", account="2", acct="tetangga", reply_to="200",
               reply_account="1"),
        status("200", "Banjir di Sempaja"),
    ]
    page = mastodon.parse(json.dumps(statuses).encode(), base)
    links = {p.post_id: (p.reply_to_url, p.quote_of_url) for p in page.posts}
    assert links == {
        "205": ("", "https://other.social/@x/77"),  # a quote keeps its own text and links the quoted post
        "204": ("", ""),  # a remote account's status has another address than <its url>/<local id>
        "203": (f"{base}/@warga/180", ""),  # a local account the reply mentions
        "202": (f"{base}/@warga/150", ""),  # a thread: the poster answering itself
        "201": (f"{base}/@warga/200", ""),  # the answered status is on the page
        "200": ("", ""),
    }
    assert {p.post_id: p.text for p in page.posts}["205"] == "Dikutip dari warga"


def test_links_are_checked() -> None:
    post = Article.create(url=f"{BASE}/wargasmd/12", title="Balasan", body="Balasan", source="tg",
                          source_type="social", platform="telegram", published_at=AT, crawled_at=AT)
    assert linked_id(f"{BASE}/wargasmd/12", post.id) == ""  # no post answers itself
    assert linked_id("", post.id) == "" and linked_id("not a url", post.id) == ""
    with pytest.raises(InvalidArticle, match="reply_to"):
        Article.create(url="https://kaltim.example.id/berita/1", title="Berita", body="Isi", source="antara",
                       published_at=AT, reply_to=post.id)  # news answers no post
    with pytest.raises(InvalidArticle, match="itself"):
        post.replace(quote_of=post.id)
    linked = post.replace(reply_to="abc", quote_of="def")
    assert Article.from_dict(linked.to_dict()) == linked
    assert Article.from_dict({k: v for k, v in post.to_dict().items() if k not in ("reply_to", "quote_of")}) == post
