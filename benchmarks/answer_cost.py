"""CPU and wall time of one extractive answer under settings variants, interleaved in one process, idle and busy.

    python benchmarks/answer_cost.py --data-dir D [--variant on='{}' --variant seq='{"sparse_ahead": false}'
                                     --variant off='{"sparse_weight":0}'] [--loads idle,ingest,burn-session]
                                     [--rounds 1] [--testset ../shared/eval/external-dev.jsonl]
                                     [--out benchmarks/results/answer-cost.json]

Each variant is its own `build_assistant` over the same ingested data dir D (process set up as the server is,
`byraad.runtime.configure_process("server")`). A variant is a JSON of settings overrides; the key `sparse_ahead`
(false) is not a setting: it turns off the question's sparse encoding in a helper thread while its dense vector is
embedded (assistant/sparse_rank.py `SparseRanker.prefetch`), so the two run one after the other as before. Every
question is answered once per variant, the variants' order rotating per question, so all see the same machine; the
whole set once per load and round, the loads as benchmarks/embed_contention_bench.py makes them (idle: nothing of
ours beside it; ingest: a passage-embedding process as the admin page starts one, niced 10, every core; burn-session:
two pure-Python loops at normal priority in a session of their own, both cores busy). Reported per load and variant:
p50/p95/mean of the process CPU time per answer (all threads: what the machine's load does not change) and of the
wall time (what a member waits). The question caches are cleared before every answer (each pays its encodings).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("BYRAAD_SHARED_DIR") or ROOT.parent / "shared")
DEFAULT = {"on": "{}", "seq": '{"sparse_ahead": false}', "off": '{"sparse_weight": 0}'}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--variant", action="append", default=[], help="name=JSON settings overrides")
    ap.add_argument("--loads", default="idle,ingest,burn-session")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--testset", default=str(SHARED / "eval" / "external-dev.jsonl"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "answer-cost.json"))
    args = ap.parse_args()
    from byraad.runtime import autogroup_nice, configure_process

    configure_process("server")
    from assistant.assistant import build_assistant
    from benchmarks.embed_contention_bench import start_load, stop
    from byraad.settings import Settings

    variants = dict(v.split("=", 1) for v in args.variant) or dict(DEFAULT)
    loads = args.loads.split(",")
    questions = [json.loads(line)["question"] for line in Path(args.testset).read_text().splitlines() if line.strip()]
    built = {}
    for name, spec in variants.items():
        over = json.loads(spec)
        ahead = over.pop("sparse_ahead", True)
        settings = Settings.load(None, {"data_dir": args.data_dir, **over}, os.environ)
        built[name] = build_assistant(settings, audit=False)
        if built[name].retriever.sparse is not None:
            built[name].retriever.sparse.ahead = ahead
        built[name].answer(questions[0])  # warm: models, matrices, stores
    names = list(built)
    times = {lv: {n: {"cpu_ms": [], "wall_ms": []} for n in names} for lv in loads}
    loadavg: dict[str, list[float]] = {lv: [] for lv in loads}
    for r in range(args.rounds):
        for lv in loads:
            procs = start_load(lv)
            try:
                time.sleep(3 if procs else 0.5)  # let the load reach full speed
                for i, q in enumerate(questions):
                    k = (i + r) % len(names)
                    for name in names[k:] + names[:k]:
                        built[name].retriever.clear_query_cache()  # each answer pays its question's encodings
                        c0, w0 = time.process_time(), time.perf_counter()
                        built[name].answer(q)
                        times[lv][name]["cpu_ms"].append((time.process_time() - c0) * 1000)
                        times[lv][name]["wall_ms"].append((time.perf_counter() - w0) * 1000)
                loadavg[lv].append(round(os.getloadavg()[0], 2))
            finally:
                stop(procs)
            print(f"round {r + 1} {lv} done", file=sys.stderr, flush=True)
    out = {
        "benchmark": "answer_cost",
        "data_dir": args.data_dir,
        "testset": args.testset,
        "questions": len(questions),
        "rounds": args.rounds,
        "variants": variants,
        "loads": loads,
        "loadavg_1min": loadavg,
        "machine": {"cpus": os.cpu_count()},
        # a run at a raised priority in a session of its own (nice -10 and its autogroup's nice) sees a machine
        # busy with other users' jobs about as an idle one
        "priority": {"nice": os.getpriority(os.PRIO_PROCESS, 0), "autogroup_nice": autogroup_nice()},
        "results": {
            lv: {
                n: {
                    m: {
                        "p50": round(pct(v, 0.5), 1),
                        "p95": round(pct(v, 0.95), 1),
                        "mean": round(statistics.mean(v), 1),
                    }
                    for m, v in r.items()
                }
                for n, r in per.items()
            }
            for lv, per in times.items()
        },
    }
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps(out["results"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
