"""Dense pseudo-relevance feedback and neighbour smoothing, measured on every question set (issue 12, session 10).

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite .venv/bin/python benchmarks/retrieval_feedback.py --data-dir DIR \
        [--sets shared,sources,external] [--label s10] [--variants now,prf-3-0.5-r,nb-before-0.05,…]

Two ranking ideas that need no new index, run through the app's own `Retriever.retrieve` (council member, k = 10,
the project's matching rule; a subclass changes only the fusion step, so the case-number rule, the second stage and
the per-document cap run as in the app). One Retriever per set, its caches (question vectors, sparse encodings) kept
across variants; variant "now" is the app's ranking.

- `prf-<m>-<α>-<how>`: dense pseudo-relevance feedback. The best m distinct fused passages' vectors (the index's
  vector snapshot, unit length) are averaged; the dense list is searched again with q' = normalise(q + α × mean)
  (same filter, so the same access). `how` = `r`: the new list replaces the dense list in the fusion; `rs`: and the
  sentence list is searched with q' too; a number w:
  the new list is fused as one more RRF list of weight w.
- `nb-<side>-<β>`: neighbour smoothing along the document. For each of the best `NB_DEPTH` fused passages, the next
  chunk of the same unit (same document and header) gains β × that passage's fused score (`before`: a chunk gains from
  the chunk before it — the heading that is in the chunk before); `both`: the chunk before gains too. A neighbour not
  among the candidates joins them only when the question's filter (access included) admits it.
- `a+b`: variants applied one after the other (the fused list of the first is the input of the second).

Per set and document half (tune halves choose, check halves and the external set report): recall@1/5/10, MRR@10,
both parts in the top 10, question-units (r@1 + r@5 + r@10 summed over the cases), the fusion step's time
(`fuse_ms` p50/p95, which includes the second stage) and per-case recalls (in full for "now", else where they
differ). Writes benchmarks/results/retrieval-feedback-<label>.json.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_sets import diagnostic_main, half_metrics  # noqa: E402
from retrieval_variants import METRICS, case_row, open_set  # noqa: E402

NB_DEPTH = 40  # fused passages whose neighbours gain
DEFAULT_VARIANTS = (
    "now",
    *(f"prf-{m}-{a}-r" for m in (1, 3, 5) for a in (0.3, 0.6, 1.0)),
    *(f"prf-{m}-{a}-{w}" for m in (3, 5) for a in (0.6, 1.0) for w in (0.3, 0.6)),
    *(f"nb-{side}-{b}" for side in ("before", "both") for b in (0.02, 0.05, 0.1)),
)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def make_retriever(index, settings):
    """A Retriever whose fusion step applies `self.variant` (see the module docstring)."""
    from assistant.retrieval import Retriever, _doc_order
    from byraad.types import Hit

    class Variant(Retriever):
        variant = "now"
        _nb: tuple | None = None

        def _fuse(self, dense, lex, query, sent=(), sparse=()):
            fused = super()._fuse(dense, lex, query, sent, sparse)
            if self.variant == "now" or not (sent or sparse):  # hybrid only, as the app's lists
                return fused
            for step in self.variant.split("+"):
                kind, *args = step.split("-")
                if kind == "prf":
                    fused = self._prf(fused, dense, lex, query, sent, sparse, int(args[0]), float(args[1]), args[2])
                elif kind == "nb":
                    fused = self._smooth(fused, query, args[0], float(args[1]))
                else:
                    raise ValueError(step)
            return fused

        def _prf(self, fused, dense, lex, query, sent, sparse, m, alpha, how):
            snap = self.index.vector_snapshot()
            top, _ = self._distinct(fused, m)
            rows = [snap.pos[h.chunk.chunk_id] for h in top if h.chunk.chunk_id in snap.pos] if snap else []
            if not rows:
                return fused
            q = _unit(np.asarray(self._query_vector(query.expanded), np.float32))
            q2 = _unit(q + alpha * np.asarray(snap.mat[rows], np.float32).mean(axis=0))
            again = self.index.dense_search(query.expanded, self.settings.retrieve_k, query.flt, vector=q2.tolist())
            if how == "r":
                return super()._fuse(again, lex, query, sent, sparse)
            if how == "rs":  # the sentence list searched with q' too
                chunks = self.index.all_chunks()
                q_sent = self.settings.sentence_kinds and query.question or ""
                found = self.sentences.search(q2.tolist(), self.settings.retrieve_k, query.flt, question=q_sent)
                sent2 = [Hit(chunk=chunks[cid], score=sim) for cid, sim in found if cid in chunks]
                return super()._fuse(again, lex, query, sent2, sparse)
            w, rrf_k = float(how), self.settings.rrf_k
            score = {h.chunk.chunk_id: h for h in fused}
            for r, h in enumerate(again, 1):
                if not query.flt.matches(h.chunk.meta):
                    continue
                cid = h.chunk.chunk_id
                old = score.get(cid)
                score[cid] = (
                    replace(old, score=old.score + w / (rrf_k + r))
                    if old is not None
                    else replace(h, score=w / (rrf_k + r), rank=0)
                )
            return sorted(score.values(), key=lambda h: (-h.score, h.chunk.chunk_id))

        def _neighbours(self):
            chunks = self.index.all_chunks()
            if self._nb is None or self._nb[0] is not chunks:
                nxt, prv = {}, {}
                order = sorted(chunks.values(), key=_doc_order)
                for a, b in zip(order, order[1:]):
                    if a.doc_id == b.doc_id and (a.meta.get("header") or "") == (b.meta.get("header") or ""):
                        nxt[a.chunk_id], prv[b.chunk_id] = b.chunk_id, a.chunk_id
                self._nb = (chunks, nxt, prv)
            return self._nb

        def _smooth(self, fused, query, side, beta):
            chunks, nxt, prv = self._neighbours()
            gain: dict[str, float] = {}
            for h in fused[:NB_DEPTH]:
                cid = h.chunk.chunk_id
                for n in (nxt.get(cid), prv.get(cid) if side == "both" else None):
                    if n is not None:
                        gain[n] = gain.get(n, 0.0) + beta * h.score
            have = {h.chunk.chunk_id for h in fused}
            out = [replace(h, score=h.score + gain.get(h.chunk.chunk_id, 0.0)) for h in fused]
            for n, g in gain.items():
                if n not in have and n in chunks and query.flt.matches(chunks[n].meta):
                    out.append(Hit(chunk=chunks[n], score=g))
            return sorted(out, key=lambda h: (-h.score, h.chunk.chunk_id))

    return Variant(index, settings)


def run_set(name: str, base, variants: tuple[str, ...]) -> dict:
    from byraad.access import User
    from evaluation.matching import split_evidence
    from evaluation.metrics import is_answerable, summarise

    cases, index, settings, halves, rule = open_set(name, base, progress=False)
    r = make_retriever(index, settings)
    user = User("eval-byraadsmedlem", ("byraadsmedlem",))
    out = {}
    for v in variants:
        r.variant = v
        rows, fuse_ms = [], []
        for c in cases:
            evs = split_evidence(c.evidence)
            if not evs or not is_answerable(c.kind):
                continue
            res = r.retrieve(c.question, user, k=10)
            fuse_ms.append(res.timings.get("fuse_ms", 0.0))
            rows.append(case_row(c, evs, res.hits, index, rule))
        s = summarise(rows)
        entry = {"all": {"cases": s["cases"], **{m: s[m] for m in METRICS}}}
        if halves:
            entry.update(half_metrics(rows, halves, {c.id: c.source_file for c in cases}))
        for e in entry.values():
            e["units"] = round(sum((e[m] or 0.0) for m in METRICS[:3]) * e["cases"], 2)
        qs = statistics.quantiles(fuse_ms, n=20) if len(fuse_ms) >= 2 else [0.0] * 19
        entry["fuse_ms"] = {"p50": round(statistics.median(fuse_ms), 2), "p95": round(qs[18], 2)}
        entry["per_case_r"] = {row["id"]: [row["recall"][k] for k in ("1", "5", "10")] for row in rows}
        out[v] = entry
        line = " | ".join(
            f"{h} {e['recall_at_1'] or 0:.3f}/{e['recall_at_5'] or 0:.3f}/{e['recall_at_10'] or 0:.3f} ({e['units']})"
            for h, e in entry.items()
            if h in ("all", "tune", "check")
        )
        print(f"{name:9s} {v:22s} {line} fuse p50/p95 {entry['fuse_ms']['p50']}/{entry['fuse_ms']['p95']}", flush=True)
    return compact(out)


def compact(out: dict) -> dict:
    """Per-case recalls [r@1, r@5, r@10] in full for "now"; for the other variants only the cases that differ."""
    now = out.get("now", {}).get("per_case_r", {})
    for v, e in out.items():
        if v != "now":
            e["per_case_r"] = {c: r for c, r in e["per_case_r"].items() if now.get(c) != r}
    return out


def table(results: dict) -> str:
    """One row per variant: r@1 / r@5 / r@10 (units) per tune half, check half and the external set; pooled units."""
    sets = results["sets"]
    cols = [(s, h) for s in ("shared", "sources") for h in ("tune", "check")] + [("external", "all")]
    cols = [(s, h) for s, h in cols if s in sets]
    head = " | ".join(f"{s} {h}" for s, h in cols)
    lines = [f"| variant | {head} | tune units pooled | check units pooled |", "|---" * (len(cols) + 3) + "|"]
    for v in next(iter(sets.values())).keys() if sets else ():
        cells = []
        for s, h in cols:
            e = sets[s][v][h]
            cells.append(
                " / ".join(f"{e[m] or 0:.3f}" for m in ("recall_at_1", "recall_at_5", "recall_at_10"))
                + f" ({e['units']})"
            )
        pooled = [sum(sets[s][v][h]["units"] for s in ("shared", "sources") if s in sets) for h in ("tune", "check")]
        lines.append(f"| {v} | " + " | ".join(cells) + f" | {pooled[0]:.1f} | {pooled[1]:.1f} |")
    return "\n".join(lines)


def variants_of(arg: str) -> tuple[str, ...]:
    variants = tuple(v for v in arg.split(",") if v)
    return variants if "now" in variants else ("now", *variants)


def main() -> int:
    return diagnostic_main(
        __doc__,
        "retrieval-feedback",
        lambda name, base, args: run_set(name, base, variants_of(args.variants)),
        table,
        lambda ap: ap.add_argument("--variants", default=",".join(DEFAULT_VARIANTS)),
    )


if __name__ == "__main__":
    sys.exit(main())
