"""Helpers for tests that start a real server process on 127.0.0.1: a free port, waiting for health, stopping."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Callable


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(
    url: str,
    proc: subprocess.Popen,
    timeout: float,
    log_path: Path,
    what: str,
    healthy: Callable[[bytes], bool] = lambda body: True,
    interval: float = 0.3,
) -> None:
    """Poll `url` until it answers 200 (and `healthy(body)`); raise with the log's tail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and healthy(r.read()):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(
                f"{what} did not start within {timeout:.0f} s:\n{log_path.read_text(errors='replace')[-2000:]}"
            )
        time.sleep(interval)


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a server process, killing it if it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
