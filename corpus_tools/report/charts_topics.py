"""Charts of topic models: the K sweep, prevalence per stage and by covariate with intervals, alignment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from corpus_tools.report.charts_framing import CYCLE, _figure
from corpus_tools.report.labels import column_label

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def sweep(frame: pd.DataFrame) -> Figure | None:
    """Coherence (c_npmi), stability, exclusivity and held-out gain against K, one line per scope; chosen K
    marked (each criterion shown on its own, as the choice uses them).

    K ticks are the swept integers (at most ~10 labelled); the legend sits above the panels, off the lines."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, MaxNLocator

    if frame.empty:
        return None
    scopes = list(dict.fromkeys(frame["scope"]))
    ks = sorted({int(k) for k in frame["k"]})
    metrics = [m for m in ("c_npmi", "stability", "exclusivity", "heldout_gain") if m in frame.columns]
    fig = _figure(2.6 * len(metrics) + 0.8, 3.1)
    axes = np.atleast_1d(fig.subplots(1, len(metrics), squeeze=False)).ravel()
    for ax, metric in zip(axes, metrics, strict=True):
        for k, scope in enumerate(scopes):
            sub = frame[frame["scope"] == scope].groupby("k").agg(value=(metric, "mean"), chosen=("chosen", "max"))
            color = CYCLE[k % len(CYCLE)]
            ax.plot(sub.index, sub["value"], marker="o", markersize=3, color=color, label=scope)
            picked = sub[sub["chosen"].astype(bool)]
            ax.scatter(picked.index, picked["value"], s=60, facecolors="none", edgecolors=color, linewidths=1.5)
        ax.set_title(column_label(metric), fontsize=9)
        ax.set_xlabel("K (number of topics)")
        ax.xaxis.set_major_locator(FixedLocator(ks) if len(ks) <= 10 else MaxNLocator(integer=True))
        if len(ks) == 1:
            ax.set_xlim(ks[0] - 1, ks[0] + 1)
    handles = [Line2D([], [], color=CYCLE[k % len(CYCLE)], marker="o", markersize=3, label=scope)
               for k, scope in enumerate(scopes)]
    handles.append(Line2D([], [], color="#555555", marker="o", markersize=8, markerfacecolor="none", linestyle="",
                          label="chosen K"))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 5), frameon=False, fontsize=7)
    return fig


def prevalence(frame: pd.DataFrame, topics: pd.DataFrame, stage_order: list[str]) -> Figure | None:
    """Joint-model prevalence of each topic per stage: point estimate with its interval."""
    if frame.empty:
        return None
    stages = [s for s in stage_order if s in set(frame["stage"])] or list(dict.fromkeys(frame["stage"]))
    topic_ids = sorted(set(frame["topic"]))
    labels = _joint_labels(topics)
    fig = _figure(max(6.0, 0.6 * len(topic_ids) * max(1, len(stages)) / 2 + 3), 3.6)
    ax = fig.subplots()
    width = 0.8 / max(1, len(stages))
    x = np.arange(len(topic_ids))
    for k, st in enumerate(stages):
        sub = frame[frame["stage"] == st].set_index("topic").reindex(topic_ids)
        mean = sub["mean"].to_numpy(dtype=float)
        err = np.vstack([np.clip(mean - sub["lo"].to_numpy(dtype=float), 0, None),
                         np.clip(sub["hi"].to_numpy(dtype=float) - mean, 0, None)])
        n_docs = sub["n_documents"].dropna() if "n_documents" in sub else sub["mean"].iloc[:0]
        label = f"{st} (n={int(n_docs.iloc[0])} docs)" if len(n_docs) else st
        ax.errorbar(x + (k - (len(stages) - 1) / 2) * width, mean, yerr=np.nan_to_num(err), fmt="o", markersize=4,
                    capsize=2, color=CYCLE[k % len(CYCLE)], label=label)
    ax.set_xticks(x, [labels.get(t, f"T{t}") for t in topic_ids], rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("topic prevalence")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=8)
    return fig


