"""Fixtures for browser tests: the app served on 127.0.0.1:<free port> over an ingested copy of the sample corpus,
and Debian's chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from byraad.settings import Settings
from tests.servers import free_port, stop, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_corpus"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PASSWORDS = {"sekr": "hemmelig-1234", "anna": "anna-kodeord"}


def start_app(
    settings: Settings, log_path: Path, cwd: Path = ROOT, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Start `byraad serve`'s command on a free port and wait until Streamlit answers its health check (`cwd` is
    where Streamlit looks for .streamlit/secrets.toml)."""
    from ui.cli import serve_command

    port = port or free_port()
    argv, env = serve_command(settings, port, "127.0.0.1")
    log = open(log_path, "w")
    proc = subprocess.Popen(argv, env=env, cwd=str(cwd), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/_stcore/health", proc, 60, log_path, "the app", healthy=lambda body: body.strip() == b"ok")
    return proc, url


def ingest_sample(base: Path) -> Settings:
    """A copy of the sample corpus under `base`, ingested with the hash embedder; its settings."""
    from ingest.pipeline import ingest_paths

    corpus = base / "corpus"
    shutil.copytree(SAMPLE, corpus)
    # ingest_nice=0: on a test machine shared with other jobs a niced ingest is starved for minutes; its priority
    # is checked in tests/test_admin_ingest.py.
    s = Settings(
        data_dir=str(base / "data"), embedder="hash:64", corpus_dirs=(str(corpus),), llm="extractive", ingest_nice=0
    )
    ingest_paths([corpus], s, progress=False)
    return s


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(url, settings) of a running app; users sekr (sekretariat) and anna (byraadsmedlem)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/install-system-deps.sh)")
    pytest.importorskip("playwright.sync_api")
    from byraad.users import UserStore

    base = tmp_path_factory.mktemp("e2e")
    s = ingest_sample(base)
    users = UserStore.for_settings(s)
    users.add("sekr", ["sekretariat"], PASSWORDS["sekr"])
    users.add("anna", ["byraadsmedlem"], PASSWORDS["anna"])
    users.close()
    ARTIFACTS.mkdir(exist_ok=True)
    proc, url = start_app(s, base / "app.log")
    yield url, s
    stop(proc)
    shutil.copy(base / "app.log", ARTIFACTS / "e2e-app.log")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
