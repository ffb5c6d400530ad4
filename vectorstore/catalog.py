"""The catalog: a SQLite file beside the vector index holding files, documents and chunk texts.

It is the source of truth the vector store and the BM25 index are reconciled against:
- `files`  path → doc_id (content hash), size and mtime (to skip re-hashing unchanged files);
- `docs`   one row per distinct content, with a state: 'pending' while its vectors are being written,
           'complete' once they are all in the store. A crash leaves 'pending' rows the next run repairs;
- `chunks` chunk text, contextual text, the passage as it stands in the source, flat metadata;
- `runs`   ingest reports; `kv` small counters (the generation the BM25 index was built from).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from byraad.shared_db import SharedDB
from byraad.types import Chunk

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, root TEXT, doc_id TEXT, size INTEGER, mtime REAL, seen REAL);
CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, state TEXT NOT NULL, path TEXT, title TEXT, kind TEXT,
    n_chunks INTEGER, info TEXT, updated REAL);
CREATE TABLE IF NOT EXISTS chunks (chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, idx INTEGER, text TEXT,
    embed_text TEXT, source_text TEXT, meta TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL, finished REAL, report TEXT);
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT);
"""


# A file row pointed at a document (set_file, and complete_document in the same transaction as the completion).
_SET_FILE = (
    "INSERT INTO files(path, root, doc_id, size, mtime, seen) VALUES(?,?,?,?,?,?) "
    "ON CONFLICT(path) DO UPDATE SET root=excluded.root, doc_id=excluded.doc_id, size=excluded.size, "
    "mtime=excluded.mtime, seen=excluded.seen"
)


