"""Safety checks for Office files read as input (.docx texts, .xlsx tables) before a parser touches them.

python-docx and openpyxl build whole documents in memory, so a small, highly compressed file can expand
to gigabytes. These checks run first, reading each part with hard caps (corpus_tools.io.safezip): member
count, uncompressed size and ratio, size of each XML part, no DTD or entity declarations (billion laughs),
well-formed document XML, and at most `max_entries` paragraphs per Word document or `max_cells` cells per
workbook (InputLimits, docs/corpus-format.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from xml.parsers import expat

import pandas as pd

from corpus_tools.errors import CorpusToolsError, DecodeError, InputTableError, UnsafeFileError
from corpus_tools.io.limits import DEFAULT_INPUT_LIMITS, InputLimits
from corpus_tools.io.safezip import SafeZip

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_PARA_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p[\s>/]")


def _well_formed(data: bytes, where: str) -> None:
    """Parse without building anything (constant memory); DecodeError when the XML is not well-formed."""
    def refuse(*_args: object) -> None:
        raise UnsafeFileError(f"{where} declares a DTD or entities; refused for safety")

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise DecodeError(f"{where} is not well-formed XML ({exc})",
                          hint="open and save the document again in Word") from exc


def _scan_xml_parts(z: SafeZip, limits: InputLimits, kind: str, visit: Callable[[str, bytes], None]) -> None:
    """Read every XML part once, one at a time: within the XML size limit and free of DTDs/entities, then
    handed to `visit` (which keeps what it needs, so memory holds one part at a time)."""
    for name, info in z.names.items():
        if not name.lower().endswith((".xml", ".rels")):
            continue
        if info.file_size > limits.max_xml_bytes:
            raise UnsafeFileError(f"{z.path}: part {name} would unpack to {info.file_size:,} bytes (limit "
                                  f"max_xml_bytes = {limits.max_xml_bytes:,})",
                                  hint="raise [limits] max_xml_bytes in corpus.toml if the file is genuine")
        data = z.read(name)
        if _DTD_RE.search(data):
            raise UnsafeFileError(f"{z.path}: part {name} declares a DTD or entities; refused for safety",
                                  hint=f"a genuine {kind} file has none; save it again from its program")
        visit(name, data)


def check_docx(path: Path, limits: InputLimits = DEFAULT_INPUT_LIMITS) -> int:
    """Check a .docx before reading it; returns its paragraph count.

    DecodeError when it is not a readable Word document (not a zip, no or malformed word/document.xml);
    UnsafeFileError when it exceeds a limit or declares entities.
    """
    with SafeZip(path, limits.zip_limits(), malformed=DecodeError,
                 hint="a .docx file is a zip archive; save the document again from Word") as z:
        name = z.find("word/document.xml")
        if name is None:
            raise DecodeError(f"{path}: not a Word document (word/document.xml is missing)")
        found: list[bytes] = []
        _scan_xml_parts(z, limits, ".docx", lambda n, d: found.append(d) if n == name else None)
    data = found[0]
    n_paras = len(_PARA_RE.findall(data))
    if n_paras > limits.max_entries:
        raise UnsafeFileError(f"{path}: {n_paras:,} paragraphs exceed the limit of max_entries = "
                              f"{limits.max_entries:,} per document",
                              hint="split the document, or raise [limits] max_entries in corpus.toml")
    _well_formed(data, f"{path}: word/document.xml")
    return n_paras


def check_xlsx(path: Path, limits: InputLimits = DEFAULT_INPUT_LIMITS,
               malformed: type[CorpusToolsError] = InputTableError) -> int:
    """Check a .xlsx before reading it; returns the number of cells in its worksheets."""
    counts: list[int] = []

    def count(name: str, data: bytes) -> None:
        if name.lower().startswith("xl/worksheets/"):
            counts.append(len(_CELL_RE.findall(data)))

    with SafeZip(path, limits.zip_limits(), malformed=malformed,
                 hint="a .xlsx file is a zip archive; save the workbook again from Excel") as z:
        _scan_xml_parts(z, limits, ".xlsx", count)
    cells = sum(counts)
    if cells > limits.max_cells:
        raise UnsafeFileError(f"{path}: {cells:,} cells exceed the limit of max_cells = {limits.max_cells:,}",
                              hint="save the table as CSV (it is read in chunks), or raise max_cells")
    return cells


def read_xlsx(path: Path, limits: InputLimits = DEFAULT_INPUT_LIMITS,
              malformed: type[CorpusToolsError] = InputTableError) -> pd.DataFrame:
    """The first sheet of a checked workbook as strings (empty cells as "")."""
    check_xlsx(path, limits, malformed)
    try:
        return pd.read_excel(path, dtype=str).fillna("")
    except Exception as exc:  # openpyxl raises many types on broken parts; the file is refused, never a traceback
        if isinstance(exc, CorpusToolsError):
            raise
        raise malformed(f"{path}: cannot read the workbook ({type(exc).__name__}: {exc})",
                        hint="open it in Excel and save it again as .xlsx") from exc
