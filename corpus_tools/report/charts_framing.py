"""Charts of the corpus and of framing: counts, heatmaps, shares with intervals, time series, words."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
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


def heatmap(table: pd.DataFrame, value_label: str, fmt: str = "{:.1f}", scale_excludes: Sequence[str] = (),
            n_docs: Sequence[int] | None = None, small: Sequence[str] = ()) -> Figure | None:
    """Rows x columns heatmap with the value written in each cell (– where undefined), drawn wide with
    readable labels. Columns named in `scale_excludes` (unstaged, undated) or `small` (fewer documents than the
    minimum) are drawn grey with their values and n and do not set the colour scale, so one odd group cannot
    wash out the real ones. `n_docs` (one per column) is printed under each column label."""
    if table.empty or table.shape[1] == 0:
        return None
    from matplotlib.patches import Rectangle

    values = table.to_numpy(dtype=float)
    n_rows, n_cols = table.shape
    label_chars = max((len(str(r)) for r in table.index), default=10)
    width = min(12.0, max(7.0, 1.25 * n_cols + 0.075 * label_chars + 3.0))
    fig = _figure(width, max(2.6, 0.36 * n_rows + 1.6))
    ax = fig.subplots()
    grey = {str(c) for c in (*scale_excludes, *small)}
    out = np.array([str(c) in grey for c in table.columns])
    real = np.where(out[None, :], np.nan, values)
    finite = real[np.isfinite(real)]
    top = float(finite.max()) if finite.size else 0.0
    im = ax.imshow(np.ma.masked_invalid(real), aspect="auto", cmap="YlOrRd", vmin=0, vmax=top or None)
    for col in np.flatnonzero(out):
        ax.add_patch(Rectangle((float(col) - 0.5, -0.5), 1, n_rows, facecolor="#eeeeee", edgecolor="white", hatch="//",
                               linewidth=0, zorder=0.5))
    ticks = [str(c) if n_docs is None else f"{c}\nn={n}" for c, n in zip(table.columns, n_docs or [0] * n_cols,
                                                                         strict=True)]
    ax.set_xticks(range(n_cols), ticks, fontsize=10)
    ax.set_yticks(range(n_rows), [str(r) for r in table.index], fontsize=10)
    ax.tick_params(axis="x", labeltop=True, labelbottom=False, length=0)
    for t, is_out in zip(ax.get_xticklabels(), out, strict=True):
        if is_out:
            t.set_color("#888888")
    for i in range(n_rows):
        for j in range(n_cols):
            v = values[i, j]
            if not math.isfinite(v):
                ax.text(j, i, "–", ha="center", va="center", fontsize=9, color="#888888")
            elif out[j]:
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=9, color="#777777")
            else:
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=9,
                        color="white" if top and v > 0.6 * top else "black")
    fig.colorbar(im, ax=ax, label=value_label, shrink=0.8)
    if out.any():
        fig.supxlabel("grey columns (undated, or fewer documents than the minimum): values shown, outside the "
                      "colour scale", fontsize=8, color="#666666")
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
        n = int(sub["n_docs"].max())
        small = bool(sub["small"].fillna(False).astype(bool).any()) if "small" in sub else False
        ax.bar(x + (k - (len(groups) - 1) / 2) * width, share, width,
               label=f"{g} (n={n}{', too few: no interval' if small else ''})",
               color="#c8c8c8" if small else CYCLE[k % len(CYCLE)], hatch="//" if small else None,
               yerr=None if small else np.vstack([np.nan_to_num(lo), np.nan_to_num(hi)]), capsize=2,
               error_kw={"elinewidth": 0.8})
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
    first = frame.drop_duplicates("period").set_index("period").reindex(periods)
    n_docs = first["n_docs"].fillna(0).astype(int).to_numpy()
    small = (first["small"].fillna(False).astype(bool).to_numpy() if "small" in first
             else np.zeros(len(periods), dtype=bool))
    ticks = [f"{p}\nn={n}" for p, n in zip(periods, n_docs, strict=True)]
    for ax, item in zip(axes, items, strict=False):
        sub = frame[frame["item"] == item].set_index("period").reindex(periods)
        rate = sub["rate_per_1k"].to_numpy(dtype=float)
        ax.fill_between(x, sub["rate_lo"].to_numpy(dtype=float), sub["rate_hi"].to_numpy(dtype=float),
                        color="#4C72B0", alpha=0.2, linewidth=0)
        solid = np.where(small, np.nan, rate)  # the line joins only groups with enough documents
        ax.plot(x, solid, marker="o", markersize=3, color="#4C72B0")
        ax.plot(x[small], rate[small], linestyle="none", marker="o", markersize=4, markerfacecolor="white",
                color="#aaaaaa")
        ax.set_title(item, fontsize=9)
        ax.set_xticks(x, ticks, rotation=45, fontsize=6)
        for t, sm in zip(ax.get_xticklabels(), small, strict=False):  # shared x: labels may be hidden
            if sm:
                t.set_color("#999999")
        ax.set_ylim(bottom=0)
    for ax in axes[len(items):]:
        ax.set_visible(False)
    fig.supylabel("hits per 1,000 tokens")
    if small.any():
        fig.suptitle("grey open points: fewer documents than the minimum (no interval; not joined)", fontsize=8,
                     color="#666666")
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
        passed = sub["beyond_null"].fillna(False).astype(bool).tolist() if "beyond_null" in sub else [True] * len(sub)
        colors = [CYCLE[k % len(CYCLE)] if ok else "#c8c8c8" for ok in passed]
        labels = [f"{w} ({d}/{n} docs)" if "doc_freq" in sub else str(w)
                  for w, d, n in zip(sub["word"], sub.get("doc_freq", sub["count"]),
                                     sub.get("n_docs_group", sub["count"]), strict=True)]
        ax.barh(labels[::-1], list(sub["z"])[::-1], color=colors[::-1])
        n_docs = int(sub["n_docs_group"].iloc[0]) if "n_docs_group" in sub and len(sub) else 0
        ax.set_title(f"{g} (n={n_docs} docs)" if n_docs else g, fontsize=10)
        ax.set_xlabel("z (log-odds, informative prior)")
        threshold = float(sub["z_null95"].iloc[0]) if "z_null95" in sub and len(sub) else float("nan")
        if math.isfinite(threshold):
            ax.axvline(threshold, color="#444444", linewidth=0.8, linestyle="--")
            ax.text(threshold, -0.9, " null 95%", fontsize=6, color="#444444", va="top")
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


def forest(frame: pd.DataFrame, names: dict[str, str]) -> Figure | None:
    """Adjusted (filled) and unadjusted (open) IRRs with 95% intervals, log scale, one row per effect."""
    sub = frame[frame["irr"].notna()]
    if sub.empty:
        return None
    labels = [f"{names.get(str(v), str(v))}: {c}" for v, c in zip(sub["variable"], sub["contrast"], strict=True)]
    y = np.arange(len(sub))[::-1]
    fig = _figure(7.5, 0.26 * len(sub) + 1.2)
    ax = fig.subplots()
    for col, lo, hi, color, face, off in (("irr", "irr_lo", "irr_hi", "#2f5d9e", "#2f5d9e", 0.13),
                                          ("irr_unadj", "irr_unadj_lo", "irr_unadj_hi", "#888888", "white", -0.13)):
        v = sub[col].to_numpy(dtype=float)
        err = np.vstack([v - sub[lo].to_numpy(dtype=float), sub[hi].to_numpy(dtype=float) - v])
        ax.errorbar(v, y + off, xerr=np.nan_to_num(np.clip(err, 0, None)), fmt="o", markersize=4, capsize=2,
                    elinewidth=0.8, label="adjusted" if col == "irr" else "unadjusted", color=color,
                    markerfacecolor=face)
    ax.axvline(1.0, color="#444444", linewidth=0.7, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("incidence-rate ratio (later vs earlier stage), log scale")
    ax.legend(frameon=False, fontsize=8, loc="best")
    return fig


def association_matrix(frame: pd.DataFrame, names: dict[str, str], panels: list[str]) -> Figure | None:
    """One panel per stage: measures (rows) x constructs (columns), coloured by log odds ratio (diverging,
    0 = independent); the value is written in each cell, with * where Holm-adjusted p < .05 and in grey
    where the 95% interval includes 0."""
    panels = [p for p in panels if p in set(frame["stage"])]
    if frame.empty or not panels:
        return None
    rows = list(dict.fromkeys(frame["measure"]))
    cols = list(dict.fromkeys(frame["construct"]))
    finite = frame["log_or"].astype(float).abs()
    top = float(finite[np.isfinite(finite)].max()) if np.isfinite(finite).any() else 1.0
    fig = _figure(2.2 + 2.3 * len(panels) * max(1.0, len(cols) / 4), 1.6 + 0.45 * len(rows))
    axes = np.atleast_1d(fig.subplots(1, len(panels), squeeze=False, sharey=True)).ravel()
    im = None
    for ax, stage in zip(axes, panels, strict=True):
        sub = frame[frame["stage"] == stage].set_index(["measure", "construct"])
        vals = np.array([[float(sub.loc[(r, c), "log_or"]) for c in cols] for r in rows])
        im = ax.imshow(vals, cmap="RdBu_r", vmin=-top, vmax=top, aspect="auto")
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                rec = sub.loc[(r, c)]
                weak = not (float(rec["lo"]) > 0 or float(rec["hi"]) < 0)
                star = "*" if float(rec["p_holm"]) < 0.05 else ""
                ax.text(j, i, f"{vals[i, j]:.1f}{star}", ha="center", va="center", fontsize=7,
                        color="#777777" if weak else "black")
        n_docs = int(sub["n_docs"].iloc[0])
        ax.set_title(f"{stage} (n={n_docs} docs)", fontsize=9)
        ax.set_xticks(range(len(cols)), [names.get(c, c) for c in cols], rotation=40, ha="right", fontsize=7)
        ax.set_yticks(range(len(rows)), [names.get(r, r) for r in rows], fontsize=7)
    if im is not None:
        fig.colorbar(im, ax=list(axes), label="log odds ratio", shrink=0.8)
    return fig
