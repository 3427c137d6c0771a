"""Frames → plain rows of display strings for the HTML templates (numbers rounded, missing shown as –)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools.report.labels import INTERVAL, column_label, interval_columns, value_label

MISSING = "–"


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
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    omitted: int = 0
    csv: str = ""
    raw: list[str] = field(default_factory=list)


def table(frame: pd.DataFrame, columns: Sequence[str] | None = None, max_rows: int | None = None,
          csv: str = "", digits: int = 3, names: Mapping[str, str] | None = None) -> Table:
    """Format `frame` (optionally a subset of columns and the first `max_rows` rows) for reading: headers and
    item ids from the label map (`names`: id → label), each estimate merged with its 95% interval columns
    into one "x [lo, hi]" cell."""
    cols = list(columns) if columns is not None else [str(c) for c in frame.columns]
    sub = frame.reindex(columns=cols)
    shown = sub if max_rows is None else sub.head(max_rows)
    bounds = interval_columns(cols)
    hidden = {b for pair in bounds.values() for b in pair}
    out_cols = [c for c in cols if c not in hidden]
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        values = dict(zip(cols, rec, strict=True))
        row = []
        for c in out_cols:
            text = value_label(c, cell(values[c], digits), names)
            if c in bounds and text != MISSING:
                lo, hi = (cell(values[b], digits) for b in bounds[c])
                if MISSING not in (lo, hi):
                    text = f"{text} [{lo}, {hi}]"
            row.append(text)
        rows.append(row)
    numeric = [bool(pd.api.types.is_numeric_dtype(sub[c])) for c in out_cols]
    headers = [column_label(c, names) + (INTERVAL if c in bounds else "") for c in out_cols]
    return Table(headers, rows, numeric, len(sub) - len(shown), csv, out_cols)


def truncate(text: str, limit: int = 240) -> str:
    """At most `limit` characters, cut at the end with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
