"""Read tables of texts (CSV in the usual encodings and delimiters, TSV, JSONL, XLSX, Parquet) and write result
tables by output suffix, or as CSV/JSONL to standard output (`-`)."""

from __future__ import annotations

import codecs
import csv
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from corpus_tools.errors import InputTableError, OutputError, did_you_mean
from corpus_tools.io.cells import raw_default, safe_frame, xlsx_frame
from corpus_tools.io.limits import DEFAULT_INPUT_LIMITS, InputLimits
from corpus_tools.io.office import read_xlsx

INPUT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".xlsx", ".parquet")
OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet", ".xlsx")
STDOUT_FORMATS = ("csv", "jsonl")
CSV_SLICE_ROWS = 50_000  # rows neutralised and written at a time by write_table (bounded memory, same bytes)
# column names recognised without a flag (compared case-insensitively, spaces and dashes as underscores)
TEXT_NAMES = ("text", "content", "body", "full_text", "fulltext", "article", "正文", "内容", "文本", "全文")
ID_NAMES = ("id", "doc_id", "docid", "document_id", "编号", "序号")
_SNIFF_BYTES = 1 << 16
_DELIMITERS = ",;\t|"


def _key(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def find_column(columns: Sequence[object], wanted: str | None, names: Sequence[str], flag: str, path: Path | str,
                required: bool = True) -> str | None:
    """The column a flag names (exactly, else case-insensitively), or the first recognised name.

    An unknown name is an InputTableError with a did-you-mean; a required column that no recognised name
    finds is one too, listing the available columns and the flag that chooses one.
    """
    cols = [str(c) for c in columns]
    by_key = {_key(c): c for c in reversed(cols)}
    if wanted:
        if wanted in cols:
            return wanted
        if _key(wanted) in by_key:
            return by_key[_key(wanted)]
        raise InputTableError(f"{path}: column {wanted!r} not found{did_you_mean(wanted, cols)}",
                              hint=f"available columns: {', '.join(cols)}; choose with {flag}")
    for name in names:
        if _key(name) in by_key:
            return by_key[_key(name)]
    if required:
        raise InputTableError(f"{path}: no text column (looked for {', '.join(names[:6])}, ...)",
                              hint=f"available columns: {', '.join(cols)}; choose one with {flag}")
    return None


def sniff_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM) or GB18030 (Excel's Chinese default, a superset of GBK);
    Big5 when only Big5 decodes. `data` may be a sample cut anywhere, so a character split at its end is
    forgiven."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    tail = 0 if len(data) < _SNIFF_BYTES else 4
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            data[:len(data) - tail].decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    raise InputTableError("the table is neither UTF-8, UTF-16, GB18030/GBK nor Big5",
                          hint='save it from Excel as "CSV UTF-8 (Comma delimited)"')


def sniff_delimiter(sample: str, default: str = ",") -> str:
    """The delimiter of a CSV sample: comma, semicolon, tab or bar, whichever splits the header and the
    first rows into the same number of fields (more than one)."""
    lines = [ln for ln in sample.splitlines()[:20] if ln.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the sample's last line may be cut short
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        pass
    if lines:
        counts = {d: lines[0].count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return default


def _csv_reader_args(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        sample = fh.read(_SNIFF_BYTES)
    encoding = sniff_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    sep = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    return {"encoding": encoding, "sep": sep}


def read_table(path: Path, limits: InputLimits = DEFAULT_INPUT_LIMITS) -> pd.DataFrame:
    """A whole table (CSV/TSV in UTF-8, UTF-16, GB18030/GBK or Big5 with , ; tab or | delimiters; XLSX,
    checked against `limits` first; JSON/JSONL; Parquet) as a frame."""
    frames = list(_chunks(path, None, limits))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _chunks(path: Path, chunksize: int | None,
            limits: InputLimits = DEFAULT_INPUT_LIMITS) -> Iterator[pd.DataFrame]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputTableError(f"input table {path} does not exist")
    if suffix not in INPUT_SUFFIXES:
        raise InputTableError(f"{path}: unsupported table format {suffix!r}",
                              hint=f"use one of {', '.join(INPUT_SUFFIXES)} (or pass a corpus folder)")
    try:
        if suffix in (".csv", ".tsv"):
            args = _csv_reader_args(path)
            if chunksize:
                yield from pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunksize, **args)
            else:
                yield pd.read_csv(path, dtype=str, keep_default_na=False, **args)
        elif suffix == ".jsonl":
            if chunksize:
                yield from pd.read_json(path, lines=True, dtype=False, chunksize=chunksize)
            else:
                yield pd.read_json(path, lines=True, dtype=False)
        elif suffix == ".json":
            yield pd.read_json(path, dtype=False)
        elif suffix == ".parquet":
            yield pd.read_parquet(path)
        else:
            yield read_xlsx(path, limits)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        if isinstance(exc, InputTableError):
            raise
        raise InputTableError(f"{path}: cannot read table ({exc})",
                              hint='CSV files may be UTF-8, GBK/GB18030 or UTF-16 with , ; or tab between fields; '
                                   'Excel: save as "CSV UTF-8"') from exc


def iter_table(path: Path, text_col: str | None = None, id_col: str | None = None,
               chunksize: int = 5000, meta: bool = False,
               limits: InputLimits = DEFAULT_INPUT_LIMITS) -> Iterator[pd.DataFrame]:
    """Yield chunks of a table with columns `id` and `text` (plus, with `meta`, every other column).

    The text and id columns are the ones named, else the first recognised name (TEXT_NAMES, ID_NAMES);
    without an id column ids are `row-N` (1-based). Rows with an empty text are kept. An .xlsx file is
    checked against `limits` first (corpus_tools.io.office); NUL characters are removed from the texts.
    """
    # the old defaults "text" and "id" mean: the recognised names (an absent `id` column was always optional)
    text_col = None if text_col == "text" else text_col
    id_col = None if id_col == "id" else id_col
    offset = 0
    seen: dict[str, int] = {}  # id -> row number: one output row per input id, so ids must be unique
    tcol = icol = None
    for chunk in _chunks(path, chunksize, limits):
        if tcol is None:
            tcol = find_column(list(chunk.columns), text_col, TEXT_NAMES, "--text-col", path)
            icol = find_column(list(chunk.columns), id_col, ID_NAMES, "--id-col", path, required=False)
        out = pd.DataFrame({"text": chunk[tcol].fillna("").astype(str).str.replace("\x00", "", regex=False)})
        if icol is not None:
            ids = chunk[icol].astype(str).where(chunk[icol].astype(str).str.strip() != "")
        else:
            ids = pd.Series([None] * len(chunk), index=chunk.index)
        fallback = pd.Series([f"row-{offset + i + 1}" for i in range(len(chunk))], index=chunk.index)
        out.insert(0, "id", ids.fillna(fallback))
        for n, rid in enumerate(out["id"], start=offset + 1):
            if rid in seen:
                raise InputTableError(f"{path}: id {rid!r} appears on rows {seen[rid]} and {n}",
                                      hint="ids must be unique; fix the table or choose another --id-col")
            seen[rid] = n
        if meta:
            for col in chunk.columns:
                if col not in (tcol, icol) and str(col) not in out.columns:
                    out[str(col)] = chunk[col].to_numpy()
        offset += len(chunk)
        yield out


def is_stdout(path: Path | str) -> bool:
    """True for the output path `-` (standard output)."""
    return str(path) == "-"


def check_output(path: Path | str, fmt: str | None = None) -> str:
    """The output format for `path` (`.csv`, ...), from `fmt` or else its suffix; `-` is standard output
    (CSV unless `fmt` says jsonl). OutputError when unsupported."""
    if is_stdout(path):
        chosen = (fmt or "csv").lower().lstrip(".")
        if chosen not in STDOUT_FORMATS:
            raise OutputError(f"cannot write {chosen} to standard output", hint="use --format csv or jsonl")
        return f".{chosen}"
    suffix = f".{fmt.lower().lstrip('.')}" if fmt else Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OutputError(f"cannot write {path}: unsupported suffix {suffix!r}",
                          hint=f"use one of {', '.join(OUTPUT_SUFFIXES)}, or `-o -` for standard output")
    return suffix


def _jsonl(frame: pd.DataFrame) -> str:
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    return text if text.endswith("\n") or not text else text + "\n"


def write_table(frame: pd.DataFrame, path: Path | str, raw: bool | None = None, *, fmt: str | None = None) -> Path:
    """Write a frame in the format its suffix (or `fmt`) names (.csv UTF-8 with BOM for Excel, .jsonl,
    .parquet, .xlsx); `-` writes CSV or JSONL to standard output. Atomic: the file appears complete or not
    at all (written beside it, then renamed), so an interrupted run never leaves a half-written table that
    looks finished. CSV and XLSX cells are neutralised against formula injection unless `raw`
    (io.cells.safe_frame)."""
    suffix = check_output(path, fmt)
    if is_stdout(path):
        sys.stdout.write(safe_frame(frame, raw).to_csv(index=False) if suffix == ".csv" else _jsonl(frame))
        sys.stdout.flush()
        return Path("-")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        if suffix == ".csv":
            _csv_slices(frame, tmp, raw)
        elif suffix == ".jsonl":
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False, date_format="iso")
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            _xlsx_file({"Sheet1": frame}, tmp, raw)
    return path


def _csv_slices(frame: pd.DataFrame, path: Path, raw: bool | None, rows: int | None = None) -> None:
    """A frame as CSV (UTF-8 with BOM), neutralised and written `rows` rows at a time: the neutralised copy
    (every text cell a Python string) is of one slice, not of a million-row table; the same bytes as at once."""
    rows = max(1, int(rows or CSV_SLICE_ROWS))
    if len(frame) <= rows:
        safe_frame(frame, raw).to_csv(path, index=False, encoding="utf-8-sig")
        return
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        for lo in range(0, len(frame), rows):
            safe_frame(frame.iloc[lo:lo + rows], raw).to_csv(fh, index=False, header=lo == 0)


def part_path(path: Path) -> Path:
    """Where a file is written until it is complete (a dot name a reader never takes for the result)."""
    return path.with_name(f".{path.stem}.part{path.suffix}")


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to, renamed onto `path` when the block completes: a failed or
    interrupted write leaves nothing that looks finished. OSError becomes OutputError."""
    tmp = part_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _xlsx_file(sheets: dict[str, pd.DataFrame], path: Path, raw: bool | None) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            xlsx_frame(safe_frame(frame, raw)).to_excel(writer, sheet_name=name[:31], index=False)
            for row in writer.sheets[name[:31]].iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # openpyxl reads any text starting with "=" as a formula
                        cell.data_type = "s"


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path, raw: bool | None = None) -> Path:
    """Frames as sheets of one workbook, written atomically: cells neutralised unless raw, and never stored
    as formulas (with `raw`, a cell `=1+1` is kept as the text `=1+1`); control characters removed, cells
    cut at 32,767 characters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        _xlsx_file(sheets, tmp, raw)
    return path


def _cell(sheet: Any, value: object) -> object:
    """A value the write-only sheet stores as data: NaN and NA become empty cells, numpy scalars Python
    numbers, and text is never a formula (openpyxl would read a leading "=" as one)."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_chunks(frames: Iterable[pd.DataFrame], path: Path | str, raw: bool | None = None) -> Path:
    """`write_table` for a frame that comes chunk by chunk (bounded memory): the same bytes as writing the
    chunks concatenated, atomic in the same way. The first chunk gives the header (it may be empty)."""
    path = Path(path)
    with atomic_output(path) as tmp:
        writer = TableWriter(tmp, raw)
        for frame in frames:
            writer.write(frame)
        writer.close()
    return path


class TableWriter:
    """Append frames chunk by chunk to a CSV, JSONL, Parquet or XLSX file (openpyxl write-only mode), or as
    CSV/JSONL to standard output (`-`): constant memory. CSV and XLSX cells are neutralised against formula
    injection unless `raw`."""

    def __init__(self, path: Path | str, raw: bool | None = None, *, fmt: str | None = None) -> None:
        self.raw = raw_default() if raw is None else raw
        self.suffix = check_output(path, fmt)
        self.stdout = is_stdout(path)
        self.path = Path(path)
        if not self.stdout:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._first = True
        self._parquet: Any = None
        self._book: Any = None
        self._sheet: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk."""
        if self.suffix in (".csv", ".xlsx"):
            frame = safe_frame(frame, self.raw)
        if self.stdout:
            sys.stdout.write(frame.to_csv(index=False, header=self._first) if self.suffix == ".csv"
                             else _jsonl(frame))
            sys.stdout.flush()
        elif self.suffix == ".csv":
            frame.to_csv(self.path, index=False, mode="w" if self._first else "a", header=self._first,
                         encoding="utf-8-sig" if self._first else "utf-8")
        elif self.suffix == ".jsonl":
            with self.path.open("w" if self._first else "a", encoding="utf-8") as fh:
                fh.write(_jsonl(frame))
        elif self.suffix == ".xlsx":
            if self._book is None:
                self._book = Workbook(write_only=True)
                self._sheet = self._book.create_sheet("Sheet1")
                self._sheet.append([str(c) for c in frame.columns])
            for row in xlsx_frame(frame).itertuples(index=False, name=None):
                self._sheet.append([_cell(self._sheet, v) for v in row])
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(str(self.path), table.schema)
            self._parquet.write_table(table)
        self._first = False

    def close(self) -> None:
        """Finish the file (writes an empty file when nothing was written)."""
        if self._parquet is not None:
            self._parquet.close()
        elif self._book is not None:
            try:
                self._book.save(str(self.path))
            except OSError as exc:
                raise OutputError(f"cannot write {self.path}: {exc}") from exc
        elif self._first and not self.stdout:
            self.path.write_text("", encoding="utf-8")
