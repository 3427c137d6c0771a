"""A catalogue of hostile and careless inputs for the corpus loader, each a tiny corpus folder.

Every case writes a corpus with at least one good document (`GOOD`, so "the rest of the run completes" can
be checked) plus one bad input, and says what a researcher must see:

- `kind="row"`: the bad row or file is skipped with one problem record (`code`), validate exits 1, score
  exits 0 and scores the good documents;
- `kind="loaded"`: the odd input is read (a note or warning `code`), nothing is skipped;
- `kind="fatal"`: nothing can be analysed; every command prints one `Error:` message containing `code`
  and exits 1 (validate may instead list the error with exit 1).

The generators are deterministic and small (kilobytes), and the bombs rely on the limits, set low in the
case's corpus.toml, being enforced before anything is decompressed or parsed whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.corpus import HEADER

GOOD_TEXT = "好的文本，租金便宜，创业机会很多。\n\n第二段：网店越来越多。"
EN_TEXT = "Villagers opened online shops.\n\nThe rent was cheap and many started a business."
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass
class Case:
    """One hostile input: how to build it and what must be reported."""

    name: str
    kind: str  # row | loaded | fatal
    code: str  # problem code (row/loaded) or a text of the Error: message (fatal)
    build: Callable[[Path], None]
    loaded: tuple[str, ...] = ("GOOD",)  # doc ids that must be loaded
    count: int = 1  # problem lines expected with this code
    validate_exit: int | None = None  # default: 1 for row/fatal, 0 for loaded


def write_corpus(root: Path, rows: list[dict[str, str]], files: dict[str, bytes | str] | None = None,
                 toml: str = 'name = "hostile"\nlexicons = ["mass_entrepreneurship"]\n',
                 header: list[str] | None = None, csv_bytes: bytes | None = None) -> None:
    """A corpus folder: corpus.toml, documents.csv (rows with defaults) and files under the folder."""
    (root / "texts").mkdir(parents=True, exist_ok=True)
    (root / "corpus.toml").write_text(toml, encoding="utf-8")
    for rel, content in (files or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if csv_bytes is not None:
        (root / "documents.csv").write_bytes(csv_bytes)
        return
    cols = header or HEADER
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, {"title": r.get("doc_id", ""), "source_type": "media"}.get(k, "")) for k in cols})
    (root / "documents.csv").write_text(buf.getvalue(), encoding="utf-8")


_OTHER_TEXTS = {"G2": "政府出台扶持政策，培训班免费开放。", "G3": "物流公司进村，快递费用下降。",
                "BAD": "这一行本应被读取。", "LONG": "标题很长的文档，内容正常。"}


def good(doc_id: str = "GOOD", text: str | None = None) -> tuple[dict[str, str], dict[str, bytes | str]]:
    """A documents.csv row and its file (each id its own text, so no near-duplicate notes)."""
    body = text or (GOOD_TEXT if doc_id == "GOOD" else _OTHER_TEXTS.get(doc_id, f"{doc_id} 的内容各不相同。"))
    return {"doc_id": doc_id, "path": f"texts/{doc_id}.txt", "date": "2014"}, {f"texts/{doc_id}.txt": body}


def with_bad(root: Path, bad_row: dict[str, str], bad_files: dict[str, bytes | str], toml_extra: str = "") -> None:
    """GOOD plus one bad row and its files."""
    row, files = good()
    write_corpus(root, [row, {"date": "2014", **bad_row}], {**files, **bad_files},
                 toml='name = "hostile"\nlexicons = ["mass_entrepreneurship"]\n' + toml_extra)


# --- .docx builders --------------------------------------------------------------------------------------
def docx_bytes(document_xml: bytes | str, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Word package around the given word/document.xml."""
    if isinstance(document_xml, str):
        document_xml = document_xml.encode("utf-8")
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
          '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
          'document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def document_xml(paragraphs: list[str]) -> str:
    """word/document.xml with one paragraph per string."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10))
                  + f']><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>'
                  "</w:document>")


# --- cases -----------------------------------------------------------------------------------------------
def _stray_quote(column: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        rows, files = [], {}
        for did in ("GOOD", "BAD", "G2", "G3"):
            row, f = good(did)
            rows.append(row)
            files.update(f)
        write_corpus(root, rows, files)
        text = (root / "documents.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        idx = HEADER.index(column)
        fields = next(csv.reader([text[2]]))
        fields[idx] = '"Title' if column == "title" else '"' + (fields[idx] or "x")
        text[2] = ",".join(fields) + "\n"  # written raw: the quote is never closed
        (root / "documents.csv").write_text("".join(text), encoding="utf-8")
    return build


def _unclosed_last_row(root: Path) -> None:
    rows, files = [], {}
    for did in ("GOOD", "G2"):
        row, f = good(did)
        rows.append(row)
        files.update(f)
    write_corpus(root, rows, files)
    with (root / "documents.csv").open("a", encoding="utf-8") as fh:
        fh.write('LAST,texts/GOOD.txt,"Unclosed title,media,,2014,,,,,,\n')


def _encoding(name: str) -> Callable[[Path], None]:
    return lambda root: with_bad(root, {"doc_id": "BAD", "path": "texts/BAD.txt", "encoding": name},
                                 {"texts/BAD.txt": "编码"})


def _docx(xml: bytes | str, toml_extra: str = "", extra: dict[str, bytes] | None = None) -> Callable[[Path], None]:
    return lambda root: with_bad(root, {"doc_id": "BAD", "path": "texts/BAD.docx"},
                                 {"texts/BAD.docx": docx_bytes(xml, extra)}, toml_extra)


def _text_file(data: bytes, doc_id: str = "ODD", toml_extra: str = "") -> Callable[[Path], None]:
    return lambda root: with_bad(root, {"doc_id": doc_id, "path": f"texts/{doc_id}.txt"},
                                 {f"texts/{doc_id}.txt": data}, toml_extra)


def _limits(**kw: int) -> str:
    return "[limits]\n" + "".join(f"{k} = {v}\n" for k, v in kw.items())


def _toml(body: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        row, files = good()
        write_corpus(root, [row], files, toml='name = "hostile"\n' + body)
    return build


def _csv_encoded(encoding: str, delimiter: str = ",", title: str = "淘宝村的故事") -> Callable[[Path], None]:
    def build(root: Path) -> None:
        row, files = good()
        write_corpus(root, [row], files)
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(["doc_id", "path", "title", "source_type", "date"])
        w.writerow(["GOOD", "texts/GOOD.txt", title, "media", "2014"])
        data = buf.getvalue().encode(encoding)
        if encoding == "utf-16":  # Python writes a BOM for "utf-16"; Excel's "Unicode text" does too
            assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        (root / "documents.csv").write_bytes(data)
    return build


def _columns(header: list[str], code_col: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        row, files = good()
        row = {**row, "title": "T", "source_type": "media", code_col: "zh-Hans"}
        write_corpus(root, [row], files, header=header)
    return build


def _paths(root: Path) -> None:
    rows = [{"doc_id": "GOOD", "path": "texts/GOOD.txt", "date": "2014"},
            {"doc_id": "AGAIN", "path": "texts/../texts/GOOD.txt", "date": "2014"},
            {"doc_id": "WIN", "path": "texts\\en\\E02.txt", "date": "2014"}]
    write_corpus(root, rows, {"texts/GOOD.txt": GOOD_TEXT, "texts/en/E02.txt": EN_TEXT})


def _long_field(n: int, toml_extra: str = "") -> Callable[[Path], None]:
    def build(root: Path) -> None:
        rows, files = [], {}
        for did in ("GOOD", "LONG", "G2"):
            row, f = good(did)
            rows.append(row)
            files.update(f)
        rows[1]["title"] = "长" * n
        write_corpus(root, rows, files, toml='name = "hostile"\nlexicons = ["mass_entrepreneurship"]\n' + toml_extra)
    return build


def _missing_columns(root: Path) -> None:
    row, files = good()
    write_corpus(root, [row], files, header=["doc_id", "path", "date"])


def _undecodable_csv(root: Path) -> None:
    row, files = good()
    write_corpus(root, [row], files, csv_bytes=b"doc_id,path\n\xff\xfe\x00\xd8\x00\x00\x81\x30\xff" * 3 + b"\x00")


UTF16_EN = EN_TEXT.encode("utf-16-le")
UTF16_ZH = ("淘宝村里的网店越来越多。\n\n" + GOOD_TEXT).encode("utf-16-le")


def catalogue() -> list[Case]:
    """Every hostile input the suite runs through validate and score."""
    deep = docx_bytes(document_xml(["段落内容"] * 400))
    return [
        # defect 1: an unclosed quote in any column
        Case("stray-quote-title", "row", "unterminated-quote", _stray_quote("title"), ("GOOD", "G2", "G3")),
        Case("stray-quote-outlet", "row", "unterminated-quote", _stray_quote("outlet"), ("GOOD", "G2", "G3")),
        Case("stray-quote-notes", "row", "unterminated-quote", _stray_quote("notes"), ("GOOD", "G2", "G3")),
        Case("unclosed-quote-last-row", "row", "unterminated-quote", _unclosed_last_row, ("GOOD", "G2")),
        # defect 4: decompression limits; defect 5: broken or hostile .docx skip that document only
        Case("docx-malformed", "row", "undecodable", _docx("<w:document><w:body><w:p>")),
        Case("docx-billion-laughs", "row", "over-limit", _docx(BILLION_LAUGHS)),
        Case("docx-entity-in-styles", "row", "over-limit",
             _docx(document_xml(["ok"]), extra={"word/styles.xml": BILLION_LAUGHS.encode()})),
        Case("docx-too-many-paragraphs", "row", "over-limit", lambda root: with_bad(
            root, {"doc_id": "BAD", "path": "texts/BAD.docx"}, {"texts/BAD.docx": deep}, _limits(max_entries=100))),
        Case("docx-xml-too-big", "row", "over-limit",
             _docx(document_xml(["x" * 1000] * 50), _limits(max_xml_bytes=20_000))),
        Case("docx-bomb-ratio", "row", "over-limit",
             _docx(document_xml(["a"]).replace("<w:body>", "<w:body>" + " " * 2_000_000), _limits(max_ratio=100))),
        Case("docx-not-a-zip", "row", "undecodable", lambda root: with_bad(
            root, {"doc_id": "BAD", "path": "texts/BAD.docx"}, {"texts/BAD.docx": b"PK\x03\x04 not really"})),
        Case("text-too-many-entries", "row", "over-limit",
             _text_file(("一行。\n" * 300).encode(), "BAD", _limits(max_entries=100))),
        Case("text-too-big", "row", "over-limit", _text_file(b"x" * 5000, "BAD", _limits(max_file_bytes=4000))),
        # defect 5: field size, non-text codecs
        Case("field-over-limit", "row", "field-too-long", _long_field(5000, _limits(max_field_chars=1000)),
             ("GOOD", "G2")),
        Case("field-over-csv-default", "loaded", "", _long_field(140_000), ("GOOD", "LONG", "G2"), count=0),
        *(Case(f"encoding-{name}", "row", "bad-encoding", _encoding(name))
          for name in ("rot13", "hex", "base64", "zlib", "no-such-codec")),
        # defect 5: corpus.toml with wrong types
        Case("toml-stages-ints", "fatal", "stage #1", _toml("stages = [1, 2]\n")),
        Case("toml-lexicons-int", "fatal", "lexicons", _toml("lexicons = 5\n")),
        Case("toml-datetime-start", "fatal", "time of day",
             _toml('[[stages]]\nid = "a"\nstart = 2014-01-01T10:00:00\n')),
        Case("toml-stage-string", "fatal", "stages", _toml('stages = "2014"\n')),
        Case("toml-bad-limit", "fatal", "max_entries", _toml("[limits]\nmax_entries = \"many\"\n")),
        # defect 7: UTF-16 without BOM and NUL bytes
        Case("utf16le-no-bom-en", "loaded", "utf16-no-bom", _text_file(UTF16_EN), ("GOOD", "ODD")),
        Case("utf16le-no-bom-zh", "loaded", "utf16-no-bom", _text_file(UTF16_ZH), ("GOOD", "ODD")),
        Case("utf16be-no-bom-en", "loaded", "utf16-no-bom", _text_file(EN_TEXT.encode("utf-16-be")),
             ("GOOD", "ODD")),
        Case("nul-bytes", "loaded", "nul-bytes", _text_file(b"Rent\x00 was cheap.\x00\n\nShops\x00 opened."),
             ("GOOD", "ODD")),
        # defect 9 and issue 14: lexicons, columns, paths
        Case("missing-lexicon", "fatal", "no_such_lexicon",
             _toml('lexicons = ["no_such_lexicon"]\n'), validate_exit=1),
        Case("missing-columns", "fatal", "source_type", _missing_columns, validate_exit=1),
        Case("paths-dotdot-and-backslash", "loaded", "same-file", _paths, ("GOOD", "AGAIN", "WIN")),
        Case("column-language", "loaded", "unknown-column",
             _columns(["doc_id", "path", "title", "source_type", "date", "language"], "language")),
        Case("csv-gbk", "loaded", "csv-encoding", _csv_encoded("gbk")),
        Case("csv-gb18030", "loaded", "csv-encoding", _csv_encoded("gb18030")),
        Case("csv-big5", "loaded", "csv-encoding", _csv_encoded("big5", title="淘寶村的故事與網店")),
        Case("csv-utf16-bom", "loaded", "csv-encoding", _csv_encoded("utf-16")),
        Case("csv-utf16le-no-bom", "loaded", "csv-encoding", _csv_encoded("utf-16-le")),
        Case("csv-semicolon", "loaded", "csv-delimiter", _csv_encoded("utf-8", ";")),
        Case("csv-tab", "loaded", "csv-delimiter", _csv_encoded("utf-8", "\t")),
        Case("csv-undecodable", "fatal", "documents.csv", _undecodable_csv),
        # inputs that already held: stay held
        Case("path-traversal", "row", "bad-path", lambda root: with_bad(root, {"doc_id": "BAD",
                                                                                  "path": "../../etc/passwd"}, {})),
        Case("garbage-bytes", "row", "undecodable", _text_file(b"\x81\x30\xff\xfe\x00\x81\xff", "BAD")),
        Case("missing-file", "row", "missing-file",
             lambda root: with_bad(root, {"doc_id": "BAD", "path": "texts/nowhere.txt"}, {})),
        Case("empty-text", "row", "empty-text", _text_file(b"  \n\n ", "BAD")),
    ]
