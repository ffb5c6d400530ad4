"""The one rule for following paths during ingestion: nothing outside the ingested root gets in.

A path is followed only when, with every symbolic link resolved, it lies inside the root it was found under (the
folder being ingested, or for a package member the package's own folder). A link pointing outside, a dangling link
and a link loop are never read; each gets a reason for the report. Links to folders are never descended (a folder
inside the root is scanned from its own place; one outside must not be read at all).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable


def real(path: Path) -> Path | None:
    """The path with every link resolved, or None when it does not exist (dangling link) or loops."""
    try:
        return Path(path).resolve(strict=True)
    except (OSError, RuntimeError):  # FileNotFoundError, ELOOP (3.13) / RuntimeError "Symlink loop" (3.11)
        return None


def contained(path: Path, root: Path) -> bool:
    """True when `path` (links resolved) exists and lies inside `root` (links resolved)."""
    p, r = real(path), real(root)
    return p is not None and r is not None and (p == r or r in p.parents)


def refusal(path: Path, root: Path, where: str = "den indlæste mappe") -> tuple[str, str] | None:
    """(code, Danish reason) when `path` must not be followed from `root` (called `where` in the reason); None
    when it may be read."""
    path = Path(path)
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        p = real(path)
        if p is None:
            if _loops(path):
                return "symlink_loop", f"symbolsk link i ring ({target!r}); det kan ikke følges"
            return "symlink_dangling", f"symbolsk link til noget, der ikke findes ({target!r})"
        if not contained(path, root):
            return "symlink_outside", f"symbolsk link til {str(p)!r} uden for {where}; følges ikke"
        if p.is_dir():
            return "symlink_dir", "symbolsk link til en mappe; mappens filer indlæses fra deres egen placering"
        return None
    if real(path) is None:
        return "missing", "filen findes ikke"
    if not contained(path, root):  # a path through a linked folder, "..", or an absolute path
        return "outside", f"stien fører uden for {where}; følges ikke"
    return None


def _loops(path: Path) -> bool:
    seen: set[str] = set()
    cur = str(path)
    for _ in range(64):
        if not os.path.islink(cur):
            return False
        if cur in seen:
            return True
        seen.add(cur)
        cur = os.path.normpath(os.path.join(os.path.dirname(cur), os.readlink(cur)))
    return True


def walk(root: Path, exclude: Iterable[Path] = ()) -> tuple[list[Path], list[tuple[Path, str, str]]]:
    """Every regular file under `root` (sorted) that may be read, and the links that may not: (path, code, reason).
    Hidden entries (".name") and Office lock files ("~$name") are left out silently; folders are walked without
    following links. A folder in `exclude` (the index's own data dir, when it lies inside the folder ingested) is
    not walked and is listed once: its catalog, reports and quarantined uploads are never read as council material."""
    root = Path(root)
    excluded = {Path(x).resolve() for x in exclude}
    files: list[Path] = []
    refused: list[tuple[Path, str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            if d.startswith((".", "~$")):
                continue
            if excluded and (here / d).resolve() in excluded:
                refused.append((here / d, "data_dir", "indeksets egen datamappe (data_dir) indlæses aldrig"))
                continue
            if (here / d).is_symlink():
                why = refusal(here / d, root) or ("symlink_dir", "symbolsk link til en mappe følges ikke")
                refused.append((here / d, *why))
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            if f.startswith((".", "~$")):
                continue
            p = here / f
            why = refusal(p, root)
            if why is not None:
                refused.append((p, *why))
            elif p.is_file():
                files.append(p)
    return sorted(files), sorted(refused)