class Catalog:
    """SQLite-backed catalog of one index (one collection)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            from byraad.private import private_dir

            private_dir(self.path.parent)  # the data directory itself is made private by Index
        # One connection shared by the app's session threads, one statement (read to the end) or write transaction at
        # a time (byraad/shared_db.py). A bare check_same_thread=False connection let one thread's write start while
        # another's read was still open on it: with an ingest committing beside the app, that write (the BM25
        # generation after an ingest) failed at once with "database is locked" (tests/test_catalog_threads.py).
        self.db = SharedDB(path, timeout=30)
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        if str(path) != ":memory:":
            from byraad.private import private_file

            private_file(self.path)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[SharedDB]:
        """An atomic write: everything inside commits together or not at all (no other thread's statement joins it)."""
        with self.db.write_transaction() as db:
            yield db

    # --- files --------------------------------------------------------------------------------
    def files(self) -> dict[str, tuple[str, str | None, int, float]]:
        """path → (root, doc_id, size, mtime) of every known file."""
        return {
            p: (r, d, s, m) for p, r, d, s, m in self.db.execute("SELECT path, root, doc_id, size, mtime FROM files")
        }

    def set_file(self, path: str, root: str, doc_id: str | None, size: int, mtime: float) -> None:
        self.db.execute(_SET_FILE, (path, root, doc_id, size, mtime, time.time()))

    def referenced_docs(self) -> set[str]:
        """Documents some known file points at."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT doc_id FROM files WHERE doc_id IS NOT NULL")}

    def remove_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path=?", (path,))

    # --- documents ----------------------------------------------------------------------------
    def doc_states(self) -> dict[str, str]:
        """doc_id → state for every document row."""
        return dict(self.db.execute("SELECT doc_id, state FROM docs"))

    _DOC_COLUMNS = "SELECT doc_id, path, title, kind, n_chunks, info, state FROM docs"

    def doc_info(self, doc_id: str) -> dict | None:
        row = self.db.execute(self._DOC_COLUMNS + " WHERE doc_id=?", (doc_id,)).fetchone()
        return _row_info(row) if row else None

    def documents(self) -> list[dict]:
        """Every complete document with its info."""
        return [_row_info(r) for r in self.db.execute(self._DOC_COLUMNS + " WHERE state='complete' ORDER BY path")]

    def begin_document(
        self,
        doc_id: str,
        path: str,
        title: str,
        kind: str,
        info: dict,
        chunks: Sequence[Chunk],
        source_texts: Sequence[str],
    ) -> None:
        """Record a document and its chunks as 'pending' before any vector is written (write-ahead)."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute(
                "INSERT OR REPLACE INTO docs(doc_id, state, path, title, kind, n_chunks, info, updated) VALUES(?,?,?,?,?,?,?,?)",
                (doc_id, "pending", path, title, kind, len(chunks), json.dumps(info, ensure_ascii=False), time.time()),
            )
            db.executemany(
                "INSERT OR REPLACE INTO chunks(chunk_id, doc_id, idx, text, embed_text, source_text, meta) VALUES(?,?,?,?,?,?,?)",
                [
                    (c.chunk_id, doc_id, i, c.text, c.embed_text, s, json.dumps(dict(c.meta), ensure_ascii=False))
                    for i, (c, s) in enumerate(zip(chunks, source_texts))
                ],
            )

    def complete_document(
        self, doc_id: str, file: tuple[str, str, int, float] | None = None, replaces: str | None = None
    ) -> None:
        """Mark a document complete (one generation step). With `file` (path, root, size, mtime) the file row is
        pointed at it in the same transaction, and the document the file held before (`replaces`) is withdrawn
        ('deleting': no longer served; ingest's garbage collection removes its vectors and rows) when no other file
        holds it: a changed file's old and new versions are never both complete, so a version that closes an item
        does not leave the old open text searchable until the end of the run."""
        with self.transaction() as db:
            now = time.time()
            db.execute("UPDATE docs SET state='complete', updated=? WHERE doc_id=?", (now, doc_id))
            if file is not None:
                path, root, size, mtime = file
                db.execute(_SET_FILE, (path, root, doc_id, size, mtime, now))
                if replaces and replaces != doc_id:
                    if not db.execute("SELECT 1 FROM files WHERE doc_id=? LIMIT 1", (replaces,)).fetchone():
                        db.execute(
                            "UPDATE docs SET state='deleting', updated=? WHERE doc_id=? AND state='complete'",
                            (now, replaces),
                        )
            self._bump(db)

    def mark_deleting(self, doc_id: str) -> None:
        self.db.execute("UPDATE docs SET state='deleting', updated=? WHERE doc_id=?", (time.time(), doc_id))

    def doc_versions(self) -> dict[str, tuple[str, float]]:
        """doc_id → (state, updated) of every document row: a document's version changes whenever it is completed,
        renamed or withdrawn (what a server answering from an older snapshot checks it against; vectorstore/index.py)."""
        return {d: (st, u or 0.0) for d, st, u in self.db.execute("SELECT doc_id, state, updated FROM docs")}

    def complete_chunks(self) -> tuple[list[Chunk], dict[str, float]]:
        """Every complete chunk (document order) and the version (`updated`) of each document they come from, read in
        one statement (one consistent state of the catalog)."""
        chunks: list[Chunk] = []
        versions: dict[str, float] = {}
        rows = self.db.execute(
            "SELECT c.chunk_id, c.doc_id, c.text, c.embed_text, c.meta, d.updated FROM chunks c "
            "JOIN docs d ON d.doc_id=c.doc_id WHERE d.state='complete' ORDER BY c.doc_id, c.idx"
        )
        for row in rows:
            chunks.append(_row_chunk(row))
            versions[row[1]] = row[5] or 0.0
        return chunks, versions

    def forget_document(self, doc_id: str) -> None:
        """Remove a document and its chunks (after its vectors are gone from the store)."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM docs WHERE doc_id=?", (doc_id,))
            self._bump(db)

    def rename_document(self, doc_id: str, path: str, chunks: Sequence[Chunk]) -> None:
        """Point a document at a new path (its chunks' metadata changes, its vectors do not)."""
        with self.transaction() as db:
            db.execute("UPDATE docs SET path=?, updated=? WHERE doc_id=?", (path, time.time(), doc_id))
            db.executemany(
                "UPDATE chunks SET meta=? WHERE chunk_id=?",
                [(json.dumps(dict(c.meta), ensure_ascii=False), c.chunk_id) for c in chunks],
            )
            self._bump(db)

    # --- chunks -------------------------------------------------------------------------------
    def chunk_ids(self, doc_id: str | None = None, state: str | None = None) -> list[str]:
        sql = "SELECT c.chunk_id FROM chunks c JOIN docs d ON d.doc_id=c.doc_id WHERE 1=1"
        args: list = []
        if doc_id is not None:
            sql += " AND c.doc_id=?"
            args.append(doc_id)
        if state is not None:
            sql += " AND d.state=?"
            args.append(state)
        return [r[0] for r in self.db.execute(sql + " ORDER BY c.doc_id, c.idx", args)]

    def chunks(
        self, ids: Iterable[str] | None = None, doc_id: str | None = None, complete_only: bool = True
    ) -> list[Chunk]:
        """Chunks by id (in the given order), of one document, or all of them."""
        base = (
            "SELECT c.chunk_id, c.doc_id, c.text, c.embed_text, c.meta FROM chunks c JOIN docs d ON d.doc_id=c.doc_id"
            + (" WHERE d.state='complete'" if complete_only else " WHERE 1=1")
        )
        if ids is not None:
            ids = list(ids)
            out: dict[str, Chunk] = {}
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                q = base + f" AND c.chunk_id IN ({','.join('?' * len(part))})"
                for row in self.db.execute(q, part):
                    out[row[0]] = _row_chunk(row)
            return [out[i] for i in ids if i in out]
        if doc_id is not None:
            return [_row_chunk(r) for r in self.db.execute(base + " AND c.doc_id=? ORDER BY c.idx", (doc_id,))]
        return [_row_chunk(r) for r in self.db.execute(base + " ORDER BY c.doc_id, c.idx")]

    def source_text(self, chunk_id: str) -> str:
        row = self.db.execute("SELECT source_text FROM chunks WHERE chunk_id=?", (chunk_id,)).fetchone()
        return row[0] if row else ""

    # --- counters and runs --------------------------------------------------------------------
    def generation(self) -> int:
        row = self.db.execute("SELECT v FROM kv WHERE k='generation'").fetchone()
        return int(row[0]) if row else 0

    def _bump(self, db: SharedDB) -> None:
        db.execute(
            "INSERT INTO kv(k, v) VALUES('generation', '1') "
            "ON CONFLICT(k) DO UPDATE SET v = CAST(CAST(v AS INTEGER) + 1 AS TEXT)"
        )

    def get_kv(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT v FROM kv WHERE k=?", (key,)).fetchone()
        return row[0] if row else default

    def set_kv(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO kv(k, v) VALUES(?,?) ON CONFLICT(k) DO UPDATE SET v=excluded.v", (key, value))

    def add_run(self, started: float, report: dict) -> int:
        rows = self.db.execute(
            "INSERT INTO runs(started, finished, report) VALUES(?,?,?)",
            (started, time.time(), json.dumps(report, ensure_ascii=False)),
        )
        return int(rows.lastrowid or 0)

    def runs(self, limit: int = 20) -> list[dict]:
        rows = self.db.execute("SELECT id, started, finished, report FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(json.loads(r[3]), run_id=r[0], started=r[1], finished=r[2]) for r in rows]

    def stats(self) -> dict[str, int]:
        one = lambda q: self.db.execute(q).fetchone()[0]  # noqa: E731
        return {
            "files": one("SELECT COUNT(*) FROM files WHERE doc_id IS NOT NULL"),
            "documents": one("SELECT COUNT(*) FROM docs WHERE state='complete'"),
            "chunks": one("SELECT COUNT(*) FROM chunks c JOIN docs d ON d.doc_id=c.doc_id WHERE d.state='complete'"),
            "pending": one("SELECT COUNT(*) FROM docs WHERE state!='complete'"),
        }


def _row_info(row: tuple) -> dict:
    info = json.loads(row[5] or "{}")
    info.update(doc_id=row[0], path=row[1], title=row[2], kind=row[3], n_chunks=row[4], state=row[6])
    return info


def _row_chunk(row: tuple) -> Chunk:
    return Chunk(chunk_id=row[0], doc_id=row[1], text=row[2], embed_text=row[3], meta=json.loads(row[4]))
