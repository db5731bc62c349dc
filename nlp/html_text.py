"""Plain paragraphs from saved news pages, for tokenizer/pre-training text and labelling leads.

Only ``<p>`` and ``<h1>`` text outside ``<script>``/``<style>`` is kept; navigation and boilerplate
mostly live in lists and divs, and short fragments (fewer than five words) are dropped. This is a
corpus helper, not the crawler's extractor (that is trafilatura in ``crawlers/``).
"""

from __future__ import annotations

from html.parser import HTMLParser


class _ParagraphParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._buf: list[str] = []
        self._depth = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag in ("p", "h1"):
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("p", "h1") and self._depth:
            self._depth -= 1
            if not self._depth:
                text = " ".join("".join(self._buf).split())
                self._buf = []
                if len(text.split()) >= 5:
                    self.paragraphs.append(text)

    def handle_data(self, data: str) -> None:
        if self._depth and not self._skip:
            self._buf.append(data)


def page_paragraphs(html: str) -> list[str]:
    """Headline and body paragraphs of one saved page, in document order."""
    parser = _ParagraphParser()
    parser.feed(html)
    parser.close()
    return parser.paragraphs
