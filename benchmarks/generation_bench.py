"""What an answer pays right after an ingest commits a document into the data dir the app serves.

    python benchmarks/generation_bench.py --data-dir D [--rounds 5] [--out benchmarks/results/generation.json]

Every document an ingest completes raises the catalog's generation (vectorstore/catalog.py), and the serving process
rebuilds what it keeps per generation at the next question: the chunk table and metadata columns
(Index._current), the BM25 index (Index.bm25: rebuilt unless the ingest saved it for that generation), the sentence
list's matrix (assistant/sentence_rank.py) and the sparse list's (assistant/sparse_rank.py). The load benchmark
(benchmarks/load_bench.py) ingests into a scratch data dir, so it never sees this; an admin page ingesting into the
served data dir does, once per document. The server is built as the app builds it (`ui.state.build_resources`, role
"server") over a copy of D, answers every question of the external set once (warm), then per round: one answer at the
same generation, the generation raised (as `complete_document` does), each rebuild step timed on its own (wall and
process CPU), then one answer again. Writes p50/max per step and both answers' wall/CPU.
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
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "generation.json"))
    args = ap.parse_args()
    from byraad.runtime import configure_process

    configure_process("server")
    from benchmarks.load_bench import chat_turn, load_questions
    from byraad.settings import Settings
    from ui.state import build_resources

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
        steps = {
            "chunks_and_columns": lambda: idx._current(),
            "bm25": lambda: idx.bm25(),
            "sentence_matrix": (lambda: ret.sentences._matrix()) if ret.sentences is not None else None,
            "sparse_matrix": (lambda: ret.sparse._matrix()) if ret.sparse is not None else None,
        }
        got: dict[str, list[tuple[float, float]]] = {k: [] for k, f in steps.items() if f is not None}
        same: list[tuple[float, float]] = []
        after: list[tuple[float, float]] = []
        for r in range(args.rounds):
            q = qs[r % len(qs)]
            ret.clear_query_cache()
            same.append(timed(lambda: chat_turn(res, q, [])))
            with idx.catalog.transaction() as db:
                idx.catalog._bump(db)
            for k in got:
                got[k].append(timed(steps[k]))
            with idx.catalog.transaction() as db:
                idx.catalog._bump(db)
            ret.clear_query_cache()
            after.append(timed(lambda: chat_turn(res, q, [])))

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
            "answer_same_generation": cell(same),
            "answer_after_new_generation": cell(after),
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
