"""Compare retrieval settings on every question set in one process, over indexes built once (issue 12).

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite .venv/bin/python benchmarks/retrieval_variants.py \
        --variant base='{}' --variant cap10='{"max_per_doc": 10}' [--sets shared,sources,external] [--data-dir DIR]

Each variant is a JSON object of Settings overrides that do not change the index (ranking knobs: max_per_doc,
retrieve_k, rrf_k, dense_weight, bm25_weight, …); the index of each set is built (or reused, like `byraad eval`)
once. Reported per set and, for our own sets, per document half ("tune" = where a knob may be chosen, "check" =
documents never tuned on; evaluation/splits.py): recall@1/5/10, MRR@10 and both-parts-in-top-10. The external set
is a check set only. Writes benchmarks/results/retrieval-variants-<label>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_sets import SETS, SHARED, half_metrics, save_results  # noqa: E402

METRICS = ("recall_at_1", "recall_at_5", "recall_at_10", "mrr", "all_parts_at_10")


def open_set(name: str, base, progress: bool = True):
    """(cases, index, settings, document halves, matching rule) of one set, its index built or reused."""
    from evaluation.config import load_config
    from evaluation.dataset import load_testset
    from evaluation.runner import (
        build_systems,
        corpus_hash,
        eval_settings,
        index_settings_fingerprint,
        resolve_corpus,
        reusable_index,
        write_stamp,
    )
    from evaluation.splits import document_halves

    testset, config, folders = SETS[name]
    cfg = dataclasses.replace(load_config(config), answers=False, systems=("hybrid",), thresholds={})
    cases = load_testset(testset, [])
    roots = resolve_corpus(cases, [SHARED / f for f in folders])
    settings = eval_settings(base, cfg, roots)
    key, fp = corpus_hash(roots), index_settings_fingerprint(settings)
    found = reusable_index(settings, key, fp, Path(base.data_dir), os.environ)
    if found is not None:
        settings = settings.replace(data_dir=str(found))
    systems, _, _, _ = build_systems(("hybrid",), settings, roots, cfg, os.environ, progress, reuse=found is not None)
    if found is None:
        write_stamp(settings, key, fp, roots)
    index = systems[0].index
    halves = document_halves(cases) if name != "external" else {}
    return cases, index, settings, halves, cfg.matching


def score(cases, retriever, rule: str, k: int = 10, user=None) -> list[dict]:
    """Per-case retrieval rows in the shape of `byraad eval`'s cases.jsonl (what evaluation.metrics.summarise reads),
    passages matched on chunk text + source text as the runner does."""
    from byraad.access import User
    from evaluation.matching import split_evidence
    from evaluation.metrics import is_answerable

    user = user or User("eval-byraadsmedlem", ("byraadsmedlem",))
    rows = []
    for c in cases:
        evs = split_evidence(c.evidence)
        if not evs or not is_answerable(c.kind):
            continue
        rows.append(case_row(c, evs, retriever.retrieve(c.question, user, k=k).hits, retriever.index, rule))
    return rows


def case_row(case, evs: list[str], hits, index, rule: str) -> dict:
    """One case's retrieval row: its evidence parts matched on the hits' chunk text + source text."""
    from evaluation.matching import prepare_passage
    from evaluation.metrics import retrieval_scores

    rs = retrieval_scores(
        evs, [prepare_passage(h.chunk.text, index.source_text(h.chunk.chunk_id)) for h in hits], rule=rule
    )
    return {
        "id": case.id,
        "kind": case.kind,
        "scored_retrieval": True,
        "evidence_count": len(evs),
        "recall": rs["recall"],
        "rr": rs["rr"],
        "ndcg10": rs["ndcg10"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", action="append", default=[], help="name=JSON settings overrides (repeatable)")
    ap.add_argument("--sets", default="shared,sources,external")
    ap.add_argument("--label", default="")
    ap.add_argument("--settings", default="{}", help="JSON Settings overrides for the index itself (e.g. chunking)")
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / ".byraad"))
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"{SHARED} findes ikke: intet at måle", file=sys.stderr)
        return 0
    from assistant.retrieval import Retriever
    from byraad.settings import Settings
    from evaluation.metrics import summarise

    variants = [(v.split("=", 1)[0], json.loads(v.split("=", 1)[1])) for v in (args.variant or ["base={}"])]
    base = Settings.load(overrides={"data_dir": args.data_dir, **json.loads(args.settings)})
    out: dict = {
        "label": args.label,
        "settings": json.loads(args.settings),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "sets": {},
    }
    for name in args.sets.split(","):
        cases, index, settings, halves, rule = open_set(name, base)
        out["sets"][name] = {}
        for vname, over in variants:
            retriever = Retriever(index, settings.replace(**over) if over else settings)
            rows = score(cases, retriever, rule)
            s = summarise(rows)
            entry = {"all": {"cases": s["cases"], **{m: s[m] for m in METRICS}}}
            if halves:
                entry.update(half_metrics(rows, halves, {c.id: c.source_file for c in cases}))
            entry["misses_at_5"] = [r["id"] for r in rows if r["recall"]["5"] < 1.0]
            out["sets"][name][vname] = entry
            print(
                f"{name:9s} {vname:14s} "
                + " ".join(f"{m.replace('recall_at_', 'r@')}={entry['all'][m] or 0:.3f}" for m in METRICS)
                + "".join(f" | {h} r@5={entry[h]['recall_at_5'] or 0:.3f}" for h in ("tune", "check") if h in entry),
                flush=True,
            )
    if args.label:
        save_results(f"retrieval-variants-{args.label}", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
