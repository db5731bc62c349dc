"""Tell Indonesian article bodies from other languages by their function words.

Pantau's users read Indonesian coverage; an English wire copy or a Javanese-language page is
counted and dropped. Function words ("yang", "dan", "di" / "the", "and", "of") make up a
large, stable share of running text in each language, so their rate identifies the language
of a news body reliably without a model download. The word lists are data
(``crawlers/data/function_words.json``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

_WORD = re.compile(r"[a-z]+")
MIN_WORDS = 20
MIN_RATE = 0.06
# Government releases are dense with long official names ("Dinas Pekerjaan Umum dan Penataan Ruang
# Kota Samarinda"), which dilutes function words: a lower rate is accepted when no other language
# comes close (at most a quarter of the best rate).
MIN_RATE_CLEAR = 0.035


@cache
def _lists() -> dict[str, frozenset[str]]:
    raw = json.loads(resources.files("crawlers").joinpath("data", "function_words.json").read_text(encoding="utf-8"))
    return {lang: frozenset(words) for lang, words in raw.items() if not lang.startswith("_")}


def rates(text: str) -> dict[str, float]:
    words = _WORD.findall(text.lower())
    if not words:
        return {lang: 0.0 for lang in _lists()}
    return {lang: sum(w in vocab for w in words) / len(words) for lang, vocab in _lists().items()}


def detect(text: str) -> str:
    """ISO 639-1 code of the text's language among the known lists, or ``und`` when unsure."""
    if len(_WORD.findall(text.lower())) < MIN_WORDS:
        return "und"
    scores = rates(text)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    lang, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best >= MIN_RATE or (best >= MIN_RATE_CLEAR and runner_up * 4 <= best):
        return lang
    return "und"


# -- short public posts --------------------------------------------------------------------------
# A post is a sentence or two, often mixing Indonesian with English ("pelayanannya so slow, kecewa
# banget") or with the writer's regional language ("pemkot kok ra iso ndandani dalan, padahal udah
# dilaporin"). Function-word rates need twenty words; posts are read word by word instead, against
# marker lists for Indonesian (colloquial forms included), English, Javanese, Banjar and Sundanese
# (``crawlers/data/post_words.json``). A word listed for k languages counts 1/k for each.
POST_LANGS = ("id", "en", "jv", "bjn", "su")
POST_MIN_MARKERS = 2
# Indonesian leads while its share is at least this fraction of the strongest other language's: a
# post with a whole Indonesian clause is Indonesian coverage, even beside a longer English one.
POST_ID_RATIO = 1 / 3
# A second language is named when it has this many words no other list has, or one such word in a
# post of at most POST_SHORT words.
POST_SECOND_MIN = 2
POST_SHORT = 12
_URLISH = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
# ISO 15924 codes for scripts a post in another language is most often written in.
_SCRIPTS = {"ARABIC": "Arab", "CJK": "Hani", "HIRAGANA": "Jpan", "KATAKANA": "Jpan", "HANGUL": "Hang",
            "CYRILLIC": "Cyrl", "THAI": "Thai", "GREEK": "Grek", "HEBREW": "Hebr", "DEVANAGARI": "Deva"}


@cache
def _post_lists() -> dict[str, frozenset[str]]:
    raw = json.loads(resources.files("crawlers").joinpath("data", "post_words.json").read_text(encoding="utf-8"))
    return {lang: frozenset(raw[lang]) for lang in POST_LANGS}


def primary(tag: str) -> str:
    """The leading language of a tag: ``id`` for ``id+en``, ``und`` for ``und-Arab``."""
    return tag.split("+", 1)[0].split("-", 1)[0]


def _script(text: str) -> str | None:
    """The ISO 15924 code of a non-Latin script that most of the letters are in, else ``None``."""
    import unicodedata

    latin = 0
    other: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        head = name.split(" ", 1)[0]
        if head == "LATIN":
            latin += 1
        else:
            code = _SCRIPTS.get(head, "Zzzz")
            other[code] = other.get(code, 0) + 1
    total = latin + sum(other.values())
    if not other or sum(other.values()) * 2 <= total:
        return None
    return max(other.items(), key=lambda kv: kv[1])[0]


def post_scores(text: str) -> tuple[dict[str, float], dict[str, int], int]:
    """Per language: the weighted marker count and the count of words only that language lists;
    plus the number of words read (links, @handles and #hashtags are left out)."""
    words = _WORD.findall(_URLISH.sub(" ", text.lower()))
    lists = _post_lists()
    scores = {lang: 0.0 for lang in POST_LANGS}
    exclusive = {lang: 0 for lang in POST_LANGS}
    for w in words:
        langs = [lang for lang in POST_LANGS if w in lists[lang]]
        for lang in langs:
            scores[lang] += 1 / len(langs)
        if len(langs) == 1:
            exclusive[langs[0]] += 1
    return scores, exclusive, len(words)


def detect_post(text: str) -> str:
    """The language tag of a short public post.

    ``id`` for Indonesian, ``id+en`` / ``id+jv`` / ``id+bjn`` / ``id+su`` (or several, ``id+en+jv``)
    for Indonesian mixed with another language, ``en`` / ``jv`` / ``bjn`` / ``su`` for a post wholly
    in that language, ``und-<Script>`` (``und-Arab``, ``und-Hani``) for a post mostly in a non-Latin
    script, and ``und`` when there are too few marker words to tell.
    """
    script = _script(text)
    if script is not None:
        return f"und-{script}"
    scores, exclusive, n_words = post_scores(text)
    if sum(scores.values()) < POST_MIN_MARKERS:
        return "und"
    others = {lang: s for lang, s in scores.items() if lang != "id"}
    strongest = max(others.values())
    if exclusive["id"] >= 1 and scores["id"] >= POST_ID_RATIO * strongest:
        second = [lang for lang in others
                  if exclusive[lang] >= POST_SECOND_MIN or (exclusive[lang] >= 1 and n_words <= POST_SHORT)]
        second.sort(key=lambda lang: (-exclusive[lang], POST_LANGS.index(lang)))
        return "+".join(["id", *second])
    return max(others.items(), key=lambda kv: (kv[1], exclusive[kv[0]]))[0]
