"""The chunk metadata has one definition (byraad.types.ChunkMeta): ingest writes only its keys, and the test builders
refuse any other."""

from __future__ import annotations

from pathlib import Path

import pytest

from byraad.settings import Settings
from byraad.types import CHUNK_META_KEYS
from ingest.chunking import chunk_document
from ingest.parse import parse_file
from tests import builders

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"


@pytest.mark.parametrize(
    "name",
    [
        "referat-teknik-og-miljoeudvalget-2023-11-09.txt",
        "haandbog-byraadet.md",
        "dagsorden-boerne-og-skoleudvalget-2024-09-05.docx",
    ],
)
def test_ingest_writes_only_chunk_meta_keys(name):
    chunks, _ = chunk_document(parse_file(SAMPLE / name), Settings(chunk_tokens=120, chunk_overlap=0))
    assert chunks
    written = set().union(*(c.meta for c in chunks))
    assert written <= CHUNK_META_KEYS, written - CHUNK_META_KEYS
    assert {"chunk_id", "doc_id", "path", "access", "chunk_type", "char_start", "char_end"} <= written


def test_builder_refuses_a_misspelt_key(tmp_path):
    with pytest.raises(TypeError, match="meetingdate"):
        builders.chunk("c1", "d1", "Godkendt.", meetingdate=20240101)
    c = builders.chunk("c1", "d1", "Godkendt.", meeting_date=20240101, access="public")
    s, idx = builders.index_with(tmp_path, [c])
    assert idx.all_chunks()["c1"].meta["meeting_date"] == 20240101 and s.embedder == "hash:64"
