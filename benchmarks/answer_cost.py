"""CPU and wall time of one extractive answer under settings variants, interleaved in one process.

    python benchmarks/answer_cost.py --data-dir D [--variant on='{}' --variant off='{"sparse_weight":0}']
                                     [--testset ../shared/eval/external-dev.jsonl] [--out benchmarks/results/answer-cost.json]

Each variant is its own `build_assistant` over the same ingested data dir D (process set up as the server is,
`byraad.runtime.configure_process("server")`). Every question is answered once per variant, the variants' order
alternating per question, so both see the same machine; reported per variant: p50/p95/mean of the process CPU time
per answer (all threads: what the machine's load does not change) and of the wall time. Made to price the sparse
list (assistant/sparse_rank.py: one more encoding of the question per answer).
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


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--variant", action="append", default=[], help="name=JSON settings overrides")
    ap.add_argument("--testset", default=str(SHARED / "eval" / "external-dev.jsonl"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "answer-cost.json"))
    args = ap.parse_args()
    from byraad.runtime import configure_process

    configure_process("server")
    from assistant.assistant import build_assistant
    from byraad.settings import Settings

    variants = dict(v.split("=", 1) for v in args.variant) or {"on": "{}", "off": '{"sparse_weight": 0}'}
    questions = [json.loads(line)["question"] for line in Path(args.testset).read_text().splitlines() if line.strip()]
    built = {}
    for name, spec in variants.items():
        settings = Settings.load(None, {"data_dir": args.data_dir, **json.loads(spec)}, os.environ)
        built[name] = build_assistant(settings, audit=False)
        built[name].answer(questions[0])  # warm: models, matrices, stores
    times: dict[str, dict[str, list[float]]] = {n: {"cpu_ms": [], "wall_ms": []} for n in built}
    for i, q in enumerate(questions):
        for name in list(built) if i % 2 == 0 else list(built)[::-1]:
            c0, w0 = time.process_time(), time.perf_counter()
            built[name].answer(q)
            times[name]["cpu_ms"].append((time.process_time() - c0) * 1000)
            times[name]["wall_ms"].append((time.perf_counter() - w0) * 1000)
    out = {
        "benchmark": "answer_cost",
        "data_dir": args.data_dir,
        "testset": args.testset,
        "questions": len(questions),
        "variants": variants,
        "load_avg_after": os.getloadavg(),
        "results": {
            n: {
                m: {"p50": round(pct(v, 0.5), 1), "p95": round(pct(v, 0.95), 1), "mean": round(statistics.mean(v), 1)}
                for m, v in r.items()
            }
            for n, r in times.items()
        },
    }
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps(out["results"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
