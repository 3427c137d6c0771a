"""Read documents.csv as saved by real spreadsheets: any common encoding and delimiter, quotes checked.

- Encoding: UTF-8 (BOM or not), UTF-16 (BOM or not), GB18030/GBK or Big5, detected; a note says which.
- Delimiter: `,`, `;`, tab or `|`, whichever header names the documents.csv columns.
- A quote that is never closed (or closed only rows later) would make the csv module read the following
  rows as one field. Every record spanning several physical lines is checked: when its quotes do not
  balance, or a swallowed line reads as a documents.csv row of its own, the record is an error naming its
  line and reading restarts on the next physical line, so the rows after it are not lost.
- A field longer than `max_field_chars` is an error naming its line (the csv module's own limit,
  131,072 characters, is raised to that bound for the read and restored afterwards).
- NUL characters are removed (a warning); unknown columns get a did-you-mean.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus_tools import schema
from corpus_tools.corpus.formats import decode_bytes
from corpus_tools.corpus.problems import Problem
from corpus_tools.errors import CorpusError, DecodeError
from corpus_tools.io.limits import InputLimits

FILE = "documents.csv"
DELIMITERS = (",", ";", "\t", "|")
KNOWN_COLUMNS = (*schema.DOCUMENTS_CSV_REQUIRED, *schema.DOCUMENTS_CSV_OPTIONAL)
SAVE_AS_HINT = 'in Excel: File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)"'
# names researchers use for our columns (checked before the fuzzy match)
ALIASES = {"id": "doc_id", "docid": "doc_id", "document_id": "doc_id", "doc": "doc_id", "file": "path",
           "filename": "path", "file_path": "path", "filepath": "path", "headline": "title", "type": "source_type",
           "source": "source_type", "kind": "source_type", "language": "lang", "languages": "lang",
           "publication": "outlet", "newspaper": "outlet", "publisher": "outlet", "charset": "encoding",
           "note": "notes", "comment": "notes", "comments": "notes", "by": "author", "byline": "author",
           "published": "date", "pub_date": "date", "interviewee": "speaker"}
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16LE",
          "utf-16-be": "UTF-16BE", "gb18030": "GB18030 (GBK)", "big5": "Big5"}


def suggest_column(name: str, present: set[str] = frozenset()) -> str | None:  # type: ignore[assignment]
    """The documents.csv column an unknown header probably means (None when nothing is close)."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    if key in KNOWN_COLUMNS and key not in present:
        return key
    target = ALIASES.get(key)
    if target and target not in present:
        return target
    close = difflib.get_close_matches(key, [c for c in KNOWN_COLUMNS if c not in present], n=1, cutoff=0.75)
    return close[0] if close else None


def decode_documents_csv(data: bytes, problems: list[Problem]) -> str:
    """The text of documents.csv, NULs removed (a warning); a note when it is not UTF-8; CorpusError when it
    cannot be decoded."""
    try:
        read = decode_bytes(data)
    except DecodeError as exc:
        raise CorpusError(f"{FILE} cannot be decoded: {exc.message}",
                          hint=f"save it as UTF-8: {SAVE_AS_HINT}") from exc
    if read.encoding not in ("utf-8", "utf-8-sig"):
        name = _NAMES.get(read.encoding, read.encoding)
        problems.append(Problem("note", "csv-encoding", FILE, None, "",
                                f"{FILE} is {name}, not UTF-8: read as {name}; to be sure every title is read "
                                f"right, save it as UTF-8 ({SAVE_AS_HINT})"))
    if read.nul_removed:
        problems.append(Problem("warning", "nul-bytes", FILE, None, "", f"{read.nul_removed} NUL character(s) "
                                f"removed from {FILE} (saved as UTF-16 or binary with a wrong name?)"))
    return read.text


def _header_fields(line: str, delimiter: str) -> list[str]:
    return [h.strip().lstrip("\ufeff") for h in next(csv.reader([line], delimiter=delimiter), [])]


def choose_delimiter(header_line: str) -> str:
    """The delimiter under which the header names the most documents.csv columns (`,` on a tie)."""
    best, best_score = ",", -1
    for delim in DELIMITERS:
        names = _header_fields(header_line, delim)
        score = sum(1 for n in names if n in KNOWN_COLUMNS or suggest_column(n) is not None)
        if score > best_score:
            best, best_score = delim, score
    return best


def _check_header(header: list[str], delimiter: str, problems: list[Problem]) -> bool:
    """Report unknown and missing columns; False when a required column is missing."""
    present = set(header)
    for name in header:
        if name in KNOWN_COLUMNS or not name:
            continue
        guess = suggest_column(name, present)
        if guess:
            problems.append(Problem("warning", "unknown-column", FILE, 1, "",
                                    f"column {name!r} is not a known column: did you mean {guess!r}? (rename the "
                                    "column; as it is, it is kept only as a further text column)"))
        else:
            problems.append(Problem("note", "unknown-column", FILE, 1, "",
                                    f"column {name!r} is not a documents.csv column: kept as a further text column "
                                    f"(usable in analyze --adjust; columns: {', '.join(KNOWN_COLUMNS)})"))
    missing = [c for c in schema.DOCUMENTS_CSV_REQUIRED if c not in present]
    if not missing:
        return True
    hints = []
    for col in missing:
        near = [n for n in header if n not in KNOWN_COLUMNS and suggest_column(n, present) == col]
        if near:
            hints.append(f"{near[0]!r} looks like {col!r}")
    msg = f"required column(s) {', '.join(missing)} missing; no document can be read"
    if hints:
        msg += f" ({'; '.join(hints)}: rename it)"
    elif len(header) <= 1:
        msg += (f" (the header has one column: the file may use a delimiter other than , ; tab or |; "
                f"{SAVE_AS_HINT})")
    problems.append(Problem("error", "missing-column", FILE, 1, "", msg))
    return False


