"""👍/👎 feedback on answers, in `<data_dir>/app.sqlite`, exportable as JSONL for the evaluators.

One JSONL record per rated answer (agreed with evaluation/feedback.py, which turns 👎 records into candidate test
cases): {"question", "answer", "refused", "citations": [{"key", "chunk_id", "title", "path", "pages", "quote"}],
"rating": "up"|"down", "comment", "settings_fingerprint", "user", "ts"}; plus "sources" (the citations with their
"source_text"), "settings": {"fingerprint", "mode"} and "timestamp" under the names evaluation/feedback.py reads.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Mapping

from ui.conversations import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (turn_id TEXT NOT NULL, user TEXT NOT NULL, rating TEXT NOT NULL,
    comment TEXT, record TEXT NOT NULL, ts REAL, PRIMARY KEY (turn_id, user));
CREATE INDEX IF NOT EXISTS feedback_ts ON feedback(ts);
"""
CITATION_KEYS = ("key", "chunk_id", "title", "path", "pages", "quote")


def feedback_record(view: Mapping[str, Any], rating: str, comment: str, user: str) -> dict[str, Any]:
    """The evaluation-format record of one rated answer view."""
    if rating not in ("up", "down"):
        raise ValueError("rating must be 'up' or 'down'")
    return {
        "question": view.get("question", ""),
        "answer": view.get("text", ""),
        "refused": bool(view.get("refused")),
        "citations": [{k: c.get(k) for k in CITATION_KEYS} for c in view.get("citations", [])],
        "rating": rating,
        "comment": comment or "",
        "settings_fingerprint": view.get("settings_fingerprint", ""),
        "user": user,
        "ts": time.time(),
        # The same citations with their raw passage under the names evaluation/feedback.py reads, plus context.
        "sources": [{k: c.get(k) for k in (*CITATION_KEYS, "source_text")} for c in view.get("citations", [])],
        "settings": {"fingerprint": view.get("settings_fingerprint", ""), "mode": view.get("mode", "")},
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "other_sources": [
            {k: s.get(k) for k in ("chunk_id", "title", "path", "pages")} for s in view.get("sources", [])
        ],
        "filters": view.get("filters", {}),
        "mode": view.get("mode", ""),
    }


class FeedbackStore:
    """Ratings keyed by (turn, user): rating again or adding a comment replaces the earlier record."""

    def __init__(self, path: str | Path) -> None:
        self.db = connect(path)
        self.db.executescript(SCHEMA)

    @classmethod
    def for_settings(cls, settings) -> "FeedbackStore":
        return cls(settings.data_path / "app.sqlite")

    def record(self, turn_id: str, view: Mapping[str, Any], rating: str, comment: str, user: str) -> dict:
        rec = feedback_record(view, rating, comment, user)
        self.db.execute(
            "INSERT INTO feedback(turn_id, user, rating, comment, record, ts) VALUES(?,?,?,?,?,?) "
            "ON CONFLICT(turn_id, user) DO UPDATE SET rating=excluded.rating, comment=excluded.comment, "
            "record=excluded.record, ts=excluded.ts",
            (turn_id, user, rating, rec["comment"], json.dumps(rec, ensure_ascii=False), rec["ts"]),
        )
        return rec

    def get(self, turn_id: str, user: str) -> dict | None:
        row = self.db.execute("SELECT record FROM feedback WHERE turn_id=? AND user=?", (turn_id, user)).fetchone()
        return json.loads(row[0]) if row else None

    def recent(self, rating: str | None = None, limit: int = 50) -> list[dict]:
        sql, args = "SELECT record FROM feedback", []
        if rating:
            sql += " WHERE rating=?"
            args.append(rating)
        rows = self.db.execute(sql + " ORDER BY ts DESC LIMIT ?", (*args, limit))
        return [json.loads(r[0]) for r in rows]

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall())

    def export_jsonl(self, rating: str | None = None) -> str:
        """All (or only up/down) records, oldest first, one JSON object per line."""
        recs = sorted(self.recent(rating, limit=10**9), key=lambda r: r["ts"])
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
