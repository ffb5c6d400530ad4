"""How well the draft mode's topic check (assistant.drafting.about_topic) tells background from unrelated material.

Topics come from two indexes without hand-picking: the agenda-item and section titles of index A are on-topic
questions for A, and the titles of index B are off-topic for A (two different municipalities' material) — and the
other way round, so a threshold chosen on one direction is checked on the other. For each threshold the script
reports the share of on-topic titles that still get background (kept) and the share of off-topic titles that get
background anyway (wrong), next to the draft mode without the check (any retrieved passage that is not weak).

    PYTHONPATH=. python evaluation/draft_relevance.py --a DATA_A --a-embedder hash:64 --b DATA_B \
        --b-embedder hash:64 --out benchmarks/results/draft-relevance.json
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

THRESHOLDS = (0.34, 0.5, 0.67, 0.75, 1.0)


def titles(index, limit: int = 150) -> list[str]:
    """Distinct item and section titles with at least two topic words (table-of-contents leaders removed)."""
    from assistant.extractive import topic_tokens

    out: dict[str, None] = {}
    for c in index.catalog.chunks():
        m = c.meta
        if m.get("access") not in (None, "", "public"):
            continue
        for t in (m.get("item_title"), m.get("section")):
            t = re.sub(r"\s*\.{3,}.*$", "", str(t or "")).strip()
            if 8 <= len(t) <= 90 and len(topic_tokens(t)) >= 2 and t.lower() not in ("lukket punkt",):
                out.setdefault(t, None)
    return sorted(out)[:limit]


def run(index, settings, topics: list[str]) -> list[dict]:
    """Per topic: weak retrieval, and the best topic coverage among the retrieved passages."""
    from assistant import drafting, extractive
    from assistant.retrieval import Retriever

    retriever = Retriever(index, settings)
    rows = []
    for t in topics:
        ret = retriever.retrieve(t, None)
        toks = extractive.topic_tokens(t)
        cov = max((drafting.topic_coverage(toks, h) for h in ret.hits), default=0.0)
        rows.append({"topic": t, "weak": bool(ret.weak or not ret.hits), "best_coverage": round(cov, 3)})
    return rows


def summarise(own: list[dict], other: list[dict]) -> dict:
    def share(rows, pred):
        return round(sum(1 for r in rows if pred(r)) / max(len(rows), 1), 3)

    out = {
        "n_on_topic": len(own),
        "n_off_topic": len(other),
        "without_check": {"kept": share(own, lambda r: not r["weak"]), "wrong": share(other, lambda r: not r["weak"])},
    }
    for th in THRESHOLDS:
        out[f"coverage>={th}"] = {
            "kept": share(own, lambda r: not r["weak"] and r["best_coverage"] >= th),
            "wrong": share(other, lambda r: not r["weak"] and r["best_coverage"] >= th),
        }
    return out


def main() -> None:
    from byraad.settings import Settings
    from vectorstore.index import Index

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True)
    ap.add_argument("--a-embedder", default="hash:64")
    ap.add_argument("--b", required=True)
    ap.add_argument("--b-embedder", default="hash:64")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    sa = Settings(data_dir=args.a, embedder=args.a_embedder)
    sb = Settings(data_dir=args.b, embedder=args.b_embedder)
    ia, ib = Index(sa), Index(sb)
    ta, tb = titles(ia), titles(ib)
    result = {
        "A": args.a,
        "B": args.b,
        "A_topics_on_A_vs_B_topics_on_A": summarise(run(ia, sa, ta), run(ia, sa, tb)),
        "B_topics_on_B_vs_A_topics_on_B": summarise(run(ib, sb, tb), run(ib, sb, ta)),
    }
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
