"""Charts of the suggestion model: the learning curve (quality vs number of coded passages)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from corpus_tools.report.charts_framing import CYCLE, _figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

SERIES = (("macro_f1", "macro F1"), ("mean_kappa", "mean kappa (model vs coders)"),
          ("macro_precision", "macro precision"), ("macro_recall", "macro recall"))


def learning_curve(frame: pd.DataFrame, full_f1: float | None = None, n_full: int = 0) -> Figure | None:
    """Macro F1, mean kappa, precision and recall against the number of coded training passages; the
    cross-validated macro F1 on all passages as a reference line."""
    if frame.empty:
        return None
    fig = _figure(6.4, 3.2)
    ax = fig.subplots()
    x = frame["n_train"].to_numpy(dtype=float)
    for k, (col, label) in enumerate(SERIES):
        strong = k < 2
        ax.plot(x, frame[col].to_numpy(dtype=float), marker="o", markersize=4 if strong else 3,
                linewidth=1.8 if strong else 0.9, linestyle="-" if strong else ":", color=CYCLE[k], label=label)
    if full_f1 is not None and not math.isnan(full_f1):
        ax.axhline(full_f1, color="#888888", linewidth=0.8, linestyle="--",
                   label=f"cross-validated macro F1, all {n_full} passages")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(x), [str(int(v)) for v in x])
    ax.minorticks_off()
    ax.set_xlabel("coded passages used for training (log scale)")
    ax.set_ylabel("held-out score")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    return fig
