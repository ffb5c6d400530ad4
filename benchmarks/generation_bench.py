"""What an answer pays right after an ingest commits a document into the data dir the app serves.

    python benchmarks/generation_bench.py --data-dir D [--rounds 5] [--modes serve,sync]
                                          [--out benchmarks/results/generation.json]

Every document an ingest completes raises the catalog's generation (vectorstore/catalog.py), and the serving process
rebuilds what it keeps per generation: the chunk table and metadata columns (Index._build_state), the BM25 index
(Index._load_bm25: rebuilt unless the ingest saved it for that generation), the sentence list's matrix
(assistant/sentence_rank.py) and the sparse list's (assistant/sparse_rank.py). The load benchmark
(benchmarks/load_bench.py) ingests into a scratch data dir unless `--into served`; an admin page ingesting into the
served data dir raises the generation once per document. The server is built as the app builds it
(`ui.state.build_resources`, role "server") over a copy of D, answers every question of the external set once
(warm), then per round and mode: one answer at the same generation, the generation raised (as `complete_document`
does), one answer right after. Modes, interleaved in one run: `serve` — the app's serving index (Index.background:
the next snapshot built by a background thread, the answer served from the previous one meanwhile; also timed: how
long until the next snapshot is published), `sync` — the previous behaviour (rebuilt in the first answer's path).
Answer CPU is the process's (all threads: in `serve` it includes whatever of the background build ran meanwhile).
Each rebuild step is also timed on its own (wall and process CPU). Writes p50/max per cell.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn) -> tuple[float, float]:
    c0, t0 = _cpu(), time.perf_counter()
    fn()
    return 1000 * (time.perf_counter() - t0), 1000 * (_cpu() - c0)


def main() -> None:
    ap = argparse.ArgumentParser(description="an answer right after the catalog generation changes")
    ap.add_argument("--data-dir", required=True, help="an ingested data dir (copied; the copy's generation is raised)")
    ap.add_argument("--rounds", type=int, default=5, help="generation changes measured")
    ap.add_argument("--modes", default="serve,sync", help="serve (background rebuild) and/or sync (in the path)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "generation.json"))
    args = ap.parse_args()
    from byraad.runtime import configure_process

    configure_process("server")
    from benchmarks.load_bench import chat_turn, load_questions
    from byraad.settings import Settings
    from ui.state import build_resources

    modes = [m for m in args.modes.split(",") if m]
    if not modes or set(modes) - {"serve", "sync"}:
        sys.exit("--modes: serve and/or sync")
    tmp = Path(tempfile.mkdtemp(prefix="byraad-genbench-"))
    try:
        data = tmp / "data"
        shutil.copytree(args.data_dir, data)
        s = Settings.load(None, {"data_dir": str(data)}, os.environ)
        res = build_resources(s, dict(os.environ))
        idx, ret = res.index, res.assistant.retriever
        qs = load_questions()
        for q in qs:
            chat_turn(res, q, [])

        def bump() -> None:
            with idx.catalog.transaction() as db:
                idx.catalog._bump(db)

        def build_steps() -> dict:
            gen = idx.catalog.generation()
            out: dict = {}
            out["chunks_and_columns"] = timed(lambda: out.setdefault("st", idx._build_state(gen)))
            _, chunks, cols = out.pop("st")
            out["bm25"] = timed(lambda: idx._load_bm25(gen, chunks))
            # the same without the previous build's token lists (as before session 10; here no text changed, so
            # `bm25` above tokenizes nothing: an ingest's new document adds the tokenizing of its chunks alone)
            from vectorstore.bm25 import BM25Index

            ids = list(chunks)
            out["bm25_from_scratch"] = timed(lambda: BM25Index.build(ids, [chunks[i].embed_text for i in ids]))
            if ret.sentences is not None:
                out["sentence_matrix"] = timed(lambda: ret.sentences._build(chunks, cols))
                kept, ret.sentences._reuse = ret.sentences._reuse, None  # and without the last build's vectors
                out["sentence_matrix_from_scratch"] = timed(lambda: ret.sentences._build(chunks, cols))
                ret.sentences._reuse = kept
            if ret.sparse is not None:
                out["sparse_matrix"] = timed(lambda: ret.sparse._build(chunks, cols))
                kept, ret.sparse._reuse = ret.sparse._reuse, None  # and without the last build's rows (session 11)
                out["sparse_matrix_from_scratch"] = timed(lambda: ret.sparse._build(chunks, cols))
                ret.sparse._reuse = kept
            return out

        got: dict[str, list[tuple[float, float]]] = {}
        same: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
        after: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
        published: list[tuple[float, float]] = []
        for r in range(args.rounds):
            q = qs[r % len(qs)]
            for mode in modes if r % 2 == 0 else modes[::-1]:
                idx.background = mode == "serve"
                idx.wait_fresh(60)
                ret.clear_query_cache()
                same[mode].append(timed(lambda: chat_turn(res, q, [])))
                bump()
                ret.clear_query_cache()
                after[mode].append(timed(lambda: chat_turn(res, q, [])))
                if mode == "serve":
                    published.append(timed(lambda: idx.wait_fresh(60)))
            bump()
            idx.background = False
            for k, v in build_steps().items():
                got.setdefault(k, []).append(v)
        idx.background = True

        def cell(xs: list[tuple[float, float]]) -> dict:
            return {
                "wall_p50_ms": round(statistics.median(x[0] for x in xs), 1),
                "wall_max_ms": round(max(x[0] for x in xs), 1),
                "cpu_p50_ms": round(statistics.median(x[1] for x in xs), 1),
            }

        out = {
            "benchmark": "an answer right after the catalog generation changes (an ingest completing a document)",
            "data_dir": args.data_dir,
            "chunks": len(idx.all_chunks()),
            "rounds": args.rounds,
            "loadavg_1min": round(os.getloadavg()[0], 2),
            "modes": {
                m: {
                    "answer_same_generation": cell(same[m]),
                    "answer_after_new_generation": cell(after[m]),
                    **({"next_snapshot_published_after_answer": cell(published)} if m == "serve" else {}),
                }
                for m in modes
            },
            "rebuild_steps": {k: cell(v) for k, v in got.items()},
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = json.dumps(out, ensure_ascii=False, indent=2)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
