"""The data dir's one store of sentence vectors, `<data_dir>/sentences.sqlite`: sha256 of embedder id + sentence →
float32 vector (a vectorstore.embedcache file: hashes and vectors, never text; private to the service user).

Two readers share it: sentence-level retrieval (assistant/sentence_rank.py, the sentences of every chunk as a third
ranked list) and the extractive answerer's scoring by meaning (assistant/semantic.py, the candidate sentences of
the hits). Most sentences are both, so one store embeds each of them once: assistant/sentence_fill.py (after
`byraad ingest`, in `byraad eval`, or `python -m assistant.sentence_fill --data-dir …`) embeds what either needs
and is missing.

The answerer may embed a few missing sentences at question time and store them. Those writes leave the store's
*generation* alone: a number in the file (table meta) that only `fill()` raises, when it stored something or the
store holds vectors a fill has not counted yet (an interrupted fill, answers). The ranker builds its in-memory matrix
per catalog generation and store generation, so an answer never makes it rebuild in the middle of the service.
The generation is vectorstore.embedcache's (`settle`, `Generation`), the same as the sparse store's.

Data dirs from before held two files: `retrieval-sentences.sqlite` (retrieval) next to `sentences.sqlite` (the
answerer). The first `store()` (ranker, scorer or fill) copies the retrieval file's vectors into the one store and
removes the old file; if that fails (logged), the ranker keeps reading the old file as before.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from vectorstore.embedcache import bump, open_db

log = logging.getLogger(__name__)

STORE = "sentences.sqlite"
OLD_RETRIEVAL_STORE = "retrieval-sentences.sqlite"  # the retrieval store of data dirs from before the merge


def old_retrieval_store(settings: Any) -> Path:
    return Path(settings.data_dir) / OLD_RETRIEVAL_STORE


def store(settings: Any) -> Path:
    """The data dir's sentence store (an old layout's retrieval store merged into it first, once)."""
    path = Path(settings.data_dir) / STORE
    old = old_retrieval_store(settings)
    if old.exists():
        _merge(old, path)
    return path


def _merge(old: Path, path: Path) -> None:
    """Copy the vectors of an old retrieval store into the one store (those it lacks), then remove the old file.
    Safe to run by several processes at once (each copy is one transaction; a removed file is not created again)."""
    try:
        src = sqlite3.connect(f"file:{old}?mode=rw", uri=True, timeout=30)  # never creates a removed file
        try:
            rows = src.execute("SELECT k, v FROM vec").fetchall()
        finally:
            src.close()
        db = open_db(path)
        try:
            with db:
                db.executemany("INSERT OR IGNORE INTO vec (k, v) VALUES (?, ?)", rows)
                bump(db)
        finally:
            db.close()
        for suffix in ("", "-wal", "-shm"):
            old.with_name(old.name + suffix).unlink(missing_ok=True)
        log.info("sætningsvektorer fra %s flyttet til %s (%d)", old.name, path.name, len(rows))
    except (OSError, sqlite3.Error) as e:
        if old.exists():
            log.warning("kunne ikke flytte %s ind i %s (%s); søgningen læser den gamle fil", old, path, e)


def ranks(settings: Any, embedder_id: str | None = None) -> bool:
    """Whether retrieval ranks by sentence: sentence_weight > 0 and an embedder that carries meaning (the index's
    when given, else settings.embedder; the test vectors, hash:, carry none)."""
    eid = str(settings.embedder if embedder_id is None else embedder_id)
    return settings.sentence_weight > 0 and not eid.startswith("hash")
