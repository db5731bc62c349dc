"""Names and versioned templates of Pantau's Elasticsearch indices.

Articles live in one index per month of ``published_at`` (UTC), named
``<prefix>-articles-v<version>-<yyyy>.<mm>``, and are read through the alias
``<prefix>-articles``. A month's index is small enough to drop or rebuild on its own, and
the dashboard's usual "since yesterday" queries touch one or two of them. The mapping
version is part of the name so that ``reindex`` can build ``v2`` indices beside ``v1`` and
swap the alias in one step. The JSON files in ``index/templates/`` are the only place the
mappings are written down; code only adds the names, which depend on the prefix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TEMPLATE_PRIORITY = 200  # above Elastic's built-in templates (priority 100)


def _file(kind: str, version: int, directory: Path) -> Path:
    return directory / f"{kind}-v{version}.json"


@cache
def _load_cached(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "template" not in data:
        raise ValueError(f"{path}: expected an object with a 'template' key")
    return data


def load(kind: str, version: int, directory: Path | None = None) -> dict[str, Any]:
    """The template file ``<kind>-v<version>.json`` as a fresh dict (callers may change it)."""
    path = _file(kind, version, directory or TEMPLATES_DIR)
    if not path.exists():
        raise FileNotFoundError(f"no {kind} template version {version}: {path} is missing")
    fresh: dict[str, Any] = json.loads(json.dumps(_load_cached(path)))
    return fresh


def versions(kind: str, directory: Path | None = None) -> list[int]:
    found = []
    for path in (directory or TEMPLATES_DIR).glob(f"{kind}-v*.json"):
        m = re.fullmatch(rf"{re.escape(kind)}-v(\d+)\.json", path.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def latest(kind: str, directory: Path | None = None) -> int:
    found = versions(kind, directory)
    if not found:
        raise FileNotFoundError(f"no {kind}-v*.json template in {directory or TEMPLATES_DIR}")
    return found[-1]


@dataclass(frozen=True)
class Names:
    """Every index, alias and template name of one store, derived from its prefix."""

    prefix: str

    def __post_init__(self) -> None:
        if not _PREFIX_RE.match(self.prefix):
            raise ValueError(
                f"index prefix {self.prefix!r} must be lowercase letters, digits, '-' or '_' "
                "and start with a letter or digit"
            )

    @property
    def read_alias(self) -> str:
        return f"{self.prefix}-articles"

    @property
    def crawls(self) -> str:
        return f"{self.prefix}-crawls"

    @property
    def records(self) -> str:
        return f"{self.prefix}-records"

    def template(self, version: int) -> str:
        return f"{self.prefix}-articles-v{version}"

    def pattern(self, version: int) -> str:
        return f"{self.prefix}-articles-v{version}-*"

    def monthly(self, version: int, published_at: datetime) -> str:
        return f"{self.prefix}-articles-v{version}-{published_at.astimezone(UTC):%Y.%m}"

    def parse(self, index: str) -> tuple[int, str] | None:
        """``(version, "yyyy.mm")`` of one of this store's monthly indices, else None."""
        m = re.fullmatch(rf"{re.escape(self.prefix)}-articles-v(\d+)-(\d{{4}}\.\d{{2}})", index)
        return (int(m.group(1)), m.group(2)) if m else None


def articles_template(
    names: Names, version: int, *, with_alias: bool, directory: Path | None = None
) -> dict[str, Any]:
    """Body of ``put_index_template`` for one mapping version of the monthly article indices.

    ``with_alias`` adds the read alias to every index the template creates; it is off
    while ``reindex`` builds the next version, so half-built indices stay invisible.
    """
    data = load("articles", version, directory)
    template = data["template"]
    if with_alias:
        template["aliases"] = {names.read_alias: {}}
    return {
        "index_patterns": [names.pattern(version)],
        "priority": TEMPLATE_PRIORITY,
        "version": int(data.get("version", version)),
        "_meta": data.get("_meta", {}),
        "template": template,
    }


def crawls_index(directory: Path | None = None) -> dict[str, Any]:
    """Settings and mappings of the small ``<prefix>-crawls`` index."""
    template: dict[str, Any] = load("crawls", latest("crawls", directory), directory)["template"]
    return template


def records_index(directory: Path | None = None) -> dict[str, Any]:
    """Settings and mappings of the small ``<prefix>-records`` index (alert state, outbox, digests)."""
    template: dict[str, Any] = load("records", latest("records", directory), directory)["template"]
    return template
