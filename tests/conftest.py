"""Shared fixtures: a fresh store per test, on every backend the contract suite covers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index import Store
from index.sqlite import SqliteStore

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store; the contract suite runs once per backend."""
    if request.param == "sqlite":
        s: Store = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
        yield s
        s.close()
    else:  # pragma: no cover - other backends register their own fixture
        yield request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pantau.db'}"
