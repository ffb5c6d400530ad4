"""The retrieval audit log: who, when, question, chunk ids — never chunk text."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from assistant.audit import AuditLog


def test_record_and_entries(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite")
    log.record("kim", "Hvad blev besluttet?", ["abc123", "def456"], refused=False)
    log.record("ole", "Noget andet?", [], refused=True)
    log.record("eva", "Tredje", ["x1"])
    e = log.entries()
    assert [x["user"] for x in e] == ["eva", "ole", "kim"]  # newest first
    assert e[2]["chunk_ids"] == ["abc123", "def456"] and e[2]["refused"] is False
    assert e[1]["refused"] is True and e[0]["refused"] is None
    assert e[2]["question"] == "Hvad blev besluttet?" and e[2]["ts"] > 0 and e[2]["time"]
    assert len(log.entries(limit=1)) == 1
    log.close()
    again = AuditLog(tmp_path / "audit.sqlite")  # persisted
    assert len(again.entries()) == 3


def test_rejects_text_instead_of_ids(tmp_path):
    log = AuditLog(tmp_path / "a.sqlite")
    with pytest.raises(ValueError):
        log.record("kim", "q", ["Lukket punkt: salg af grunden til 12 mio."])
    with pytest.raises(ValueError):
        log.record("kim", "q", ["x" * 500])
    assert log.entries() == []


def test_schema_has_no_text_column(tmp_path):
    AuditLog(tmp_path / "a.sqlite").record("kim", "q", ["id1"])
    cols = [r[1] for r in sqlite3.connect(tmp_path / "a.sqlite").execute("PRAGMA table_info(audit)")]
    assert cols == ["id", "ts", "user", "question", "chunk_ids", "refused"]


def test_threads(tmp_path):
    log = AuditLog(tmp_path / "a.sqlite")
    ts = [
        threading.Thread(target=lambda i=i: [log.record(f"u{i}", "q", [f"c{j}"]) for j in range(20)]) for i in range(4)
    ]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(log.entries(limit=1000)) == 80
