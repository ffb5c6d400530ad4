"""Where the evidence sits in each ranked list, and what outranks it (issue 12): is a miss at rank 1 the fusion's fault
(some list had the evidence first) or do all lists rank something else higher?

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite .venv/bin/python benchmarks/retrieval_lists.py --data-dir DIR \
        [--sets shared,sources,external] [--label s7]

For every answerable case of each set (index built or reused as `byraad eval` does; council member, k = 10): the
best rank of the evidence in each of the lists that hybrid retrieval fuses (dense, BM25, sentences, sparse latent
terms; each read `DEPTH` deep with the query the fused search used, date relaxation included) and in the fused top 10.
Per set and document half (evaluation/splits.py; the external set is a check set only):

- `rank1`: evidence at fused rank 1;
- `fusion_lost`: not at fused rank 1 although some list had it first (a fusion problem);
- `lists_agree_elsewhere`: no list had it first, but the best list had it in its top 5 / top 20 / top DEPTH, or
  nowhere (`not_listed`: a ranking problem no fusion weight can fix);
- for the misses at rank 1, what the fused rank-1 passage is: the same unit as the evidence (same header: item or
  section), another unit of the same document, or another document;
- `sibling_pairs`: pairs of passages of one unit in the fused top 5 of which exactly one holds evidence, and how
  often the fused list and each single list put the evidence one first (can a list that is better at telling
  siblings apart be given more weight?).

Writes benchmarks/results/retrieval-lists-<label>.json (per case and aggregated) and prints a Markdown table.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_sets import diagnostic_main  # noqa: E402
from retrieval_variants import open_set  # noqa: E402

DEPTH = 100  # how deep each list is read
LISTS = ("dense", "bm25", "sentence", "sparse")
BUCKETS = ("rank1", "fusion_lost", "best_list_top5", "best_list_top20", f"best_list_top{DEPTH}", "not_listed")


def lists_of(retriever, query, depth: int = DEPTH) -> dict[str, list[str]]:
    """The chunk ids of each ranked list hybrid retrieval fuses, `depth` deep, for a built query."""
    r = retriever
    old = r.settings
    r.settings = old.replace(retrieve_k=max(depth, old.retrieve_k))
    try:
        vec = r._query_vector(query.expanded)
        return {
            "dense": [h.chunk.chunk_id for h in r.index.dense_search(query.expanded, depth, query.flt, vector=vec)],
            "bm25": [h.chunk.chunk_id for h in r.index.lexical_search(query.expanded, depth, query.flt)],
            "sentence": [h.chunk.chunk_id for h in r._sentence_search(query)],
            "sparse": [h.chunk.chunk_id for h in r._sparse_search(query)],
        }
    finally:
        r.settings = old


def bucket(fused_first: int | None, best: dict[str, int | None]) -> str:
    """The bucket of one case (see the module docstring) from the fused first hit and each list's best rank."""
    if fused_first == 1:
        return "rank1"
    ranks = [v for v in best.values() if v is not None]
    top = min(ranks) if ranks else None
    if top == 1:
        return "fusion_lost"
    if top is None:
        return "not_listed"
    return "best_list_top5" if top <= 5 else "best_list_top20" if top <= 20 else f"best_list_top{DEPTH}"


def relation(first, evidence) -> str:
    """What the fused rank-1 chunk is to the nearest evidence chunk: same unit (header), same document, other."""
    if any(first.meta.get("header") and first.meta.get("header") == e.meta.get("header") for e in evidence):
        return "same_unit"
    if any(first.doc_id == e.doc_id for e in evidence):
        return "same_document"
    return "other_document" if evidence else "evidence_not_listed"


def sibling_pairs(top, hit, lists: dict[str, list[str]]) -> dict[str, int]:
    """Pairs of `top` (in fused order) from one unit (same header) of which exactly one holds evidence: how many, and
    for the fused list and each single list how often the evidence one is ranked first."""
    pos = {n: {cid: i for i, cid in enumerate(ids)} for n, ids in lists.items()}
    out = dict.fromkeys(("pairs", "fused", *LISTS), 0)
    for i, a in enumerate(top):
        for b in top[i + 1 :]:
            if not a.meta.get("header") or a.meta.get("header") != b.meta.get("header"):
                continue
            ea, eb = hit(a.chunk_id), hit(b.chunk_id)
            if ea == eb:
                continue
            ev, other = (a, b) if ea else (b, a)
            out["pairs"] += 1
            out["fused"] += ea
            for n, p in pos.items():
                out[n] += p.get(ev.chunk_id, 10**6) < p.get(other.chunk_id, 10**6)
    return out


