"""Period labels of documents (year, quarter, stage, source type) in a stable, readable order."""

from __future__ import annotations

import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.errors import ConfigError

BYS = ("year", "quarter", "stage", "source_type")
UNDATED = "undated"
YEAR_ONLY = "year-only"


def doc_periods(docs: pd.DataFrame, by: str) -> pd.Series:
    """One label per document (indexed like `docs`); undated documents are labelled, never dropped."""
    if by not in BYS:
        raise ConfigError(f"cannot group framing by {by!r}", hint=f"choose one of {', '.join(BYS)}")
    if by in ("stage", "source_type"):
        return docs[by].fillna("unknown").astype(str)
    if by == "year":
        return docs["year"].map(lambda y: UNDATED if pd.isna(y) else str(int(y)))
    dates = docs["date"].fillna("").astype(str)
    starts = pd.to_datetime(docs["date_start"].replace("", None), errors="coerce")
    quarters = starts.dt.to_period("Q").astype("string")
    out = []
    for d, q in zip(dates, quarters, strict=True):
        if not d or pd.isna(q):
            out.append(UNDATED)
        elif len(d) < 7:  # year-only dates have no quarter
            out.append(YEAR_ONLY)
        else:
            out.append(str(q))
    return pd.Series(out, index=docs.index, dtype=object)


def period_order(labels: list[str], by: str, stage_ids: list[str] | None = None) -> list[str]:
    """The display order of `labels` (plus declared stages) for a grouping: time order, missing last."""
    present = set(labels)
    if by == "stage":
        declared = list(stage_ids or [])
        rest = sorted(present - set(declared) - {UNSTAGED})
        return declared + rest + ([UNSTAGED] if UNSTAGED in present else [])
    if by == "source_type":
        known = [s for s in schema.SOURCE_TYPES if s in present]
        return known + sorted(present - set(known))
    tail = [t for t in (YEAR_ONLY, UNDATED) if t in present]
    return sorted(present - {YEAR_ONLY, UNDATED}) + tail


def is_dated(label: str) -> bool:
    """True for a real period label (not undated, year-only or unstaged)."""
    return label not in (UNDATED, YEAR_ONLY, UNSTAGED)
