"""Derived report tables: corpus overview counts, heatmap matrices, lexicon health per variable."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from corpus_tools.framing.periods import doc_periods, period_order


def crosstab(docs: pd.DataFrame, by: str, stage_ids: Sequence[str] = ()) -> pd.DataFrame:
    """Documents by `by` (stage, year, lang) x source type, in display order, with a total column."""
    rows = doc_periods(docs, by) if by in ("stage", "year") else docs[by].fillna("unknown").astype(str)
    sources = period_order(list(docs["source_type"].astype(str)), "source_type")
    table = pd.crosstab(rows, docs["source_type"].astype(str)).reindex(columns=sources, fill_value=0)
    order = period_order(list(rows), by, list(stage_ids)) if by in ("stage", "year") else sorted(set(rows))
    table = table.reindex(order, fill_value=0)
    table.index.name = by
    table.columns.name = None
    return table


def with_total(table: pd.DataFrame) -> pd.DataFrame:
    """The crosstab as a flat frame with a `total` column (for display and CSV)."""
    flat = table.copy()
    flat["total"] = flat.sum(axis=1)
    return flat.reset_index()


def rate_matrix(shares: pd.DataFrame, by: str, level: str, order: Sequence[str], names: dict[str, str],
                value: str = "rate_per_1k") -> pd.DataFrame:
    """Items (rows, labelled) x groups (columns) of one value from the framing shares table."""
    sub = shares[(shares["by"] == by) & (shares["level"] == level)]
    if sub.empty:
        return sub
    wide = sub.pivot_table(index="item", columns="period", values=value, aggfunc="first", dropna=False, sort=False)
    items = list(dict.fromkeys(sub["item"]))
    wide = wide.reindex(index=items, columns=[g for g in order if g in set(sub["period"])])
    wide.index = [names.get(i, i) for i in wide.index]
    wide.columns.name = None
    return wide


def group_sizes(shares: pd.DataFrame, by: str, groups: Sequence[str]) -> tuple[list[int], list[str]]:
    """Documents per group (in `groups` order) and the groups too small for an interval (`small`), from the
    framing shares table: the heatmaps print each group's n and grey out the small ones."""
    sub = shares[shares["by"] == by].drop_duplicates("period").set_index("period")
    n = [int(sub["n_docs"].get(g, 0)) if g in sub.index else 0 for g in groups]
    small = [g for g in groups if g in sub.index and bool(sub["small"].get(g, False))]
    return n, small


def health_by_variable(health: pd.DataFrame) -> pd.DataFrame:
    """Per variable: number of terms, terms matching somewhere, terms that never match."""
    if health.empty:
        return pd.DataFrame(columns=["variable", "terms", "matched", "never"]).set_index("variable")
    g = health.groupby("variable", sort=False)["matches"]
    out = pd.DataFrame({"terms": g.size(), "matched": g.apply(lambda s: int((s > 0).sum()))})
    out["never"] = out["terms"] - out["matched"]
    return out
