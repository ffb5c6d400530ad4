"""Issue 10.5: decompression bombs and slow files cost only themselves. Real bombs (a .docx whose XML expands to
42 MB of tiny paragraphs and one expanding to 500 MB) and a real slow PDF are made here; each is reported with its
reason while the good files beside it are ingested. Times and memory are measured in benchmarks/limits_bench.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from byraad.runtime import autogroup_nice
from byraad.settings import Settings
from ingest import sandbox
from ingest.loaders import LoadError, LoadOptions, load_file
from ingest.pipeline import ingest_paths
from tests.badinput import docx_bomb, good_docx, slow_pdf


def settings_for(data: Path, **kw) -> Settings:
    return Settings.load(
        None,
        None,
        {
            "BYRAAD_DATA_DIR": str(data),
            "BYRAAD_EMBEDDER": "hash:64",
            **{f"BYRAAD_{k.upper()}": str(v) for k, v in kw.items()},
        },
    )


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    d = tmp_path_factory.mktemp("bombs")
    docx_bomb(d / "tiny-paragraphs.docx", 42 << 20)
    docx_bomb(d / "half-gigabyte.docx", 500 << 20)
    return d


def test_bombs_are_real(bombs):
    """Guard: the files are valid zips whose declared sizes are what a reader would unpack."""
    import zipfile

    for name, size in (("tiny-paragraphs.docx", 42 << 20), ("half-gigabyte.docx", 500 << 20)):
        z = zipfile.ZipFile(bombs / name)
        assert z.testzip() is None if size < 100 << 20 else True
        info = z.getinfo("word/document.xml")
        assert info.file_size >= size * 0.99 and (bombs / name).stat().st_size < 2 << 20


@pytest.mark.parametrize(
    "name, why", [("tiny-paragraphs.docx", "decompression bomb"), ("half-gigabyte.docx", "unpacks to 500.0 MB")]
)
def test_docx_bomb_is_refused_before_unpacking(bombs, name, why):
    with pytest.raises(LoadError) as e:
        load_file(bombs / name, opts=LoadOptions())
    assert e.value.code == "too_large" and why in str(e.value)


def test_total_unpacked_size_is_limited(tmp_path):
    good_docx(tmp_path / "ok.docx", "Et helt almindeligt referat.\n\nMed to afsnit.")
    assert "almindeligt" in load_file(tmp_path / "ok.docx", opts=LoadOptions()).raw_text
    import zipfile

    with zipfile.ZipFile(tmp_path / "ok.docx", "a") as z:
        z.writestr("word/media/image1.bin", os.urandom(3 << 20))  # incompressible: no bomb, just large
    with pytest.raises(LoadError) as e:
        load_file(tmp_path / "ok.docx", opts=LoadOptions(max_unpacked=2 << 20))
    assert e.value.code == "too_large"
    assert load_file(tmp_path / "ok.docx", opts=LoadOptions()).raw_text


def test_text_length_is_limited(tmp_path):
    (tmp_path / "long.txt").write_text("Byrådet mødes. " * 2000, encoding="utf-8")
    with pytest.raises(LoadError) as e:
        load_file(tmp_path / "long.txt", opts=LoadOptions(max_text_chars=10_000))
    assert e.value.code == "too_large"


def test_bombs_beside_good_files(bombs, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in bombs.iterdir():
        os.link(p, corpus / p.name)
    good_docx(corpus / "referat.docx", "Referat\n\nUdvalget godkendte cykelstien langs Skovvej.")
    (corpus / "notat.txt").write_text("Notat\n\nVintertjenesten salter cykelstierne først.\n", encoding="utf-8")
    rep = ingest_paths([corpus], settings_for(tmp_path / "data"), progress=False)
    assert sorted(rep.new) == ["notat.txt", "referat.docx"]
    assert {f["path"]: f["code"] for f in rep.failed} == {
        "tiny-paragraphs.docx": "too_large",
        "half-gigabyte.docx": "too_large",
    }


def test_slow_file_hits_the_time_budget_and_the_rest_is_ingested(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    slow_pdf(corpus / "langsom.pdf", operators=300_000)
    (corpus / "notat.txt").write_text("Notat\n\nVintertjenesten salter cykelstierne først.\n", encoding="utf-8")
    good_docx(corpus / "referat.docx", "Referat\n\nUdvalget godkendte cykelstien langs Skovvej.")
    rep = ingest_paths([corpus], settings_for(tmp_path / "data", load_timeout_s=1.5, ocr="false"), progress=False)
    assert {f["path"]: f["code"] for f in rep.failed} == {"langsom.pdf": "timeout"}
    assert sorted(rep.new) == ["notat.txt", "referat.docx"]  # read by the replacement worker


def test_slow_file_is_read_with_time_enough(tmp_path):
    """Guard: the same kind of file loads when the budget allows (so the timeout above is the limit's doing)."""
    slow_pdf(tmp_path / "lidt.pdf", operators=2_000)
    opts = LoadOptions(isolate=True, timeout_s=120)
    try:
        assert sandbox.load(tmp_path / "lidt.pdf", opts).meta["format"] == "pdf"
    except LoadError as e:  # pypdf may see no text in it (font size 1): a scan, but read in time
        assert e.code == "needs_ocr"


def test_memory_ceiling_costs_only_that_file(tmp_path):
    big = tmp_path / "stor.txt"
    with big.open("w", encoding="utf-8") as f:
        for _ in range(150):
            f.write("Byrådet mødes på rådhuset. " * 40_000)  # ~1 MB each: 150 MB of plain text
    (tmp_path / "lille.txt").write_text("Et lille notat om vejene.\n", encoding="utf-8")
    opts = LoadOptions(isolate=True, max_memory=256 << 20, max_bytes=1 << 30, max_text_chars=1 << 30)
    with pytest.raises(LoadError) as e:
        sandbox.load(big, opts)
    assert e.value.code == "too_large" and "memory" in str(e.value)
    assert "lille notat" in sandbox.load(tmp_path / "lille.txt", opts).raw_text


PARENT = """
import sys, threading, time
from pathlib import Path
from ingest import sandbox
from ingest.loaders import LoadOptions
t = threading.Thread(target=lambda: sandbox.load(Path(sys.argv[1]), LoadOptions(isolate=True, timeout_s=600)),
                     daemon=True)
t.start()
while sandbox._WORKER._proc is None:
    time.sleep(0.02)
print(sandbox._WORKER._proc.pid, flush=True)
t.join()
"""


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_the_loader_stops_when_the_ingest_that_started_it_is_killed(tmp_path):
    """The loader worker runs in its own session; when its ingest dies (the admin page stops it, kill -9) it must
    not go on reading a slow file as an orphan: it and its process group stop within seconds."""
    import signal
    import subprocess
    import sys
    import time

    slow_pdf(tmp_path / "langsom.pdf", operators=300_000)  # ~10-20 s of text extraction
    root = Path(__file__).resolve().parents[1]
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "langsom.pdf")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        preexec_fn=lambda: os.nice(5),
    )  # a niced ingest, as the admin page starts it
    try:
        worker = int(parent.stdout.readline())
        time.sleep(1.5)
        assert _running(worker) and parent.poll() is None  # busy with the slow file
        # Its session's scheduler autogroup is niced as the ingest is (byraad.runtime.match_autogroup).
        assert autogroup_nice(worker) in (None, os.getpriority(os.PRIO_PROCESS, 0) + 5)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(worker)
    finally:
        if parent.poll() is None:
            parent.kill()
        if _running(worker):
            os.killpg(worker, signal.SIGKILL)
