"""The project's own sample corpus through the whole ingest pipeline: access levels, undated meeting,
the corrected re-issue replacing its original, the report, and `byraad status`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from byraad.settings import Settings
from ingest.pipeline import ingest_paths
from vectorstore.index import Index
from vectorstore.protocols import HashEmbedder

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus"
UPDATES = ROOT / "sample_corpus_updates"
REISSUE = "referat-teknik-og-miljoeudvalget-2024-03-14.pdf"


@pytest.fixture()
def ingested(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64")
    idx = Index(s, embedder=HashEmbedder(64))
    rep = ingest_paths([folder], s, index=idx, progress=False)
    yield folder, s, idx, rep
    idx.close()


def test_every_sample_file_ingests_with_structure(ingested):
    folder, s, idx, rep = ingested
    assert rep.ok, rep.failed
    assert len(rep.new) == len(list(SAMPLE.iterdir()))
    assert rep.meetings >= 8 and rep.items >= 30
    chunks = idx.catalog.chunks()
    kinds = {c.meta["path"]: c.meta["kind"] for c in chunks}
    assert kinds["haandbog-byraadet.md"] == "handbook"
    assert kinds["dagsorden-boerne-og-skoleudvalget-2024-09-05.docx"] == "agenda"
    assert kinds["referat-byraadet-2023-06-22.txt"] == "minutes"
    dated = {c.meta.get("meeting_date") for c in chunks if c.meta["path"] == "referat-byraadet-2024-04-25.pdf"}
    assert 20240425 in dated


def test_closed_item_content_is_closed_but_its_decision_public(ingested):
    _, _, idx, rep = ingested
    chunks = [c for c in idx.catalog.chunks() if c.meta["path"] == "referat-byraadet-2024-04-25.pdf"]
    price = [c for c in chunks if "3.250.000" in c.text]
    assert price and all(c.meta["access"].startswith("closed") for c in price)
    decision = [c for c in chunks if c.meta.get("chunk_type") == "decision" and c.meta.get("item_no") == "7"]
    assert decision and decision[0].meta["access"] == "public"
    assert "Industrivej" not in decision[0].embed_text and "Vestergaard" not in decision[0].embed_text
    assert any(ci["path"] == "referat-byraadet-2024-04-25.pdf" and ci["item"] == "7" for ci in rep.closed_items)


def test_internal_note_and_undated_meeting(ingested):
    _, _, idx, rep = ingested
    chunks = idx.catalog.chunks()
    note = [c for c in chunks if c.meta["path"] == "notat-skolestruktur-nordbyen-2024-08-19.txt"]
    assert note and all(c.meta["access"] == "internal" for c in note)
    tema = [c for c in chunks if c.meta["path"] == "referat-temamoede-oekonomiudvalget.txt" and c.meta.get("item_no")]
    assert tema and all("meeting_date" not in c.meta and c.meta["meeting_undated"] for c in tema)
    assert any(u["path"] == "referat-temamoede-oekonomiudvalget.txt" for u in rep.undated_meetings)


def test_corrected_reissue_replaces_original(ingested):
    folder, s, idx, _ = ingested
    before = [c for c in idx.catalog.chunks() if c.meta["path"] == REISSUE]
    assert any("4 stemmer mod 2" in c.text for c in before)
    shutil.copy(UPDATES / REISSUE, folder / REISSUE)
    rep = ingest_paths([folder], s, index=idx, progress=False)
    assert rep.changed == [REISSUE] and len(rep.unchanged) == len(list(SAMPLE.iterdir())) - 1
    after = [c for c in idx.catalog.chunks() if c.meta["path"] == REISSUE]
    text = " ".join(c.text for c in after)
    assert "5 stemmer mod 1" in text and "Rettet udgave" in text
    assert not any("Rettet udgave" in c.text for c in before)
    assert not {c.chunk_id for c in before} & {c.chunk_id for c in after}
    assert sorted(idx.store.ids()) == sorted(c.chunk_id for c in idx.catalog.chunks())


def test_cli_ingest_status_and_exit_codes(tmp_path):
    from byraad.cli import main

    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data"), "--embedder", "hash:64"]
    n = len(list(SAMPLE.iterdir()))
    r = runner.invoke(main, base + ["ingest", "--quiet", str(folder)])
    assert r.exit_code == 0, r.output
    assert f"{n} nye" in r.output and "LUKKET" in r.output and "UDATERET" in r.output
    (folder / "ødelagt.pdf").write_bytes(b"%PDF-1.4\n garbage")
    r = runner.invoke(main, base + ["ingest", "--quiet", "--json", str(folder)])
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert [f["path"] for f in report["failed"]] == ["ødelagt.pdf"] and len(report["unchanged"]) == n
    r = runner.invoke(main, base + ["status"])
    assert r.exit_code == 0 and f"Dokumenter: {n}" in r.output and "lukkede punkter" in r.output
    r = runner.invoke(main, base + ["ingest", str(tmp_path / "findes-ikke")])
    assert r.exit_code == 2
