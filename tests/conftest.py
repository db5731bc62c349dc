"""Shared fixtures: a fresh store per test, on every backend the contract suite covers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index import Store
from index.sqlite import SqliteStore

pytest_plugins = ["tests.es_server"]

# The contract suite runs unchanged on each backend; "es" is a real server from scripts/elasticsearch.
BACKENDS = ["sqlite", "es"]


@pytest.fixture(scope="session", autouse=True)
def onnx_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """ONNX graphs built from the shipped model go to this session's temp space, not ~/.cache;
    CLI tests run ``pantau`` in subprocesses, which inherit the variable."""
    cache_home = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache_home))
        yield cache_home


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store; the contract suite runs once per backend."""
    if request.param == "sqlite":
        s: Store = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
        yield s
        s.close()
    else:
        yield request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pantau.db'}"
