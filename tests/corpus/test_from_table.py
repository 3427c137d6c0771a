"""Tables are corpora: `init --from`, every CORPUS argument accepting a table, metadata that travels."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.corpus.from_table import Columns, normalize_date, table_to_folder
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.errors import CorpusError, InputTableError
from tests.support.tables import texts_frame, write_gbk_semicolon


@pytest.fixture
def gbk_table(tmp_path: Path) -> Path:
    return write_gbk_semicolon(texts_frame(12), tmp_path / "texts.csv")


def test_init_from_gbk_semicolon_table_then_analyze(gbk_table: Path, tmp_path: Path) -> None:
    proj = tmp_path / "myproj"
    r = CliRunner().invoke(main, ["init", str(proj), "--from", str(gbk_table), "--title-col", "标题"])
    assert r.exit_code == 0, r.output
    assert "12 of 12 rows imported" in r.output and "metadata: region" in r.output
    c = load_corpus(proj)
    assert c.n_errors == 0 and len(c.docs) == 12
    docs = c.docs.set_index("doc_id")
    assert docs.at["D01", "outlet"] == "南方日报" and docs.at["D01", "title"] == "标题 1"
    assert docs.at["D04", "text"].startswith("Chen Xiaoming (陈晓明)")
    assert docs.at["D04", "lang"] == "en"  # an English text quoting a Chinese name stays English
    assert set(c.docs["lang"]) == {"zh-Hans", "en"}
    assert list(docs.loc[["D01", "D02", "D03", "D04", "D05"], "date"]) == [
        "2013-05-02", "2014-03-05", "2015-06", "2016-03-05", "2017"]
    assert docs.at["D01", "source_type"] == "interview" and docs.at["D02", "source_type"] == "media"
    assert "region" in c.meta_columns and docs.at["D03", "region"] == "Shantou"
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["analyze", str(proj), "-o", str(out), "--no-topics", "--no-suggestions",
                                  "--n-boot", "20", "--permutations", "19", "--by", "outlet", "--by", "region", "-q"])
    assert r.exit_code == 0, r.output
    by_outlet = pd.read_csv(out / "by_outlet.csv")
    assert set(by_outlet["outlet"]) == {"南方日报", "Global Retail Review"} and by_outlet["n_units"].sum() == 12
    assert set(pd.read_csv(out / "by_region.csv")["region"]) == {"Jieyang", "Shantou"}
    for name in ("scores_documents.csv", "entries.csv", "evidence.csv"):
        assert {"outlet", "region"} <= set(pd.read_csv(out / name).columns), name


def test_analyze_takes_the_table_directly(gbk_table: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["analyze", str(gbk_table), "-o", str(out), "--no-topics", "--no-suggestions", "--n-boot", "20",
            "--permutations", "19", "--title-col", "标题", "-q"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "12 of 12 rows imported" in r.output
    assert len(pd.read_csv(out / "documents.csv")) == 12
    r = CliRunner().invoke(main, ["validate", str(gbk_table), "--title-col", "标题"])
    assert r.exit_code == 0 and "(reused)" in r.output  # imported once, then the cache folder is reused


@pytest.mark.parametrize("kind", ["tsv", "xlsx", "jsonl", "parquet", "utf16", "tab-csv", "gb18030-comma"])
def test_every_table_format(tmp_path: Path, kind: str) -> None:
    frame = texts_frame(6)
    path = tmp_path / f"t.{kind.split('-', maxsplit=1)[0] if kind not in ('utf16', 'gb18030-comma') else 'csv'}"
    if kind == "tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif kind == "xlsx":
        frame.to_excel(path, index=False)
    elif kind == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif kind == "parquet":
        frame.to_parquet(path)
    elif kind == "utf16":
        path.write_bytes(frame.to_csv(index=False).encode("utf-16"))
    elif kind == "tab-csv":
        path = tmp_path / "t.csv"
        path.write_text(frame.to_csv(index=False, sep="\t"), encoding="utf-8")
    else:
        path.write_bytes(frame.to_csv(index=False).encode("gb18030"))
    res = table_to_folder(path, tmp_path / "c", Columns(title="标题"))
    assert res.n_documents == 6 and res.n_errors == 0, res.problems
    c = load_corpus(tmp_path / "c")
    assert list(c.docs["doc_id"]) == [f"D{i:02d}" for i in range(1, 7)]
    assert c.docs.set_index("doc_id").at["D02", "outlet"] == "Global Retail Review"
    assert c.docs.set_index("doc_id").at["D01", "title"] == "标题 1"


def test_no_text_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"id": ["a"], "words": ["租金便宜"]}).to_csv(path, index=False)
    with pytest.raises(InputTableError, match="no text column") as info:
        table_to_folder(path, tmp_path / "c")
    assert "--text-col" in str(info.value) and "words" in str(info.value)
    r = CliRunner().invoke(main, ["init", str(tmp_path / "c2"), "--from", str(path), "--text-col", "word"])
    assert r.exit_code == 1 and "did you mean 'words'" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "c2").exists()


def test_unparseable_dates_are_reported_and_kept(tmp_path: Path) -> None:
    frame = texts_frame(4)
    frame.loc[1, "date"] = "soon"
    frame.loc[2, "date"] = "03/05/2014"  # day-first or month-first: ambiguous, refused
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    r = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--from", str(path)])
    assert r.exit_code == 0, r.output
    assert "t.csv:3 [D02] bad-date: 'soon' is not a date" in r.output and "t.csv:4 [D03] bad-date" in r.output
    c = load_corpus(tmp_path / "c")
    docs = c.docs.set_index("doc_id")
    assert len(docs) == 4 and docs.at["D02", "date"] == "" and docs.at["D02", "date_raw"] == "soon"
    assert docs.at["D01", "date"] == "2013-05-02" and docs.at["D04", "date"] == "2016-03-05"


def test_duplicated_id_is_reported_and_the_rest_imported(tmp_path: Path) -> None:
    frame = texts_frame(5)
    frame.loc[3, "id"] = "D02"
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    r = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--from", str(path)])
    assert r.exit_code == 1
    assert "id 'D02' is already used on row 3; row 5 not imported" in r.output
    assert r.output.strip().splitlines()[-2].startswith("t.csv: 4 of 5 rows imported")  # the summary comes last
    c = load_corpus(tmp_path / "c")
    assert list(c.docs["doc_id"]) == ["D01", "D02", "D03", "D05"]
    record = json.loads((tmp_path / "c" / "import.json").read_text(encoding="utf-8"))
    assert record["problems"][0]["code"] == "duplicate-id"


def test_ids_without_an_id_column_come_from_the_content(tmp_path: Path) -> None:
    frame = pd.DataFrame({"content": ["租金便宜。", "Rents are low.", "租金便宜。"], "outlet": ["a", "b", "c"]})
    res = table_to_folder(_csv(frame, tmp_path), tmp_path / "c")
    c = load_corpus(tmp_path / "c")
    ids = list(c.docs["doc_id"])
    assert ids[0].startswith("t") and ids[2] == f"{ids[0]}-4"  # same text: a derived id with its row
    assert [p.code for p in res.problems] == ["duplicate-text"]
    res2 = table_to_folder(_csv(frame.iloc[::-1], tmp_path, "r.csv"), tmp_path / "c2")
    assert res2.n_documents == 3 and set(load_corpus(tmp_path / "c2").docs["doc_id"]) >= set(ids[:2])


def test_init_refuses_a_folder_in_use(tmp_path: Path, gbk_table: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x", encoding="utf-8")
    r = CliRunner().invoke(main, ["init", str(tmp_path / "used"), "--from", str(gbk_table)])
    assert r.exit_code == 1 and "not empty" in r.output
    with pytest.raises(CorpusError):
        table_to_folder(gbk_table, tmp_path / "c")
        table_to_folder(gbk_table, tmp_path / "c")


def test_table_as_corpus_in_kwic_entries_and_score(gbk_table: Path) -> None:
    r = CliRunner().invoke(main, ["kwic", "租金 OR rents", str(gbk_table), "-n", "0"])
    assert r.exit_code == 0, r.output
    assert "[租金]" in r.output and "[Rents]" in r.output
    r = CliRunner().invoke(main, ["entries", str(gbk_table), "-o", "-", "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 12 and rows[0]["region"] == "Jieyang" and rows[0]["outlet"] == "南方日报"
    r = CliRunner().invoke(main, ["score", str(gbk_table), "-o", "-", "--by", "outlet"])
    assert r.exit_code == 0, r.output
    by = pd.read_csv(__import__("io").StringIO(r.stdout))
    assert set(by["outlet"]) == {"南方日报", "Global Retail Review"}


def test_dates_in_the_usual_spellings() -> None:
    assert normalize_date("2014年3月5日") == "2014-03-05" and normalize_date("2014年3月") == "2014-03"
    assert normalize_date(pd.Timestamp("2014-03-05 10:00")) == "2014-03-05"
    assert normalize_date("Mar 5, 2014") == "2014-03-05" and normalize_date("March 2014") == "2014-03"
    assert normalize_date("2014-03-05T23:30:00+08:00") == "2014-03-05" and normalize_date("20140305") == "2014-03-05"
    assert normalize_date(None) == "" and normalize_date(float("nan")) == "" and normalize_date("") == ""
    for bad in ("soon", "03/05/2014", "2014-13-01"):
        with pytest.raises(ValueError):
            normalize_date(bad)


def _csv(frame: pd.DataFrame, tmp_path: Path, name: str = "t.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_validate_a_table_lists_rows_not_imported_once(tmp_path: Path) -> None:
    frame = texts_frame(4)
    frame.loc[2, "id"] = "D01"
    path = _csv(frame, tmp_path)
    r = CliRunner().invoke(main, ["validate", str(path)])
    assert r.exit_code == 1  # a row of the table did not become a document
    assert r.output.count("duplicate-id:") == 1 and "row 4 not imported" in r.output
    assert "unknown-column" not in r.output  # the columns the import wrote are expected metadata
    c = load_corpus(table_to_folder(path, tmp_path / "c").root)
    assert [p.code for p in c.problem_list if p.level == "error"] == ["duplicate-id"]


def test_init_without_a_table_makes_an_empty_corpus(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["init", str(tmp_path / "new"), "-l", "government_support"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "new" / "documents.csv").read_text(encoding="utf-8").startswith("doc_id,path,title,")
    c = load_corpus(tmp_path / "new")
    assert len(c.docs) == 0 and c.config.lexicons == ("government_support",) and c.n_errors == 0


def test_column_names_that_collide_are_renamed(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["租金便宜。"], "row": ["r1"], "stage": ["early"], "path": ["x"]})
    res = table_to_folder(_csv(frame, tmp_path), tmp_path / "c")
    c = load_corpus(tmp_path / "c")
    assert {"row_2", "meta_stage", "meta_path"} <= set(res.metadata)
    assert c.docs.at[0, "row_2"] == "r1" and c.docs.at[0, "meta_stage"] == "early" and c.docs.at[0, "row"] == "2"
