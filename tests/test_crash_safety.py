"""A real `byraad ingest` subprocess killed with SIGKILL at random points converges, once re-run,
to the same index as a clean build: no duplicates, no orphans. The kill points follow the run's own progress
(`--progress-jsonl`), not the clock: timed kills missed runs that ended early on a fast moment of a busy machine."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from byraad.settings import Settings
from vectorstore.index import Index
from vectorstore.protocols import HashEmbedder

ROOT = Path(__file__).resolve().parents[1]


def _corpus(folder: Path, n: int, variant: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    words = (
        "byråd udvalg cykelsti budget skole ældrepleje klima affald kollektiv trafik bolig lokalplan "
        "høring tilskud vedtaget udsat forvaltningen borgmester rådmand"
    ).split()
    for i in range(n):
        items = []
        for k in range(1, 6):
            body = " ".join(rng.choice(words) for _ in range(120))
            items.append(
                f"Punkt {k}: Sag nummer {i}-{k}{variant}\n\n{body}.\n\nBeslutning for Punkt {k}: Sag\n\nGodkendt."
            )
        text = f"Referat fra Udvalg {i % 4}\n\nMødedato {1 + i % 27}. marts 2024\n\n" + "\n\n".join(items)
        (folder / f"referat-{i:03d}.txt").write_text(text, encoding="utf-8")


def _ingest_cmd(data: Path, folder: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "byraad.cli",
        "--data-dir",
        str(data),
        "--embedder",
        "hash:64",
        "ingest",
        "--quiet",
        "--prune",
        str(folder),
    ]


def _state(data: Path) -> dict:
    s = Settings(data_dir=str(data), embedder="hash:64")
    idx = Index(s, embedder=HashEmbedder(64))
    try:
        chunks = sorted((c.chunk_id, c.meta["path"], c.text) for c in idx.catalog.chunks())
        assert idx.catalog.stats()["pending"] == 0
        return {"chunks": chunks, "store": sorted(idx.store.ids()), "store_count": idx.store.count()}
    finally:
        idx.close()


def _run_killed(data: Path, folder: Path, env: dict, cwd: Path, phase: str, frac: float, delay: float) -> bool:
    """Run an ingest and SIGKILL it at a point given by its own progress (so the kill lands inside the run whatever
    the machine's speed): once `frac` of the chunks it embeds are done, or — for phase "finish", or when it has
    nothing to embed — `delay` s into its final index work (garbage collection, store check, snapshot, BM25).
    True when the process was killed before it ended."""
    proc = subprocess.Popen(
        _ingest_cmd(data, folder) + ["--progress-jsonl"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = False
    try:
        for line in proc.stderr:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            embedding = phase == "embed" and ev.get("phase") == "embed" and ev.get("total")
            if (embedding and ev["done"] >= frac * ev["total"]) or ev.get("phase") == "finish":
                if ev.get("phase") == "finish":
                    time.sleep(delay)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                break
    finally:
        proc.stderr.close()
        proc.wait()
    return killed and proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_kill_nine_at_random_points_then_rerun_converges(tmp_path):
    folder = tmp_path / "corpus"
    data = tmp_path / "data"
    _corpus(folder, 60)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rng = random.Random(2024)
    kills = []
    for cycle, phase in enumerate(["embed", "embed", "embed", "finish", "embed"]):
        if cycle == 2:
            _corpus(folder, 60, variant="b")  # files change between interrupted runs
            for p in sorted(folder.glob("*.txt"))[:5]:
                p.unlink()  # and some disappear
        kills.append(_run_killed(data, folder, env, tmp_path, phase, rng.uniform(0.15, 0.85), rng.uniform(0, 0.05)))
    # Each of the first three runs has chunks left to embed (the one before it was killed half-way, or the files
    # changed), so its kill lands while it embeds; the last two may find their final work already done.
    assert kills[:3] == [True, True, True] and sum(kills) >= 4, kills
    done = subprocess.run(_ingest_cmd(data, folder), env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    clean = tmp_path / "clean"
    subprocess.run(_ingest_cmd(clean, folder), env=env, cwd=tmp_path, check=True, capture_output=True)
    got, want = _state(data), _state(clean)
    assert got == want
    assert got["store_count"] == len(got["chunks"]) == len(set(c[0] for c in got["chunks"]))
