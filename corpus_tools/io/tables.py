"""Read tables of texts (CSV, JSONL, XLSX) and write result tables by output suffix."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools.errors import InputTableError, OutputError
from corpus_tools.io.cells import raw_default, safe_frame, xlsx_frame
from corpus_tools.io.limits import DEFAULT_INPUT_LIMITS, InputLimits
from corpus_tools.io.office import read_xlsx

if TYPE_CHECKING:
    import pandas as pd

INPUT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".xlsx")
OUTPUT_SUFFIXES = (".csv", ".jsonl", ".parquet", ".xlsx")


def _check_columns(frame: pd.DataFrame, path: Path, text_col: str, id_col: str | None) -> None:
    missing = [c for c in (text_col, id_col) if c and c not in frame.columns]
    if missing:
        raise InputTableError(f"{path}: column(s) {', '.join(missing)} not found",
                              hint=f"available columns: {', '.join(map(str, frame.columns))}; "
                                   "choose with --text-col / --id-col")


def iter_table(path: Path, text_col: str = "text", id_col: str | None = "id",
               chunksize: int = 5000, limits: InputLimits = DEFAULT_INPUT_LIMITS) -> Iterator[pd.DataFrame]:
    """Yield chunks of a table with columns `id` and `text` (ids default to the 1-based row number).

    Rows with an empty text are kept (they score zero); a missing id gets `row-N`. An .xlsx file is
    checked against `limits` first (corpus_tools.io.office); NUL characters are removed from the texts.
    """

    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputTableError(f"input table {path} does not exist")
    if suffix not in INPUT_SUFFIXES:
        raise InputTableError(f"{path}: unsupported table format {suffix!r}",
                              hint=f"use one of {', '.join(INPUT_SUFFIXES)} (or pass a corpus folder)")
    try:
        if suffix in (".csv", ".tsv"):
            chunks: Iterator[pd.DataFrame] = pd.read_csv(
                path, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False,
                chunksize=chunksize, encoding="utf-8-sig")
        elif suffix in (".jsonl", ".json"):
            chunks = pd.read_json(path, lines=suffix == ".jsonl", dtype=False, chunksize=chunksize) \
                if suffix == ".jsonl" else iter([pd.read_json(path, dtype=False)])
        else:
            chunks = iter([read_xlsx(path, limits)])
        offset = 0
        seen: dict[str, int] = {}  # id -> row number: one output row per input id, so ids must be unique
        for chunk in chunks:
            _check_columns(chunk, path, text_col, id_col if id_col and id_col != "id" else None)
            out = pd.DataFrame({"text": chunk[text_col].fillna("").astype(str).str.replace("\x00", "", regex=False)})
            if id_col and id_col in chunk.columns:
                ids = chunk[id_col].astype(str).where(chunk[id_col].astype(str).str.strip() != "")
            else:
                ids = pd.Series([None] * len(chunk), index=chunk.index)
            fallback = pd.Series([f"row-{offset + i + 1}" for i in range(len(chunk))], index=chunk.index)
            out.insert(0, "id", ids.fillna(fallback))
            for n, rid in enumerate(out["id"], start=offset + 1):
                if rid in seen:
                    raise InputTableError(f"{path}: id {rid!r} appears on rows {seen[rid]} and {n}",
                                          hint="ids must be unique; fix the table or choose another --id-col")
                seen[rid] = n
            offset += len(chunk)
            yield out
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        if isinstance(exc, InputTableError):
            raise
        raise InputTableError(f"{path}: cannot read table ({exc})") from exc


def check_output(path: Path) -> str:
    """The output format for `path`, from its suffix; OutputError when unsupported."""
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise OutputError(f"cannot write {path}: unsupported suffix {suffix!r}",
                          hint=f"use one of {', '.join(OUTPUT_SUFFIXES)}")
    return suffix


def write_table(frame: pd.DataFrame, path: Path, raw: bool | None = None) -> Path:
    """Write a frame in the format its suffix names (.csv UTF-8 with BOM for Excel, .jsonl, .parquet, .xlsx).
    Atomic: the file appears complete or not at all (written beside it, then renamed), so an interrupted run
    never leaves a half-written table that looks finished. CSV and XLSX cells are neutralised against formula
    injection unless `raw` (io.cells.safe_frame)."""
    suffix = check_output(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame = safe_frame(frame, raw)
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif suffix == ".jsonl":
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
        elif suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            _xlsx_file({"Sheet1": frame}, tmp, raw)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


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
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        _xlsx_file(sheets, tmp, raw)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


class TableWriter:
    """Append frames chunk by chunk to a CSV, JSONL or Parquet file (constant memory); CSV cells neutralised
    against formula injection unless `raw`."""

    def __init__(self, path: Path, raw: bool | None = None) -> None:
        self.path = path
        self.raw = raw_default() if raw is None else raw
        self.suffix = check_output(path)
        if self.suffix == ".xlsx":
            raise OutputError(f"{path}: XLSX cannot be streamed", hint="write .csv, .jsonl or .parquet")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._first = True
        self._parquet: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk."""
        if self.suffix == ".csv":
            safe_frame(frame, self.raw).to_csv(self.path, index=False, mode="w" if self._first else "a",
                                               header=self._first, encoding="utf-8-sig" if self._first else "utf-8")
        elif self.suffix == ".jsonl":
            with self.path.open("w" if self._first else "a", encoding="utf-8") as fh:
                text = frame.to_json(orient="records", lines=True, force_ascii=False)
                fh.write(text if text.endswith("\n") or not text else text + "\n")
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
        elif self._first:
            self.path.write_text("", encoding="utf-8")
