"""`byraad serve` run as a real process: stopping its pid stops the app (no Streamlit child left on the port)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for_http

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _processes_mentioning(marker: str) -> list[int]:
    """Pids of live processes whose command line or environment mentions `marker` (our unique data dir)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            blob = (d / "cmdline").read_bytes() + (d / "environ").read_bytes()
            state = next((ln for ln in (d / "status").read_text().splitlines() if ln.startswith("State:")), "")
        except OSError:
            continue
        if marker.encode() in blob and "Z" not in state.split()[1:2]:
            out.append(int(d.name))
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_serve_stops_the_app(tmp_path, sig):
    data = tmp_path / f"serve-{sig.name.lower()}"
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), BYRAAD_EMBEDDER="hash:64")
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "byraad.cli", "--data-dir", str(data), "serve", "--port", str(port)],
            cwd=str(ROOT),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_http(
            f"http://127.0.0.1:{port}/_stcore/health",
            proc,
            90,
            log_path,
            "byraad serve",
            healthy=lambda body: body.strip() == b"ok",
        )
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while (_port_open(port) or _processes_mentioning(str(data))) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _port_open(port), "the port is still served after byraad serve was stopped"
        assert _processes_mentioning(str(data)) == [], "a process of the app outlived byraad serve"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _processes_mentioning(str(data)):  # an orphan left by a failing run: ours, by its data dir
            os.kill(pid, signal.SIGKILL)
