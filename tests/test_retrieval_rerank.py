"""benchmarks/retrieval_rerank.py: the second-stage variants replayed over the fused list (docs/retrieval-tuning.md,
session 8): "now" leaves the list alone, a sibling variant moves chunks only inside their unit, a list variant
fuses one more RRF list, and the lexical window signal reads consecutive sentences."""

from __future__ import annotations

from pathlib import Path

from byraad.types import Hit
from tests import builders

ROOT = Path(__file__).resolve().parents[1]


def _module():
    return builders.benchmark_module("retrieval_rerank")


class FixedSignals:
    """A signal per chunk id, as Signals.value gives it."""

    def __init__(self, values: dict[str, float | None]) -> None:
        self.values = values

    def value(self, name: str, cid: str, ctx: dict) -> float | None:
        return self.values.get(cid)


def _hits() -> list[Hit]:
    a = builders.chunk("a", "d1", "a", header="Doc › Punkt 1")
    b = builders.chunk("b", "d1", "b", header="Doc › Punkt 1")
    c = builders.chunk("c", "d1", "c", header="Doc › Punkt 2")
    return [Hit(chunk=a, score=0.30), Hit(chunk=c, score=0.29), Hit(chunk=b, score=0.28)]


def test_now_keeps_the_fused_order():
    m = _module()
    hits = _hits()
    assert m.rerank("now", hits, FixedSignals({}), {}, 10) is hits


def test_sibling_variant_moves_chunks_only_inside_their_unit():
    m = _module()
    sig = FixedSignals({"a": 0.1, "b": 0.9, "c": 0.0})  # b beats its sibling a; c is alone in its unit
    out = m.rerank("sibling-chunk-0.3", _hits(), sig, {}, 10)
    assert [h.chunk.chunk_id for h in out] == ["c", "b", "a"]
    score = {h.chunk.chunk_id: h.score for h in out}
    assert score["c"] == 0.29 and score["b"] == 0.28  # alone in its unit / best of its unit: unchanged
    assert abs(score["a"] - (0.30 - 0.3 * 0.30)) < 1e-9  # λ × rank-1 score × the whole range of its unit below


def test_list_variant_fuses_one_more_rrf_list():
    m = _module()
    sig = FixedSignals({"a": 0.0, "b": 1.0, "c": None})  # c has no value: it gains nothing
    out = m.rerank("list-cover1-1.0", _hits(), sig, {}, 10)
    score = {h.chunk.chunk_id: h.score for h in out}
    assert abs(score["b"] - (0.28 + 1 / 11)) < 1e-9 and abs(score["a"] - (0.30 + 1 / 12)) < 1e-9
    assert score["c"] == 0.29
    assert [h.chunk.chunk_id for h in out] == ["a", "b", "c"]  # b passes c, not a (ranked 2nd by the new list)


def test_cover_reads_windows_of_consecutive_sentences():
    m = _module()
    from vectorstore.bm25 import tokenize

    sig = object.__new__(m.Signals)
    ch = builders.chunk("x", "d1", "Budgettet er vedtaget. Vejen bygges i 2026. Prisen er 5 mio. kr.")
    sig.chunks, sig.pos, sig.tokenize, sig._toks = {"x": ch}, {}, tokenize, {}
    sig.sent = {}
    sig.sent["x"] = (None, ["Budgettet er vedtaget.", "Vejen bygges i 2026.", "Prisen er 5 mio. kr."])
    idf = {t: 1.0 for t in tokenize("vejen prisen")}
    ctx = {"idf": idf, "q": None}
    assert sig.value("cover1", "x", ctx) == 0.5  # no one sentence holds both words
    assert sig.value("cover2", "x", ctx) == 1.0  # two adjacent ones do
