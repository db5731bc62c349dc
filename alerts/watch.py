"""What Pantau watches: regions, topics, region x topic pairs and sources, each with its store filter.

A watch's ``key`` is stable text (``region:64.72``, ``topic:bencana``,
``region:64.72|topic:bencana``, ``source:antara-kaltim``); alert episodes and emails are
keyed by it, so renaming a display name never reopens an alert.

Region and topic watches come in two series: the press (``source_type="news"``: every
article that is not a public post) and public posts (``"social"``). Each has its own
baseline, so a burst of Telegram posts is not measured against a week of news, and
the posts' watch key ends in ``|source_type:social`` so the two never share an episode.
The news key is the key Pantau used before public posts, so stored episodes carry on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from index import Filters
from pantau.article import SOURCE_TYPES
from pantau.regions import gazetteer

SERIES = ("news", "social")  # the source types a region or topic watch is judged by, each on its own
NEWS_TYPES = tuple(t for t in SOURCE_TYPES if t != "social")  # "news" series: the press, portals, aggregators
SERIES_NAMES = {"news": "Berita", "social": "Unggahan publik"}


@dataclass(kw_only=True, frozen=True)
class Watch:
    kind: str  # region | topic | region_topic | source
    region: str = ""
    topic: str = ""
    source: str = ""
    scope: tuple[str, ...] = ()  # the watched regions a topic watch covers
    source_type: str = ""  # news | social (see SERIES); "" counts every article (a source watch)

    @property
    def key(self) -> str:
        if self.kind == "region":
            key = f"region:{self.region}"
        elif self.kind == "topic":
            key = f"topic:{self.topic}"
        elif self.kind == "region_topic":
            key = f"region:{self.region}|topic:{self.topic}"
        else:
            key = f"source:{self.source}"
        return f"{key}|source_type:social" if self.source_type == "social" else key

    def filters(self, since: datetime | None = None, until: datetime | None = None,
                sentiment: tuple[str, ...] = ()) -> Filters:
        regions = (self.region,) if self.region else self.scope
        types = {"news": NEWS_TYPES, "social": ("social",)}.get(self.source_type, ())
        return Filters(regions=regions, topics=(self.topic,) if self.topic else (),
                       sources=(self.source,) if self.source else (), source_types=types, sentiment=sentiment,
                       since=since, until=until)

    def label(self, topic_names: Mapping[str, str]) -> str:
        """The name a PR officer reads: "Kota Samarinda", "Bencana", "Kota Samarinda · Bencana"."""
        gaz = gazetteer()
        topic = topic_names.get(self.topic, self.topic.replace("_", " ").title())
        if self.kind == "region":
            name = gaz.display(self.region)
        elif self.kind == "topic":
            name = f"Topik {topic}"
        elif self.kind == "region_topic":
            name = f"{gaz.display(self.region)} · {topic}"
        else:
            name = f"Sumber {self.source}"
        return f"{name} · {SERIES_NAMES['social']}" if self.source_type == "social" else name

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "region": self.region, "topic": self.topic, "source": self.source,
                "scope": list(self.scope), "source_type": self.source_type}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Watch:
        scope = d.get("scope") or []
        assert isinstance(scope, list)
        return cls(kind=str(d["kind"]), region=str(d.get("region", "")), topic=str(d.get("topic", "")),
                   source=str(d.get("source", "")), scope=tuple(str(c) for c in scope),
                   source_type=str(d.get("source_type", "")))


def series_of(episode: Mapping[str, object]) -> str | None:
    """An alert episode's series: "news" or "social"; None for a source watch. Episodes stored before
    public posts name no source type, and were about news."""
    watch = episode.get("watch")
    if not isinstance(watch, Mapping) or watch.get("kind") == "source":
        return None
    return "social" if watch.get("source_type") == "social" else "news"


def roots(watch: Sequence[str]) -> tuple[str, ...]:
    """The watched codes that no other watched code contains (Kaltim's 64 covers 64.72)."""
    gaz = gazetteer()
    chosen = set(watch)
    return tuple(c for c in watch if not any(a in chosen for a in gaz.ancestors(c) if a != c))


def recipients(w: Watch, table: Mapping[str, Sequence[str]], watch_regions: Sequence[str],
               source_regions: Sequence[str] = (), *, province_receives_regencies: bool = True) -> list[str]:
    """Who gets an alert about ``w``: "*", the region's own list and (by default) its province's.

    A topic over all watched regions goes to the offices of the top watched regions; a
    source that fell silent goes to the offices of the regions it is known to cover.
    """
    gaz = gazetteer()
    codes: list[str] = []
    if w.region:
        codes.append(w.region)
        if province_receives_regencies:
            codes += [a for a in gaz.ancestors(w.region) if a != w.region]
    elif w.kind == "topic":
        codes += list(roots(watch_regions))
    elif w.kind == "source":
        for code in source_regions:
            codes.append(code)
            if province_receives_regencies:
                codes += [a for a in gaz.ancestors(code) if a != code]
    out: dict[str, str] = {}
    for code in ["*", *codes]:
        for addr in table.get(code, ()):
            out.setdefault(addr.strip().lower(), addr.strip())
    return list(out.values())
