"""Conversations per user in `<data_dir>/app.sqlite`: list, reopen, append a turn.

A turn stores the answer's view dict (see ui.render.answer_view) as JSON: question, answer text, citations with
their passages, other sources, filters and settings fingerprint. Only signed-in users' conversations are stored.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Mapping

from byraad.shared_db import SharedDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT, created REAL,
    updated REAL);
CREATE INDEX IF NOT EXISTS conv_user ON conversations(user, updated);
CREATE TABLE IF NOT EXISTS turns (id TEXT PRIMARY KEY, conv_id TEXT NOT NULL, idx INTEGER, question TEXT,
    view TEXT, ts REAL);
CREATE INDEX IF NOT EXISTS turns_conv ON turns(conv_id, idx);
"""


def connect(path: str | Path) -> SharedDB:
    """A connection to app.sqlite safe to share between Streamlit's session threads (one statement at a time, WAL)."""
    from byraad.private import private_dir, private_file

    private_dir(Path(path).parent)
    db = SharedDB(path)
    private_file(path)
    return db


class ConversationStore:
    """Stored conversations; every read is scoped to the owning user."""

    def __init__(self, path: str | Path) -> None:
        self.db = connect(path)
        self.db.executescript(SCHEMA)

    @classmethod
    def for_settings(cls, settings) -> "ConversationStore":
        from byraad.private import private_dir

        return cls(private_dir(settings.data_path, tighten=True) / "app.sqlite")

    def create(self, user: str, title: str) -> str:
        cid = uuid.uuid4().hex
        now = time.time()
        self.db.execute(
            "INSERT INTO conversations(id, user, title, created, updated) VALUES(?,?,?,?,?)",
            (cid, user, title[:120], now, now),
        )
        return cid

    def add_turn(self, conv_id: str, user: str, view: Mapping[str, Any]) -> str:
        """Append a turn to a conversation the user owns; returns the turn id."""
        if not self.owns(conv_id, user):
            raise PermissionError("samtalen tilhører en anden bruger")
        tid = uuid.uuid4().hex
        n = self.db.execute("SELECT COUNT(*) FROM turns WHERE conv_id=?", (conv_id,)).fetchone()[0]
        self.db.execute(
            "INSERT INTO turns(id, conv_id, idx, question, view, ts) VALUES(?,?,?,?,?,?)",
            (tid, conv_id, n, view.get("question", ""), json.dumps(dict(view), ensure_ascii=False), time.time()),
        )
        self.db.execute("UPDATE conversations SET updated=? WHERE id=?", (time.time(), conv_id))
        return tid

    def owns(self, conv_id: str, user: str) -> bool:
        row = self.db.execute("SELECT user FROM conversations WHERE id=?", (conv_id,)).fetchone()
        return bool(row) and row[0] == user

    def list(self, user: str, limit: int = 30) -> list[dict]:
        rows = self.db.execute(
            "SELECT c.id, c.title, c.updated, (SELECT COUNT(*) FROM turns t WHERE t.conv_id=c.id) FROM conversations c "
            "WHERE c.user=? ORDER BY c.updated DESC LIMIT ?",
            (user, limit),
        )
        return [{"id": i, "title": t, "updated": u, "turns": n} for i, t, u, n in rows]

    def turns(self, conv_id: str, user: str) -> list[dict]:
        """The turns' views (each with its "turn_id"), oldest first; [] for someone else's conversation."""
        if not self.owns(conv_id, user):
            return []
        rows = self.db.execute("SELECT id, view FROM turns WHERE conv_id=? ORDER BY idx", (conv_id,))
        from ui.render import safe_stored_view

        return [dict(safe_stored_view(json.loads(v)), turn_id=i) for i, v in rows]

    def title(self, conv_id: str) -> str:
        row = self.db.execute("SELECT title FROM conversations WHERE id=?", (conv_id,)).fetchone()
        return row[0] if row else ""

    def delete(self, conv_id: str, user: str) -> None:
        if self.owns(conv_id, user):
            with self.db.write_transaction():
                self.db.execute("DELETE FROM turns WHERE conv_id=?", (conv_id,))
                self.db.execute("DELETE FROM conversations WHERE id=?", (conv_id,))
