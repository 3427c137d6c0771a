"""`analyze` over many documents: broken files are reported row by row and the rest completes; an interrupted
run leaves nothing that a later run (or a reader) could take for a complete result; workers change nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.jobs import analyze as analyze_mod
from corpus_tools.jobs.analyze import analyze
from tests.conftest import MakeCorpus

TEXTS = ["军埔村的年轻人在淘宝上开网店，利润不错，赚钱比打工快。政府组织电商培训班。",
         "Young villagers opened online shops; the government offered training and small loans.",
         "快递公司在村里设点，物流方便了，启动资金少，门槛低。"]
CHEAP = {"topics": False, "suggestions": False, "report": False, "n_boot": 20, "n_perm": 19}


def _corpus(make_corpus: MakeCorpus, n: int = 40) -> tuple[Path, set[str]]:
    docs = [{"doc_id": f"D{i:03d}", "text": TEXTS[i % 3] * (1 + i % 4), "date": f"{2009 + i % 9}-05-01",
             "lang": "en" if i % 3 == 1 else "zh-Hans"} for i in range(n)]
    broken = {"D007", "D019", "D033"}
    for d in docs:
        if d["doc_id"] == "D007":
            d["file"] = "missing.txt"
            d["raw"] = None  # no file is written for it below
        elif d["doc_id"] == "D019":
            d["raw"] = b"\xff\xfe\x00\xd8\x00\xdc" * 3 + b"\x00"  # not text in any encoding the loader accepts
        elif d["doc_id"] == "D033":
            d["encoding"] = "no-such-codec"
    root = make_corpus([{k: v for k, v in d.items() if not (k == "raw" and v is None)} for d in docs])
    (root / "texts" / "missing.txt").unlink(missing_ok=True)
    return root, broken


def test_broken_files_among_many_are_reported_exactly_and_the_rest_completes(make_corpus: MakeCorpus,
                                                                             tmp_path: Path) -> None:
    root, broken = _corpus(make_corpus)
    res = analyze(root, tmp_path / "out", workers=2, **CHEAP)
    assert res.n_documents == 40 - res.n_skipped
    problems = pd.read_csv(tmp_path / "out" / "problems.csv", encoding="utf-8-sig")
    errors = problems[problems["level"] == "error"]
    skipped = set(errors["doc_id"].astype(str))
    assert skipped == broken and res.n_skipped == 3  # exactly those rows, each with its reason
    assert set(errors["code"]) == {"missing-file", "undecodable", "bad-encoding"}
    scores = pd.read_csv(tmp_path / "out" / "scores_documents.csv", encoding="utf-8-sig")
    assert len(scores) == res.n_documents and not (set(scores["doc_id"]) & skipped)
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_workers_change_no_output(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root, _ = _corpus(make_corpus, n=24)
    analyze(root, tmp_path / "one", workers=1, use_cache=False, **CHEAP)
    analyze(root, tmp_path / "two", workers=2, use_cache=False, **CHEAP)
    for name in ("scores_documents.csv", "scores_entries.csv", "evidence.csv", "by_stage.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_an_interrupted_run_leaves_no_manifest_and_no_partial_files(make_corpus: MakeCorpus, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = _corpus(make_corpus, n=12)
    out = tmp_path / "out"
    analyze(root, out, workers=1, **CHEAP)
    assert (out / "manifest.json").is_file()

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(analyze_mod, "aggregate", interrupted)  # dies while writing the tables
    with pytest.raises(KeyboardInterrupt):
        analyze(root, out, workers=1, use_cache=False, **CHEAP)
    assert not (out / "manifest.json").exists()  # the old manifest no longer vouches for new tables
    assert not list(out.glob(".*.part*"))  # every table written so far is whole


def test_chunk_size_changes_no_output_and_the_cache_restores_the_files(make_corpus: MakeCorpus,
                                                                       tmp_path: Path) -> None:
    import json

    root, _ = _corpus(make_corpus, n=24)
    lex = ["mass_entrepreneurship", "government_support"]  # both: measures x constructs reads the entry scores
    analyze(root, tmp_path / "whole", lexicons=lex, use_cache=False, workers=1, chunk_entries=100_000, **CHEAP)
    analyze(root, tmp_path / "tiny", lexicons=lex, workers=1, chunk_entries=2, **CHEAP)
    manifest = json.loads((tmp_path / "tiny" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scoring"]["chunks"] > 10 and manifest["outputs"]["evidence_parquet"] == "evidence.parquet"
    names = ("scores_documents.csv", "scores_entries.csv", "evidence.csv", "by_stage.csv", "language_balance.csv",
             "framing_shares.csv", "measures_constructs.csv")
    for name in names:
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "tiny" / name).read_bytes(), name
    for name in ("scores_entries.parquet", "evidence.parquet"):  # same rows, in more row groups
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "whole" / name),
                                      pd.read_parquet(tmp_path / "tiny" / name))
    (tmp_path / "tiny" / "evidence.parquet").unlink()
    res = analyze(root, tmp_path / "tiny", lexicons=lex, workers=1, chunk_entries=2, **CHEAP)  # from the cache
    assert res.cache["hits"].get("score_files") == 1
    for name in names:
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "tiny" / name).read_bytes(), name
