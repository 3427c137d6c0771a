"""Frames → plain rows of display strings for the HTML templates (numbers rounded, missing shown as –)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools.io.blocks import BlockRows
from corpus_tools.report.labels import INTERVAL, column_label, interval_columns, value_label

MISSING = "–"
LAZY_ROWS = 10_000  # rows of a lazily formatted table formatted at a time


def cell(value: Any, digits: int = 3) -> str:
    """One value as display text: integers plain, floats rounded (tiny ones in e-notation), NaN as –."""
    if value is None:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if math.isnan(f):
            return MISSING
        if f != 0 and abs(f) < 0.001:
            return f"{f:.1e}"
        text = f"{f:.{digits}f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    text = str(value)
    return MISSING if text in ("nan", "<NA>", "None", "NaT") else text


@dataclass
class Table:
    """A table ready for the template: readable headers, rows of strings, numeric columns, rows left out, the
    CSV with the full table (raw column names) and the raw column names shown."""

    columns: list[str]
    rows: Sequence[list[str]]
    numeric: list[bool] = field(default_factory=list)
    omitted: int = 0
    csv: str = ""
    raw: list[str] = field(default_factory=list)


def table(frame: pd.DataFrame, columns: Sequence[str] | None = None, max_rows: int | None = None,
          csv: str = "", digits: int = 3, names: Mapping[str, str] | None = None, lazy: bool = False) -> Table:
    """Format `frame` (optionally a subset of columns and the first `max_rows` rows) for reading: headers and
    item ids from the label map (`names`: id → label), each estimate merged with its 95% interval columns
    into one "x [lo, hi]" cell. `lazy`: the rows are formatted when read, a block at a time (FrameRows: a table
    with a row per document is never held as strings)."""
    cols = list(columns) if columns is not None else [str(c) for c in frame.columns]
    sub = frame.reindex(columns=cols)
    shown = sub if max_rows is None else sub.head(max_rows)
    bounds = interval_columns(cols)
    hidden = {b for pair in bounds.values() for b in pair}
    out_cols = [c for c in cols if c not in hidden]
    fmt = _Format(cols, out_cols, bounds, digits, names)
    rows: Sequence[list[str]] = FrameRows(shown, fmt) if lazy else fmt.rows(shown)
    numeric = [bool(pd.api.types.is_numeric_dtype(sub[c])) for c in out_cols]
    headers = [column_label(c, names) + (INTERVAL if c in bounds else "") for c in out_cols]
    return Table(headers, rows, numeric, len(sub) - len(shown), csv, out_cols)


@dataclass
class _Format:
    """How `table` turns a frame's records into rows of display strings."""

    cols: list[str]
    out_cols: list[str]
    bounds: dict[str, tuple[str, str]]
    digits: int
    names: Mapping[str, str] | None

    def rows(self, frame: pd.DataFrame) -> list[list[str]]:
        out = []
        for rec in frame.itertuples(index=False, name=None):
            values = dict(zip(self.cols, rec, strict=True))
            row = []
            for c in self.out_cols:
                text = value_label(c, cell(values[c], self.digits), self.names)
                if c in self.bounds and text != MISSING:
                    lo, hi = (cell(values[b], self.digits) for b in self.bounds[c])
                    if MISSING not in (lo, hi):
                        text = f"{text} [{lo}, {hi}]"
                row.append(text)
            out.append(row)
        return out


class FrameRows(BlockRows[list[str]]):
    """A table's rows formatted from its frame when read, LAZY_ROWS at a time (same rows as formatted at once)."""

    block = LAZY_ROWS

    def __init__(self, frame: pd.DataFrame, fmt: _Format) -> None:
        self.frame, self.fmt = frame, fmt

    def __len__(self) -> int:
        return len(self.frame)

    def _rows(self, a: int, b: int) -> list[list[str]]:
        return self.fmt.rows(self.frame.iloc[a:b])


def truncate(text: str, limit: int = 240) -> str:
    """At most `limit` characters, cut at the end with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
