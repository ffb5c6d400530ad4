"""Loaders for untrusted formats run in a worker process with a time budget and a memory ceiling.

A PDF or Word file can be built to make its parser work for minutes or take gigabytes (decompression bombs,
pathological content streams). `load(path, opts)` runs `ingest.loaders.load_file` in one long-lived worker process
(started once per ingest run, so throughput stays that of the loaders themselves): the worker's address space is
capped (`opts.max_memory`) and each file has `opts.timeout_s` of wall time. A file that exceeds either is reported
as a LoadError ("timeout" / "too_large") and the worker is replaced; every other file is ingested as usual. The
cheap limits (declared uncompressed sizes of a .docx, extracted text length) are checked inside the loaders, before
any expansion, so the known bombs are refused in milliseconds.

Run `python -m ingest.sandbox` is the worker's entry point (length-prefixed pickles on stdin/stdout).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from ingest.loaders import LoadedFile, LoadError, LoadOptions, load_file

_HEADER = struct.Struct("!Q")


def _send(f, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(_HEADER.pack(len(data)) + data)
    f.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _recv(fd: int, deadline: float | None):
    (n,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, n, deadline))


class Worker:
    """One loader process; `load` is serialised (one file at a time), the process is replaced after a failure."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._limits: tuple[int, int] | None = None

    def _start(self, opts: LoadOptions) -> subprocess.Popen:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("OMP_NUM_THREADS", "1")
        self._limits = (opts.max_memory, os.getpid())
        return subprocess.Popen(
            [sys.executable, "-m", "ingest.sandbox", str(opts.max_memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )

    def load(self, path: Path, opts: LoadOptions) -> LoadedFile:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None or self._limits[0] != opts.max_memory:
                self.close()
                self._proc = self._start(opts)
            proc = self._proc
            try:
                _send(proc.stdin, (str(path), opts))
                kind, *rest = _recv(proc.stdout.fileno(), time.monotonic() + opts.timeout_s)
            except TimeoutError:
                self.close()
                raise LoadError(
                    f"reading the file took longer than the limit ({opts.timeout_s:g} s per file)", "timeout"
                ) from None
            except (EOFError, BrokenPipeError, OSError):
                code = proc.poll()
                self.close()
                raise LoadError(
                    "the file made its reader stop (over the memory limit of "
                    f"{opts.max_memory >> 20} MB, or a crash; exit {code})",
                    "too_large",
                ) from None
        if kind == "ok":
            return rest[0]
        if kind == "load_error":
            raise LoadError(rest[0], rest[1])
        if kind == "os_error":
            raise OSError(rest[0], rest[1])
        if kind == "memory":
            raise LoadError(f"the file needs more memory than the limit ({opts.max_memory >> 20} MB)", "too_large")
        raise RuntimeError(rest[0])

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # the loader and anything it started (tesseract, antiword)
        except (ProcessLookupError, PermissionError):
            pass
        for f in (proc.stdin, proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        proc.wait()


_WORKER = Worker()


def load(path: Path, opts: LoadOptions) -> LoadedFile:
    """load_file(path, opts) under the per-file limits (in the worker process; in-process when opts.isolate is off)."""
    if not opts.isolate:
        return load_file(Path(path), opts=opts)
    return _WORKER.load(Path(path), opts)


def shutdown() -> None:
    """Stop the worker (the next `load` starts a new one)."""
    _WORKER.close()


def _watch_parent(parent: int, every_s: float = 0.5) -> None:
    """Stop this worker and everything it started (its own process group: tesseract, antiword) as soon as the
    process that started it is gone. The worker runs in a session of its own, so it would otherwise finish a long
    file (minutes of OCR) as an orphan after the ingest was stopped, e.g. by the admin page."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _serve(max_memory: int) -> None:
    import resource

    from byraad.runtime import match_autogroup

    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True, name="byraad-watch-parent").start()
    match_autogroup()  # its own session: a niced ingest's loader must yield to the chat as the ingest does
    if max_memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print from a library must not corrupt the protocol
    while True:
        try:
            path, opts = _recv(stdin.fileno(), None)
        except EOFError:
            return
        try:
            out = ("ok", load_file(Path(path), opts=opts))
        except LoadError as e:
            out = ("load_error", e.reason, e.code)
        except MemoryError:
            out = ("memory",)
        except OSError as e:
            out = ("os_error", e.errno or 0, e.strerror or str(e))
        except Exception as e:  # noqa: BLE001 - reported by the caller as this file's failure
            out = ("error", f"{type(e).__name__}: {e}"[:300])
        try:
            _send(stdout, out)
        except MemoryError:
            _send(stdout, ("memory",))


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
