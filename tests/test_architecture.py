"""The import graph of the packages, read from their source: no cycles, and every import runs with the intended
direction (docs/architecture.md):

    ui ─┐                        evaluation ─┐
        ├→ assistant ─→ vectorstore ←─ ingest ←┘   (ui and evaluation may also use ingest and the lower layers)
        └────────────────────────→ byraad ←────────┘   (byraad, the core, imports no other package)

byraad/cli.py is the program's entry point and the one module allowed to import every package (it registers their
commands). evaluation may import ui (its leak suite checks the exported conversation as the app renders it); ui
never imports evaluation. Function-level imports count like top-level ones.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("byraad", "vectorstore", "ingest", "assistant", "ui", "evaluation")
ALLOWED = {  # package → the packages it may import (besides itself)
    "byraad": set(),
    "vectorstore": {"byraad"},
    "ingest": {"vectorstore", "byraad"},
    "assistant": {"vectorstore", "byraad"},
    "ui": {"assistant", "ingest", "vectorstore", "byraad"},
    "evaluation": {"ui", "assistant", "ingest", "vectorstore", "byraad"},  # ui: the leak suite renders exports
}
ENTRY_POINTS = {"byraad.cli"}


def modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in sorted((root / pkg).rglob("*.py")):
            parts = list(f.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = f
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module → the project modules it imports (a `from pkg import sub` of a submodule counts as that submodule)."""
    mods = modules(root)

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = defaultdict(set)
    for mod, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
                    base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            for n in names:
                target = resolve(n)
                if target and target != mod:
                    graph[mod].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def wrong_way(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for mod, targets in sorted(graph.items()):
        if mod in ENTRY_POINTS:
            continue
        src = mod.split(".")[0]
        for t in sorted(targets):
            dst = t.split(".")[0]
            if dst != src and dst not in ALLOWED[src]:
                bad.append(f"{mod} → {t}")
    return bad


def test_the_graph_is_read_from_every_package():
    graph = import_graph()
    assert {m.split(".")[0] for m in graph} == set(PACKAGES)
    assert "assistant.retrieval" in graph["assistant.assistant"]
    assert "ingest.loaders.ocr" in graph["ingest.loaders.pdf"]  # `from ingest.loaders import ocr`


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_imports_follow_the_layers():
    assert wrong_way(import_graph()) == []


def test_the_checks_catch_a_cycle_and_a_wrong_way_import(tmp_path):
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "ingest" / "a.py").write_text("from ingest import b\n")
    (tmp_path / "ingest" / "b.py").write_text("def f():\n    from ingest.a import x\n")
    (tmp_path / "vectorstore" / "c.py").write_text("import assistant.d\n")
    (tmp_path / "assistant" / "d.py").write_text("from ..ingest import a\n")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [["ingest.a", "ingest.b"]]
    assert wrong_way(graph) == ["assistant.d → ingest.a", "vectorstore.c → assistant.d"]


def _ruff() -> list[str] | None:
    if subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True).returncode == 0:
        return [sys.executable, "-m", "ruff"]
    return [shutil.which("ruff")] if shutil.which("ruff") else None


def test_ruff_check_is_clean():
    """`ruff check` (rules and line length in pyproject.toml) passes on the whole tree; `make test` runs it too."""
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the dev extra)")
    done = subprocess.run(
        [*ruff, "check", "--no-cache", "--output-format", "concise", str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean():
    """`ruff format --check` (line length 120 in pyproject.toml) finds nothing to rewrite; `make test` runs it too."""
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the dev extra)")
    done = subprocess.run(
        [*ruff, "format", "--check", "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
