"""`validate` reports every problem at once with file and line; bad rows are skipped, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.errors import CorpusError
from tests.conftest import MakeCorpus


@pytest.fixture
def broken(make_corpus: MakeCorpus) -> Path:
    root = make_corpus([
        {"doc_id": "OK1", "text": "正常的文档，租金便宜。", "date": "2013-05-01"},
        {"doc_id": "MISS", "path": "texts/nowhere.txt", "date": "2013"},
        {"doc_id": "BADENC", "raw": "编码错误的文本".encode("gb18030"), "encoding": "utf-8", "date": "2013"},
        {"doc_id": "GARBAGE", "raw": b"\x81\x30\xff\xfe\x00\x81\xff", "date": "2013"},
        {"doc_id": "BADDATE", "text": "日期写错了。", "date": "2013-13-45"},
        {"doc_id": "OK1", "file": "dup.txt", "text": "重复的编号。", "date": "2013"},
        {"doc_id": "TYPE", "text": "类型不对。", "source_type": "blog", "date": "2013"},
        {"doc_id": "EMPTY", "text": "   \n\n  ", "date": "2013"},
        {"doc_id": "UNDATED", "text": "没有日期的文档。"},
        {"doc_id": "ESC", "path": "../../etc/passwd", "date": "2013"},
        {"doc_id": "FMT", "file": "x.pdf", "text": "pdf", "date": "2013"},
        {"doc_id": "bad id!", "text": "编号不合法。", "date": "2013"},
        {"doc_id": "LANG", "text": "This text is English.", "lang": "zh-Hans", "date": "2013"},
    ])
    (root / "texts" / "stray.txt").write_text("not listed", encoding="utf-8")
    return root


EXPECTED = {"missing-file": "MISS", "undecodable": "GARBAGE", "bad-date": "BADDATE", "duplicate-id": "OK1",
            "unknown-source-type": "TYPE", "empty-text": "EMPTY", "bad-path": "ESC", "unsupported-format": "FMT",
            "bad-id": "bad id!"}


def test_every_problem_reported_with_line(broken: Path) -> None:
    c = load_corpus(broken)
    probs = {(p.code, p.doc_id): p for p in c.problem_list}
    for code, doc in EXPECTED.items():
        assert (code, doc) in probs, f"{code} for {doc} not reported"
    assert probs[("missing-file", "MISS")].line == 3  # header is line 1
    assert ("undecodable", "BADENC") in probs and "utf-8" in probs[("undecodable", "BADENC")].message
    assert probs[("undated", "UNDATED")].level == "warning"
    assert probs[("lang-mismatch", "LANG")].level == "warning"
    assert any(p.code == "unlisted-file" for p in c.problem_list)
    # errors skip the row; warnings load it
    assert set(c.docs["doc_id"]) == {"OK1", "UNDATED", "LANG"}
    assert c.docs.set_index("doc_id").loc["UNDATED", "stage"] == "unstaged"
    assert c.n_errors == len([p for p in c.problem_list if p.level == "error"])


def test_validate_cli_lists_all_and_fails(broken: Path) -> None:
    r = CliRunner().invoke(main, ["validate", str(broken)])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    for code in EXPECTED:
        assert code in r.output
    assert "documents.csv:3 [MISS] missing-file" in r.output


def test_validate_clean_corpus_passes(make_corpus: MakeCorpus) -> None:
    root = make_corpus([{"doc_id": "A", "text": "好的。", "date": "2014"}])
    r = CliRunner().invoke(main, ["validate", str(root)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["validate", str(root), "--format", "json"])
    assert r.exit_code == 0 and r.output.strip().startswith("[")


def test_analyses_skip_bad_rows_and_keep_going(broken: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["score", str(broken), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0 and "skipped" in r.output


def test_unterminated_quote_missing_title_and_rejected_files(tmp_path: Path) -> None:
    (tmp_path / "corpus.toml").write_text('name = "x"\n', encoding="utf-8")
    (tmp_path / "a.txt").write_text("文本。", encoding="utf-8")
    (tmp_path / "b.txt").write_text("", encoding="utf-8")
    (tmp_path / "documents.csv").write_text(
        'doc_id,path,title,source_type\nA,a.txt,,media\nB,b.txt,B,media\n"C,c.txt,C,media\nD,d.txt,D,media\n',
        encoding="utf-8")
    c = load_corpus(tmp_path)
    codes = {(p.code, p.doc_id.split(",")[0]) for p in c.problem_list}
    assert ("missing-title", "A") in codes and ("empty-text", "B") in codes
    assert any(p.code == "unterminated-quote" for p in c.problem_list)
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "e.txt").write_text("", encoding="utf-8")
    (tmp_path / "documents.csv").write_text("doc_id,path,title,source_type\nE,texts/e.txt,E,media\n",
                                            encoding="utf-8")
    c = load_corpus(tmp_path)
    assert [p.code for p in c.problem_list] == ["empty-text"]  # listed but rejected: not also "unlisted"


def test_not_a_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"corpus\.toml"):
        load_corpus(tmp_path)
    r = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert r.exit_code == 1 and "Error:" in r.output and "Traceback" not in r.output
    (tmp_path / "corpus.toml").write_text("name = [", encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert r.exit_code == 1 and "TOML" in r.output


def test_missing_required_column(tmp_path: Path) -> None:
    (tmp_path / "corpus.toml").write_text('name = "x"\n', encoding="utf-8")
    (tmp_path / "documents.csv").write_text("doc_id,path\nA,a.txt\n", encoding="utf-8")
    c = load_corpus(tmp_path)
    assert [p.code for p in c.problem_list] == ["missing-column"] and len(c.docs) == 0


def test_bundled_corpus_only_expected_warnings(junpu) -> None:  # type: ignore[no-untyped-def]
    errors = [p for p in junpu.problem_list if p.level == "error"]
    warnings = [(p.code, p.doc_id) for p in junpu.problem_list if p.level == "warning"]
    assert errors == []
    assert warnings == [("undated", "M104")]  # the deliberately undated web repost