MAX_EFFECT_LEVELS = 8  # covariates with more levels (e.g. many years) are shown as a table only


def effect_covariates(frame: pd.DataFrame) -> list[str]:
    """Covariates of topic_effects worth a chart: not stage (its own chart), 2–8 levels."""
    if frame.empty:
        return []
    n = frame.groupby("covariate")["level"].nunique()
    return [str(c) for c in dict.fromkeys(frame["covariate"]) if c != "stage" and 2 <= n[c] <= MAX_EFFECT_LEVELS]


def effects(frame: pd.DataFrame, topics: pd.DataFrame, covariate: str) -> Figure | None:
    """Joint-model topic prevalence at each level of one covariate, with method-of-composition intervals."""
    sub = frame[frame["covariate"] == covariate] if len(frame) else frame
    if sub.empty:
        return None
    as_prev = sub.rename(columns={"level": "stage", "estimate": "mean"})
    return prevalence(as_prev, topics, list(dict.fromkeys(as_prev["stage"])))


def _joint_labels(topics: pd.DataFrame) -> dict[int, str]:
    joint = topics[topics["scope"] == "joint"] if len(topics) else topics
    out = {}
    for t, words in zip(joint.get("topic", []), joint.get("top_words", []), strict=False):
        out[int(t)] = f"T{int(t)} " + " ".join(str(words).split()[:3])
    return out


def alignment(frame: pd.DataFrame, topics: pd.DataFrame, stage_order: list[str]) -> Figure | None:
    """Per-stage topics as columns of boxes; lines join topics aligned across consecutive stages
    (thicker = more similar). Unmatched topics are the ones that emerged or faded."""
    per_stage = topics[topics["scope"].astype(str).str.startswith("stage:")] if len(topics) else topics
    if per_stage.empty:
        return None
    stages = [s for s in stage_order if s in set(per_stage["stage"])]
    if not stages:
        return None
    max_k = int(per_stage.groupby("stage").size().max())
    fig = _figure(3.2 * len(stages) + 0.5, 0.42 * max_k + 1.0)
    ax = fig.subplots()
    pos: dict[tuple[str, int], tuple[float, float]] = {}
    for col, st in enumerate(stages):
        sub = per_stage[per_stage["stage"] == st].sort_values("topic")
        for row, (t, words) in enumerate(zip(sub["topic"], sub["top_words"], strict=True)):
            pos[(st, int(t))] = (col, -row)
            label = f"T{int(t)} " + " ".join(str(words).split()[:3])
            ax.text(col, -row, label, ha="center", va="center", fontsize=7,
                    bbox={"boxstyle": "round,pad=0.25", "facecolor": "#EEF2F8", "edgecolor": CYCLE[col % len(CYCLE)]})
        ax.text(col, 1.0, st, ha="center", va="bottom", fontsize=10)
    if not frame.empty:
        for fs, ft, ts, tt, sim in zip(frame["from_stage"], frame["from_topic"], frame["to_stage"],
                                       frame["to_topic"], frame["similarity"], strict=True):
            a, b = pos.get((str(fs), int(ft))), pos.get((str(ts), int(tt)))
            if a and b:
                ax.plot([a[0] + 0.24, b[0] - 0.24], [a[1], b[1]], color="#4C72B0",
                        linewidth=0.5 + 4 * max(0.0, float(sim)), alpha=0.7)
                x0, x1 = a[0] + 0.24, b[0] - 0.24  # similarity written near the earlier stage's end
                ax.text(x0 + 0.2 * (x1 - x0), a[1] + 0.2 * (b[1] - a[1]), f"{float(sim):.2f}", fontsize=6,
                        color="#2F5D9E", ha="center", va="center",
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    ax.set_xlim(-0.6, len(stages) - 0.4)
    ax.set_ylim(-max_k + 0.4, 1.6)
    ax.axis("off")
    return fig
