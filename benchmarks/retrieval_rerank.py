"""Second-stage reranking of the fused list, replayed on every question set in seconds (issue 12, session 8).

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite .venv/bin/python benchmarks/retrieval_rerank.py --data-dir DIR \
        [--sets shared,sources,external] [--label s8] [--variants now,sibling-unit-0.1,…]

Most misses at rank 1 lose to a sibling chunk of the evidence's own item or section, and no list that hybrid
retrieval fuses ranks the evidence first (retrieval_lists.py). This script asks whether a signal computed for the
fused candidates only — from vectors the index already holds, nothing embedded per candidate — tells the evidence
apart: each set is retrieved once as the app does (council member, k = 10; `Retriever.retrieve`), the fused list
before selection is kept (near-duplicates collapsed, `DEPTH` deep), and every variant reorders that list and hands it
to the app's own `Retriever._select` (per-document cap). Variant "now" reproduces `retrieval_sets.py`'s hybrid
figures exactly. Two ways to use a signal:

- `sibling-<signal>-<λ>`: inside each unit (same header: agenda item or section) among the fused top `SIB_TOP`, a
  chunk loses λ × the fused rank-1 score × how far its signal lies below its best sibling's (0..1 of the unit's
  range); chunks alone in their unit keep their score.
- `list-<signal>-<w>`: the candidates ranked by the signal, fused as one more RRF list of weight w (rrf_k of the
  settings).

Signals: `unit` — cosine of the question with the chunk's vector minus its unit's mean vector (what sets it apart
from its siblings); `doc` — the same with the document's mean; `chunk` — the chunk's own cosine; `sentence` — its
best sentence's cosine; `cover1/2/3` — the best IDF-weighted share of the question's terms in a window of 1/2/3
consecutive sentences (lexical proximity); `passage` — the rank of the chunk in a dense search with the question
embedded as a passage ("passage: …", symmetric matching) instead of a query.

Per set and document half (tune halves choose, check halves and the external set report): recall@1/5/10, MRR@10,
both parts of a two-passage question in the top 10. Writes benchmarks/results/retrieval-rerank-<label>.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_sets import diagnostic_main, half_metrics  # noqa: E402
from retrieval_variants import METRICS, case_row, open_set  # noqa: E402

DEPTH = 40  # distinct fused candidates kept per question
SIB_TOP = 20  # sibling reranking looks at the fused top SIB_TOP
SIGNALS = ("unit", "doc", "chunk", "sentence", "cover1", "cover2", "cover3", "passage", "title", "title1")
DEFAULT_VARIANTS = (
    "now",
    *(f"sibling-{s}-{w}" for s in ("unit", "doc", "chunk", "sentence") for w in (0.1, 0.3)),
    *(f"list-{s}-{w}" for s in ("cover1", "cover2", "cover3", "passage") for w in (0.15, 0.3)),
)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def sentence_blocks(retriever) -> dict[str, tuple]:
    """Each chunk's sentence vectors and texts from the retriever's sentence list ({} when it is off): chunk id →
    (matrix rows, texts). Shared with retrieval_learned.py."""
    out: dict[str, tuple] = {}
    ranker = retriever.sentences
    if ranker is not None and ranker.active:
        cols, rows, starts, mat, texts, _ = ranker._matrix()
        ends = np.append(starts[1:], len(texts))
        for i, row in enumerate(rows):
            out[cols.ids[row]] = (mat[starts[i] : ends[i]], texts[starts[i] : ends[i]])
    return out


def distinct_head(retriever, fused: list, depth: int) -> list:
    """The first `depth` distinct hits of a fused list, near-duplicates collapsed as `Retriever._select` does.
    Shared with retrieval_learned.py."""
    from assistant.retrieval import _dup

    head, sigs = [], []
    for h in fused:
        sg = retriever._sig(h.chunk)
        if not any(_dup(sg, o) for o in sigs):
            sigs.append(sg)
            head.append(h)
        if len(head) >= depth:
            break
    return head


class Signals:
    """The per-candidate signals of one set's index (means per unit and document from the vector snapshot)."""

    def __init__(self, retriever) -> None:
        from vectorstore.bm25 import tokenize

        self.r = retriever
        self.tokenize = tokenize
        index = retriever.index
        self.chunks = index.all_chunks()
        snap = index.vector_snapshot()
        if snap is None:
            raise SystemExit("the index has no vector snapshot (run byraad ingest)")
        self.snap = snap
        self.pos = snap.pos
        groups: dict[tuple, list[int]] = {}
        for cid, c in self.chunks.items():
            if cid in self.pos:
                groups.setdefault(("unit", c.doc_id, c.meta.get("header") or ""), []).append(self.pos[cid])
                groups.setdefault(("doc", c.doc_id), []).append(self.pos[cid])
        self.means = {k: (np.asarray(snap.mat[rows], np.float32).mean(axis=0), len(rows)) for k, rows in groups.items()}
        self.sent = sentence_blocks(retriever)
        self._toks: dict[str, frozenset] = {}
        self._titles: dict[str, np.ndarray] = {}

    def passage_ranks(self, text: str) -> dict[str, int]:
        v = _unit(np.asarray(self.r.index.embedder.embed_documents([text])[0], np.float32))
        sims = np.einsum("ij,j->i", np.asarray(self.snap.mat, np.float32), v)
        return {self.snap.ids[i]: n for n, i in enumerate(np.argsort(-sims), 1)}

    def value(self, name: str, cid: str, ctx: dict) -> float | None:
        c = self.chunks[cid]
        q = ctx["q"]
        vec = np.asarray(self.snap.mat[self.pos[cid]], np.float32) if cid in self.pos else None
        if name in ("unit", "doc"):
            key = ("unit", c.doc_id, c.meta.get("header") or "") if name == "unit" else ("doc", c.doc_id)
            mean, n = self.means.get(key, (None, 0))
            return None if vec is None or mean is None or n < 2 else float(_unit(vec - mean) @ q)
        if name == "chunk":
            return None if vec is None else float(_unit(vec) @ q)
        if name == "sentence":
            s = self.sent.get(cid)
            return None if s is None else float(np.max(s[0] @ q))
        if name.startswith("cover"):
            idf, win = ctx["idf"], int(name[-1])
            total = sum(idf.values()) or 1.0
            texts = self.sent.get(cid, (None, [c.text]))[1] or [c.text]
            toks = [self._tok(t) for t in texts]
            best = 0.0
            for i in range(len(toks)):
                words = frozenset().union(*toks[i : i + win])
                best = max(best, sum(w for t, w in idf.items() if t in words) / total)
            return best
        if name == "passage":
            return -float(ctx["passage"].get(cid, 10**6))
        if name in ("title", "title1"):
            head = c.meta.get("header") or ""
            if name == "title1":
                head = head.split(" › ")[-1]
            return float(self._title_vec(head) @ q) if head else None
        raise ValueError(name)

    def _title_vec(self, text: str) -> np.ndarray:
        v = self._titles.get(text)
        if v is None:
            v = self._titles[text] = _unit(np.asarray(self.r.index.embedder.embed_documents([text])[0], np.float32))
        return v

    def _tok(self, text: str) -> frozenset:
        t = self._toks.get(text)
        if t is None:
            t = self._toks[text] = frozenset(self.tokenize(text))
        return t


