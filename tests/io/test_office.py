"""Office inputs are checked before a parser unpacks them: .docx and .xlsx limits, entities, broken parts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.corpus.formats import docx_to_text
from corpus_tools.errors import DecodeError, InputTableError, UnsafeFileError
from corpus_tools.io.limits import InputLimits
from corpus_tools.io.office import check_docx, check_xlsx
from corpus_tools.io.tables import iter_table
from tests.support.hostile import BILLION_LAUGHS, document_xml, docx_bytes


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_docx_limits_and_hostile_parts(tmp_path: Path) -> None:
    ok = _write(tmp_path / "ok.docx", docx_bytes(document_xml(["第一段", "第二段"])))
    assert check_docx(ok) == 2
    assert docx_to_text(ok) == "第一段\n\n第二段"
    many = _write(tmp_path / "many.docx", docx_bytes(document_xml(["p"] * 60)))
    with pytest.raises(UnsafeFileError, match="max_entries"):
        docx_to_text(many, InputLimits(max_entries=50))
    with pytest.raises(UnsafeFileError, match="max_xml_bytes"):
        docx_to_text(many, InputLimits(max_xml_bytes=500))
    with pytest.raises(UnsafeFileError, match="members"):
        docx_to_text(many, InputLimits(max_zip_members=2))
    laughs = _write(tmp_path / "lol.docx", docx_bytes(BILLION_LAUGHS))
    with pytest.raises(UnsafeFileError, match="DTD or entities"):
        docx_to_text(laughs)
    broken = _write(tmp_path / "broken.docx", docx_bytes("<w:document><w:body><w:p>"))
    with pytest.raises(DecodeError, match="not well-formed"):
        docx_to_text(broken)
    no_doc = io.BytesIO()
    with zipfile.ZipFile(no_doc, "w") as z:
        z.writestr("hello.txt", "x")
    with pytest.raises(DecodeError, match=r"word/document\.xml is missing"):
        docx_to_text(_write(tmp_path / "nodoc.docx", no_doc.getvalue()))


def _xlsx(path: Path, rows: int) -> Path:
    pd.DataFrame({"id": [f"r{i}" for i in range(rows)], "text": ["网店"] * rows}).to_excel(path, index=False)
    return path


def test_xlsx_tables_are_checked_before_reading(tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "t.xlsx", 30)
    assert check_xlsx(book) >= 60
    assert sum(len(c) for c in iter_table(book)) == 30
    with pytest.raises(UnsafeFileError, match="max_cells"):
        list(iter_table(book, limits=InputLimits(max_cells=20)))
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    parts[sheet] = BILLION_LAUGHS.encode()
    hostile = tmp_path / "lol.xlsx"
    with zipfile.ZipFile(hostile, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    with pytest.raises(UnsafeFileError, match="DTD or entities"):
        list(iter_table(hostile))
    with pytest.raises(InputTableError, match="not a readable zip"):
        list(iter_table(_write(tmp_path / "fake.xlsx", b"PK\x03\x04 nope")))


def test_score_on_hostile_workbooks_is_one_error_line(tmp_path: Path) -> None:
    """`score TABLE.xlsx`: a workbook with entities, a fake zip or a broken sheet is one `Error:` line."""
    from click.testing import CliRunner

    from corpus_tools.cli import main

    book = _xlsx(tmp_path / "t.xlsx", 3)
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    cases = {"lol.xlsx": {**parts, sheet: BILLION_LAUGHS.encode()},
             "broken.xlsx": {**parts, sheet: b"<worksheet><sheetData><row>"}}
    for name, members in cases.items():
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for n, d in members.items():
                z.writestr(n, d)
    _write(tmp_path / "fake.xlsx", b"PK\x03\x04 nope")
    for name in ("lol.xlsx", "broken.xlsx", "fake.xlsx"):
        r = CliRunner().invoke(main, ["score", str(tmp_path / name), "-o", str(tmp_path / "s.csv")])
        assert r.exit_code == 1 and r.output.startswith("Error:"), (name, r.output)
        assert "Traceback" not in r.output and not isinstance(r.exception, (KeyError, ValueError, TypeError))
    r = CliRunner().invoke(main, ["score", str(book), "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0, r.output
