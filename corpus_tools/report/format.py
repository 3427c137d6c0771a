"""Frames → plain rows of display strings for the HTML templates (numbers rounded, missing shown as –)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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
    """A table ready for the template: header, rows of strings, numeric columns, rows left out."""

    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    omitted: int = 0
    csv: str = ""


def table(frame: pd.DataFrame, columns: Sequence[str] | None = None, max_rows: int | None = None,
          csv: str = "", digits: int = 3) -> Table:
    """Format `frame` (optionally a subset of columns and the first `max_rows` rows)."""

    cols = list(columns) if columns is not None else [str(c) for c in frame.columns]
    sub = frame.reindex(columns=cols)
    shown = sub if max_rows is None else sub.head(max_rows)
    rows = [[cell(v, digits) for v in rec] for rec in shown.itertuples(index=False, name=None)]
    numeric = [bool(pd.api.types.is_numeric_dtype(sub[c])) for c in cols]
    return Table(cols, rows, numeric, len(sub) - len(shown), csv)


def truncate(text: str, limit: int = 240) -> str:
    """At most `limit` characters, cut at the end with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
