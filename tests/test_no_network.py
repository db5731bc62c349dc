"""The suite's network guard (tests/conftest.py) refuses every host but this machine."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from tests.conftest import ExternalConnection


def test_outside_hosts_are_refused_before_any_packet() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(ExternalConnection):
        s.connect(("169.254.169.254", 80))
    with pytest.raises(OSError) as err:
        urllib.request.urlopen("http://93.184.216.34/", timeout=2)  # an address, so no DNS lookup
    assert "127.0.0.1" in str(err.value)


def test_loopback_passes_the_guard() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            conn, _ = server.accept()
            conn.close()
