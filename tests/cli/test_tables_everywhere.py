"""Issue 14: every command that takes a corpus takes a table too (serve --corpus, store import --corpus,
import qdpx), and kwic/suggest write tables (`-o`, `--format`, `-o -` on standard output)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from corpus_tools.cli import main
from corpus_tools.corpus.from_table import Columns, table_corpus_folder
from corpus_tools.corpus.loader import load_corpus


@pytest.fixture
def table(tmp_path: Path) -> Path:
    frame = pd.DataFrame({"编号": ["t1", "t2", "t3"],
                          "正文": ["军埔村的年轻人开网店，利润很高。", "租金很低，门槛也低，利润不错。",
                                 "Young sellers said profits were high in Junpu."],
                          "date": ["2013-04-01", "2014-05-01", "2016-01-01"], "outlet": ["A", "B", "A"]})
    path = tmp_path / "texts.csv"
    frame.to_csv(path, index=False, sep=";", encoding="gbk")
    return path


def test_kwic_writes_a_table(table: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["kwic", "opportunity.profitability", str(table), "-o", "-"])
    assert r.exit_code == 0, r.output
    lines = pd.read_csv(io.StringIO(r.stdout))
    assert list(lines.columns) == ["doc_id", "entry_id", "variable", "term", "start", "end", "left", "matched",
                                   "right"]
    assert set(lines["doc_id"]) == {"t1", "t2", "t3"} and set(lines["variable"]) == {"opportunity.profitability"}
    assert "3 line(s) -> -" in r.stderr
    r = CliRunner().invoke(main, ["kwic", "利润", str(table), "-o", "-", "--format", "jsonl"])
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.exit_code == 0 and [x["doc_id"] for x in rows] == ["t1", "t2"] and rows[0]["matched"] == "利润"
    out = tmp_path / "k.xlsx"
    r = CliRunner().invoke(main, ["kwic", "利润 OR profits", str(table), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len(list(load_workbook(out).active.iter_rows(values_only=True))) == 1 + 3
    r = CliRunner().invoke(main, ["kwic", "利润", str(table), "--format", "jsonl"])
    assert r.exit_code == 2 and "--format needs -o" in r.output
    r = CliRunner().invoke(main, ["kwic", "利润", str(table), "-o", "-", "--format", "parquet"])
    assert r.exit_code == 1 and "standard output" in r.output


def test_suggest_to_standard_output(table: Path) -> None:
    r = CliRunner().invoke(main, ["suggest", str(table), "-o", "-", "--text-col", "正文", "--id-col", "编号"])
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(io.StringIO(r.stdout))
    assert list(frame["id"]) == ["t1", "t2", "t3"] and "opportunity.profitability" in frame["codes"].iloc[0]
    r = CliRunner().invoke(main, ["suggest", str(table), "-o", "-", "--format", "jsonl", "--text-col", "正文",
                                  "--id-col", "编号"])
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.exit_code == 0 and [x["id"] for x in rows] == ["t1", "t2", "t3"]


def test_serve_takes_a_table_as_corpus(table: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import corpus_tools.web.server as server_mod

    seen: dict[str, Any] = {}

    def fake_forever(server: Any, app: Any) -> None:
        seen["login"] = app.test_client().get("/login").status_code
        server.server_close()
        server_mod.close_app(app)

    monkeypatch.setattr(server_mod, "serve_forever", fake_forever)
    project = tmp_path / "proj"
    project.mkdir()
    r = CliRunner().invoke(main, ["serve", str(project), "--corpus", str(table), "--port", "0",
                                  "--text-col", "正文", "--id-col", "编号"])
    assert r.exit_code == 0, r.output
    assert seen["login"] == 200
    folder = Path(next(ln for ln in r.output.splitlines() if ln.startswith("corpus "))[7:].split(";")[0])
    assert sorted(load_corpus(folder).docs["doc_id"]) == ["t1", "t2", "t3"]
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"foo": ["x"], "bar": ["y"]}).to_csv(bad, index=False)
    r = CliRunner().invoke(main, ["serve", str(project), "--corpus", str(bad), "--port", "0"])
    assert r.exit_code == 1 and "Traceback" not in r.output and "text" in r.output  # one clear message


def test_store_import_and_qdpx_import_take_a_table_as_corpus(tmp_path: Path) -> None:
    path = tmp_path / "texts.xlsx"
    pd.DataFrame({"id": ["t1", "t2"], "text": ["军埔村的年轻人开网店，利润很高。", "租金很低，门槛也低。"],
                  "date": ["2013", "2014"]}).to_excel(path, index=False)
    entries = load_corpus(table_corpus_folder(path, Columns()).root).entries
    codings = tmp_path / "codings.csv"
    pd.DataFrame({"id": entries["entry_id"], "codes": ["opportunity.profitability", "opportunity.feasibility"]}
                 ).to_csv(codings, index=False)
    store = tmp_path / "s.sqlite"
    r = CliRunner().invoke(main, ["store", "import", str(codings), "--corpus", str(path), "--store", str(store),
                                  "--coder", "ann"])
    assert r.exit_code == 0, r.output
    assert "2 decisions on 2 passages by ann imported; 0 row(s) not imported" in r.output
    qdpx = tmp_path / "p.qdpx"
    r = CliRunner().invoke(main, ["export", "qdpx", str(path), "-o", str(qdpx), "--store", str(store)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "back.csv"
    r = CliRunner().invoke(main, ["import", "qdpx", str(qdpx), str(path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    back = pd.read_csv(out)
    got = set(zip(back["entry_id"], back["codes"], strict=True))
    assert got == set(zip(entries["entry_id"], ["opportunity.profitability", "opportunity.feasibility"], strict=True))
