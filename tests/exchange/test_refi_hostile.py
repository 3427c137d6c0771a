"""Hostile and malformed REFI-QDA files are refused with our own errors, before anything is expanded."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.errors import CorpusToolsError, ExchangeError, UnsafeFileError
from corpus_tools.exchange import Limits, SafeZip, read_qdc, read_qdpx
from corpus_tools.exchange.refi_common import PROJECT_NS
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import Lexicon
from tests.conftest import MakeCorpus

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="11111111-1111-4111-8111-111111111111" name="&lol9;" isCodable="true"/></Codes></CodeBook>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE CodeBook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="11111111-1111-4111-8111-111111111111" name="x" isCodable="true">
<Description>&secret;</Description></Code></Codes></CodeBook>"""

PROJECT = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{PROJECT_NS}" name="p"><Sources/></Project>"""


@pytest.fixture(scope="module")
def lexicons() -> list[Lexicon]:
    return [load_lexicon("mass_entrepreneurship")]


@pytest.fixture
def corpus(make_corpus: MakeCorpus) -> Corpus:
    return load_corpus(make_corpus([{"doc_id": "D1", "text": "一段。\n\n两段。"}]))


def qdpx(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_qdc_with_entities_is_refused(tmp_path: Path, xml: str) -> None:
    path = tmp_path / "evil.qdc"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(UnsafeFileError, match="refused for safety"):
        read_qdc(path)


@pytest.mark.parametrize("xml", [BILLION_LAUGHS.replace("CodeBook", "Project"), EXTERNAL_ENTITY],
                         ids=["billion-laughs", "external-entity"])
def test_qdpx_with_entities_is_refused(tmp_path: Path, corpus: Corpus, lexicons: list[Lexicon], xml: str) -> None:
    path = qdpx(tmp_path / "evil.qdpx", {"project.qde": xml})
    with pytest.raises(UnsafeFileError, match="DTD or entities"):
        read_qdpx(path, corpus, lexicons)


@pytest.mark.parametrize("name", ["../escape.txt", "sources/../../escape.txt", "/etc/passwd", "C:\\evil.txt",
                                  "..\\..\\evil.txt", "//server/share.txt"])
def test_member_outside_the_archive_is_refused(tmp_path: Path, corpus: Corpus, lexicons: list[Lexicon],
                                               name: str) -> None:
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", PROJECT)
        zf.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(UnsafeFileError):
        read_qdpx(path, corpus, lexicons)


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", PROJECT)
        info = zipfile.ZipInfo("sources/link.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        SafeZip(path)


def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", PROJECT)
        zf.writestr("Project.qde", PROJECT)
    with pytest.raises(UnsafeFileError, match="twice"):
        SafeZip(path)


def test_oversize_and_bomb_archives_are_refused(tmp_path: Path) -> None:
    zeros = b"\0" * (4 * 1024 * 1024)  # compresses about 1000 to 1
    path = qdpx(tmp_path / "bomb.qdpx", {"project.qde": PROJECT, "sources/a.txt": zeros})
    with pytest.raises(UnsafeFileError, match="zip bomb"):
        SafeZip(path, Limits(max_ratio=100))
    with pytest.raises(UnsafeFileError, match="would unpack"):
        SafeZip(path, Limits(max_member_bytes=1024 * 1024))
    many = qdpx(tmp_path / "many.qdpx", {f"sources/{i}.txt": "x" for i in range(30)})
    with pytest.raises(UnsafeFileError, match="members exceed"):
        SafeZip(many, Limits(max_members=20))
    total = qdpx(tmp_path / "total.qdpx", {f"sources/{i}.txt": "y" * 5000 for i in range(10)})
    with pytest.raises(UnsafeFileError, match="more than"):
        SafeZip(total, Limits(max_total_bytes=20_000))
    with SafeZip(total) as ok:  # the same archive within the default limits is fine
        assert len(ok.names) == 10


def test_big_qdc_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.qdc"
    path.write_bytes(b" " * 5000)
    with pytest.raises(UnsafeFileError, match="exceeds the limit"):
        read_qdc(path, Limits(max_xml_bytes=1000))


@pytest.mark.parametrize(("members", "message"), [
    ({"readme.txt": "hi"}, "project.qde is missing"),
    ({"project.qde": "<Project><unclosed></Project>"}, "not well-formed"),
    ({"project.qde": "<CodeBook xmlns='urn:QDA-XML:codebook:1.0'/>"}, "not Project"),
])
def test_malformed_projects_give_clear_errors(tmp_path: Path, corpus: Corpus, lexicons: list[Lexicon],
                                              members: dict[str, str], message: str) -> None:
    path = qdpx(tmp_path / "bad.qdpx", members)  # type: ignore[arg-type]
    with pytest.raises(ExchangeError, match=message):
        read_qdpx(path, corpus, lexicons)


def test_not_a_zip_and_not_a_codebook(tmp_path: Path, corpus: Corpus, lexicons: list[Lexicon]) -> None:
    fake = tmp_path / "fake.qdpx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ExchangeError, match="not a readable zip"):
        read_qdpx(fake, corpus, lexicons)
    html = tmp_path / "page.qdc"
    html.write_text("<html><body/></html>", encoding="utf-8")
    with pytest.raises(ExchangeError, match="not a REFI-QDA codebook"):
        read_qdc(html)
    empty = tmp_path / "empty.qdc"
    empty.write_text("<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes/></CodeBook>", encoding="utf-8")
    with pytest.raises(ExchangeError, match="no codable codes"):
        read_qdc(empty)


def test_external_source_paths_are_not_read(tmp_path: Path, corpus: Corpus, lexicons: list[Lexicon]) -> None:
    project = PROJECT.replace("<Sources/>", """<Sources><TextSource guid="11111111-1111-4111-8111-111111111111"
        name="D1" plainTextPath="absolute:///etc/passwd"/></Sources>""")
    back = read_qdpx(qdpx(tmp_path / "ext.qdpx", {"project.qde": project}), corpus, lexicons)
    assert any("outside the archive" in p for p in back.problems)


def test_cli_reports_hostile_file_in_one_line(tmp_path: Path, make_corpus: MakeCorpus) -> None:
    root = make_corpus([{"doc_id": "D1", "text": "一段。"}])
    path = qdpx(tmp_path / "evil.qdpx", {"project.qde": BILLION_LAUGHS.replace("CodeBook", "Project")})
    res = CliRunner().invoke(main, ["import", "qdpx", str(path), str(root), "-o", str(tmp_path / "c.csv")])
    assert res.exit_code == 1 and "Error:" in res.output and "refused for safety" in res.output
    assert "Traceback" not in res.output
    assert issubclass(UnsafeFileError, CorpusToolsError)


def _nested_codes(depth: int) -> str:
    opened = "".join(f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="c{i}" isCodable="true">'
                     for i in range(depth))
    return f"<Codes>{opened}{'</Code>' * depth}</Codes>"


def test_deeply_nested_codes_are_refused_not_a_recursion_error(tmp_path: Path, corpus: Corpus,
                                                               lexicons: list[Lexicon]) -> None:
    deep = tmp_path / "deep.qdc"
    deep.write_text(f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">{_nested_codes(2000)}'
                    "</CodeBook>", encoding="utf-8")
    with pytest.raises(UnsafeFileError, match="nest more than 100 levels"):
        read_qdc(deep)
    res = CliRunner().invoke(main, ["import", "qdc", str(deep), "-o", str(tmp_path / "x.yaml")])
    assert res.exit_code == 1 and "nest more than" in res.output and "Traceback" not in res.output
    project = PROJECT.replace("<Sources/>", f"<CodeBook>{_nested_codes(2000)}</CodeBook><Sources/>")
    with pytest.raises(UnsafeFileError, match="nest more than"):
        read_qdpx(qdpx(tmp_path / "deep.qdpx", {"project.qde": project}), corpus, lexicons)
    shallow = tmp_path / "shallow.qdc"
    shallow.write_text(f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">{_nested_codes(12)}'
                       "</CodeBook>", encoding="utf-8")
    assert read_qdc(shallow).lexicon.variables  # ordinary depths still read
    with pytest.raises(UnsafeFileError):
        read_qdc(shallow, Limits(max_depth=5))
