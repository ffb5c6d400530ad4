"""Retrieval audit log: who asked what, when, and which chunk ids were retrieved — never chunk text.

SQLite at <data_dir>/audit.sqlite. One connection guarded by a lock (the UI calls from several threads);
WAL with synchronous=NORMAL so a record costs well under a millisecond.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Sequence

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    user TEXT NOT NULL,
    question TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    refused INTEGER
)
"""


class AuditLog:
    """Append-only log of retrievals (ids only)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        from byraad.private import private_dir, private_file

        private_dir(self.path.parent)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        private_file(self.path)

    def record(self, user: str, question: str, chunk_ids: Sequence[str], refused: bool | None = None) -> None:
        """Store one retrieval. `chunk_ids` must be ids (strings without whitespace), never passages."""
        ids = [str(c) for c in chunk_ids]
        if any(not c or any(ch.isspace() for ch in c) or len(c) > 128 for c in ids):
            raise ValueError("audit log takes chunk ids only, never chunk text")
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (ts, user, question, chunk_ids, refused) VALUES (?, ?, ?, ?, ?)",
                (time.time(), str(user), str(question), json.dumps(ids), None if refused is None else int(refused)),
            )

    def entries(self, limit: int = 100) -> list[dict]:
        """The newest entries first: {"ts", "time", "user", "question", "chunk_ids", "refused"}."""
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, user, question, chunk_ids, refused FROM audit ORDER BY id DESC LIMIT ?", (int(limit),)
            ).fetchall()
        return [
            {
                "ts": ts,
                "time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)),
                "user": u,
                "question": q,
                "chunk_ids": json.loads(ids),
                "refused": None if r is None else bool(r),
            }
            for ts, u, q, ids, r in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @classmethod
    def for_settings(cls, settings) -> "AuditLog":
        """The audit log of a data directory (<data_dir>/audit.sqlite)."""
        from byraad.private import private_dir

        return cls(private_dir(settings.data_path, tighten=True) / "audit.sqlite")
