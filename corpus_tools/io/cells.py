"""Cells safe to open in a spreadsheet: one function neutralises formula-leading text in every export.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets when a CSV or XLSX file is opened (CSV injection: a coder's note
`=HYPERLINK(...)` or a title `@SUM(...)` becomes live). Following the OWASP CSV-injection guidance, such
text cells get a leading apostrophe `'`, which spreadsheets show as text. Numbers stay numbers: numeric
columns are never touched, and a text cell that is a plain number (`-3`, `+1.5`, `-2e3`) is left as it is.
NUL characters are removed from every text cell (spreadsheet and CSV readers stop or misread at them).

Every CSV/XLSX writer of the package goes through `safe_frame` (io.tables.write_table, TableWriter,
exchange.tables.write_tables, `validate --format csv`). Analysis pipelines that need the raw values pass
`raw=True`, or run inside `with raw_cells():` (the CLI's `--raw-cells`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32767
_NUMBER_RE = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")
_ILLEGAL_XLSX_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_RAW: ContextVar[bool] = ContextVar("corpus_tools_raw_cells", default=False)


def neutralize_cell(value: Any) -> Any:
    """`value` with a leading `'` when it is text a spreadsheet would run as a formula; NULs removed."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.startswith(FORMULA_TRIGGERS) and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def _strip_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


def raw_default() -> bool:
    """True inside `raw_cells()` (or after the CLI's --raw-cells)."""
    return _RAW.get()


@contextmanager
def raw_cells(enabled: bool = True) -> Iterator[None]:
    """Within the block, writers keep formula-leading cells as they are (NULs are still removed)."""
    token = _RAW.set(enabled)
    try:
        yield
    finally:
        _RAW.reset(token)


def set_raw_cells(enabled: bool) -> Any:
    """Set the default for the rest of this context; returns a token for `reset_raw_cells`."""
    return _RAW.set(enabled)


def reset_raw_cells(token: Any) -> None:
    """Undo `set_raw_cells`."""
    _RAW.reset(token)


def _is_text(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _is_text(pd.Series(series.cat.categories))
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def safe_frame(frame: pd.DataFrame, raw: bool | None = None) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names are neutralised (unless raw); NULs removed."""
    raw = raw_default() if raw is None else raw
    fix = _strip_nul if raw else neutralize_cell
    out = frame.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if _is_text(series):
            out.isetitem(i, series.astype(object).map(fix))
    if not isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.Index([fix(c) for c in out.columns])
    return out


def xlsx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells XLSX can store: control characters removed, cut at Excel's 32,767 characters."""
    out = frame.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if _is_text(series):
            out.isetitem(i, series.map(lambda v: _ILLEGAL_XLSX_RE.sub("", v)[:XLSX_CELL_LIMIT]
                                       if isinstance(v, str) else v))
    return out
