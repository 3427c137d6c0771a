"""Charts of the corpus and of framing: counts, heatmaps, shares with intervals, time series, words."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

SOURCE_COLORS = {"media": "#4C72B0", "interview": "#DD8452", "government": "#55A868", "other": "#8172B3"}
CYCLE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974",
         "#64B5CD")


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def stacked_counts(table: pd.DataFrame, xlabel: str) -> Figure | None:
    """Stacked bars: rows of `table` on the x axis, one colour per column (source type)."""
    if table.empty or table.to_numpy().sum() == 0:
        return None
    fig = _figure(max(4.0, 0.55 * len(table) + 2.5), 3.2)
    ax = fig.subplots()
    bottom = [0.0] * len(table)
    labels = [str(i) for i in table.index]
    for k, col in enumerate(table.columns):
        vals = [float(v) for v in table[col]]
        ax.bar(labels, vals, bottom=bottom, label=str(col), color=SOURCE_COLORS.get(str(col), CYCLE[k % len(CYCLE)]))
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_ylim(0, max(bottom) * 1.08)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("documents")
    ax.legend(frameon=False, fontsize=8)
    if len(labels) > 6:
        ax.tick_params(axis="x", labelrotation=45)
    return fig


def heatmap(table: pd.DataFrame, value_label: str, fmt: str = "{:.1f}") -> Figure | None:
    """Rows x columns heatmap with the value written in each cell (blank where undefined)."""

    if table.empty or table.shape[1] == 0:
        return None
    values = table.to_numpy(dtype=float)
    fig = _figure(max(4.5, 1.1 * table.shape[1] + 4.0), max(2.5, 0.32 * table.shape[0] + 1.2))
    ax = fig.subplots()
    masked = np.ma.masked_invalid(values)
    im = ax.imshow(masked, aspect="auto", cmap="YlOrRd", vmin=0)
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(range(table.shape[0]), [str(r) for r in table.index])
    ax.tick_params(axis="x", labeltop=True, labelbottom=False)
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            if math.isfinite(v):
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                        color="white" if top and v > 0.6 * top else "black")
            else:
                ax.text(j, i, "–", ha="center", va="center", fontsize=7, color="#888888")
    fig.colorbar(im, ax=ax, label=value_label, shrink=0.8)
    return fig


def shares_with_intervals(frame: pd.DataFrame, order: list[str]) -> Figure | None:
    """Grouped bars of construct shares per group (x = construct), with bootstrap interval whiskers."""

    frame = frame[frame["n_docs"] > 0]
    groups = [g for g in order if g in set(frame["period"])]
    items = list(dict.fromkeys(frame["item"]))
    if not groups or not items or frame["count"].sum() == 0:
        return None
    fig = _figure(max(6.0, 0.9 * len(items) + 2), 3.4)
    ax = fig.subplots()
    width = 0.8 / len(groups)
    x = np.arange(len(items))
    for k, g in enumerate(groups):
        sub = frame[frame["period"] == g].set_index("item").reindex(items)
        share = sub["share"].to_numpy(dtype=float)
        lo = np.clip(share - sub["share_lo"].to_numpy(dtype=float), 0, None)
        hi = np.clip(sub["share_hi"].to_numpy(dtype=float) - share, 0, None)
        ax.bar(x + (k - (len(groups) - 1) / 2) * width, share, width, label=g, color=CYCLE[k % len(CYCLE)],
               yerr=np.vstack([np.nan_to_num(lo), np.nan_to_num(hi)]), capsize=2, error_kw={"elinewidth": 0.8})
    ax.set_xticks(x, items, rotation=30, ha="right")
    ax.set_ylabel("share of lexicon hits")
    ax.legend(frameon=False, fontsize=8)
    return fig


def time_series(frame: pd.DataFrame, order: list[str]) -> Figure | None:
    """Small multiples: rate per 1,000 tokens of each construct by period, with the bootstrap band."""

    periods = [p for p in order if p in set(frame["period"])]
    items = list(dict.fromkeys(frame["item"]))
    if len(periods) < 2 or not items:
        return None
    ncols = min(4, len(items))
    nrows = math.ceil(len(items) / ncols)
    fig = _figure(3.0 * ncols, 2.3 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
    x = np.arange(len(periods))
    for ax, item in zip(axes, items, strict=False):
        sub = frame[frame["item"] == item].set_index("period").reindex(periods)
        rate = sub["rate_per_1k"].to_numpy(dtype=float)
        ax.fill_between(x, sub["rate_lo"].to_numpy(dtype=float), sub["rate_hi"].to_numpy(dtype=float),
                        color="#4C72B0", alpha=0.2, linewidth=0)
        ax.plot(x, rate, marker="o", markersize=3, color="#4C72B0")
        ax.set_title(item, fontsize=9)
        ax.set_xticks(x, periods, rotation=45, fontsize=7)
        ax.set_ylim(bottom=0)
    for ax in axes[len(items):]:
        ax.set_visible(False)
    fig.supylabel("hits per 1,000 tokens")
    return fig


def distinctive_words(frame: pd.DataFrame, order: list[str], top: int = 12) -> Figure | None:
    """One panel per group: its most distinctive words by z-score (weighted log-odds)."""

    groups = [g for g in order if g in set(frame["group"])]
    if frame.empty or not groups:
        return None
    fig = _figure(2.8 * len(groups) + 0.5, 0.25 * top + 1.4)
    axes = np.atleast_1d(fig.subplots(1, len(groups), squeeze=False)).ravel()
    for k, (ax, g) in enumerate(zip(axes, groups, strict=True)):
        sub = frame[frame["group"] == g].sort_values("rank").head(top)
        ax.barh(list(sub["word"])[::-1], list(sub["z"])[::-1], color=CYCLE[k % len(CYCLE)])
        ax.set_title(g, fontsize=10)
        ax.set_xlabel("z (log-odds, informative prior)")
        ax.axvline(1.96, color="#888888", linewidth=0.7, linestyle="--")
    return fig


def lexicon_health(table: pd.DataFrame) -> Figure | None:
    """Per variable: terms that match somewhere in the corpus vs terms that never match."""

    if table.empty:
        return None
    fig = _figure(6.5, 0.28 * len(table) + 1.2)
    ax = fig.subplots()
    y = np.arange(len(table))
    ax.barh(y, table["matched"], color="#55A868", label="matches in corpus")
    ax.barh(y, table["never"], left=table["matched"], color="#C44E52", label="never matches")
    ax.set_yticks(y, list(table.index))
    ax.invert_yaxis()
    ax.set_xlabel("lexicon terms")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig
