"""The structured-source registry: every built-in format is found, whichever format module was imported first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_one_format_first_still_loads_all() -> None:
    code = "import ingest.sources.firstagenda, ingest.sources as s; print(sorted(x.name for x in s.sources()))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(sorted(["firstagenda", "esdh", "byraadsfakta"]))


def test_plain_files_are_not_claimed(tmp_path: Path) -> None:
    from ingest.sources import package_members, source_for

    for name, body in (
        ("referat.txt", "Referat"),
        ("noter.html", "<html><body>hej</body></html>"),
        ("data.xml", "<root/>"),
        ("andet.toml", "a = 1"),
    ):
        p = tmp_path / name
        p.write_text(body, encoding="utf-8")
        assert source_for(p) is None, name
        assert package_members(p) == []
