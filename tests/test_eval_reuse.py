"""`byraad eval` reuses an index built from the same corpus content with the same index settings (issue 13 item 3),
and rebuilds when either differs. Hash embedder, a two-file corpus, retrieval only."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

DOC_A = "Referat\n\nPunkt 1. Cykelsti langs Skovvej\n\nByrådet vedtog cykelstien langs Skovvej med 22 stemmer mod 3.\n"
DOC_B = "Notat\n\nVintertjenesten saltede 412 km vej i januar 2024, og budgettet blev overskredet.\n"
CASES = [
    {
        "id": "t-1",
        "question": "Hvad skete der med cykelstien?",
        "answer": "Vedtaget.",
        "evidence": "Byrådet vedtog cykelstien langs Skovvej med 22 stemmer mod 3.",
        "source_file": "a.txt",
        "kind": "fact",
        "difficulty": "let",
    },
    {
        "id": "t-2",
        "question": "Hvor meget vej blev saltet?",
        "answer": "412 km.",
        "evidence": "Vintertjenesten saltede 412 km vej i januar 2024",
        "source_file": "b.txt",
        "kind": "number",
    },
]


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(DOC_A, encoding="utf-8")
    (corpus / "b.txt").write_text(DOC_B, encoding="utf-8")
    ts = tmp_path / "set.jsonl"
    ts.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in CASES) + "\n", encoding="utf-8")
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(
        '[eval]\nsystems = ["hybrid", "bm25", "naive-bm25"]\nanswers = false\n[settings]\nembedder = "hash:64"\n',
        encoding="utf-8",
    )
    return corpus, ts, cfg


def _eval(data: Path, ts: Path, cfg: Path, corpus: Path, out: Path, env: dict | None = None):
    from byraad.cli import main

    res = CliRunner().invoke(
        main,
        [
            "--data-dir",
            str(data),
            "eval",
            "--testset",
            str(ts),
            "--config",
            str(cfg),
            "--corpus",
            str(corpus),
            "--out",
            str(out),
        ],
        env=env,
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    return res, json.loads((out / "results.json").read_text())


def test_second_run_reuses_the_index_and_a_changed_corpus_does_not(tmp_path):
    corpus, ts, cfg = _setup(tmp_path)
    res1, r1 = _eval(tmp_path / "d1", ts, cfg, corpus, tmp_path / "o1")
    assert not r1["index_reused"]
    assert "unknown field(s) ignored: difficulty" in res1.output  # a warning, not a failure
    assert r1["systems"]["hybrid"]["recall_at_5"] == 1.0 and r1["answers"] is False
    assert r1["systems"]["hybrid"]["answer_correctness"] is None
    assert r1["systems"]["naive-bm25"]["recall_at_10"] == 1.0

    # Another data dir that is told where earlier eval indexes live: reused, nothing ingested.
    env = {"BYRAAD_EVAL_INDEXES": str(tmp_path / "d1" / "eval")}
    res2, r2 = _eval(tmp_path / "d2", ts, cfg, corpus, tmp_path / "o2", env)
    assert r2["index_reused"] and r2["data_dir"] == r1["data_dir"]
    assert not (tmp_path / "d2" / "eval").exists()
    assert r2["systems"]["hybrid"]["recall_at_5"] == 1.0

    # Different index settings (chunking) → not reused.
    cfg2 = tmp_path / "cfg2.toml"
    cfg2.write_text(cfg.read_text() + "chunk_tokens = 200\n", encoding="utf-8")
    _, r3 = _eval(tmp_path / "d2", ts, cfg2, corpus, tmp_path / "o3", env)
    assert not r3["index_reused"] and r3["data_dir"] != r1["data_dir"]

    # Changed content → the same data dir is ingested again (incrementally) and re-stamped.
    (corpus / "b.txt").write_text(DOC_B.replace("412", "413"), encoding="utf-8")
    _, r4 = _eval(tmp_path / "d1", ts, cfg, corpus, tmp_path / "o4")
    assert not r4["index_reused"] and r4["data_dir"] == r1["data_dir"]
    assert r4["systems"]["hybrid"]["recall_at_5"] == 0.5  # "412 km" is gone from the corpus
    _, r5 = _eval(tmp_path / "d1", ts, cfg, corpus, tmp_path / "o5")
    assert r5["index_reused"]
