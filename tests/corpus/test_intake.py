"""documents.csv and corpus.toml as real users save them (issue 18 defects 1, 5, 7, 9; issue 14 intake)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.corpus.config import load_config
from corpus_tools.corpus.formats import canonical_encoding, decode_bytes
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.errors import ConfigError
from tests.conftest import MakeCorpus

HEAD = "doc_id,path,title,source_type,date,notes\n"


def _corpus(root: Path, csv_text: str, files: dict[str, str], toml: str = 'name = "x"\n') -> Path:
    (root / "texts").mkdir(parents=True, exist_ok=True)
    (root / "corpus.toml").write_text(toml, encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "documents.csv").write_text(csv_text, encoding="utf-8")
    return root


FILES = {"texts/A.txt": "网店很多。", "texts/B.txt": "租金便宜。", "texts/C.txt": "政府支持。",
         "texts/D.txt": "物流发达。"}


@pytest.mark.parametrize("column", ["title", "notes", "date"])
def test_stray_quote_in_any_column_keeps_following_rows(tmp_path: Path, column: str) -> None:
    cells = {"title": "A", "date": "2014", "notes": ""}
    cells[column] = '"' + (cells[column] or "x")
    rows = [f"A,texts/A.txt,{cells['title']},media,{cells['date']},{cells['notes']}",
            "B,texts/B.txt,B,media,2014,", 'C,texts/C.txt,"Quoted, title",media,2014,', "D,texts/D.txt,D,media,2014,"]
    c = load_corpus(_corpus(tmp_path, HEAD + "\n".join(rows) + "\n", FILES))
    bad = [p for p in c.problem_list if p.code == "unterminated-quote"]
    assert len(bad) == 1 and bad[0].line == 2 and bad[0].level == "error"
    assert column in bad[0].message
    assert sorted(c.docs["doc_id"]) == ["B", "C", "D"]
    assert c.docs.set_index("doc_id").loc["C", "title"] == "Quoted, title"
    r = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert r.exit_code == 1 and "documents.csv:2 [A] unterminated-quote" in r.output


def test_line_breaks_inside_a_closed_quote_are_fine(tmp_path: Path) -> None:
    rows = ['A,texts/A.txt,A,media,2014,"first line\nsecond line"', "B,texts/B.txt,B,media,2014,"]
    c = load_corpus(_corpus(tmp_path, HEAD + "\n".join(rows) + "\n", FILES))
    assert [p for p in c.problem_list if p.level != "note"] == []
    assert c.docs.set_index("doc_id").loc["A", "notes"] == "first line\nsecond line"
    assert list(c.docs["csv_line"]) == [2, 4]


def test_long_fields_are_read_up_to_the_limit(tmp_path: Path) -> None:
    rows = [f"A,texts/A.txt,{'长' * 140_000},media,2014,", "B,texts/B.txt,B,media,2014,"]
    c = load_corpus(_corpus(tmp_path / "ok", HEAD + "\n".join(rows) + "\n", FILES))
    assert sorted(c.docs["doc_id"]) == ["A", "B"] and c.n_errors == 0
    c = load_corpus(_corpus(tmp_path / "limited", HEAD + "\n".join(rows) + "\n", FILES,
                            'name = "x"\n[limits]\nmax_field_chars = 100000\n'))
    assert [(p.code, p.line) for p in c.problem_list if p.level == "error"] == [("field-too-long", 2)]
    assert list(c.docs["doc_id"]) == ["B"]
    import csv

    assert csv.field_size_limit() == 131072  # the process-wide limit is restored


@pytest.mark.parametrize("name", ["rot13", "hex", "base64", "zlib", "bz2", "no-such"])
def test_non_text_codecs_are_a_clear_row_problem(make_corpus: MakeCorpus, name: str) -> None:
    with pytest.raises(LookupError):
        canonical_encoding(name)
    c = load_corpus(make_corpus([{"doc_id": "A", "text": "好。", "encoding": name, "date": "2014"},
                                 {"doc_id": "B", "text": "好的。", "date": "2014"}]))
    probs = [p for p in c.problem_list if p.code == "bad-encoding"]
    assert len(probs) == 1 and probs[0].doc_id == "A" and "text encoding" in probs[0].message
    assert list(c.docs["doc_id"]) == ["B"]


@pytest.mark.parametrize(("body", "match"), [
    ("stages = [1, 2]\n", "stage #1"),
    ('stages = "2014"\n', "list of"),
    ("lexicons = 5\n", "lexicons"),
    ("lexicons = [1]\n", "lexicons"),
    ('[[stages]]\nid = "a"\nstart = 2014-01-01T10:00:00\n', "time of day"),
    ('[[stages]]\nid = "a"\nstart = 2014\n', "not a date"),
    ("name = 3\n", "name"),
    ("[limits]\nmax_entries = -1\n", "positive"),
    ("[limits]\nmax_everything = 1\n", "unknown limit"),
    ("limits = 3\n", "table"),
])
def test_wrong_toml_types_are_config_errors(tmp_path: Path, body: str, match: str) -> None:
    (tmp_path / "corpus.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        load_config(tmp_path)


def test_toml_limits_are_read(tmp_path: Path) -> None:
    (tmp_path / "corpus.toml").write_text("[limits]\nmax_entries = 10\nmax_ratio = 50\n", encoding="utf-8")
    limits = load_config(tmp_path).limits
    assert limits.max_entries == 10 and limits.max_ratio == 50.0 and limits.max_xml_bytes == 64 * 1024 * 1024


def test_utf16_without_bom_and_nul_bytes_are_detected() -> None:
    en = "Villagers opened shops.\nRent was cheap."
    for enc in ("utf-16-le", "utf-16-be"):
        read = decode_bytes(en.encode(enc))
        assert read.text == en and read.encoding == enc and read.detected
    zh = "淘宝村里的网店越来越多，租金便宜。\n政府出台扶持政策。"
    assert decode_bytes(zh.encode("utf-16-le")).text == zh
    assert decode_bytes(codecs.BOM_UTF16_LE + zh.encode("utf-16-le")).text == zh
    read = decode_bytes("好的\x00文本".encode())
    assert read.text == "好的文本" and read.nul_removed == 1 and read.encoding == "utf-8"
    gb = "网店很多，租金便宜。".encode("gb18030") + b"\x00"  # a stray NUL in GB18030 text is not UTF-16
    read = decode_bytes(gb)
    assert read.encoding == "gb18030" and read.text == "网店很多，租金便宜。"


def test_paths_are_normalised(tmp_path: Path) -> None:
    rows = ["A,texts/A.txt,A,media,2014,", "B,texts/../texts/A.txt,B,media,2014,", "C,texts\\sub\\C.txt,C,media,2014,",
            "D,texts/d.TXT,D,media,2014,"]
    (tmp_path / "texts" / "sub").mkdir(parents=True)
    (tmp_path / "texts" / "sub" / "C.txt").write_text("政府支持。", encoding="utf-8")
    c = load_corpus(_corpus(tmp_path, HEAD + "\n".join(rows) + "\n", {**FILES, "texts/D.txt": "物流。"}))
    by = {(p.code, p.doc_id): p for p in c.problem_list}
    assert "A" in by[("same-file", "B")].message
    assert set(c.docs["path"]) == {"texts/A.txt", "texts/sub/C.txt"}
    assert ("path-normalised", "C") in by
    assert "did you mean 'texts/D.txt'" in by[("missing-file", "D")].message
    assert not any(p.code == "unlisted-file" and p.file == "texts/sub/C.txt" for p in c.problem_list)


@pytest.mark.parametrize(("encoding", "delimiter"), [("gbk", ","), ("big5", ","), ("utf-16", "\t"),
                                                     ("utf-8-sig", ";"), ("gb18030", ";")])
def test_documents_csv_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str) -> None:
    title = "淘寶村的網店故事" if encoding == "big5" else "淘宝村的网店故事"
    text = delimiter.join(["doc_id", "path", "title", "source_type"]) + "\r\n" + delimiter.join(
        ["A", "texts/A.txt", title, "media"]) + "\r\n"
    root = _corpus(tmp_path, "", FILES)
    (root / "documents.csv").write_bytes(text.encode(encoding))
    c = load_corpus(root)
    assert c.n_errors == 0 and c.docs["title"].tolist() == [title]
    codes = {p.code for p in c.problem_list}
    assert ("csv-encoding" in codes) == (encoding not in ("utf-8-sig",))
    assert ("csv-delimiter" in codes) == (delimiter != ",")


def test_unknown_and_missing_columns_get_a_did_you_mean(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "lang", "doc_id,path,title,source_type,language,Outlet_Name\n"
                                      "A,texts/A.txt,A,media,zh-Hans,x\n", FILES)
    c = load_corpus(root)
    warn = [p for p in c.problem_list if p.code == "unknown-column"]
    assert any("did you mean 'lang'" in p.message and p.level == "warning" for p in warn)
    assert any("Outlet_Name" in p.message for p in warn)
    root = _corpus(tmp_path / "id", "id,file,title,source_type\nA,texts/A.txt,A,media\n", FILES)
    c = load_corpus(root)
    msg = next(p.message for p in c.problem_list if p.code == "missing-column")
    assert "'id' looks like 'doc_id'" in msg and "'file' looks like 'path'" in msg


def test_validate_puts_errors_last_with_counts(make_corpus: MakeCorpus) -> None:
    root = make_corpus([{"doc_id": "A", "path": "texts/none.txt", "date": "2014"},
                        {"doc_id": "B", "text": "好的。", "date": "2014"},
                        {"doc_id": "C", "path": "texts/gone.txt", "date": "2014"},
                        {"doc_id": "D", "text": "没有日期。"}])
    for i in range(3):
        (root / "texts" / f"stray{i}.txt").write_text("x", encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(root)])
    assert r.exit_code == 1
    levels = [ln.split()[0] for ln in r.stdout.splitlines()]
    assert levels == sorted(levels, key=["NOTE", "WARNING", "ERROR"].index) and levels[-1] == "ERROR"
    assert "2 errors (missing-file 2)" in r.stderr and "3 notes (unlisted-file 3)" in r.stderr


def test_missing_lexicon_fails_validate_and_missing_columns_fail_score(make_corpus: MakeCorpus,
                                                                       tmp_path: Path) -> None:
    root = make_corpus([{"doc_id": "A", "text": "好的。", "date": "2014"}], lexicons='["no_such_lexicon"]')
    r = CliRunner().invoke(main, ["validate", str(root)])
    assert r.exit_code == 1 and "missing-lexicon" in r.output and "no_such_lexicon" in r.output
    (root / "corpus.toml").write_text('name = "x"\n', encoding="utf-8")
    (root / "documents.csv").write_text("doc_id;path;title\nA;texts/A.txt;A\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["score", str(root), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 1 and "source_type" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "s.csv").exists()
