"""The test suite runs where CI runs: with no network. tests/conftest.py makes that a rule."""

from __future__ import annotations

import socket
import time

import pytest


def test_a_connection_off_this_machine_fails_at_once_with_a_sentence():
    started = time.perf_counter()
    with socket.socket() as probe, pytest.raises(AssertionError, match="packaged assets"):
        probe.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed anywhere
    assert time.perf_counter() - started < 0.5


def test_servers_on_this_machine_are_still_reachable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
            assert client.getpeername() == server.getsockname()
