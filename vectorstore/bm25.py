"""BM25Index: lexical retrieval over chunk texts with bm25s, the Snowball Danish stemmer and Danish stop words.

The access filter is applied inside ranking (`allowed`), never after top-k, so a chunk the user may not
see can neither appear nor push a visible chunk out of the top k.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

IDS_FILE = "ids.json"
FORMAT = 1
# A build keeps its texts' token lists for the next build (`BM25Index.tokens`) up to this many chunks: ~17 bytes a
# token with the stems shared, about 1.2 MB for the shared corpus's 942 chunks, ~25 MB at this cap.
TOKEN_CACHE_MAX_CHUNKS = 20_000
# Words of letters/digits; single letters carry no information, but digits do ("§ 5", "punkt 3").
TOKEN_RE = re.compile(r"\w\w+|\d", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("danish")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """bm25s's Danish stop words, read from its plain-data module without importing the package (its __init__
    imports scipy: ~0.35 s of CPU that a process answering questions does not otherwise need)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("bm25s")
        path = Path(list(spec.submodule_search_locations)[0]) / "stopwords.py"
        mod_spec = importlib.util.spec_from_file_location("_byraad_bm25s_stopwords", path)
        mod = importlib.util.module_from_spec(mod_spec)
        mod_spec.loader.exec_module(mod)
        return frozenset(mod.STOPWORDS_DANISH)
    except (AttributeError, ImportError, OSError, TypeError):
        from bm25s.stopwords import STOPWORDS_DANISH

        return frozenset(STOPWORDS_DANISH)


