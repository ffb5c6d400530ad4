"""Retrieval on every question set: ours (hybrid, dense, BM25) vs the naive LangChain pipeline vs BM25 on the naive
chunks, on our shared-corpus set, the real-sources set and the external development set (issue 12).

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite \
    .venv/bin/python benchmarks/retrieval_sets.py --label after [--sets shared,sources,external] [--data-dir DIR]

Per set and system: evidence in the top 1/5/10 (recall@k: share of a case's evidence parts retrieved, averaged),
MRR@10, and "both parts of a two-passage question in the top 10" (all_parts_at_10). Our own sets are also reported
per document half (evaluation/splits.py: "tune" = where weights may be chosen, "check" = documents never tuned on);
the external set (../shared/eval/external-dev.jsonl) is scored with its own matching rule and never tuned on.
Retrieval only (no answers). Indexes are reused when corpus and settings are unchanged (see evaluation/README.md).
Writes benchmarks/results/retrieval-sets-<label>.json and prints a Markdown table; reports per set go to
benchmarks/results/retrieval-sets/<label>/<set>/ (not committed).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's code, not the one the venv's editable install points at
SHARED = Path(os.environ.get("BYRAAD_SHARED_DIR") or ROOT.parent / "shared")  # a worktree elsewhere sets it
RESULTS = ROOT / "benchmarks" / "results"
SYSTEMS = ("hybrid", "dense", "bm25", "naive", "naive-bm25")
METRICS = ("recall_at_1", "recall_at_5", "recall_at_10", "mrr", "all_parts_at_10")
SETS = {  # name: (test set, config, corpus folders inside ../shared — the same as the config names)
    "shared": (
        ROOT / "evaluation" / "testsets" / "shared_corpus.jsonl",
        ROOT / "evaluation" / "configs" / "shared.toml",
        ("corpus",),
    ),
    "sources": (
        ROOT / "evaluation" / "testsets" / "shared_sources.jsonl",
        ROOT / "evaluation" / "configs" / "shared_sources.toml",
        ("corpus-pdf", "esdh", "html"),
    ),
    "external": (
        SHARED / "eval" / "external-dev.jsonl",
        ROOT / "evaluation" / "configs" / "external.toml",
        ("corpus", "corpus-pdf"),
    ),
}


def save_results(name: str, data: dict) -> Path:
    """Write one benchmark's results as benchmarks/results/<name>.json (indented, UTF-8); returns the path."""
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def diagnostic_main(doc: str, prefix: str, run, table, add_args=None, **extra) -> int:
    """The command line of a per-set retrieval diagnostic (retrieval_lists.py, retrieval_rerank.py): --sets, --label,
    --data-dir (+ `add_args(parser)`); `run(name, base settings, args)` for each set, the results printed as
    `table(results)` and, with a label, saved as benchmarks/results/<prefix>-<label>.json."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--sets", default="shared,sources,external")
    ap.add_argument("--label", default="")
    ap.add_argument("--data-dir", default=str(ROOT / ".byraad"))
    if add_args is not None:
        add_args(ap)
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"{SHARED} findes ikke: intet at måle", file=sys.stderr)
        return 0
    from byraad.settings import Settings

    base = Settings.load(overrides={"data_dir": args.data_dir})
    results = {"label": args.label, **extra, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sets": {}}
    for name in args.sets.split(","):
        results["sets"][name] = run(name, base, args)
    print(table(results))
    if args.label:
        save_results(f"{prefix}-{args.label}", results)
    return 0


def half_metrics(rows: list[dict], halves: dict[str, str], sources: dict[str, str]) -> dict[str, dict]:
    """The metrics of one system's cases.jsonl rows per document half."""
    from evaluation.metrics import summarise
    from evaluation.splits import HALVES, half_of

    out = {}
    for h in HALVES:
        sub = [r for r in rows if r.get("scored_retrieval") and half_of(sources.get(r["id"], ""), halves) == h]
        s = summarise(sub)
        out[h] = {"cases": len(sub), **{m: s.get(m) for m in METRICS}}
    return out


def run_set(name: str, base, systems: tuple[str, ...], out: Path) -> dict:
    from evaluation.config import load_config
    from evaluation.dataset import load_testset
    from evaluation.runner import evaluate
    from evaluation.splits import document_halves

    testset, config, folders = SETS[name]
    cfg = dataclasses.replace(load_config(config), answers=False, systems=systems, thresholds={})
    t0 = time.time()
    res = evaluate(testset, out, base, cfg, corpus=[SHARED / f for f in folders], environ=os.environ, progress=True)
    cases = load_testset(testset, [])
    entry = {
        "testset": str(testset),
        "matching": cfg.matching,
        "index_reused": res.get("index_reused"),
        "cases_with_evidence": sum(1 for c in cases if c.evidence),
        "duration_s": round(time.time() - t0, 1),
        "systems": {s: {m: res["systems"][s].get(m) for m in METRICS} for s in systems},
    }
    multi = sum(1 for c in cases if c.evidence.count(" ||| ") >= 1)
    entry["two_passage_cases"] = multi
    if name != "external":
        halves = document_halves(cases)
        srcs = {c.id: c.source_file for c in cases}
        rows = [json.loads(line) for line in (out / "cases.jsonl").read_text(encoding="utf-8").splitlines()]
        entry["halves"] = {s: half_metrics([r for r in rows if r["system"] == s], halves, srcs) for s in systems}
        entry["split"] = halves
    return entry


def table(results: dict) -> str:
    lines = []
    for name, e in results["sets"].items():
        lines.append(
            f"\n### {name} ({e['cases_with_evidence']} with evidence, {e['two_passage_cases']} two-passage;"
            f" matching {e['matching']})\n"
        )
        lines.append("| | " + " | ".join(e["systems"]) + " |")
        lines.append("|---" * (len(e["systems"]) + 1) + "|")
        for m in METRICS:
            vals = [e["systems"][s].get(m) for s in e["systems"]]
            lines.append(f"| {m} | " + " | ".join("–" if v is None else f"{v:.3f}" for v in vals) + " |")
        for h in ("tune", "check"):
            if "halves" in e:
                lines.append(
                    f"| recall_at_5 ({h} half) | "
                    + " | ".join(
                        "–" if e["halves"][s][h]["recall_at_5"] is None else f"{e['halves'][s][h]['recall_at_5']:.3f}"
                        for s in e["systems"]
                    )
                    + " |"
                )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", required=True, help="e.g. before / after (names the results file)")
    ap.add_argument("--sets", default="shared,sources,external")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--data-dir", default=str(ROOT / ".byraad"))
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"{SHARED} findes ikke: intet at måle", file=sys.stderr)
        return 0
    from byraad.settings import Settings

    base = Settings.load(overrides={"data_dir": args.data_dir})
    systems = tuple(s for s in args.systems.split(",") if s)
    path = RESULTS / f"retrieval-sets-{args.label}.json"
    results = {"label": args.label, "sets": {}}
    if path.is_file():  # a run of some sets updates those and keeps the others
        results = json.loads(path.read_text(encoding="utf-8"))
    results["started"] = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        import subprocess

        results["commit"] = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        pass
    for name in args.sets.split(","):
        results["sets"][name] = run_set(name, base, systems, RESULTS / "retrieval-sets" / args.label / name)
        save_results(path.stem, results)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
