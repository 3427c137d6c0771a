"""Charts with small groups: drawn grey with their n, never an error (shared axes, many panels)."""

from __future__ import annotations

import pandas as pd

from corpus_tools.report import charts_framing as cf


def _frame(periods: list[str], n_docs: list[int], items: list[str]) -> pd.DataFrame:
    rows = []
    for p, n in zip(periods, n_docs, strict=True):
        for i, item in enumerate(items):
            rows.append({"period": p, "item": item, "n_docs": n, "small": n < 5, "rate_per_1k": 1.0 + i,
                         "rate_lo": 0.5 if n >= 5 else float("nan"), "rate_hi": 2.0 + i if n >= 5 else float("nan"),
                         "share": 0.2, "share_lo": 0.1 if n >= 5 else float("nan"),
                         "share_hi": 0.3 if n >= 5 else float("nan"), "count": 3})
    return pd.DataFrame(rows)


def test_time_series_with_small_periods_and_many_panels() -> None:
    periods = ["2008", "2009", "2010", "2011", "2012"]
    frame = _frame(periods, [1, 6, 7, 2, 9], [f"c{i}" for i in range(8)])  # two rows of panels, shared x
    fig = cf.time_series(frame, periods)
    assert fig is not None
    labels = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert labels[0] == "2008\nn=1"
    assert "fewer documents than the minimum" in fig._suptitle.get_text()  # type: ignore[union-attr]


def test_shares_with_small_group_is_grey() -> None:
    frame = _frame(["a", "b"], [2, 8], ["x", "y"])
    fig = cf.shares_with_intervals(frame, ["a", "b"])
    assert fig is not None
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["a (n=2, too few: no interval)", "b (n=8)"]
