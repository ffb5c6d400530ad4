"""Retrieval and extractive-answer latency (issue 5 targets: retrieval p95 ≤ 50 ms on the shared corpus and
≤ 150 ms on a synthetic 100k-chunk index; extractive answer end to end ≤ 300 ms).

    python benchmarks/retrieval_bench.py shared [--data-dir D]      # ingests ../shared/corpus into D if needed
    python benchmarks/retrieval_bench.py synthetic [--n 100000] [--data-dir D]

Writes benchmarks/results/retrieval-<mode>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 1)


def summary(xs: list[float]) -> dict:
    return {"n": len(xs), "p50_ms": pct(xs, 0.5), "p95_ms": pct(xs, 0.95), "max_ms": round(max(xs), 1)}


def bench_shared(data_dir: Path) -> dict:
    from assistant.assistant import Assistant
    from assistant.retrieval import Retriever
    from byraad.access import User
    from byraad.settings import Settings
    from ingest.pipeline import ingest_paths
    from vectorstore.index import Index

    s = Settings(data_dir=str(data_dir))
    idx = Index(s)
    ingest_paths([SHARED / "corpus"], s, index=idx, progress=True)
    qs = [json.loads(line)["question"] for line in open(ROOT / "evaluation/testsets/shared_corpus.jsonl")]
    r = Retriever(idx, s)
    users = [None, User("bm", ("byraadsmedlem",))]
    for q in qs[:3]:
        r.retrieve(q)
    out: dict = {"chunks": idx.catalog.stats()["chunks"], "questions": len(qs)}
    for mode in ("hybrid", "dense", "bm25"):
        r2 = Retriever(idx, s)      # a fresh retriever: no cached query vectors from the previous mode
        r2.retrieve(qs[0])
        xs = []
        for i, q in enumerate(qs):
            t = time.perf_counter()
            r2.retrieve(q, users[i % 2], mode=mode)
            xs.append((time.perf_counter() - t) * 1000)
        out[f"retrieve_{mode}"] = summary(xs)
    a2 = Assistant(s, idx, retriever=Retriever(idx, s))
    a2.answer(qs[0])
    xs = []
    for i, q in enumerate(qs):
        t = time.perf_counter()
        a2.answer(q, users[i % 2])
        xs.append((time.perf_counter() - t) * 1000)
    out["answer_extractive_end_to_end"] = summary(xs)
    out["targets"] = {"retrieve_hybrid_p95_ms": 50, "answer_p95_ms": 300}
    return out


def bench_synthetic(data_dir: Path, n: int) -> dict:
    import numpy as np

    from assistant.retrieval import Retriever
    from byraad.access import User
    from byraad.settings import Settings
    from byraad.types import Chunk
    from vectorstore.index import Index

    s = Settings(data_dir=str(data_dir))
    idx = Index(s)
    rng = random.Random(7)
    src = " ".join(p.read_text() for p in (SHARED / "corpus").glob("*.txt")) if SHARED.exists() else \
        " ".join(p.read_text() for p in (ROOT / "sample_corpus").glob("*.txt"))
    words = re.findall(r"[a-zæøåA-ZÆØÅ]{3,}", src)
    t0 = time.time()
    per_doc = 100
    have = idx.catalog.stats().get("chunks", 0)
    for d in range(have // per_doc, n // per_doc):
        doc_id = f"syn{d:05d}"
        body = rng.choice(["teknik-og-miljoeudvalget", "byraadet", "oekonomiudvalget", "kulturudvalget"])
        chunks = []
        for i in range(per_doc):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(80, 250)))
            acc = rng.choices(["public", "internal", f"closed:{body}"], [90, 5, 5])[0]
            cid = hashlib.sha256(f"{doc_id}{i}".encode()).hexdigest()[:24]
            meta = {"doc_id": doc_id, "path": f"{doc_id}.txt", "title": doc_id, "kind": "minutes", "chunk_type": "item",
                    "access": acc, "body_key": body, "meeting_date": 20200101 + rng.randint(0, 5) * 10000,
                    "char_start": i * 1000, "index": i, "chunk_id": cid,
                    "content_hash": hashlib.sha256(text.encode()).hexdigest()[:16]}
            chunks.append(Chunk(cid, doc_id, text, f"{doc_id} › punkt {i}\n{text}", meta))
        idx.catalog.begin_document(doc_id, f"{doc_id}.txt", doc_id, "minutes", {}, chunks, [c.text for c in chunks])
        vecs = np.random.default_rng(d).standard_normal((len(chunks), idx.embedder.dim)).astype("float32").tolist()
        idx.store.upsert(chunks, vecs)
        idx.catalog.complete_document(doc_id)
    build_s = time.time() - t0
    idx.bm25()
    r = Retriever(idx, s)
    qs = ["Hvad besluttede udvalget om cykelstier og trafiksikkerhed?", "Hvor mange sider bilag fik udvalget i 2023?",
          "Hvad er SBV og hvem leder det?", "Hvad sagde rådmanden om vinterhjælp?",
          "Hvordan sender jeg en 10-dagesforespørgsel?", "Hvad anbefaler udvalget om lukket dagsorden?",
          "Hvem deltog i mødet i november 2022?", "budget 2026 MSB"]
    users = [None, User("bm", ("byraadsmedlem",)), User("t", ("udvalg:teknik-og-miljoeudvalget",))]
    for q in qs[:2]:
        r.retrieve(q)
    xs, parts = [], {}
    for _ in range(3):
        for q in qs:
            for u in users:
                t = time.perf_counter()
                res = r.retrieve(q, u)
                xs.append((time.perf_counter() - t) * 1000)
                for k, v in res.timings.items():
                    parts.setdefault(k, []).append(v)
    return {"chunks": idx.catalog.stats()["chunks"], "build_s": round(build_s, 1), "retrieve_hybrid": summary(xs),
            "parts": {k: summary(v) for k, v in parts.items()}, "targets": {"retrieve_hybrid_p95_ms": 150}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["shared", "synthetic"])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args()
    data = Path(args.data_dir or f"/tmp/byraad-bench-{args.mode}")
    res = bench_shared(data) if args.mode == "shared" else bench_synthetic(data, args.n)
    out = ROOT / "benchmarks" / "results" / f"retrieval-{args.mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
