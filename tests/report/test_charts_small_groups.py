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


def test_heatmap_colour_scale_over_real_groups_only() -> None:
    """One undated document with a huge rate and a group below the minimum are drawn grey with their n and
    the colour scale spans the real groups only (the issue: one undated document at 44.9 washed out the rest)."""
    table = pd.DataFrame({"budding": [1.0, 3.0], "growth": [2.0, 4.0], "tiny": [30.0, 0.0], "unstaged": [44.9, 1.0]},
                         index=["Opportunity · feasibility", "Ability · organization"])
    fig = cf.heatmap(table, "hits per 1,000 tokens", "{:.1f}", ["unstaged"], [20, 30, 2, 1], ["tiny"])
    assert fig is not None
    ax = fig.axes[0]
    assert ax.images[0].norm.vmax == 4.0  # not 44.9, not 30
    ticks = {t.get_text(): t.get_color() for t in ax.get_xticklabels()}
    assert ticks["unstaged\nn=1"] == "#888888" and ticks["tiny\nn=2"] == "#888888"
    assert ticks["budding\nn=20"] != "#888888"
    cells = {t.get_text(): t.get_color() for t in ax.texts}
    assert cells["44.9"] == "#777777" and cells["30.0"] == "#777777"  # values still shown, in grey
    assert "outside the colour scale" in fig.get_supxlabel()  # type: ignore[attr-defined]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table.index)
    assert all(t.get_fontsize() >= 10 for t in ax.get_yticklabels())


def test_heatmap_without_small_groups_has_no_grey_note() -> None:
    table = pd.DataFrame({"a": [1.0], "b": [2.0]}, index=["x"])
    fig = cf.heatmap(table, "v")
    assert fig is not None and fig.axes[0].images[0].norm.vmax == 2.0
    assert not fig.get_supxlabel()  # type: ignore[attr-defined]