def rerank(variant: str, fused: list, sig: Signals, ctx: dict, rrf_k: int) -> list:
    """The fused hits reordered by one variant (see the module docstring)."""
    from dataclasses import replace

    if variant == "now":
        return fused
    if "+" in variant:  # variants applied one after the other ("list-title-0.15+list-cover3-0.15")
        for v in variant.split("+"):
            fused = rerank(v, fused, sig, ctx, rrf_k)
        return fused
    how, name, w = variant.split("-")
    w = float(w)
    if how == "list":
        vals = {h.chunk.chunk_id: sig.value(name, h.chunk.chunk_id, ctx) for h in fused}
        order = sorted((c for c in vals if vals[c] is not None), key=lambda c: -vals[c])
        rank = {c: i for i, c in enumerate(order, 1)}
        new = [
            replace(h, score=h.score + (w / (rrf_k + rank[h.chunk.chunk_id]) if h.chunk.chunk_id in rank else 0))
            for h in fused
        ]
        return sorted(new, key=lambda h: -h.score)
    head, tail = fused[:SIB_TOP], fused[SIB_TOP:]
    top = head[0].score if head else 0.0
    vals = {h.chunk.chunk_id: sig.value(name, h.chunk.chunk_id, ctx) for h in head}
    unit_of = {h.chunk.chunk_id: (h.chunk.doc_id, h.chunk.meta.get("header") or "") for h in head}
    members: dict[tuple, list[float]] = {}
    for cid, v in vals.items():
        if v is not None:
            members.setdefault(unit_of[cid], []).append(v)
    new = []
    for h in head:
        v, g = vals[h.chunk.chunk_id], members.get(unit_of[h.chunk.chunk_id], [])
        lo, hi = (min(g), max(g)) if g else (0.0, 0.0)
        bonus = (v - hi) / (hi - lo) if v is not None and len(g) >= 2 and hi > lo else 0.0
        new.append(replace(h, score=h.score + w * top * bonus))
    return sorted(new, key=lambda h: -h.score) + tail


