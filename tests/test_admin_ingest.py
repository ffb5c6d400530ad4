"""The admin page's ingestion: its own lower-priority process, progress in chunks with the current file, and a
corrupt upload quarantined with its reason instead of failing again on every run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from byraad.runtime import ROLE_VAR, autogroup_nice
from byraad.settings import Settings
from ingest.pipeline import IngestLocked, ingest_lock
from ui import admin

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"


@pytest.fixture()
def res(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("referat-byraadet-2023-06-22.txt", "haandbog-byraadet.md"):
        shutil.copy(SAMPLE / name, corpus / name)
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64", corpus_dirs=(str(corpus),))
    return SimpleNamespace(settings=s, environ=dict(os.environ)), corpus


def test_ingest_command_runs_as_ingest_role(res):
    r, corpus = res
    argv, env = admin.ingest_command(r.settings, [corpus], {"OMP_NUM_THREADS": "1", "PATH": "/bin"})
    assert argv[1:4] == ["-m", "byraad.cli", "ingest"] and "--progress-jsonl" in argv
    assert env[ROLE_VAR] == "ingest" and env["BYRAAD_EMBEDDER"] == "hash:64"
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"


def test_admin_ingest_progress_and_quarantine(res):
    r, corpus = res
    saved = admin.save_uploads(
        corpus,
        [
            ("ødelagt referat.pdf", b"dette er ikke en pdf"),
            ("notat.txt", (SAMPLE / "notat-skolestruktur-nordbyen-2024-08-19.txt").read_bytes()),
        ],
    )
    events: list[dict] = []
    rep = admin.run_ingest(r, [corpus], events.append)
    assert sorted(rep["new"]) == sorted(["referat-byraadet-2023-06-22.txt", "haandbog-byraadet.md", "notat.txt"])
    assert [f["path"] for f in rep["failed"]] == ["ødelagt referat.pdf"]

    # Its own process, at lower priority than the app.
    start = events[0]
    assert start["phase"] == "start" and start["pid"] != os.getpid() and start["nice"] >= r.settings.ingest_nice == 10
    # In a session of its own whose scheduler autogroup carries the same nice value (else, with autogroups, it would
    # share the CPU equally with the whole app whatever its own nice value).
    if autogroup_nice() is not None:
        assert start["autogroup_nice"] == start["nice"] and autogroup_nice() != start["nice"]
    # Progress counts chunks embedded and names the file being embedded.
    embed = [e for e in events if e["phase"] == "embed"]
    assert embed and embed[-1]["done"] == embed[-1]["total"] == rep["chunks_added"]
    assert {e["file"] for e in embed if e["file"]} == set(rep["new"])
    assert any(0 < e["done"] < e["total"] for e in embed) or rep["chunks_added"] <= r.settings.batch_size
    assert events[-1]["phase"] == "finish"
    frac, text = admin.progress_text(embed[-1])
    assert frac == admin.PHASES["embed"][1] and text.startswith("Indlæser … indlejrer tekststykker:")

    notes = admin.quarantine_failed(r.settings, corpus, saved, rep)
    assert [n["file"] for n in notes] == ["ødelagt referat.pdf"] and notes[0]["reason"]
    assert not (corpus / "ødelagt referat.pdf").exists() and (corpus / "notat.txt").exists()
    held = admin.quarantined(r.settings)
    assert held[0]["reason"] == rep["failed"][0]["reason"]
    assert (admin.quarantine_dir(r.settings) / held[0]["moved_to"]).read_bytes() == b"dette er ikke en pdf"

    # The next run does not fail on it again, and has nothing to embed.
    again = admin.run_ingest(r, [corpus], lambda ev: None)
    assert again["ok"] and not again["failed"] and not again["new"] and again["embedded"] == 0


def test_admin_ingest_reports_a_running_ingest(res):
    r, corpus = res
    Path(r.settings.data_dir).mkdir(parents=True)
    with ingest_lock(r.settings.data_path):
        with pytest.raises(IngestLocked):
            admin.run_ingest(r, [corpus], lambda ev: None)
