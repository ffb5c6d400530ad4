"""One SQLite connection shared by the app's session threads, used one statement (or one transaction) at a time.

Streamlit runs each browser session's script in its own thread, and the app's stores (users and sessions in
users.sqlite, conversations and feedback in app.sqlite) each hold one connection for all of them. A bare
`sqlite3.Connection` with `check_same_thread=False` is not safe for that:

- While one thread's statement waits for a lock held by another connection (up to the busy timeout, 30 s), it holds
  the connection's SQLite mutex. Another thread that then binds parameters or reads a row on the same connection
  blocks on that mutex *while holding the GIL* — the whole process stops: every session's answer, the web server's
  event loop and its websocket pings (measured: a 10 ms heartbeat thread stalled 30 s; tests/test_shared_db.py).
- A read statement left between steps by one thread keeps its lock while another thread of the same connection
  waits for a writer that waits for that lock: the waits end only at the busy timeout, as "database is locked",
  and the error code read afterwards may be another thread's ("no more rows available").

So every statement runs and is read to the end under the store's lock (a waiting thread sleeps on that lock without
the GIL), a write transaction holds the lock from BEGIN to COMMIT (no other thread's statement joins it), and the
database is in WAL mode (readers never wait for a writer, a writer only for another writer).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence


class Rows(list):
    """A statement's rows, read in full, with the cursor's `fetchone`/`fetchall` and `rowcount`."""

    rowcount: int = -1
    lastrowid: int | None = None

    def fetchone(self) -> Any:
        return self[0] if self else None

    def fetchall(self) -> list:
        return list(self)


class SharedDB:
    """A thread-safe wrapper of one autocommit SQLite connection (see the module doc)."""

    def __init__(self, path: str | Path, timeout: float = 30.0, wal: bool = True) -> None:
        self.lock = threading.RLock()
        self._db = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False, isolation_level=None)
        if wal:
            self._db.execute("PRAGMA journal_mode=WAL")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        """Run one statement and read all its rows, under the lock."""
        with self.lock:
            cur = self._db.execute(sql, params)
            rows = Rows(cur.fetchall())
            rows.rowcount, rows.lastrowid = cur.rowcount, cur.lastrowid
            return rows

    def executemany(self, sql: str, seq: Any) -> None:
        """Run one statement for each parameter set, under the lock."""
        with self.lock:
            self._db.executemany(sql, seq)

    def executescript(self, script: str) -> None:
        with self.lock:
            self._db.executescript(script)

    @contextlib.contextmanager
    def write_transaction(self) -> Iterator["SharedDB"]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on an error) holding the lock throughout: a read-then-write step is
        atomic against other connections and processes (two failed sign-ins at once both count; a one-time code is
        spent once), and no other thread's statement runs inside it."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self._db.close()
