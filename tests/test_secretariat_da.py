"""Session 11 QA: what the secretariat reads after `byraad ingest` / `byraad status` is Danish and true.

Seen on the real material (docs/qa-session11.md): the terminal report printed the loaders' English reasons
("file ends in .pdf but is not a PDF") while the admin page translated them; a portal listing page was reported as
"filtypen .html understøttes ikke" next to an ingested .html meeting page; Ctrl-C ended with Click's "Aborted!" and
exit 1 (which the README reserves for "a file failed"); `byraad status` listed kinds as "agenda 1, minutes 8".
"""

from __future__ import annotations

import re

from click.testing import CliRunner

from byraad.cli import main
from ingest.report import IngestReport


def test_the_terminal_report_gives_failed_and_skipped_reasons_in_danish():
    rep = IngestReport(
        failed=[
            {"path": "junk.pdf", "code": "not_pdf", "reason": "file ends in .pdf but is not a PDF"},
            {"path": "stor.pdf", "code": "too_large", "reason": "file is too large (300.0 MB; limit 200.0 MB)"},
            {"path": "ny.pdf", "code": "corrupt", "reason": "some new English message"},
            {"path": "tom.pdf", "code": "empty", "reason": "filen er tom"},
        ],
        skipped=[{"path": "x.exe", "code": "unsupported", "reason": "filtypen .exe understøttes ikke"}],
    )
    out = rep.render()
    assert "junk.pdf: filen hedder .pdf, men er ikke en PDF" in out
    assert "stor.pdf: filen er for stor (300.0 MB; grænsen er 200.0 MB)" in out  # the figures are kept
    assert "ny.pdf: beskadiget fil, der ikke kan læses" in out
    assert "tom.pdf: filen er tom" in out and "x.exe: filtypen .exe understøttes ikke" in out
    assert "is not a PDF" not in out and "too large" not in out and "English" not in out
    # the JSON keeps the loaders' reason and code for scripts
    assert rep.to_dict()["failed"][0]["reason"] == "file ends in .pdf but is not a PDF"


def test_a_non_meeting_html_or_xml_is_not_called_an_unsupported_type(tmp_path):
    from ingest.pipeline import scan

    (tmp_path / "oversigt.html").write_text("<html><body><p>Møder</p></body></html>", encoding="utf-8")
    (tmp_path / "data.xml").write_text("<root><x>1</x></root>", encoding="utf-8")
    (tmp_path / "program.exe").write_bytes(b"MZ\x00\x00")
    files, skipped = scan([tmp_path])
    reasons = {s["path"]: s["reason"] for s in skipped}
    assert files == [] and set(reasons) == {"oversigt.html", "data.xml", "program.exe"}
    assert "mødeside" in reasons["oversigt.html"] and "understøttes ikke" not in reasons["oversigt.html"]
    assert "ESDH" in reasons["data.xml"] and "understøttes ikke" not in reasons["data.xml"]
    assert reasons["program.exe"] == "filtypen .exe understøttes ikke"
    assert all(s["code"] == "unsupported" for s in skipped)  # the code scripts read is unchanged


def test_ctrl_c_during_ingest_says_so_in_danish_and_exits_130(tmp_path, monkeypatch):
    import ingest.pipeline

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest.pipeline, "ingest_paths", interrupted)
    (tmp_path / "a.txt").write_text("Byrådet besluttede noget.", encoding="utf-8")
    r = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "d"), "--embedder", "hash:64", "ingest", str(tmp_path / "a.txt")]
    )
    assert r.exit_code == 130, (r.output, r.exception)  # was 1, the code for "a file failed"
    assert "Afbrudt" in r.stderr and "kør samme kommando igen" in r.stderr and "Aborted" not in r.output


def test_status_names_document_kinds_in_danish():
    from ingest.status import render_status

    st = {
        "exists": True,
        "collection": "c",
        "data_dir": "d",
        "documents": 3,
        "chunks": 9,
        "files": 3,
        "meetings": 1,
        "items": 2,
        "closed_items": 0,
        "undated_meetings": [],
        "newest_material": 20251008,
        "kinds": {"agenda": 1, "minutes": 1, "other": 1},
        "restricted_documents": [],
    }
    line = [x for x in render_status(st).splitlines() if x.startswith("Dokumenttyper")][0]
    assert line == "Dokumenttyper: dagsordener 1, referater 1, andet 1"  # was "agenda 1, minutes 1, other 1"


def test_a_data_dir_inside_the_ingested_folder_is_not_walked(tmp_path):
    """Session 11 QA: with data_dir inside the folder, every file of the index (catalog, vectors, reports, the
    quarantined uploads of the admin page) was walked: 4 then 19 "SPRUNGET OVER indeks/…" lines, and a quarantined
    upload would be read (and fail) again on every run. Now the data dir is one skipped line and never read."""
    (tmp_path / "a.txt").write_text("Byrådet besluttede at bygge en ny skole i Nordby.", encoding="utf-8")
    data = tmp_path / "indeks"
    args = ["--data-dir", str(data), "--embedder", "hash:64", "ingest", str(tmp_path), "--json", "--quiet"]
    import json

    assert CliRunner().invoke(main, args).exit_code == 0
    (data / "karantaene").mkdir()
    (data / "karantaene" / "20261208-upload.txt").write_text("Et upload, der ikke kunne indlæses.", encoding="utf-8")
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["new"] == [] and out["unchanged"] == ["a.txt"]
    assert [s["path"] for s in out["skipped"]] == ["indeks"] and out["skipped"][0]["code"] == "data_dir"


def test_a_missing_folder_is_named_in_danish(tmp_path):
    r = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "d"), "--embedder", "hash:64", "ingest", str(tmp_path / "mangler")]
    )
    assert r.exit_code == 2 and "findes ikke" in r.output and "does not exist" not in r.output


def test_the_fills_after_ingest_are_reported_under_the_summary_with_their_time(tmp_path, monkeypatch):
    """The summary's "Indlæsning færdig på 9.3 s" left out the sparse and sentence fills after it (the whole
    command took ~25 s), and their lines were printed above the summary."""
    import assistant.sentence_fill

    def fills(*a, **k):
        import time

        time.sleep(0.2)
        return {"sparse": 2, "sentences": 5}

    monkeypatch.setattr(assistant.sentence_fill, "fill_after_ingest", fills)
    (tmp_path / "a.txt").write_text("Byrådet besluttede at bygge en ny skole i Lisbjerg.", encoding="utf-8")
    r = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "d"), "--embedder", "hash:64", "ingest", str(tmp_path / "a.txt")]
    )
    assert r.exit_code == 0, (r.output, r.exception)
    lines = r.stdout.splitlines()
    order = [
        next(i for i, x in enumerate(lines) if x.startswith(p))
        for p in (
            "Indlæsning færdig",
            "  Latente søgeord beregnet: 2",
            "  Sætninger indlejret: 5",
            "  Sætninger og latente søgeord:",
        )
    ]
    assert order == sorted(order), r.stdout
    fill_s, total_s = (float(x) for x in re.findall(r"([\d.]+) s", lines[order[3]]))
    first_s = float(re.search(r"på ([\d.]+) s", lines[order[0]]).group(1))
    assert fill_s >= 0.2 and abs(total_s - (first_s + fill_s)) < 0.11
