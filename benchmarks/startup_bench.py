"""Start-up benchmark: a cold `byraad ask` / `byraad retrieve` (a fresh process) against a warm question, and the
app's first answer.

    python benchmarks/startup_bench.py --data-dir D [--runs 5] [--out benchmarks/results/startup.json]

- cold: `python -m byraad.cli --data-dir D ask "…"` as a new process, wall time and its CPU time (user+sys), per
  run; the same for `retrieve`. The OS page cache is warm (the files were read before): "cold" is the process.
- warm: the same command with `--questions` over several questions: the per-question `total_ms` the answers report
  after the first (model, index and imports loaded).
- app: a fresh process that builds the app's resources (`ui.state.build_resources`, role server) and answers its
  first question through `Assistant.stream`: seconds to ready and to the first answer.
- for reference, the time to `import chromadb` in a fresh process (what a question no longer waits for when the
  index has its vector snapshot), and whether the ask process imported it at all.
The machine's 1-minute load average is recorded with every figure. Target: cold `byraad ask` ≤ 2 s on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's code, not the one the venv's editable install points at
TARGET_COLD_ASK_S = 2.0
QUESTIONS = [
    "Hvad besluttede byrådet om cykelstien langs Skovvej?",
    "Hvad står der i håndbogen om spørgetid?",
    "Hvem er formand for Teknik- og Miljøudvalget?",
    "Hvad koster restaureringen af vandløbet?",
    "Hvornår holdt Økonomiudvalget møde om budgettet?",
    "Hvad er Aarhuskompasset?",
]

APP = r"""
import json, os, sys, time
t0 = time.perf_counter()
from byraad.runtime import configure_process
configure_process("server")
from byraad.settings import Settings
from ui.state import build_resources
res = build_resources(Settings.load(None, {"data_dir": sys.argv[1]}, os.environ), dict(os.environ))
ready = time.perf_counter() - t0
first = None
for part in res.assistant.stream(sys.argv[2], None, []):
    if isinstance(part, str) and first is None:
        first = time.perf_counter() - t0
done = time.perf_counter() - t0
print(json.dumps({"ready_s": ready, "first_text_s": first, "answer_s": done, "chromadb": "chromadb" in sys.modules}))
"""


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "OPENBLAS_", "BYRAAD_PROCESS"))}
    return {**base, "PYTHONPATH": str(ROOT)}


def timed(argv: list[str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=env(), cwd=ROOT, timeout=600)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode not in (0, 1):
        sys.exit(out.stderr[-2000:])
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out.stdout


def med(xs: list[float]) -> float:
    s = sorted(xs)
    return round(s[len(s) // 2], 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "startup.json"))
    args = ap.parse_args()
    cli = [sys.executable, "-m", "byraad.cli", "--data-dir", args.data_dir]
    res: dict = {
        "benchmark": "start-up: cold process vs warm question",
        "data_dir": args.data_dir,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "target_cold_ask_s": TARGET_COLD_ASK_S,
    }
    timed(cli + ["ask", QUESTIONS[0]])  # page cache warm, __pycache__ written
    for cmd in ("ask", "retrieve"):
        walls, cpus, loads = [], [], []
        for i in range(args.runs):
            w, c, _ = timed(cli + [cmd, QUESTIONS[i % len(QUESTIONS)]])
            walls.append(w)
            cpus.append(c)
            loads.append(round(os.getloadavg()[0], 2))
        res[f"cold_{cmd}"] = {
            "wall_s": [round(x, 3) for x in walls],
            "wall_median_s": med(walls),
            "cpu_s": [round(x, 3) for x in cpus],
            "cpu_median_s": med(cpus),
            "loadavg_1min": loads,
        }
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for i, q in enumerate(QUESTIONS):  # distinct: each pays its own query embedding
            f.write(json.dumps({"id": i, "question": q}, ensure_ascii=False) + "\n")
    try:
        _, _, out = timed(cli + ["ask", "--questions", f.name])
    finally:
        os.unlink(f.name)
    totals = [json.loads(line)["timings"].get("total_ms") for line in out.splitlines() if line.strip()]
    totals = [t for t in totals if t is not None]
    res["warm_ask"] = {
        "first_total_ms": totals[0] if totals else None,
        "later_total_ms_median": med(totals[1:]) if len(totals) > 1 else None,
        "later_total_ms": totals[1:],
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }
    apps = []
    for i in range(max(1, args.runs // 2)):
        _, cpu, out = timed([sys.executable, "-c", APP, args.data_dir, QUESTIONS[i % len(QUESTIONS)]])
        apps.append(
            {
                **json.loads(out.strip().splitlines()[-1]),
                "cpu_s": round(cpu, 3),
                "loadavg_1min": round(os.getloadavg()[0], 2),
            }
        )
    res["app_first_answer"] = apps
    probe = (
        "import sys; from byraad.cli import main; "
        "main(['--data-dir', sys.argv[1], 'ask', 'spørgetid'], standalone_mode=False); "
        "print('CHROMADB', 'chromadb' in sys.modules)"
    )
    _, _, out = timed([sys.executable, "-c", probe, args.data_dir])
    res["ask_imports_chromadb"] = "CHROMADB True" in out
    runs = [timed([sys.executable, "-c", "import chromadb"])[:2] for _ in range(2)]
    res["import_chromadb_s"] = {
        "wall_s": [round(w, 3) for w, _ in runs],
        "cpu_s": [round(c, 3) for _, c in runs],
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }
    res["target_met"] = res["cold_ask"]["wall_median_s"] <= TARGET_COLD_ASK_S
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
