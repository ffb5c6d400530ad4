"""Progress of a long step (read, embed, the fills after ingest): a tqdm bar on stderr for the CLI, and the same
counts as events {"phase", "done", "total", "file"} for a caller's callback (the admin page's ingest process writes
them as JSON lines, ui/admin.py shows them)."""

from __future__ import annotations

import sys
from typing import Callable


class _NoBar:
    def update(self, n: int = 1) -> None: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...
    def close(self) -> None: ...


class _Progress:
    """Counts one phase for the caller's callback (the app's progress bar) and, when enabled, a tqdm bar."""

    def __init__(self, bar, total: int, phase: str, callback: Callable[[dict], None] | None) -> None:
        self.bar, self.total, self.phase, self.callback = bar, total, phase, callback
        self.done, self.file = 0, ""
        self._emit()

    def _emit(self) -> None:
        if self.callback is not None:
            self.callback({"phase": self.phase, "done": self.done, "total": self.total, "file": self.file})

    def update(self, n: int = 1) -> None:
        self.done += n
        self.bar.update(n)
        self._emit()

    def set_postfix_str(self, s: str, refresh: bool = True) -> None:
        self.file = s
        self.bar.set_postfix_str(s[-40:], refresh=refresh)
        self._emit()

    def close(self) -> None:
        self.bar.close()


def progress_bar(
    total: int, enabled: bool, desc: str, unit: str, callback: Callable[[dict], None] | None = None, phase: str = ""
):
    """A tqdm bar on stderr (a no-op when disabled or when there is nothing to do), reporting to `callback` too."""
    if not enabled or total == 0:
        bar = _NoBar()
    else:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, mininterval=0.5, dynamic_ncols=True)
    return bar if callback is None else _Progress(bar, total, phase, callback)
