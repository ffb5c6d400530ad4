"""A learned ranker over the fused candidates instead of hand-set weights, measured on every question set (issue 12,
session 11).

    # 1. dump the candidates (needs the indexes; one process, each set retrieved once as the app does)
    BYRAAD_EMBED_CACHE=/work/embcache.sqlite .venv/bin/python benchmarks/retrieval_learned.py dump \
        --data-dir DIR [--sets shared,sources,external] --dump /tmp/ltr-dump.json
    # 2. train and evaluate from the dump (numpy only, seconds)
    .venv/bin/python benchmarks/retrieval_learned.py fit --dump /tmp/ltr-dump.json [--label s11-ltr11]

**Dump.** For every answerable case of each set (council member, k = 10, `Retriever.retrieve`; a subclass only
records what the app computes): the best `DEPTH` distinct candidates of the fused list as the per-document cap
reads it (after the case-number rule and the title/cover second stage), each with the features below and the
evidence parts it holds (the project's matcher, chunk text + source text as `byraad eval` does). The replay of the
app's order through `select` (the app's `Retriever._select` over distinct candidates) is checked against the app's
top 10 for every case.

**Features** (`FEATURES`; all from what the app already computes for the question, nothing embedded per candidate):
the candidate's place in the fused list (1 / (rrf_k + place)) and its fused score relative to the first; for each of
the four lists (dense, BM25, sentences, sparse) 1 / (rrf_k + rank) (0 when not listed) and its score relative to
the list's best (dense: the cosine from the vector snapshot minus the best candidate's; sentences: the best
sentence's cosine, kinds-free, minus the best candidate's; BM25 and sparse: score / the list's best); the heading's
cosine (title list) minus the best candidate's; the cover share (cover list); whether the question asks for a kind
of answer and the chunk has / has no sentence that can hold one (assistant/question_kinds.py); the share of the
candidates from the same document and from the same unit (document + header); first of its unit among the
candidates; first chunk of its unit in the document; log length in words; the chunk type (meeting header, decision,
item, section); inside the question's date window; of the case the question names; how many lists found it; the
dense and best-sentence cosine against the best of its own unit among the candidates.

**Model.** A linear score over standardised features, fitted by L2-regularised logistic regression on pairs (`lr-`: a
candidate with evidence against one without, in the same case; each case weighs the same), by coordinate ascent on
question-units starting from that fit (`ca-`), or by a listwise softmax loss (`ln-`); `-top10`: only the first 10
candidates reordered. Candidates are reordered by the score (ties keep the fused order) and handed to `select`.
Reported per set and half: r@1 / r@5 / r@10, MRR, both parts in the top 10, question-units (r@1 + r@5 + r@10
summed over the cases), for the current order (`now`) and each model:

- `cv`: the tune halves pooled (shared + sources), leave-one-document-out (a case's document = its first source
  file, as evaluation/splits.py): each document's cases scored by a model fitted on the other tune documents
  (`cv_by_document`: each held-out document's units, now and cross-validated);
- `fit`: fitted on all tune cases, evaluated on the check halves and the external set (check only; never fitted to);
  on the tune halves themselves this is the in-sample figure (reported beside the cross-validated one);
- `cv by case`: for contrast, 5 folds of tune cases (every 5th case by set and id), so a held-out case's document
  is also in training (the optimistic estimate that the document split guards against).

`oracle`: the candidates with evidence first (the ceiling of any reordering of these 40).

Writes benchmarks/results/retrieval-learned-<label>.json (figures, weights, per-case recalls where they differ).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_rerank import distinct_head, sentence_blocks  # noqa: E402
from retrieval_sets import SHARED, save_results  # noqa: E402

DEPTH = 40  # distinct fused candidates per question (the second stage's RERANK_DEPTH)
K = 10
CASE_FOLDS = 5  # the contrast cross-validation by case (not by document)
FEATURES = (
    "fused_rrf",
    "fused_rel",
    "dense_rrf",
    "bm25_rrf",
    "sentence_rrf",
    "sparse_rrf",
    "dense_gap",
    "bm25_rel",
    "sentence_gap",
    "sparse_rel",
    "title_gap",
    "cover",
    "kind_holds",
    "kind_lacks",
    "doc_share",
    "unit_share",
    "unit_best",
    "unit_first",
    "log_words",
    "type_meeting",
    "type_decision",
    "type_item",
    "type_section",
    "date_window",
    "case_match",
    "n_lists",
    "dense_unit_gap",
    "sentence_unit_gap",
)
# Feature groups for the model grid: the lists' evidence only, and everything.
LIST_FEATURES = FEATURES[:12]


# --------------------------------------------------------------------------------------------- dump
def make_retriever(index, settings):
    """A Retriever that records, for each _search, the query, the four lists fused and the fused list it selects
    from, with the selected ids (nothing else changes)."""
    from assistant.retrieval import Retriever

    class Recording(Retriever):
        calls: list

        def _search(self, query, k, mode, timings):
            self._query_now = query
            return super()._search(query, k, mode, timings)

        def _fuse(self, dense, lex, query, sent=(), sparse=()):
            self._lists_now = (list(dense), list(lex), list(sent), list(sparse))
            return super()._fuse(dense, lex, query, sent, sparse)

        def _select(self, fused, k):
            out = super()._select(fused, k)
            self.calls.append((self._query_now, self._lists_now, list(fused), [h.chunk.chunk_id for h in out]))
            return out

    r = Recording(index, settings)
    r.calls = []
    return r


class Context:
    """Per set: what the features read from the index once (sentence rows per chunk, units' first chunks)."""

    def __init__(self, retriever) -> None:
        from vectorstore.bm25 import tokenize

        self.r = retriever
        self.tokenize = tokenize
        self.chunks = retriever.index.all_chunks()
        self.snap = retriever.index.vector_snapshot()
        first: dict[tuple, tuple] = {}
        for cid, c in self.chunks.items():
            key = (c.doc_id, c.meta.get("header") or "")
            at = (int(c.meta.get("char_start", 0) or 0), int(c.meta.get("index", 0) or 0), cid)
            if key not in first or at < first[key]:
                first[key] = at
        self.unit_first = {v[2] for v in first.values()}
        self.sent = sentence_blocks(retriever)


def features(ctx: Context, query, lists, head) -> np.ndarray:
    """The feature matrix (len(head) × len(FEATURES)) of the distinct candidates `head`, best fused first."""
    from assistant.sentence_rank import answer_kinds, can_answer
    from vectorstore.bm25 import tokenize

    r, s = ctx.r, ctx.r.settings
    rk = s.rrf_k
    n = len(head)
    X = np.zeros((n, len(FEATURES)), np.float64)
    col = {f: i for i, f in enumerate(FEATURES)}
    ids = [h.chunk.chunk_id for h in head]
    q = np.asarray(r._query_vector(query.expanded), np.float32)
    q = q / max(float(np.linalg.norm(q)), 1e-9)
    top = head[0].score if head and head[0].score else 1.0
    names = ("dense", "bm25", "sentence", "sparse")
    ranks = []
    for lst in lists:
        ranks.append({h.chunk.chunk_id: i for i, h in enumerate(lst, 1)})
    bm25 = {h.chunk.chunk_id: h.bm25_score or 0.0 for h in lists[1]}
    sparse = {h.chunk.chunk_id: h.score or 0.0 for h in lists[3]}
    bm_top = max(bm25.values(), default=0.0) or 1.0
    sp_top = max(sparse.values(), default=0.0) or 1.0
    dense_cos = []
    sent_cos = []
    for cid in ids:
        v = None
        if ctx.snap is not None and cid in ctx.snap.pos:
            v = float(np.asarray(ctx.snap.mat[ctx.snap.pos[cid]], np.float32) @ q)
        dense_cos.append(v)
        sm = ctx.sent.get(cid)
        sent_cos.append(float(np.max(sm[0] @ q)) if sm is not None and len(sm[0]) else None)

    def gaps(vals):
        got = [v for v in vals if v is not None]
        if not got:
            return [0.0] * len(vals)
        hi, lo = max(got), min(got)
        return [(v if v is not None else lo) - hi for v in vals]

    titles = [None] * n
    covers = [0.0] * n
    if r.second is not None:
        from assistant.rerank import heading

        sims = r.second.titles.similarities(q.tolist(), [t for t in (heading(h.chunk) for h in head) if t])
        titles = [sims.get(heading(h.chunk)) for h in head]
        idf = r._idf(set(tokenize(query.expanded)))
        if idf:
            covers = [r.second.cover(h.chunk, idf) for h in head]
    kinds = answer_kinds(query.question) if s.sentence_kinds else ()
    docs = Counter(h.chunk.doc_id for h in head)
    units = Counter((h.chunk.doc_id, h.chunk.meta.get("header") or "") for h in head)
    seen_units: set = set()
    case_ids = set()
    if query.cases:
        known = r._case_chunks()
        case_ids = {c for key in query.cases for c in known.get(key, ())}
    dg, sg, tg = gaps(dense_cos), gaps(sent_cos), gaps(titles)
    for i, h in enumerate(head):
        c, cid = h.chunk, h.chunk.chunk_id
        row = X[i]
        row[col["fused_rrf"]] = 1.0 / (rk + i + 1)
        row[col["fused_rel"]] = (h.score or 0.0) / top
        for name, rank in zip(names, ranks):
            row[col[f"{name}_rrf"]] = 1.0 / (rk + rank[cid]) if cid in rank else 0.0
        row[col["dense_gap"]] = dg[i]
        row[col["bm25_rel"]] = bm25.get(cid, 0.0) / bm_top
        row[col["sentence_gap"]] = sg[i]
        row[col["sparse_rel"]] = sparse.get(cid, 0.0) / sp_top
        row[col["title_gap"]] = tg[i]
        row[col["cover"]] = covers[i]
        if kinds:
            texts = ctx.sent.get(cid, (None, None))[1]
            from assistant.sentence_rank import chunk_sentences

            texts = texts if texts is not None else chunk_sentences(c)
            ok = any(can_answer(t, kinds) for t in texts)
            row[col["kind_holds"]] = 1.0 if ok else 0.0
            row[col["kind_lacks"]] = 0.0 if ok else 1.0
        unit = (c.doc_id, c.meta.get("header") or "")
        row[col["doc_share"]] = docs[c.doc_id] / n
        row[col["unit_share"]] = units[unit] / n
        row[col["unit_best"]] = 0.0 if unit in seen_units else 1.0
        seen_units.add(unit)
        row[col["unit_first"]] = 1.0 if cid in ctx.unit_first else 0.0
        row[col["log_words"]] = math.log1p(len(c.text.split()))
        t = c.meta.get("chunk_type") or ""
        for name in ("meeting", "decision", "item", "section"):
            row[col[f"type_{name}"]] = 1.0 if t == name else 0.0
        if query.date_boost:
            lo, hi = query.date_boost
            m = c.meta
            d = m.get("meeting_date") or m.get("date_hint") or m.get("doc_date")
            row[col["date_window"]] = 1.0 if isinstance(d, int) and lo <= d <= hi else 0.0
        row[col["case_match"]] = 1.0 if cid in case_ids else 0.0
        row[col["n_lists"]] = sum(1 for rank in ranks if cid in rank) / 4.0
    # Against the best of its own unit among the candidates (0 for the best, or alone): what sets a sibling apart.
    unit_of = [(h.chunk.doc_id, h.chunk.meta.get("header") or "") for h in head]
    for name, vals in (("dense_unit_gap", dg), ("sentence_unit_gap", sg)):
        best: dict = {}
        for u, v in zip(unit_of, vals):
            best[u] = max(best.get(u, v), v)
        X[:, col[name]] = [v - best[u] for u, v in zip(unit_of, vals)]
    return X


def dump_set(name: str, base) -> list[dict]:
    from byraad.access import User
    from evaluation.matching import matched_parts, prepare_passage, split_evidence
    from evaluation.metrics import is_answerable
    from evaluation.splits import half_of
    from retrieval_variants import open_set

    cases, index, settings, halves, rule = open_set(name, base, progress=False)
    r = make_retriever(index, settings)
    ctx = Context(r)
    user = User("eval-byraadsmedlem", ("byraadsmedlem",))
    out = []
    for c in cases:
        evs = split_evidence(c.evidence)
        if not evs or not is_answerable(c.kind):
            continue
        r.calls.clear()
        res = r.retrieve(c.question, user, k=K)
        ids = [h.chunk.chunk_id for h in res.hits]
        query, lists, fused, _ = next(call for call in reversed(r.calls) if call[3] == ids)
        head = distinct_head(r, fused, DEPTH)
        X = features(ctx, query, lists, head)
        parts = [
            sorted(matched_parts(evs, prepare_passage(h.chunk.text, index.source_text(h.chunk.chunk_id)), rule))
            for h in head
        ]
        docs = [h.chunk.doc_id for h in head]
        row = {
            "id": c.id,
            "set": name,
            "half": (half_of(c.source_file, halves) if halves else "external") or "none",
            "group": c.source_file.split(" ||| ")[0].strip(),
            "n_parts": len(evs),
            "cap_base": settings.max_per_doc,
            "docs": docs,
            "parts": parts,
            "X": np.round(X, 6).tolist(),
            "app_top": ids,
            "cands": [h.chunk.chunk_id for h in head],
        }
        if [row["cands"][i] for i in select(list(range(len(head))), docs, settings.max_per_doc)] != ids:
            raise AssertionError(f"{c.id}: the replay of the current order differs from Retriever.retrieve")
        out.append(row)
    return out


def select(order: list[int], docs: list[str], base: int, k: int = K) -> list[int]:
    """The app's Retriever._select over distinct candidates in `order` (indices; `base` = settings.max_per_doc): the
    per-document cap relative to the best CAP_POOL × k; over-cap candidates pushed down."""
    from assistant.retrieval import CAP_POOL

    distinct = order[: CAP_POOL * k]
    share = Counter(docs[i] for i in distinct)
    cap = {d: max(base, math.ceil(k * m / len(distinct))) for d, m in share.items()}
    kept, over, per = [], [], Counter()
    for i in distinct:
        if len(kept) >= k:
            break
        if per[docs[i]] >= cap[docs[i]]:
            over.append(i)
            continue
        per[docs[i]] += 1
        kept.append(i)
    return kept + over[: max(0, k - len(kept))]


# --------------------------------------------------------------------------------------------- model
def case_scores(case: dict, order: list[int]) -> dict:
    """r@1/5/10 and the reciprocal rank of one case when its candidates are taken in `order` (then the app's
    per-document cap)."""
    top = select(order, case["docs"], case["cap_base"], K)
    per_rank = [case["parts"][i] for i in top]
    n = max(case["n_parts"], 1)
    rec = {}
    for k in (1, 5, 10):
        found = set()
        for p in per_rank[:k]:
            found.update(p)
        rec[k] = len(found) / n
    first = next((i + 1 for i, p in enumerate(per_rank) if p), None)
    return {"r1": rec[1], "r5": rec[5], "r10": rec[10], "rr": 1 / first if first else 0.0}


def order_by(scores: np.ndarray) -> list[int]:
    """Candidates best first by score; ties keep the fused order."""
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def summary(cases: list[dict], orders: dict[str, list[int]]) -> dict:
    rows = [case_scores(c, orders[c["id"]]) for c in cases]
    n = len(rows)
    if not n:
        return {"cases": 0}
    multi = [r for c, r in zip(cases, rows) if c["n_parts"] >= 2]
    out = {
        "cases": n,
        "recall_at_1": round(sum(r["r1"] for r in rows) / n, 3),
        "recall_at_5": round(sum(r["r5"] for r in rows) / n, 3),
        "recall_at_10": round(sum(r["r10"] for r in rows) / n, 3),
        "mrr": round(sum(r["rr"] for r in rows) / n, 3),
        "all_parts_at_10": round(sum(1 for r in multi if r["r10"] >= 1) / len(multi), 3) if multi else None,
        "units": round(sum(r["r1"] + r["r5"] + r["r10"] for r in rows), 2),
    }
    return out


def pairs(cases: list[dict], cols: list[int], neg_top: int = DEPTH) -> tuple[np.ndarray, np.ndarray]:
    """Difference vectors (evidence − no evidence) of every pair in each case (with `neg_top`, only against the
    candidates without evidence among the fused first `neg_top`: those that take the places), and a weight per pair
    so that each case weighs 1 in all."""
    diffs, weights = [], []
    for c in cases:
        X = np.asarray(c["X"], np.float64)[:, cols]
        pos = [i for i, p in enumerate(c["parts"]) if p]
        neg = [i for i, p in enumerate(c["parts"]) if not p and i < neg_top]
        if not pos or not neg:
            continue
        d = (X[pos][:, None, :] - X[neg][None, :, :]).reshape(-1, len(cols))
        diffs.append(d)
        weights.append(np.full(len(d), 1.0 / len(d)))
    if not diffs:
        return np.zeros((0, len(cols))), np.zeros(0)
    return np.concatenate(diffs), np.concatenate(weights)


def fit_pairwise(
    cases: list[dict], cols: list[int], lam: float, free: tuple[str, ...] = (), neg_top: int = DEPTH
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weights over standardised features, mean, std): L2-regularised logistic regression on pair differences
    (no intercept; Newton steps). Features named in `free` are not penalised: with the fused score free, a large λ
    shrinks the model towards the current order rather than towards ties."""
    X = np.concatenate([np.asarray(c["X"], np.float64)[:, cols] for c in cases])
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd < 1e-9] = 1.0
    D, w8 = pairs(cases, cols, neg_top)
    D = D / sd  # differences: the mean cancels
    w = np.zeros(len(cols))
    ncase = max(len(cases), 1)
    pen = np.asarray([1e-6 if FEATURES[j] in free else lam for j in cols])
    for _ in range(50):
        z = D @ w
        p = 1.0 / (1.0 + np.exp(-z))
        g = -(D * (w8 * (1 - p))[:, None]).sum(axis=0) / ncase + pen * w
        h = (D * (w8 * p * (1 - p))[:, None]).T @ D / ncase + np.diag(pen)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w, mu, sd


def fit_listwise(cases: list[dict], cols: list[int], lam: float, steps: int = 400) -> tuple:
    """(weights, mean, std): L2-regularised listwise softmax loss (per case, −mean log-probability of its evidence
    candidates under a softmax over its candidates), by gradient descent with a fixed step over standardised
    features."""
    X = np.concatenate([np.asarray(c["X"], np.float64)[:, cols] for c in cases])
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd < 1e-9] = 1.0
    data = []
    for c in cases:
        t = np.asarray([1.0 if p else 0.0 for p in c["parts"]])
        if 0 < t.sum() < len(t):
            data.append(((np.asarray(c["X"], np.float64)[:, cols] - mu) / sd, t / t.sum()))
    w = np.zeros(len(cols))
    for _ in range(steps):
        g = lam * w
        for Z, t in data:
            z = Z @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            g += Z.T @ (p - t) / max(len(data), 1)
        w -= 0.5 * g
    return w, mu, sd


def scores_of(case: dict, cols: list[int], model, top: int = DEPTH) -> np.ndarray:
    """The learned score of each candidate; with `top` < DEPTH only the first `top` are reordered (the rest keep
    their places after them)."""
    w, mu, sd = model
    s = ((np.asarray(case["X"], np.float64)[:, cols] - mu) / sd) @ w
    if top < len(s):
        s = s.copy()
        s[top:] = s[:top].min() - 1.0 - np.arange(len(s) - top)
    return s


def unit_sum(s: dict) -> float:
    return s["r1"] + s["r5"] + s["r10"]


def units_of(cases: list[dict], cols: list[int], model, top: int = DEPTH) -> float:
    return sum(unit_sum(case_scores(c, order_by(scores_of(c, cols, model, top)))) for c in cases)


def coordinate_ascent(cases: list[dict], cols: list[int], start, top: int = DEPTH, rounds: int = 2) -> tuple:
    """Coordinate ascent on question-units from `start` (weights over standardised features): each weight in turn
    tried at a few multiples/offsets, the best kept when it gains (ties keep the weight)."""
    w, mu, sd = start
    w = w.copy()
    best = units_of(cases, cols, (w, mu, sd), top)
    scale = max(float(np.abs(w).max()), 1e-3)
    for _ in range(rounds):
        for j in range(len(w)):
            for delta in (-1.0, -0.5, -0.25, 0.25, 0.5, 1.0):
                trial = w.copy()
                trial[j] += delta * scale
                u = units_of(cases, cols, (trial, mu, sd), top)
                if u > best + 1e-9:
                    best, w = u, trial
    return w, mu, sd


def train(cases: list[dict], cols: list[int], spec: dict):
    if spec.get("loss") == "list":
        model = fit_listwise(cases, cols, spec["lam"])
    else:
        model = fit_pairwise(cases, cols, spec["lam"], tuple(spec.get("free", ())), spec.get("neg_top", DEPTH))
    if spec.get("ascent"):
        model = coordinate_ascent(cases, cols, model, spec.get("top", DEPTH))
    return model


MODELS = {
    # name: feature set, regularisation (λ on the mean pair loss per case), candidates reordered (top)
    **{f"lr-all-{lam}": {"feats": "all", "lam": lam} for lam in (0.01, 0.1, 1.0)},
    **{f"lr-lists-{lam}": {"feats": "lists", "lam": lam} for lam in (0.01, 0.1, 1.0)},
    **{f"lr-all-{lam}-top10": {"feats": "all", "lam": lam, "top": 10} for lam in (0.1, 1.0)},
    **{f"ln-all-{lam}": {"feats": "all", "lam": lam, "loss": "list"} for lam in (0.01, 0.1)},
    # the fused score unpenalised: λ → ∞ is the current order
    **{f"lrb-all-{lam}": {"feats": "all", "lam": lam, "free": ("fused_rel",)} for lam in (0.1, 1.0, 10.0)},
    **{f"lrb-lists-{lam}": {"feats": "lists", "lam": lam, "free": ("fused_rel",)} for lam in (0.1, 1.0, 10.0)},
    # pairs against the candidates that take the first places only
    **{f"lrb-all-{lam}-neg5": {"feats": "all", "lam": lam, "free": ("fused_rel",), "neg_top": 5} for lam in (0.1, 1.0)},
    "ca-all-0.1": {"feats": "all", "lam": 0.1, "ascent": True},
}


def columns(spec: dict) -> list[int]:
    names = FEATURES if spec["feats"] == "all" else LIST_FEATURES
    return [FEATURES.index(f) for f in names]


def evaluate(dump: list[dict], models: dict) -> dict:
    tune = [c for c in dump if c["set"] != "external" and c["half"] == "tune"]
    groups = sorted({c["group"] for c in tune})
    now = {c["id"]: list(range(len(c["parts"]))) for c in dump}
    halves = {
        "shared tune": [c for c in tune if c["set"] == "shared"],
        "sources tune": [c for c in tune if c["set"] == "sources"],
        "shared check": [c for c in dump if c["set"] == "shared" and c["half"] == "check"],
        "sources check": [c for c in dump if c["set"] == "sources" and c["half"] == "check"],
        "external": [c for c in dump if c["set"] == "external"],
    }
    out: dict = {"groups": groups, "models": {}}
    out["models"]["now"] = {h: summary(cs, now) for h, cs in halves.items()}
    # The ceiling of any reordering of these candidates: those with evidence first (then the per-document cap).
    best = {c["id"]: sorted(range(len(c["parts"])), key=lambda i: (not c["parts"][i], i)) for c in dump}
    out["oracle"] = {h: summary(cs, best) for h, cs in halves.items()}
    for name, spec in models.items():
        cols = columns(spec)
        top = spec.get("top", DEPTH)
        t0 = time.time()
        cv_orders = dict(now)
        for g in groups:  # leave one tune document out
            train_cases = [c for c in tune if c["group"] != g]
            model = train(train_cases, cols, spec)
            for c in tune:
                if c["group"] == g:
                    cv_orders[c["id"]] = order_by(scores_of(c, cols, model, top))
        fold = {c["id"]: i % CASE_FOLDS for i, c in enumerate(sorted(tune, key=lambda c: (c["set"], c["id"])))}
        case_orders = dict(now)
        for f in range(CASE_FOLDS):  # for contrast: folds of cases, a case's document also in training
            model = train([c for c in tune if fold[c["id"]] != f], cols, spec)
            for c in tune:
                if fold[c["id"]] == f:
                    case_orders[c["id"]] = order_by(scores_of(c, cols, model, top))
        model = train(tune, cols, spec)
        fit_orders = {c["id"]: order_by(scores_of(c, cols, model, top)) for c in dump}
        entry = {}
        for h, cs in halves.items():
            entry[h] = summary(cs, fit_orders)
            if "tune" in h:
                entry[h + " (cv)"] = summary(cs, cv_orders)
                entry[h + " (cv by case)"] = summary(cs, case_orders)
        w, mu, sd = model
        entry["cv_by_document"] = {
            g: {
                "cases": len(cs),
                "now_units": round(sum(unit_sum(case_scores(c, now[c["id"]])) for c in cs), 2),
                "cv_units": round(sum(unit_sum(case_scores(c, cv_orders[c["id"]])) for c in cs), 2),
            }
            for g in groups
            for cs in [[c for c in tune if c["group"] == g]]
        }
        entry["weights"] = {FEATURES[j]: round(float(w[i]), 4) for i, j in enumerate(cols)}
        entry["weights_raw"] = {FEATURES[j]: round(float(w[i] / sd[i]), 4) for i, j in enumerate(cols)}
        entry["seconds"] = round(time.time() - t0, 1)
        entry["changed"] = {
            c["id"]: [
                [round(v, 3) for v in (s0["r1"], s0["r5"], s0["r10"])],
                [round(v, 3) for v in (s1["r1"], s1["r5"], s1["r10"])],
            ]
            for c in dump
            for s0, s1 in [
                (
                    case_scores(c, now[c["id"]]),
                    case_scores(c, (cv_orders if c["half"] == "tune" else fit_orders)[c["id"]]),
                )
            ]
            if s0 != s1
        }
        out["models"][name] = entry
        print(line(name, entry), flush=True)
    return out


def line(name: str, e: dict) -> str:
    cells = []
    for h in ("shared tune (cv)", "sources tune (cv)", "shared check", "sources check", "external"):
        s = e.get(h)
        if s and s.get("cases"):
            cells.append(f"{h} {s['recall_at_1']:.3f}/{s['recall_at_5']:.3f}/{s['recall_at_10']:.3f} ({s['units']})")
    return f"{name:14s} " + " | ".join(cells)


def table(res: dict) -> str:
    cols = ("shared tune", "sources tune", "shared check", "sources check", "external")
    lines = [
        "| model | " + " | ".join(cols) + " | tune units pooled (cv) | check units pooled |",
        "|---" * (len(cols) + 3) + "|",
    ]
    for name, e in res["models"].items():
        cells = []
        for h in cols:
            s = e.get(h + " (cv)", e.get(h))
            cells.append(
                " / ".join(f"{s[m]:.3f}" for m in ("recall_at_1", "recall_at_5", "recall_at_10")) if s["cases"] else "—"
            )
        tu = sum(e.get(h + " (cv)", e.get(h)).get("units", 0.0) for h in cols[:2])
        cu = sum(e[h].get("units", 0.0) for h in cols[2:4])
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {tu:.1f} | {cu:.1f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("dump", "fit"))
    ap.add_argument("--sets", default="shared,sources,external")
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / ".byraad"))
    ap.add_argument("--dump", required=True, help="the candidates' JSON (written by dump, read by fit)")
    ap.add_argument("--label", default="")
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    if args.step == "dump":
        if not SHARED.is_dir():
            print(f"{SHARED} findes ikke: intet at måle", file=sys.stderr)
            return 0
        from byraad.settings import Settings

        base = Settings.load(overrides={"data_dir": args.data_dir})
        path = Path(args.dump)
        have = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"features": FEATURES, "cases": []}
        for name in args.sets.split(","):
            t0 = time.time()
            rows = dump_set(name, base)
            have["cases"] = [c for c in have["cases"] if c["set"] != name] + rows
            print(f"{name}: {len(rows)} cases dumped in {time.time() - t0:.0f} s", flush=True)
            path.write_text(json.dumps(have), encoding="utf-8")
        return 0
    data = json.loads(Path(args.dump).read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise SystemExit("the dump has other features: dump again")
    models = {m: MODELS[m] for m in args.models.split(",") if m}
    res = evaluate(data["cases"], models)
    res = {"label": args.label, "depth": DEPTH, "features": list(FEATURES), "models_spec": models, **res}
    print(table(res))
    if args.label:
        save_results(f"retrieval-learned-{args.label}", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
