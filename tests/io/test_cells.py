"""Exports are neutralised against spreadsheet formula injection (OWASP), with a switch for raw values."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.exchange.tables import write_tables
from corpus_tools.io.cells import neutralize_cell, raw_cells, safe_frame
from corpus_tools.io.tables import TableWriter, write_table
from tests.conftest import MakeCorpus

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcmd", "- bullet"]
NUMBERS = ["-3", "+1.5", "-2e3", "-1,000", "12%", "0"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_leading_text_gets_an_apostrophe(value: str) -> None:
    assert neutralize_cell(value) == "'" + value


@pytest.mark.parametrize("value", [*NUMBERS, "ok", "a=b", "", "M001:ab12", "淘宝"])
def test_numbers_and_plain_text_are_untouched(value: str) -> None:
    assert neutralize_cell(value) == value


def test_numeric_columns_stay_numbers_and_nul_is_removed() -> None:
    frame = pd.DataFrame({"n": [-1, 2], "x": [-0.5, 1.0], "s": ["=1", "a\x00b"]})
    out = safe_frame(frame)
    assert out["n"].tolist() == [-1, 2] and out["x"].tolist() == [-0.5, 1.0]
    assert out["s"].tolist() == ["'=1", "ab"]
    assert safe_frame(frame, raw=True)["s"].tolist() == ["=1", "ab"]  # raw keeps formulas, never NULs
    assert frame["s"].tolist() == ["=1", "a\x00b"]  # the caller's frame is not changed


def test_categorical_and_multiindex_frames() -> None:
    frame = pd.DataFrame({"stage": pd.Categorical(["=a", "b"]), "n": [1, 2]})
    assert safe_frame(frame)["stage"].tolist() == ["'=a", "b"]
    wide = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "=x"), ("a", "y")]))
    assert isinstance(safe_frame(wide).columns, pd.MultiIndex)


def _xlsx_cells(path: Path) -> list[tuple[object, str]]:
    ws = openpyxl.load_workbook(path).active
    return [(c.value, c.data_type) for row in ws.iter_rows(min_row=2) for c in row]


def _no_formula(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return all(b"<f>" not in z.read(n) and b"<f " not in z.read(n) for n in z.namelist()
                   if n.startswith("xl/worksheets/"))


def test_every_writer_neutralises(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["=1+1", "-7"], "note": ["@cmd", "fine"], "n": [-1, 2]})
    csv_text = write_table(frame, tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in csv_text and "'@cmd" in csv_text and "\n-7," in csv_text and ",-1\n" in csv_text
    xlsx = write_table(frame, tmp_path / "a.xlsx")
    assert _no_formula(xlsx)
    assert ("'=1+1", "s") in _xlsx_cells(xlsx) and (-1, "n") in _xlsx_cells(xlsx)
    writer = TableWriter(tmp_path / "s.csv")
    writer.write(frame)
    writer.write(frame)
    writer.close()
    assert (tmp_path / "s.csv").read_text(encoding="utf-8-sig").count("'=1+1") == 2
    book = write_tables(tmp_path / "t.xlsx", {"decisions": frame})[0]
    assert _no_formula(book) and ("'@cmd", "s") in _xlsx_cells(book)
    folder = write_tables(tmp_path / "tables", {"decisions": frame})
    assert "'@cmd" in folder[0].read_text(encoding="utf-8-sig")


def test_raw_switch_keeps_values_but_never_writes_live_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["=1+1"], "n": [3]})
    assert "=1+1" in write_table(frame, tmp_path / "r.csv", raw=True).read_text(encoding="utf-8-sig")
    with raw_cells():
        xlsx = write_table(frame, tmp_path / "r.xlsx")
    assert _xlsx_cells(xlsx)[0] == ("=1+1", "s") and _no_formula(xlsx)
    assert "'=1+1" in write_table(frame, tmp_path / "n.csv").read_text(encoding="utf-8-sig")  # context ended


def test_cli_exports_neutralise_titles_and_ids(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = make_corpus([{"doc_id": "A", "text": "租金便宜，网店很多。", "date": "2014",
                         "title": "=HYPERLINK(\"http://evil\",\"click\")"}])
    runner = CliRunner()
    r = runner.invoke(main, ["entries", str(root), "-o", str(tmp_path / "e.xlsx")])
    assert r.exit_code == 0, r.output
    assert _no_formula(tmp_path / "e.xlsx")
    r = runner.invoke(main, ["entries", str(root), "-o", str(tmp_path / "e.csv")])
    assert pd.read_csv(tmp_path / "e.csv", encoding="utf-8-sig")["title"].iloc[0].startswith("'=HYPERLINK")
    r = runner.invoke(main, ["entries", str(root), "-o", str(tmp_path / "raw.csv"), "--raw-cells"])
    assert r.exit_code == 0, r.output
    assert pd.read_csv(tmp_path / "raw.csv", encoding="utf-8-sig")["title"].iloc[0].startswith("=HYPERLINK")
    table = tmp_path / "texts.csv"
    pd.DataFrame({"id": ["@evil", "-5"], "text": ["网店", "创业"]}).to_csv(table, index=False)
    r = runner.invoke(main, ["score", str(table), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0, r.output
    ids = pd.read_csv(tmp_path / "s.csv", dtype=str, encoding="utf-8-sig")["id"].tolist()
    assert ids == ["'@evil", "-5"]
    r = runner.invoke(main, ["validate", str(root), "--format", "csv"])
    assert "=HYPERLINK" not in r.output.replace("'=HYPERLINK", "")
