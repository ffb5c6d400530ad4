"""The VectorStore contract against a real Chroma server (`chroma run`), started and stopped by this test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from byraad.settings import Settings
from tests.servers import free_port, stop, wait_for_http
from tests.test_store_contract import ROWS, StoreContract
from vectorstore.chroma_store import ChromaStore
from vectorstore.factory import make_store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    exe = Path(sys.executable).parent / "chroma"
    exe = str(exe) if exe.exists() else shutil.which("chroma")
    assert exe, "the chroma CLI (installed with chromadb) was not found"
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data / "server.log", "wb")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/api/v2/heartbeat", proc, 60, data / "server.log", "chroma server", interval=0.2)
        yield url
    finally:
        stop(proc, timeout=15)
        log.close()


class TestChromaServerContract(StoreContract):
    @pytest.fixture
    def open_store(self, chroma_url):
        name = f"contract-{uuid.uuid4().hex[:8]}"
        return lambda: ChromaStore(name, url=chroma_url)


def test_make_store_uses_http_client(chroma_url, tmp_path):
    s = Settings(data_dir=str(tmp_path), embedder="hash:8", chroma_url=chroma_url)
    store = make_store(s, collection=f"factory-{uuid.uuid4().hex[:8]}")
    assert not (tmp_path / "chroma").exists()  # nothing written locally
    store.upsert([ROWS[0][0]], [ROWS[0][1]])
    assert make_store(s, collection=store.name).count() == 1
    store.drop()
    assert store.count() == 0
