"""Shared fixtures: unit tests cannot reach the network (loopback stays allowed for local test servers)."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# ../shared next to the repository; BYRAAD_TEST_SHARED points elsewhere (a worktree whose parent has none).
SHARED = Path(os.environ.get("BYRAAD_TEST_SHARED") or ROOT.parent / "shared")
SAMPLE = ROOT / "sample_corpus"

_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
        if not ok:
            raise ConnectionRefusedError(f"unit tests may not reach the network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(request, monkeypatch):
    if request.node.get_closest_marker("integration") is None:
        monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "shared" in item.keywords and not SHARED.exists():
            item.add_marker(pytest.mark.skip(reason="../shared is absent"))
