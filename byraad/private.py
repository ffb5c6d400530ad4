"""The data directory holds closed text (catalog, vector store), password hashes (users), the audit log and saved
conversations: it is private to the service user. Folders are 0700 and files 0600: new ones through the process
umask set at the entry points (`byraad` CLI, the chat app), existing ones tightened the first time a process opens
the data directory (so an install from before this rule is mended on its next start)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

DIR_MODE, FILE_MODE, UMASK = 0o700, 0o600, 0o077
_tightened: set[str] = set()
_lock = threading.Lock()


def private_umask() -> None:
    """Make everything this process creates from now on private (entry points call this first)."""
    os.umask(UMASK)


def private_dir(path: str | Path, tighten: bool = False) -> Path:
    """Create `path` (with parents; a new leaf is 0700). With `tighten` — for the configured data directory only —
    make it 0700 and, the first time per process, what is already inside private (folders 0700, files 0600).
    Never touches a shared folder (the root, one with the sticky bit such as /tmp, the home folder) or anything
    the service user does not own."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if not tighten or _shared(p):
        return p
    _chmod(p, DIR_MODE)
    key = str(p.resolve())
    with _lock:
        if key in _tightened:
            return p
        _tightened.add(key)
    for dirpath, dirnames, filenames in os.walk(p):
        for d in dirnames:
            _chmod(Path(dirpath) / d, DIR_MODE)
        for f in filenames:
            _chmod(Path(dirpath) / f, FILE_MODE)
    return p


def _shared(p: Path) -> bool:
    r = p.resolve()
    try:
        sticky = bool(r.stat().st_mode & stat.S_ISVTX)
    except OSError:
        return True
    return sticky or r == Path(r.anchor) or r == Path.home().resolve()


def private_file(path: str | Path) -> None:
    """0600 for a file and the SQLite companions it may have (-wal, -shm, -journal)."""
    p = Path(path)
    for q in (p, p.with_name(p.name + "-wal"), p.with_name(p.name + "-shm"), p.with_name(p.name + "-journal")):
        _chmod(q, FILE_MODE)


def _chmod(p: Path, mode: int) -> None:
    try:
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid() or stat.S_IMODE(st.st_mode) == mode:
            return
        os.chmod(p, mode)
    except (FileNotFoundError, PermissionError):
        pass
