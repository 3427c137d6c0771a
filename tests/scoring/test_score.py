"""Scoring: count columns per variable id, evidence spans into the original text, tables in and out."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.errors import ConfigError, InputTableError, OutputError
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.score import Scorer, aggregate, score_corpus
from corpus_tools.scoring.streaming import score_table_file
from tests.conftest import MakeCorpus

VARS = load_lexicon("mass_entrepreneurship").variable_ids


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer([load_lexicon("mass_entrepreneurship")])


def test_columns_and_counts(scorer: Scorer) -> None:
    ts = scorer.score_text("村里租金便宜，物流方便。The rent is low and profits are high.")
    row = scorer.row(ts.n_tokens, ts.hits)
    assert row["opportunity.feasibility"] == 3 and row["opportunity.profitability"] == 1
    assert row["opportunity"] == 4 and row["total"] == 4
    assert row["rate_per_1k"] == pytest.approx(1000 * 4 / ts.n_tokens, abs=1e-3)


def test_evidence_points_into_original_text(junpu: Corpus, scorer: Scorer) -> None:
    res = score_corpus(junpu, scorer, "document")
    text = dict(zip(junpu.docs["doc_id"], junpu.docs["text"], strict=True))
    assert len(res.evidence) > 1000
    for r in res.evidence.itertuples():
        assert text[r.doc_id][r.start:r.end] == r.matched
    hant = set(junpu.docs.loc[junpu.docs["lang"] == "zh-Hant", "doc_id"])
    trad = res.evidence[res.evidence["doc_id"].isin(hant)]
    assert len(trad) and (trad["matched"] != trad["term"]).any()  # Traditional text matched Simplified terms


def test_documents_sum_entries(junpu: Corpus, scorer: Scorer) -> None:
    docs = score_corpus(junpu, scorer, "document").scores
    ents = score_corpus(junpu, scorer, "entry").scores
    assert list(docs.columns[docs.columns.get_loc(VARS[0]):][:9]) == VARS
    assert docs[VARS].sum().equals(ents[VARS].sum())
    assert len(docs) == len(junpu.docs) and len(ents) == len(junpu.entries)


def test_dedupe_counts_reprints_once(junpu: Corpus, scorer: Scorer) -> None:
    full = score_corpus(junpu, scorer, "document").scores.set_index("doc_id")
    dedup = score_corpus(junpu, scorer, "document", dedupe=True).scores.set_index("doc_id")
    reprints = junpu.docs.loc[junpu.docs["dup_of"] != "", "doc_id"]
    assert len(reprints) >= 3
    assert (dedup.loc[reprints, "total"] < full.loc[reprints, "total"]).all()
    assert len(dedup) == len(full)  # nothing deleted
    ent = score_corpus(junpu, scorer, "entry", dedupe=True).scores.set_index("entry_id")
    dups = junpu.entries.loc[junpu.entries["dup_of"] != "", "entry_id"]
    assert len(ent) == len(junpu.entries) and (ent.loc[dups, "total"] == 0).all()


def test_aggregate(junpu: Corpus, scorer: Scorer) -> None:
    res = score_corpus(junpu, scorer, "document")
    by = aggregate(res, "stage", junpu.docs).set_index("stage")
    assert set(by.index) == {"budding", "growth", "mature", "unstaged"}
    assert by["n_units"].sum() == len(junpu.docs)
    assert by["total"].sum() == res.scores["total"].sum()
    y = aggregate(res, "year", junpu.docs).set_index("year")
    assert y.loc["unknown", "n_units"] == 1 and y["n_units"].sum() == len(junpu.docs)  # the undated M104
    q = aggregate(res, ["quarter"], junpu.docs)
    assert "undated-or-year-only" in set(q["quarter"]) and q["n_units"].sum() == len(junpu.docs)
    with pytest.raises(ConfigError):
        aggregate(res, "colour", junpu.docs)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_table_inputs(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame({"pid": ["a", "b", ""], "body": ["租金很低，门槛也低", "No keywords here.", "利润 profits"]})
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        frame.to_csv(src, index=False)
    elif suffix == ".jsonl":
        frame.to_json(src, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_excel(src, index=False)
    out = tmp_path / "out.parquet"
    ev = tmp_path / "ev.csv"
    run = score_table_file(src, out, ["mass_entrepreneurship"], text_col="body", id_col="pid", evidence_path=ev)
    scores = pd.read_parquet(out)
    assert run.rows == 3 and list(scores["id"]) == ["a", "b", "row-3"]
    assert scores.loc[0, "opportunity.feasibility"] == 2 and run.hits == 4
    assert set(pd.read_csv(ev)["id"]) == {"a", "row-3"}


def test_table_errors(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("id,text\na1,x\na2,y\na1,z\n", encoding="utf-8")
    with pytest.raises(InputTableError, match="rows 1 and 3"):
        score_table_file(dup, tmp_path / "o.csv", ["mass_entrepreneurship"])
    src = tmp_path / "in.csv"
    src.write_text("id,words\n1,x\n", encoding="utf-8")
    with pytest.raises(InputTableError, match="--text-col"):
        score_table_file(src, tmp_path / "o.csv", ["mass_entrepreneurship"])
    with pytest.raises(InputTableError, match="did you mean 'words'"):
        score_table_file(src, tmp_path / "o.csv", ["mass_entrepreneurship"], text_col="word")
    with pytest.raises(OutputError):
        score_table_file(src, tmp_path / "o.txt", ["mass_entrepreneurship"], text_col="words")


def test_score_cli_corpus_and_by(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = make_corpus([{"doc_id": "A", "text": "租金很低。", "date": "2013-05"},
                        {"doc_id": "B", "text": "Profits are high.", "date": "2016", "source_type": "interview"}])
    r = CliRunner().invoke(main, ["score", str(root), "-o", str(tmp_path / "s.jsonl"), "--evidence",
                                  str(tmp_path / "e.csv")])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["doc_id"] for x in rows] == ["A", "B"] and rows[0]["stage"] == "growth"
    r = CliRunner().invoke(main, ["score", str(root), "-o", str(tmp_path / "by.csv"), "--by", "source_type"])
    assert r.exit_code == 0
    assert set(pd.read_csv(tmp_path / "by.csv")["source_type"]) == {"media", "interview"}


def test_score_cli_bad_suffix_is_clear(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,x\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["score", str(src), "-o", str(tmp_path / "out.doc")])
    assert r.exit_code == 1 and "Error:" in r.output and "Traceback" not in r.output


def test_kwic_cli_variable_and_term() -> None:
    r = CliRunner().invoke(main, ["kwic", "opportunity.feasibility", "-n", "5"])
    assert r.exit_code == 0 and r.output.count("[") >= 5
    r = CliRunner().invoke(main, ["kwic", "淘宝", "-n", "3", "-w", "5"])
    assert r.exit_code == 0 and "[淘宝]" in r.output


def test_loaded_twice_same_scores(make_corpus: MakeCorpus, scorer: Scorer) -> None:
    root = make_corpus([{"doc_id": "A", "text": "租金很低。\n\n物流方便。", "date": "2013"}])
    a = score_corpus(load_corpus(root), scorer, "entry").scores
    b = score_corpus(load_corpus(root), scorer, "entry").scores
    assert a.equals(b)