def _looks_like_row(line: str, delimiter: str, header: list[str]) -> bool:
    """True when a physical line reads as a documents.csv row of its own (an id and a file path)."""
    fields = next(csv.reader([line], delimiter=delimiter), [])
    if len(fields) < len(schema.DOCUMENTS_CSV_REQUIRED):
        return False
    row = dict(zip(header, (f.strip() for f in fields), strict=False))
    path = row.get("path", "").replace("\\", "/")
    return bool(_ID_RE.match(row.get("doc_id", ""))) and bool(path) and (
        "/" in path or bool(Path(path).suffix) or row.get("source_type", "") in schema.SOURCE_TYPES)


def _records(lines: list[str], delimiter: str, broken: Callable[[int, int, list[str]], bool]
             ) -> Iterator[tuple[int, int, list[str] | None, str]]:
    """(first line index, last line index, fields or None, error) for each record after the header.

    A multi-line record that `broken` rejects, or one the csv module cannot parse, is yielded and the
    reader restarts on the physical line after its first line, so the rows it swallowed are read again.
    """
    start = 1
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter)
        done = 0  # lines consumed by finished records
        try:
            for fields in reader:
                first, last = start + done, start + reader.line_num - 1
                done = reader.line_num
                if (last > first or any("\n" in f or "\r" in f for f in fields)) and broken(first, last, fields):
                    yield first, last, None, "broken"
                    start = first + 1
                    break
                yield first, last, fields, ""
            else:
                return
        except csv.Error as exc:
            first = start + done
            yield first, first, None, str(exc)
            start = first + 1


def read_rows(csv_path: Path, problems: list[Problem], limits: InputLimits,
              skipped_paths: list[str] | None = None) -> list[tuple[int, dict[str, str]]]:
    """(line, row) for every data row of documents.csv; problems for everything odd. Lines are 1-based,
    the header is line 1, a row's line is the line it starts on. The paths of rows skipped for an unclosed
    quote are added to `skipped_paths` (their files are listed, not "unlisted")."""
    size = csv_path.stat().st_size
    if size > limits.max_file_bytes:
        raise CorpusError(f"{csv_path}: {size:,} bytes exceed the limit of max_file_bytes = {limits.max_file_bytes:,}")
    text = decode_documents_csv(csv_path.read_bytes(), problems)
    lines = _LINE_RE.findall(text)
    if not lines:
        problems.append(Problem("error", "missing-column", FILE, 1, "", f"{FILE} is empty; no document can be read"))
        return []
    delimiter = choose_delimiter(lines[0])
    header = _header_fields(lines[0], delimiter)
    if delimiter != ",":
        shown = {"\t": "tab", ";": "semicolon (;)", "|": "bar (|)"}[delimiter]
        problems.append(Problem("note", "csv-delimiter", FILE, 1, "", f"{FILE} is {shown}-separated: read so"))
    if not _check_header(header, delimiter, problems):
        return []
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(limits.max_field_chars, 1))
    rows: list[tuple[int, dict[str, str]]] = []

    def broken(first: int, last: int, fields: list[str]) -> bool:
        if not _unterminated(lines, first, last, delimiter, header, fields, problems):
            return False
        path = dict(zip(header, fields, strict=False)).get("path", "")
        if skipped_paths is not None and path.strip() and "\n" not in path:
            skipped_paths.append(path.strip())
        return True

    try:
        for first, _last, fields, error in _records(lines, delimiter, broken):
            line = first + 1
            if error == "broken":
                continue
            if fields is None:
                if "field larger than field limit" in error:
                    msg = (f"a field is longer than max_field_chars = {limits.max_field_chars:,} characters "
                           "(an unclosed quote, or a text pasted into a cell?); the row is skipped")
                    problems.append(Problem("error", "field-too-long", FILE, line, "", msg))
                else:
                    problems.append(Problem("error", "bad-csv", FILE, line, "", f"cannot parse the row ({error})"))
                continue
            clean = {k: (v or "").strip() for k, v in zip(header, fields, strict=False) if k}
            if len(fields) > len(header):
                problems.append(Problem("warning", "extra-fields", FILE, line, clean.get("doc_id", ""),
                                        "more fields than header columns; extra fields ignored"))
            if any(clean.values()):
                rows.append((line, clean))
    finally:
        csv.field_size_limit(old_limit)
    return rows


def _unterminated(lines: list[str], first: int, last: int, delimiter: str, header: list[str], fields: list[str],
                  problems: list[Problem]) -> bool:
    """True (with an error) when a multi-line record is a quote left open rather than a cell with line breaks."""
    raw = "".join(lines[first:last + 1])
    swallowed = [i + 1 for i in range(first + 1, last + 1) if _looks_like_row(lines[i], delimiter, header)]
    if raw.count('"') % 2 == 0 and not swallowed:
        return False
    cols = [h or f"#{i + 1}" for i, (h, v) in enumerate(zip(header, fields, strict=False)) if "\n" in v or "\r" in v]
    where = f"field {', '.join(cols)}" if cols else "a field"
    lost = (f"; it swallowed {len(swallowed)} row(s) (line(s) {', '.join(map(str, swallowed[:10]))}"
            f"{', ...' if len(swallowed) > 10 else ''}), read again on their own") if swallowed else ""
    doc_id = dict(zip(header, fields, strict=False)).get("doc_id", "").strip()
    problems.append(Problem("error", "unterminated-quote", FILE, first + 1, doc_id if _ID_RE.match(doc_id) else "",
                            f"a quote in {where} is not closed: the field runs on to line {last + 1}{lost}; "
                            "this row is skipped (close or remove the quote)"))
    return True