class SavedScores:
    """A saved bm25s index's precomputed scores (its eager CSC matrix: one row of chunk scores per token), scored
    exactly as bm25s scores them, without importing bm25s. Only for the methods with no non-occurrence term (bm25s's
    default, lucene, which `BM25Index.build` uses); anything else is loaded with bm25s itself."""

    METHODS = ("lucene", "robertson", "atire")

    def __init__(self, d: Path) -> None:
        import numpy as np

        params = json.loads((d / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") not in self.METHODS or params.get("backend", "numpy") != "numpy":
            raise ValueError(f"bm25s method {params.get('method')!r}: load with bm25s")
        self.vocab_dict: dict[str, int] = json.loads((d / "vocab.index.json").read_text(encoding="utf-8"))
        self.data = np.load(d / "data.csc.index.npy")
        self.indices = np.load(d / "indices.csc.index.npy")
        self.indptr = np.load(d / "indptr.csc.index.npy")
        self.num_docs = int(params["num_docs"])
        self.dtype = np.dtype(params.get("dtype", "float32"))
        self.n_tokens = len(self.indptr) - 1  # bm25s's vocabulary also holds "" with the id n_tokens (no row)
        if max((i for t, i in self.vocab_dict.items() if t), default=-1) >= self.n_tokens:
            raise ValueError("bm25s index: vocabulary and score matrix differ")

    @property
    def scores(self) -> dict:
        """The score matrix under bm25s's own names (`BM25.scores`), which the retriever reads for term IDFs."""
        return {"data": self.data, "indices": self.indices, "indptr": self.indptr, "num_docs": self.num_docs}

    def get_scores(self, tokens: list[str]):
        import numpy as np

        scores = np.zeros(self.num_docs, dtype=self.dtype)
        for t in tokens:
            i = self.vocab_dict.get(t)
            if i is not None and i < self.n_tokens:
                start, end = self.indptr[i], self.indptr[i + 1]
                np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores


def tokenize(text: str) -> list[str]:
    """Lowercase, split into words (æøå are letters), drop Danish stop words, stem."""
    words = [w for w in TOKEN_RE.findall(text.lower()) if w not in _stopwords()]
    return _stemmer().stemWords(words) if words else []


class BM25Index:
    """A bm25s index plus the chunk ids of its rows."""

    def __init__(self, ids: Sequence[str], model=None) -> None:
        self.ids = list(ids)
        self._pos = {cid: i for i, cid in enumerate(self.ids)}
        self._mask_cache: dict = {}  # frozenset of allowed ids → mask
        self._model = model  # None for an empty corpus
        self.tokens: dict[str, list[str]] | None = None  # text → its tokens, from `build` (for the next build)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls, ids: Sequence[str], texts: Sequence[str], known: Mapping[str, list[str]] | None = None
    ) -> "BM25Index":
        """Index texts (chunk texts, words already joined by repair) under their chunk ids.

        `known`: an earlier build's `tokens` (text → token list); only the texts it lacks are tokenized, and since a
        text's tokens are the same however often it is tokenized, the index is the same as a build from scratch
        (tokenizing is about 60 % of a build: the serving index rebuilds BM25 with every document an ingest
        completes). The result's `tokens` hold this build's for the next one (up to TOKEN_CACHE_MAX_CHUNKS)."""
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate chunk ids")
        if not ids:
            return cls([], None)
        import bm25s

        known = known or {}
        stems: dict[str, str] = {}  # one string object per stem among the new texts' tokens (memory)
        toks = [known[t] if t in known else [stems.setdefault(w, w) for w in tokenize(t)] for t in texts]
        model = bm25s.BM25()
        model.index(toks, show_progress=False)
        idx = cls(ids, model)
        if len(texts) <= TOKEN_CACHE_MAX_CHUNKS:
            idx.tokens = dict(zip(texts, toks))
        return idx

    def _mask(self, allowed: Iterable[str]):
        """Boolean mask over the index for the allowed ids; cached for frozensets (the Index passes the same
        frozenset for the same filter, so a 100k-chunk mask is built once, not per query)."""
        if isinstance(allowed, frozenset):
            mask = self._mask_cache.get(allowed)
            if mask is None:
                if len(self._mask_cache) >= 64:
                    self._mask_cache.pop(next(iter(self._mask_cache)))
                mask = self._mask_cache[allowed] = self._build_mask(allowed)
            return mask
        return self._build_mask(allowed)

    def _build_mask(self, allowed: Iterable[str]):
        import numpy as np

        mask = np.zeros(len(self.ids), dtype=bool)
        for cid in allowed:
            i = self._pos.get(cid)
            if i is not None:
                mask[i] = True
        return mask

    def search(self, query: str, k: int, allowed: Any = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score) with score > 0, best first; `allowed` restricts the candidates: a set of ids,
        or a boolean numpy mask over `ids` (the Index's metadata columns, no per-query id lookups)."""
        import numpy as np

        if self._model is None or k <= 0:
            return []
        tokens = [t for t in tokenize(query) if t in self._model.vocab_dict]
        if not tokens:
            return []
        scores = np.asarray(self._model.get_scores(tokens), dtype=np.float64)
        if allowed is not None:
            mask = allowed if isinstance(allowed, np.ndarray) else self._mask(allowed)
            if mask.shape != scores.shape:
                raise ValueError(f"allowed mask has {mask.size} rows, the index {scores.size}")
            scores = np.where(mask, scores, 0.0)
        cand = np.flatnonzero(scores > 0)
        if cand.size == 0:
            return []
        if cand.size > k:
            cand = cand[np.argpartition(-scores[cand], k - 1)[:k]]
        # Ties broken by chunk id so results are deterministic.
        order = sorted(cand.tolist(), key=lambda i: (-scores[i], self.ids[i]))
        return [(self.ids[i], float(scores[i])) for i in order]

    # --- persistence -------------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Write the index to `directory`, replacing it as a whole (temp dir, then rename)."""
        target = Path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            if self._model is not None:
                self._model.save(str(tmp), show_progress=False)
            (tmp / IDS_FILE).write_text(json.dumps({"format": FORMAT, "ids": self.ids}), encoding="utf-8")
            old = None
            if target.exists():
                old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
                os.rename(target, old)
            os.rename(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: str | Path) -> "BM25Index":
        """Read an index written by save(); FileNotFoundError when there is none."""
        d = Path(directory)
        data = json.loads((d / IDS_FILE).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"BM25 index in {d} has format {data.get('format')}, expected {FORMAT}; rebuild it")
        ids = data["ids"]
        if not ids:
            return cls([], None)
        try:
            return cls(ids, SavedScores(d))
        except (ValueError, KeyError, OSError):
            import bm25s

            return cls(ids, bm25s.BM25.load(str(d), show_progress=False, verbosity=0))