def run_set(name: str, base, variants: tuple[str, ...]) -> dict:
    from assistant.retrieval import Retriever
    from byraad.access import User
    from evaluation.matching import split_evidence
    from evaluation.metrics import is_answerable, summarise

    cases, index, settings, halves, rule = open_set(name, base, progress=False)
    r = Retriever(index, settings)
    sig = Signals(r)
    user = User("eval-byraadsmedlem", ("byraadsmedlem",))
    select = r._select
    calls: list[tuple[list, list[str]]] = []  # (fused list, selected ids) of each _search of one retrieve

    def keep(fused, k):
        out = select(fused, k)
        calls.append((list(fused), [h.chunk.chunk_id for h in out]))
        return out

    r._select = keep
    rows: dict[str, list[dict]] = {v: [] for v in variants}
    for c in cases:
        evs = split_evidence(c.evidence)
        if not evs or not is_answerable(c.kind):
            continue
        calls.clear()
        res = r.retrieve(c.question, user, k=10)
        ids = [h.chunk.chunk_id for h in res.hits]
        fused = next(f for f, got in reversed(calls) if got == ids)  # the search whose hits were kept (date relax)
        distinct = distinct_head(r, fused, DEPTH)  # so DEPTH counts distinct passages
        ctx = {
            "q": _unit(np.asarray(r._query_vector(res.query.expanded), np.float32)),
            "idf": r.term_weights(set(sig.tokenize(res.query.expanded))),
        }
        if any("-passage-" in v for v in variants):
            ctx["passage"] = sig.passage_ranks(res.query.expanded)
        for v in variants:
            hits = select(rerank(v, distinct, sig, ctx, settings.rrf_k), 10)
            if v == "now" and [h.chunk.chunk_id for h in hits] != ids:
                raise AssertionError(f"{c.id}: the replay of the current ranking differs from Retriever.retrieve")
            rows[v].append(case_row(c, evs, hits, index, rule))
    out = {}
    for v, rs in rows.items():
        s = summarise(rs)
        entry = {"all": {"cases": s["cases"], **{m: s[m] for m in METRICS}}}
        if halves:
            entry.update(half_metrics(rs, halves, {c.id: c.source_file for c in cases}))
        out[v] = entry
    return out


def table(results: dict) -> str:
    """One row per variant: r@1 / r@5 / r@10 per tune half, check half and the external set."""
    cols = [(s, h) for s in ("shared", "sources") for h in ("tune", "check")] + [("external", "all")]
    cols = [(s, h) for s, h in cols if s in results["sets"]]
    lines = ["| variant | " + " | ".join(f"{s} {h}" for s, h in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    variants = next(iter(results["sets"].values())).keys() if results["sets"] else ()
    for v in variants:
        cells = []
        for s, h in cols:
            e = results["sets"][s][v][h]
            cells.append(" / ".join(f"{e[m] or 0:.3f}" for m in ("recall_at_1", "recall_at_5", "recall_at_10")))
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def variants_of(arg: str) -> tuple[str, ...]:
    """The variants asked for, "now" first (the check that the replay is the app's ranking)."""
    variants = tuple(v for v in arg.split(",") if v)
    return variants if "now" in variants else ("now", *variants)


def add_args(ap) -> None:
    ap.add_argument("--variants", default=",".join(DEFAULT_VARIANTS))
    ap.add_argument(
        "--settings", default="{}", help='JSON ranking settings, e.g. {"title_weight": 0, "cover_weight": 0}'
    )


def main() -> int:
    return diagnostic_main(
        __doc__,
        "retrieval-rerank",
        lambda name, base, args: run_set(name, base.replace(**json.loads(args.settings)), variants_of(args.variants)),
        table,
        add_args,
        depth=DEPTH,
    )


if __name__ == "__main__":
    sys.exit(main())
