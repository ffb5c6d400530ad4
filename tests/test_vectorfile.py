"""The ingest's vector snapshot: answering processes search it exactly without opening Chroma; same hits as the
store, access honoured, chunks newer than the snapshot still found, big indexes left to the store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from byraad.access import is_closed
from byraad.settings import Settings
from ingest.pipeline import ingest_paths
from vectorstore import vectorfile
from vectorstore.filters import Filter
from vectorstore.index import Index

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus"
QUERIES = ["cykelsti langs Skovvej", "budget for skolerne", "lukket punkt om personale", "spørgetid i byrådet",
           "vandløb og Solbjerg Bæk", "Industrivej 14"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vf")
    corpus = tmp / "corpus"
    shutil.copytree(SAMPLE, corpus)
    s = Settings(data_dir=str(tmp / "data"), embedder="hash:64")
    rep = ingest_paths([corpus], s, progress=False)
    assert rep.ok
    return s, corpus


def _filters(idx: Index) -> list[Filter]:
    body = next(c.meta["body_key"] for c in idx.all_chunks().values() if c.meta.get("body_key"))
    return [Filter(), Filter(access=None), Filter(access=("public", "internal")), Filter(bodies=(body,)),
            Filter(access=None, date_from=20240101), Filter(access=())]


def test_snapshot_gives_the_stores_hits_without_opening_it(built):
    s, _ = built
    snap_idx = Index(s)
    assert snap_idx.vector_snapshot() is not None and len(snap_idx.vector_snapshot()) == len(snap_idx.all_chunks())
    store_idx = Index(s)
    store_idx.vector_snapshot = lambda: None      # the path without a snapshot: the sharded Chroma store
    for q in QUERIES:
        for flt in _filters(snap_idx):
            a = snap_idx.dense_search(q, 6, flt)
            b = store_idx.dense_search(q, 6, flt)
            assert [h.chunk.chunk_id for h in a] == [h.chunk.chunk_id for h in b], (q, flt)
            assert all(abs(x.score - y.score) < 1e-4 for x, y in zip(a, b))
            assert all(flt.matches(h.chunk.meta) for h in a)
    assert snap_idx._store is None      # answered without Chroma


def test_snapshot_never_returns_closed_chunks_to_the_public(built):
    s, _ = built
    idx = Index(s)
    closed = [c for c in idx.all_chunks().values() if is_closed(c.meta.get("access"))]
    assert closed, "the sample corpus has closed items"
    for c in closed[:5]:
        hits = idx.dense_search(c.embed_text, 10, Filter())
        assert hits and all(h.chunk.meta.get("access") == "public" for h in hits)
        assert c.chunk_id in [h.chunk.chunk_id for h in idx.dense_search(c.embed_text, 10, Filter(access=None))]


def test_chunks_newer_than_the_snapshot_are_found_once_the_store_is_open(built, tmp_path):
    s0, corpus0 = built
    data = tmp_path / "data"
    shutil.copytree(s0.data_dir, data)
    s = Settings(data_dir=str(data), embedder="hash:64")
    idx_dir = Index(s).dir
    old = {p.name: p.read_bytes() for p in idx_dir.glob("vectors*")}
    new_doc = tmp_path / "ny.txt"
    new_doc.write_text("Referat fra Kulturudvalget\n\nPunkt 1. Ny kunstgræsbane ved Vestervang skole godkendt.\n"
                       * 3, encoding="utf-8")
    assert ingest_paths([corpus0, new_doc], s, progress=False).ok
    # Put the previous snapshot back, as if the ingest that adds the document were still running.
    vectorfile.remove(idx_dir)
    for name, data_ in old.items():
        (idx_dir / name).write_bytes(data_)
    idx = Index(s)
    new_ids = {c.chunk_id for c in idx.all_chunks().values() if c.meta.get("path", "").endswith("ny.txt")}
    assert new_ids and not new_ids & set(idx.vector_snapshot().ids)
    q = "kunstgræsbane ved Vestervang skole"
    first = idx.dense_search(q, 3, Filter(access=None))
    assert not new_ids & {h.chunk.chunk_id for h in first}     # left out while the store opens in the background
    idx._opener.join(120)
    again = idx.dense_search(q, 3, Filter(access=None))
    assert again[0].chunk.chunk_id in new_ids


def test_big_indexes_keep_the_store(built, tmp_path, monkeypatch):
    _, corpus = built
    monkeypatch.setattr(vectorfile, "MAX_CHUNKS", 10)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    assert ingest_paths([corpus], s, progress=False).ok
    idx = Index(s)
    assert not (idx.dir / vectorfile.META).exists() and idx.vector_snapshot() is None
    assert idx.dense_search("cykelsti", 3, Filter())


def test_a_damaged_snapshot_falls_back_to_the_store(built, tmp_path):
    s0, _ = built
    shutil.copytree(s0.data_dir, tmp_path / "data")
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    idx = Index(s)
    meta = json.loads((idx.dir / vectorfile.META).read_text())
    (idx.dir / meta["file"]).write_bytes(b"not numpy")
    assert Index(s).vector_snapshot() is None
    assert Index(s).dense_search("cykelsti", 3, Filter())


def test_ask_from_the_command_line_does_not_import_chromadb(built):
    s, _ = built
    code = ("import sys\nfrom byraad.cli import main\n"
            "main(['--data-dir', sys.argv[1], '--embedder', 'hash:64', 'ask', 'Hvad blev besluttet om cykelstien?'],"
            " standalone_mode=False)\nprint('chromadb' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, s.data_dir], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_rerun_without_changes_keeps_the_snapshot(built, tmp_path):
    s0, corpus = built
    shutil.copytree(s0.data_dir, tmp_path / "data")
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    meta = Index(s).dir / vectorfile.META
    before = meta.stat().st_mtime_ns
    assert ingest_paths([corpus], s, progress=False).ok
    assert meta.stat().st_mtime_ns == before