def run_set(name: str, base) -> dict:
    from assistant.retrieval import Retriever
    from byraad.access import User
    from evaluation.matching import matched_parts, prepare_passage, split_evidence
    from evaluation.metrics import is_answerable
    from evaluation.splits import half_of

    cases, index, settings, halves, rule = open_set(name, base, progress=False)
    retriever = Retriever(index, settings)
    user = User("eval-byraadsmedlem", ("byraadsmedlem",))
    chunks = index.all_chunks()
    memo: dict[tuple[str, str], bool] = {}
    out = []
    for c in cases:
        evs = split_evidence(c.evidence)
        if not evs or not is_answerable(c.kind):
            continue

        def hit(cid: str) -> bool:
            key = (c.id, cid)
            if key not in memo:
                p = prepare_passage(chunks[cid].text, index.source_text(cid))
                memo[key] = bool(matched_parts(evs, p, rule))
            return memo[key]

        res = retriever.retrieve(c.question, user, k=10)
        fused = [h.chunk.chunk_id for h in res.hits]
        first = next((i + 1 for i, cid in enumerate(fused) if hit(cid)), None)
        lists = lists_of(retriever, res.query)
        best = {n: next((i + 1 for i, cid in enumerate(ids) if hit(cid)), None) for n, ids in lists.items()}
        evidence = [chunks[cid] for ids in lists.values() for cid in ids if hit(cid)]
        row = {
            "id": c.id,
            "half": half_of(c.source_file, halves) if halves else "external",
            "fused_first": first,
            "best": best,
            "bucket": bucket(first, best),
        }
        if first != 1 and fused:
            row["rank1_is"] = relation(chunks[fused[0]], evidence)
        row["sibling_pairs"] = sibling_pairs([chunks[cid] for cid in fused[:5]], hit, lists)
        out.append(row)
    return {"cases": out, "summary": summarise(out)}


def summarise(rows: list[dict]) -> dict:
    groups: dict[str, list[dict]] = {"all": rows}
    for r in rows:
        if r["half"] != "external":
            groups.setdefault(r["half"], []).append(r)
    out = {}
    for g, rs in groups.items():
        b = Counter(r["bucket"] for r in rs)
        rel = Counter(r.get("rank1_is") for r in rs if r.get("rank1_is"))
        at1 = {n: sum(1 for r in rs if r["best"].get(n) == 1) for n in LISTS}
        sib = Counter()
        for r in rs:
            sib.update(r["sibling_pairs"])
        out[g] = {
            "cases": len(rs),
            "buckets": {k: b.get(k, 0) for k in BUCKETS},
            "rank1_is": dict(rel),
            "list_at_1": at1,
            "sibling_pairs": {k: sib.get(k, 0) for k in ("pairs", "fused", *LISTS)},
        }
    return out


def table(results: dict) -> str:
    lines = [
        "| set / half | cases | "
        + " | ".join(BUCKETS)
        + " | rank 1 same unit / same doc / other doc | sibling pairs: fused / "
        + " / ".join(LISTS)
        + " |",
        "|---" * (len(BUCKETS) + 4) + "|",
    ]
    for name, e in results["sets"].items():
        for g, s in e["summary"].items():
            rel = s["rank1_is"]
            lines.append(
                f"| {name} {g} | {s['cases']} | "
                + " | ".join(str(s["buckets"][k]) for k in BUCKETS)
                + f" | {rel.get('same_unit', 0)} / {rel.get('same_document', 0)} / {rel.get('other_document', 0)}"
                + f" | {s['sibling_pairs']['pairs']}: "
                + " / ".join(str(s["sibling_pairs"][k]) for k in ("fused", *LISTS))
                + " |"
            )
    return "\n".join(lines)


def main() -> int:
    return diagnostic_main(__doc__, "retrieval-lists", lambda name, base, args: run_set(name, base), table, depth=DEPTH)


if __name__ == "__main__":
    sys.exit(main())
