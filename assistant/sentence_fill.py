"""The sentence fill: embed, after ingest, the sentences of every indexed chunk that sentence-level retrieval
(assistant/sentence_rank.py: its sentences) or the extractive answerer (assistant/semantic.py: its candidate
sentences) needs, into the data dir's one sentence store (assistant/sentence_store.py); each sentence once.

    python -m assistant.sentence_fill --data-dir DIR
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any, Sequence

from assistant.extractive import candidate_texts
from assistant.semantic import SentenceScorer, has_meaning
from assistant.sentence_rank import chunk_sentences
from assistant.sentence_store import ranks, settle, store
from byraad.types import Hit

log = logging.getLogger(__name__)


def fill(index: Any, settings: Any) -> int:
    """Embed and store the sentences of every indexed chunk that retrieval (its sentences) or the answerer (its
    candidate sentences) needs and the store lacks; returns how many were embedded (0 for test vectors or when both
    are off). Closed chunks too: the store holds hashes and vectors, never text, and both readers only use a
    sentence of a passage the user may see. Safe to interrupt: what is stored stays stored."""
    chunks = list(index.all_chunks().values())
    texts: list[str] = []
    if ranks(settings, str(getattr(index.embedder, "id", "hash"))):
        texts += [t for c in chunks for t in chunk_sentences(c)]
    if has_meaning(settings):
        texts += [t for c in chunks for t in candidate_texts([Hit(chunk=c, score=0.0)])]
    if not texts:
        return 0
    path = store(settings)
    scorer = SentenceScorer(index.embedder, path)
    try:
        return scorer.fill(texts)
    finally:
        try:
            settle(path)
        except (OSError, sqlite3.Error) as e:
            log.warning("sætningslagerets generation ikke opdateret: %s", e)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from byraad.settings import Settings
    from vectorstore.index import Index

    ap = argparse.ArgumentParser(description="Embed the sentences of an index (sentence ranking and the answerer).")
    ap.add_argument("--data-dir", required=True)
    args = ap.parse_args(argv)
    settings = Settings.load(None, {"data_dir": args.data_dir}, os.environ)
    n = fill(Index(settings, environ=os.environ), settings)
    print(f"{n} sætninger indlejret i {store(settings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
