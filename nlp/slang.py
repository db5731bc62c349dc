"""Normalise colloquial Indonesian in short public posts before the sentiment model reads them.

A Telegram or Mastodon post says "pelayanan gak jelas bgt, udh 2 mgg blm dibenerin": the model
was trained mostly on standard written Indonesian, so each slang form is a word it may never
have seen. The normaliser maps such forms to standard ones ("tidak jelas banget, sudah 2 minggu
belum diperbaiki") with a hand-written lexicon (``nlp/data/slang.tsv``, Pantau's own) and three
rules the lexicon cannot list:

* elongations: a letter repeated three times or more ("mantaaap", "bagusss") collapses;
* "2" reduplication: "anak2" is "anak-anak", "hati2nya" is "hati-hatinya";
* digit-for-letter spellings: "s4y4" is "saya", "t3rim4 k4sih" is "terima kasih", when the
  word is not a code such as "covid19", "rt05" or "h1n1".

Only the scorer sees the normalised text; the stored article keeps what was written, for display
and search. Words it does not know pass through unchanged, with their case and punctuation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_RUN3 = re.compile(r"([a-z])\1{2,}")
_REDUP = re.compile(r"^([a-z]{2,})2(an|nya|kan|lah|pun)?$")
_LEET = str.maketrans({"4": "a", "3": "e", "1": "i", "0": "o", "5": "s", "7": "t"})
# A word whose digits are a number or a code, never a spelling: "covid19", "rt05", "pasal27", "k3".
_CODE = re.compile(r"^[a-z]+\d{2,}$|^[a-z]{1,3}\d$|^\d+[a-z]{0,2}$")
_CODES = frozenset({"h1n1", "h5n1", "h7n9", "b2b", "b2c", "c2c", "g20", "p3k", "k3", "a1", "b1"})
# Standard words spelt with a doubled letter: an elongated "maaaaf" collapses to these, not to "maf".
_DOUBLE = frozenset({"maaf", "saat", "taat", "manfaat", "jumaat", "riil", "sakaa", "good", "cool", "too", "see",
                     "soon", "free", "need", "feel", "keep", "well", "all", "still", "will", "full", "off",
                     "boss", "miss", "class", "pass", "kill", "mall", "coffee", "sorry", "happy", "week",
                     "sunnah", "allah", "muharram"})

LEXICON_FILE = "slang.tsv"


class LexiconError(ValueError):
    """A malformed line in a slang lexicon file; the message names the line."""


def parse_lexicon(lines: Iterable[str], name: str = LEXICON_FILE) -> dict[str, str]:
    """``form<TAB>standard[<TAB>kind]`` lines to a mapping; ``#`` lines and blank lines are skipped."""
    out: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0] or not parts[1].strip():
            raise LexiconError(f"{name}:{n}: expected form<TAB>standard, found {line.rstrip()!r}")
        form = parts[0].strip()
        if form != form.lower() or not _TOKEN.fullmatch(form):
            raise LexiconError(f"{name}:{n}: the form must be one lower-case word, found {form!r}")
        if form in out:
            raise LexiconError(f"{name}:{n}: {form!r} is listed twice")
        out[form] = parts[1].strip()
    return out


@cache
def shipped_lexicon_text() -> str:
    return resources.files("nlp").joinpath("data", LEXICON_FILE).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Change:
    """One rewritten word: where it was, what was written, what the scorer reads instead."""

    start: int
    end: int
    original: str
    normalised: str


class SlangNormaliser:
    """Rewrites slang words in a text; safe to share between threads (it holds no state but its lexicon)."""

    def __init__(self, lexicon: dict[str, str]) -> None:
        self.lexicon = dict(lexicon)
        self._known = frozenset(self.lexicon) | {w for v in self.lexicon.values() for w in v.split()} | _DOUBLE

    @classmethod
    def shipped(cls) -> SlangNormaliser:
        return _shipped()

    @property
    def version(self) -> str:
        """``slang@`` plus 12 hex digits of the lexicon: scores made with another lexicon differ."""
        text = "\n".join(f"{k}\t{v}" for k, v in sorted(self.lexicon.items()))
        return "slang@" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def word(self, token: str) -> str | None:
        """The standard form of one lower-case token, or ``None`` when the token is left as it is."""
        if token in self.lexicon:
            return self.lexicon[token]
        redup = _REDUP.match(token)
        if redup:
            base = self.word(redup.group(1)) or redup.group(1)
            if " " in base:
                return None
            return f"{base}-{base}{redup.group(2) or ''}"
        if any(c.isdigit() for c in token):
            return self._leet(token)
        if _RUN3.search(token):
            return self._elongated(token)
        return None

    def _elongated(self, token: str) -> str:
        two = _RUN3.sub(r"\1\1", token)
        one = _RUN3.sub(r"\1", token)
        for candidate in (one, two):
            if candidate in self._known:
                return self.lexicon.get(candidate, candidate)
        return one

    def _leet(self, token: str) -> str | None:
        letters = sum(c.isalpha() for c in token)
        if letters < 2 or token in _CODES or _CODE.match(token) or len(token) < 4:
            return None
        if any(c.isdigit() and c not in "403157" for c in token):
            return None
        plain = token.translate(_LEET)
        if not plain.isalpha():
            return None
        return self.word(plain) or plain

    def changes(self, text: str) -> list[Change]:
        out: list[Change] = []
        for m in _TOKEN.finditer(text):
            raw = m.group(0)
            standard = self.word(raw.lower())
            if standard is None or standard == raw.lower():
                continue
            if raw[:1].isupper():
                standard = standard[:1].upper() + standard[1:]
            out.append(Change(m.start(), m.end(), raw, standard))
        return out

    def normalise(self, text: str) -> str:
        """The text with every known slang word replaced; everything else is kept as written."""
        changes = self.changes(text)
        if not changes:
            return text
        parts: list[str] = []
        pos = 0
        for c in changes:
            parts.append(text[pos:c.start])
            parts.append(c.normalised)
            pos = c.end
        parts.append(text[pos:])
        return "".join(parts)


@cache
def _shipped() -> SlangNormaliser:
    return SlangNormaliser(parse_lexicon(shipped_lexicon_text().splitlines()))
