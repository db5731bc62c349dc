"""What Pantau watches: regions, topics, region x topic pairs and sources, each with its store filter.

A watch's ``key`` is stable text (``region:64.72``, ``topic:bencana``,
``region:64.72|topic:bencana``, ``source:antara-kaltim``); alert episodes and emails are
keyed by it, so renaming a display name never reopens an alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from index import Filters
from pantau.regions import gazetteer


@dataclass(kw_only=True, frozen=True)
class Watch:
    kind: str  # region | topic | region_topic | source
    region: str = ""
    topic: str = ""
    source: str = ""
    scope: tuple[str, ...] = ()  # the watched regions a topic watch covers

    @property
    def key(self) -> str:
        if self.kind == "region":
            return f"region:{self.region}"
        if self.kind == "topic":
            return f"topic:{self.topic}"
        if self.kind == "region_topic":
            return f"region:{self.region}|topic:{self.topic}"
        return f"source:{self.source}"

    def filters(self, since: datetime | None = None, until: datetime | None = None,
                sentiment: tuple[str, ...] = ()) -> Filters:
        regions = (self.region,) if self.region else self.scope
        return Filters(regions=regions, topics=(self.topic,) if self.topic else (),
                       sources=(self.source,) if self.source else (), sentiment=sentiment,
                       since=since, until=until)

    def label(self, topic_names: Mapping[str, str]) -> str:
        """The name a PR officer reads: "Kota Samarinda", "Bencana", "Kota Samarinda · Bencana"."""
        gaz = gazetteer()
        topic = topic_names.get(self.topic, self.topic.replace("_", " ").title())
        if self.kind == "region":
            return gaz.display(self.region)
        if self.kind == "topic":
            return f"Topik {topic}"
        if self.kind == "region_topic":
            return f"{gaz.display(self.region)} · {topic}"
        return f"Sumber {self.source}"

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "region": self.region, "topic": self.topic, "source": self.source,
                "scope": list(self.scope)}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Watch:
        scope = d.get("scope") or []
        assert isinstance(scope, list)
        return cls(kind=str(d["kind"]), region=str(d.get("region", "")), topic=str(d.get("topic", "")),
                   source=str(d.get("source", "")), scope=tuple(str(c) for c in scope))


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
