"""Stage 5: keep Indonesian articles; count and drop the rest as ``lang_<code>``.

News is told by function-word rates (:func:`crawlers.language.detect`). A public post is read word
by word (:func:`crawlers.language.detect_post`): one that mixes Indonesian with English or a
regional language is kept with a tag such as ``id+en`` or ``id+jv`` (counted as
``post_lang_mixed``). A post wholly in a regional language of Indonesia (``jv``, ``bjn``, ``su``) is
what residents write too, so it is kept with its tag (counted as ``post_lang_regional``); one wholly in
a foreign language or script is dropped as ``lang_en``, ``lang_und-Arab``... A post too short to tell
is kept as Indonesian (counted as ``post_lang_assumed``)."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawlers import language
from crawlers.items import PageItem
from crawlers.pipelines import Stage, drop

# Regional languages of Indonesia that the post reader names: Javanese, Banjar, Sundanese.
REGIONAL = frozenset({"jv", "bjn", "su"})


class LanguagePipeline(Stage):
    stage = "language"

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        return cls(crawler)

    def handle(self, item: PageItem) -> PageItem:
        text = f"{item.title}\n{item.text}"
        if item.post is None:
            item.lang = language.detect(text)
        else:
            item.lang = language.detect_post(text)
            assert self.stats is not None
            if item.lang == "und":
                # Most posts are short; one from a watched channel, hashtag or account is kept
                # unless it is clearly in another language.
                item.lang = "id"
                self.stats.inc_value("pantau/post_lang_assumed")
            elif "+" in item.lang:
                self.stats.inc_value("pantau/post_lang_mixed")
            elif item.lang in REGIONAL:
                self.stats.inc_value("pantau/post_lang_regional")
                return item
        if language.primary(item.lang) != "id":
            drop(self.stats, "dropped", f"lang_{item.lang}", item.url)
        return item
