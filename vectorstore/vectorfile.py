"""A snapshot of an index's chunk vectors in one numpy file, so answering processes search without Chroma.

`byraad ask`, `retrieve` and the app only read vectors; opening Chroma costs ~4 s of imports (and its memory) before
the first answer. Each ingest run ends by writing every complete chunk's vector here (`vectors-<generation>.npy`
plus `vectors.json` naming it, each replaced atomically; the json last). A reader scores the snapshot exactly
(cosine over the rows the filter admits: a few ms up to `MAX_CHUNKS`; bigger indexes keep Chroma's HNSW search).

An id fixes its vector (chunk ids hash the embedded text; each embedder has its own collection), so a snapshot never
holds a wrong vector: it can only lack chunks completed after it was written (an ingest running now). Those are
read from the store by the Index when the store is open, and meanwhile left out of dense search (BM25 has them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

MAX_CHUNKS = 50_000  # beyond this, exact scoring of every row costs more than the store's HNSW search
META = "vectors.json"


class VectorFile:
    """One loaded snapshot: ids, their row in the (memory-mapped) matrix, and the generation it was written at."""

    def __init__(self, ids: list[str], mat: Any, generation: int, stamp: tuple) -> None:
        self.ids, self.mat, self.generation, self.stamp = ids, mat, generation, stamp
        self.pos = {cid: i for i, cid in enumerate(ids)}
        self._align: tuple[Any, Any] | None = None  # (columns ids list, column row → file row or -1)

    def __len__(self) -> int:
        return len(self.ids)

    def rows_for(self, col_ids: list[str]):
        """For each of the index's column rows, its row in this file (-1 when the file lacks it); cached."""
        import numpy as np

        a = self._align
        if a is not None and a[0] is col_ids:
            return a[1]
        if col_ids == self.ids:
            rows = np.arange(len(col_ids), dtype=np.int64)
        else:
            rows = np.fromiter((self.pos.get(c, -1) for c in col_ids), np.int64, len(col_ids))
        self._align = (col_ids, rows)
        return rows

    def scores(self, vector: Sequence[float]):
        """Cosine of the query with every row (rows are stored unit-length)."""
        import numpy as np

        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        # einsum, not `@`: OpenBLAS would thread the matrix-vector product and spin on busy cores.
        return np.einsum("ij,j->i", self.mat, q)


def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def load(index_dir: Path, current: VectorFile | None = None) -> VectorFile | None:
    """The snapshot in index_dir (the `current` one when unchanged on disk); None when there is none or it is
    unreadable (then dense search uses the store)."""
    import numpy as np

    meta_path = index_dir / META
    stamp = _stamp(meta_path)
    if stamp is None:
        return None
    if current is not None and current.stamp == stamp:
        return current
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        mat = np.load(index_dir / meta["file"], mmap_mode="r")
        ids = list(meta["ids"])
        if mat.ndim != 2 or mat.shape[0] != len(ids) or mat.dtype != np.float32:
            return None
        return VectorFile(ids, mat, int(meta.get("generation", -1)), stamp)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(
    index_dir: Path,
    generation: int,
    ids: Sequence[str],
    fetch: Callable[[list[str]], tuple[list[str], Any]],
    dim: int | None = None,
) -> int:
    """Write the snapshot of `ids` (rows reused from the previous snapshot, the rest read with `fetch(ids) →
    (found ids, rows)`); returns the number of rows written. Ids the store lacks are left out. Too many ids
    (over MAX_CHUNKS) or none: the snapshot is removed."""
    import numpy as np

    ids = list(ids)
    if not ids or len(ids) > MAX_CHUNKS:
        remove(index_dir)
        return 0
    old = load(index_dir)
    if old is not None and old.generation == generation and old.ids == ids:
        return len(ids)  # nothing changed since it was written (a re-run with no changes)
    have: dict[str, Any] = {}
    if old is not None:
        have = {cid: old.mat[old.pos[cid]] for cid in ids if cid in old.pos}
    miss = [cid for cid in ids if cid not in have]
    for i in range(0, len(miss), 2000):
        got_ids, rows = fetch(miss[i : i + 2000])
        rows = np.asarray(rows, dtype=np.float32)
        for cid, row in zip(got_ids, rows):
            have[cid] = row
    keep = [cid for cid in ids if cid in have]
    if not keep:
        remove(index_dir)
        return 0
    mat = np.stack([np.asarray(have[cid], dtype=np.float32) for cid in keep])
    mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    if dim is not None and mat.shape[1] != dim:
        raise ValueError(f"vector snapshot: dimension {mat.shape[1]} ≠ {dim}")
    name = f"vectors-{generation}.npy"
    tmp = index_dir / f".{name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        np.save(f, mat)
    os.replace(tmp, index_dir / name)
    meta_tmp = index_dir / f".{META}.{os.getpid()}.tmp"
    meta_tmp.write_text(
        json.dumps({"generation": generation, "file": name, "dim": int(mat.shape[1]), "ids": keep}), encoding="utf-8"
    )
    os.replace(meta_tmp, index_dir / META)  # readers switch here; a reader of the old file keeps its mapping
    for p in index_dir.glob("vectors-*.npy"):
        if p.name != name:
            p.unlink(missing_ok=True)
    return len(keep)


def remove(index_dir: Path) -> None:
    (index_dir / META).unlink(missing_ok=True)
    for p in index_dir.glob("vectors-*.npy"):
        p.unlink(missing_ok=True)
