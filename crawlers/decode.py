"""Turn response bytes into text without mojibake, or say why they are not text.

Indonesian outlets mislabel charsets in both directions: old CMS templates declare iso-8859-1 while
the bytes are UTF-8 (the recorded KapanLagi pages), and some pages declare UTF-8 while an editor
pasted Windows-1252 quotes (“ ” – é). A body that decodes strictly as UTF-8 and holds multi-byte
sequences is UTF-8 whatever its label says (a false positive on real Windows-1252 text is
vanishingly rare); otherwise the declared charset is tried strictly, then Windows-1252. Text that was
double-encoded upstream ("Ã©", "â€œ") is repaired when the repair is lossless.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]|\ufffd")
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class NotText(ValueError):
    """The body is binary (an image, an archive) even though it was served as HTML."""


@dataclass(kw_only=True, frozen=True)
class Decoded:
    text: str
    encoding: str
    relabelled: bool  # the declared charset was wrong
    repaired: bool  # double-encoded sequences were fixed


def _norm(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("pantau-latin1", _latin1_fallback)


def _cp1252(raw: bytes) -> str:
    # The five bytes Windows-1252 leaves undefined map through Latin-1 instead of U+FFFD.
    return raw.decode("cp1252", errors="pantau-latin1")


def is_binary(raw: bytes) -> bool:
    """Binary if it starts with a known magic number or control bytes are more than 1% of a sample."""
    head = raw[:4096]
    if head.startswith((b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"%PDF", b"\x1f\x8b", b"RIFF")):
        return True
    if not head:
        return False
    return b"\x00" in head or len(_CONTROL.findall(head)) > len(head) // 100


def declared_charset(content_type: str, raw: bytes) -> str | None:
    """Charset from the Content-Type header, else from a ``<meta charset>`` in the first 2 KB."""
    m = re.search(r"charset=([\w.:-]+)", content_type, re.I)
    if m:
        return m.group(1)
    m2 = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", raw[:2048], re.I)
    return m2.group(1).decode("ascii", "replace") if m2 else None


# How UTF-8 lead bytes (0xC2-0xF4) and continuation bytes (0x80-0xBF) look once read as Windows-1252.
_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1252", errors="pantau-latin1")
_LEAD = bytes(range(0xC2, 0xF5)).decode("cp1252")
_REMAPPED = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", errors="pantau-latin1")) - frozenset(
    chr(b) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
)
_DOUBLE_RUN = re.compile(f"[{re.escape(_LEAD)}][{re.escape(_CONTINUATION)}]{{1,3}}")


def repair_double_encoding(text: str) -> tuple[str, bool]:
    """Undo UTF-8 that was decoded as Windows-1252 and re-encoded ("â€œ" → "“"), run by run."""
    if not MOJIBAKE.search(text):
        return text, False

    def fix(m: re.Match[str]) -> str:
        run = m.group(0)
        try:
            raw = b"".join(
                bytes([ord(c)]) if ord(c) < 0x100 and c not in _REMAPPED else c.encode("cp1252") for c in run
            )
            return raw.decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run

    fixed = _DOUBLE_RUN.sub(fix, text)
    return fixed, fixed != text


def decode(raw: bytes, content_type: str = "") -> Decoded:
    """Decode a page body; raises :class:`NotText` for binary content."""
    if is_binary(raw):
        raise NotText(f"binary content ({len(raw)} bytes) served as {content_type or 'unknown type'}")
    declared = _norm(declared_charset(content_type, raw))
    try:
        text = raw.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text, encoding = "", ""
        if declared and declared != "utf-8":
            try:
                text, encoding = raw.decode(declared), declared
            except (UnicodeDecodeError, LookupError):
                text = ""
        if not encoding:
            text, encoding = _cp1252(raw), "cp1252"
    relabelled = declared is not None and declared != encoding and not (encoding == "utf-8" and raw.isascii())
    text, repaired = repair_double_encoding(text)
    return Decoded(text=text.lstrip("\ufeff"), encoding=encoding, relabelled=relabelled, repaired=repaired)


def has_mojibake(text: str) -> bool:
    return bool(MOJIBAKE.search(text))
