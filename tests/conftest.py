"""Shared fixtures: a fresh store per test, on every backend the contract suite covers."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import Store
from index.sqlite import SqliteStore

pytest_plugins = ["tests.es_server"]

# The contract suite runs unchanged on each backend; "es" is a real server from scripts/elasticsearch.
BACKENDS = ["sqlite", "es"]


class ExternalConnection(ConnectionRefusedError):
    """A test tried to reach a host other than this machine (an OSError, so clients close their socket)."""


def _loopback_only(address: Any) -> None:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like stay on this machine
        return
    host = str(address[0])
    try:
        if ipaddress.ip_address(host.split("%")[0]).is_loopback:
            return
    except ValueError:
        if host == "localhost":
            return
    raise ExternalConnection(f"tests must only talk to 127.0.0.1; refused a connection to {address!r}")


@pytest.fixture(scope="session", autouse=True)
def no_external_network() -> Iterator[None]:
    """Every in-process connection must go to loopback: fixture pages name outside URLs
    (kaltim.example.id records, a 169.254.169.254 redirect the crawler must refuse), and none may
    be fetched. Crawls run in subprocesses carry PANTAU_ONLY_NETWORKS = 127.0.0.0/8, and the crawl
    harness fails any test whose crawl log shows an outside URL refused (tests/crawlserver/harness.py)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        _loopback_only(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _loopback_only(address)
        return real_connect_ex(self, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        yield


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
