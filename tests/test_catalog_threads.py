"""The catalog's one connection shared by the app's session threads while an ingest (another process, another
connection) commits beside it (vectorstore/catalog.py on byraad/shared_db.SharedDB).

With a bare `check_same_thread=False` connection, a thread's write (the server records the BM25 generation it
built after an ingest: `set_kv`) started while another thread's read of all chunks was still open on the same
connection; once the ingest had committed in between, the write failed at once with "database is locked" (hundreds
of times in 6 s here). Now every statement is read to the end under the catalog's lock, so the write waits for the
ingest's transaction instead, and no session thread stalls the others."""

from __future__ import annotations

import sqlite3
import threading
import time

from byraad.types import Chunk
from tests.test_shared_db import heartbeat
from vectorstore.catalog import Catalog


def test_writes_beside_reads_and_an_ingest_neither_fail_nor_stall(tmp_path):
    path = tmp_path / "catalog.sqlite"
    cat = Catalog(path)
    chunks = [
        Chunk(chunk_id=f"c{i}", doc_id="d", text="tekst " * 50, embed_text="tekst " * 50, meta={}) for i in range(2000)
    ]
    cat.begin_document("d", "p", "t", "k", {}, chunks, ["s"] * len(chunks))
    cat.complete_document("d")
    done = threading.Event()
    errors: list[str] = []
    counts = {"writes": 0, "reads": 0, "commits": 0}
    gaps: list[float] = []

    def server_writer() -> None:
        while not done.is_set():
            try:
                cat.set_kv("bm25_generation", str(counts["writes"]))
                counts["writes"] += 1
            except Exception as e:  # noqa: BLE001 - every failure is the finding
                errors.append(f"write {type(e).__name__}: {e}")
            time.sleep(0.005)

    def reader() -> None:
        while not done.is_set():
            try:
                assert len(cat.chunks()) == 2000
                cat.generation()
                counts["reads"] += 1
            except Exception as e:  # noqa: BLE001
                errors.append(f"read {type(e).__name__}: {e}")

    def ingest() -> None:  # the ingest process: its own connection, short write transactions
        other = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        try:
            while not done.is_set():
                other.execute("BEGIN IMMEDIATE")
                other.execute("UPDATE kv SET v=v WHERE k='generation'")
                time.sleep(0.02)
                other.execute("COMMIT")
                counts["commits"] += 1
                time.sleep(0.005)
        finally:
            other.close()

    threads = [threading.Thread(target=f) for f in (server_writer, reader, reader, ingest)]
    threads.append(threading.Thread(target=heartbeat, args=(done, gaps)))
    for t in threads:
        t.start()
    # 3 s at least; up to 15 s while a side has not yet made progress (the busy handler's back-off can leave the
    # server's writer behind the ingest's short transactions for a while on a loaded machine: slow, not stalled —
    # a stall shows as no progress by the end, or as a heartbeat gap)
    start = time.monotonic()
    while not errors and (
        time.monotonic() - start < 3 or (time.monotonic() - start < 15 and min(counts.values()) <= 5)
    ):
        time.sleep(0.05)
    done.set()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert counts["writes"] > 5 and counts["reads"] > 5 and counts["commits"] > 5, counts
    assert max(gaps) < 10, max(gaps)  # a stall holding the GIL lasts the busy timeout (30 s); load delays far less


def test_add_run_returns_its_id_and_a_transaction_rolls_back(tmp_path):
    cat = Catalog(tmp_path / "catalog.sqlite")
    first = cat.add_run(1.0, {"new": 1})
    assert cat.add_run(2.0, {"new": 2}) == first + 1
    assert [r["new"] for r in cat.runs()] == [2, 1]
    try:
        with cat.transaction() as db:
            db.execute("INSERT INTO kv(k, v) VALUES('x', '1')")
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert cat.get_kv("x", "none") == "none"
