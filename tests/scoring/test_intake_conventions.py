"""CLI conventions of issue 14 on scoring: stdout output, streamed XLSX, metadata kept, missing rates for
empty texts, did-you-mean for columns, variables and --by, kwic OR/AND."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from corpus_tools.cli import main
from corpus_tools.errors import ConfigError
from corpus_tools.scoring.kwic import concordance, parse_query
from tests.conftest import MakeCorpus


@pytest.fixture
def table(tmp_path: Path) -> Path:
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "content": ["租金很低，门槛也低", "", "Profits are high.", "  "],
                          "outlet": ["X", "Y", "X", "Y"], "date": ["2013", "2014", "2015", "2016"]})
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False, sep=";")
    return path


def test_score_table_to_stdout_keeps_metadata_and_empty_texts_are_missing(table: Path) -> None:
    r = CliRunner().invoke(main, ["score", str(table), "-o", "-"])
    assert r.exit_code == 0, r.output
    scores = pd.read_csv(io.StringIO(r.stdout))
    assert list(scores["id"]) == ["a", "b", "c", "d"] and list(scores["outlet"]) == ["X", "Y", "X", "Y"]
    assert scores["date"].tolist() == [2013, 2014, 2015, 2016]
    assert scores.loc[0, "opportunity.feasibility"] == 2 and scores.loc[2, "opportunity.profitability"] == 1
    assert scores["rate_per_1k"].isna().tolist() == [False, True, False, True]
    assert "2 row(s) with an empty text (b, d): their rates are missing (NaN)" in r.stderr
    r = CliRunner().invoke(main, ["score", str(table), "-o", "-", "--format", "jsonl"])
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.exit_code == 0 and rows[0]["outlet"] == "X" and rows[1]["rate_per_1k"] is None
    r = CliRunner().invoke(main, ["score", str(table), "-o", "-", "--format", "parquet"])
    assert r.exit_code == 1 and "standard output" in r.output


def test_score_table_streams_xlsx_with_evidence_metadata(table: Path, tmp_path: Path) -> None:
    out, ev = tmp_path / "s.xlsx", tmp_path / "ev.csv"
    r = CliRunner().invoke(main, ["score", str(table), "-o", str(out), "--evidence", str(ev)])
    assert r.exit_code == 0, r.output
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("id", "outlet", "date", "opportunity.profitability") and len(rows) == 5
    assert rows[2][rows[0].index("rate_per_1k")] is None  # empty text: an empty cell, not 0
    evidence = pd.read_csv(ev)
    assert set(evidence["outlet"]) == {"X"} and set(evidence["id"]) == {"a", "c"}


def test_score_by_a_metadata_column_and_did_you_mean(table: Path, make_corpus: MakeCorpus, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["score", str(table), "-o", str(tmp_path / "by.csv"), "--by", "outlet"])
    assert r.exit_code == 0, r.output
    by = pd.read_csv(tmp_path / "by.csv").set_index("outlet")
    assert by.at["X", "total"] == 3 and "Y" not in by.index  # Y's texts are empty: not documents, and said so
    assert "empty-text" in r.output and "2 row(s) not imported" in r.output
    root = make_corpus([{"doc_id": "A", "text": "租金很低。", "outlet": "P"}])
    r = CliRunner().invoke(main, ["score", str(root), "-o", str(tmp_path / "x.csv"), "--by", "outlett"])
    assert r.exit_code == 1 and "did you mean 'outlet'" in r.output
    r = CliRunner().invoke(main, ["score", str(table), "-o", "-", "--text-col", "contnt"])
    assert r.exit_code == 1 and "did you mean 'content'" in r.output


def test_kwic_or_and_and_typos(make_corpus: MakeCorpus) -> None:
    root = make_corpus([{"doc_id": "A", "text": "村里的网店很多。\n\n淘宝上的网店租金低。"},
                        {"doc_id": "B", "text": "淘宝很大。"}])
    either = concordance("网店 OR 淘宝", root)
    assert sorted((ln.doc_id, ln.matched) for ln in either) == [("A", "淘宝"), ("A", "网店"), ("A", "网店"),
                                                                 ("B", "淘宝")]
    both = concordance("网店 AND 淘宝", root)
    assert sorted(ln.matched for ln in both) == ["淘宝", "网店"]  # only the entry holding both
    r = CliRunner().invoke(main, ["kwic", "opportunity.feasability", str(root)])
    assert r.exit_code == 1 and "did you mean 'opportunity.feasibility'" in r.output and "0 line" not in r.output
    r = CliRunner().invoke(main, ["kwic", "网店 NOT 淘宝", str(root)])
    assert r.exit_code == 1 and "unsupported" in r.output
    r = CliRunner().invoke(main, ["kwic", "opportunity.feasibility OR 网店", str(root)])
    assert r.exit_code == 0 and "3 line(s)" in r.output and "[租金]" in r.output
    with pytest.raises(ConfigError, match="cannot be mixed"):
        parse_query("a OR b AND c")
    assert parse_query("网店") == ("OR", ["网店"])


def test_old_spellings_are_hidden_aliases(table: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["score", str(table), "--output", str(tmp_path / "o.csv")])
    assert r.exit_code == 0 and (tmp_path / "o.csv").is_file() and "--output is deprecated" in r.output
    r = CliRunner().invoke(main, ["score", str(table)])
    assert r.exit_code == 2 and "Missing option '--out'" in r.output
    for cmd, old in (("score", "--output"), ("topics", "--seeds"), ("analyze", "--bootstrap"), ("entries", "--output")):
        help_text = CliRunner().invoke(main, [cmd, "--help"]).output
        assert old not in help_text.replace("--n-seeds", ""), (cmd, old)
    r = CliRunner().invoke(main, ["topics", str(tmp_path / "missing"), "--seeds", "1", "--k", "2"])
    assert "no such option" not in r.output.lower()


def test_score_corpus_on_a_frame_says_what_to_use() -> None:
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.scoring.score import Scorer, score_corpus

    with pytest.raises(ConfigError, match=r"ct.score\(df\)"):
        score_corpus(pd.DataFrame({"text": ["x"]}), Scorer([load_lexicon("mass_entrepreneurship")]))  # type: ignore[arg-type]


def test_suggest_reads_a_table_with_recognised_columns_and_no_id(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"正文": ["租金很低，门槛也低", "Profits are high."]}).to_csv(path, index=False, encoding="gbk")
    r = CliRunner().invoke(main, ["suggest", str(path), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0, r.output
    assert list(pd.read_csv(tmp_path / "s.csv")["id"]) == ["row-1", "row-2"]
