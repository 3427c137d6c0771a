"""The report's topic sweep: the chart (integer K ticks, a legend off the plotted lines) and the whole sweep
as a table (one row per scope and K, not only the chosen rows)."""

from __future__ import annotations

import pandas as pd
import pytest

from corpus_tools.report import charts_topics as ct
from corpus_tools.report.build import sample_lines, sweep_by_k

SCOPES = ["stage:budding", "stage:growth", "stage:mature", "joint"]


def _sweep(ks: list[int], seeds: int = 2) -> pd.DataFrame:
    rows = [{"scope": s, "k": k, "seed": sd, "c_npmi": 0.01 * k + 0.001 * sd, "c_v": 0.5 + 0.01 * k,
             "stability": 0.3 + 0.01 * k, "exclusivity": 0.5, "heldout_ll": -6.0 if sd else float("nan"),
             "heldout_gain": 0.2 if sd else float("nan"), "score": 0.5, "chosen": k == ks[len(ks) // 2]}
            for s in SCOPES for k in ks for sd in range(seeds)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("ks", [[4, 6, 8, 10, 12, 15], [3], list(range(2, 31))])
def test_sweep_chart_integer_ticks_and_legend_off_the_lines(ks: list[int]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ct.sweep(_sweep(ks))
    assert fig is not None
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    assert [ax.get_title() for ax in fig.axes] == ["coherence (NPMI)", "stability", "exclusivity", "held-out gain"]
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
        if len(ks) <= 10:
            assert [int(t) for t in ticks] == ks  # every swept K labelled, nothing in between
        assert ax.get_legend() is None  # no legend inside a panel
    assert len(fig.legends) == 1
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [*SCOPES, "chosen K"]
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer))


def test_sweep_table_is_the_whole_sweep() -> None:
    ks = [4, 6, 8]
    frame = sweep_by_k(_sweep(ks, seeds=3))
    assert list(frame.columns) == ["scope", "k", "seeds", "c_npmi", "c_v", "stability", "exclusivity", "heldout_ll",
                                   "heldout_gain", "score", "chosen"]
    assert (frame["heldout_gain"] == 0.2).all()  # the first seed (fitted on every entry) has none: left out
    assert len(frame) == len(SCOPES) * len(ks) and (frame["seeds"] == 3).all()
    assert list(frame["scope"].drop_duplicates()) == SCOPES  # the sweep's own order
    assert (frame.groupby("scope")["chosen"].sum() == 1).all()
    first = frame.iloc[0]
    assert first["c_npmi"] == pytest.approx(0.01 * 4 + 0.001)  # mean over seeds 0, 1, 2
    assert sweep_by_k(_sweep(ks).iloc[0:0]).empty


def test_sampled_scopes_are_said_in_the_report() -> None:
    info = {"size": 20000, "of": 330512, "stratified_by": ["stage", "lang", "source_type"], "seed": 0,
            "final_fit": "sample"}
    lines = sample_lines({"joint": info, "stage:growth": {**info, "final_fit": "all"}})
    assert lines[0].startswith("joint: K chosen and topics fitted on a stratified sample of 20,000 of 330,512 "
                               "entries (by stage × lang × source_type, seed 0); the topic shares of all 330,512 "
                               "entries were inferred with the topics held fixed")
    assert "then fitted on all 330,512 entries" in lines[1]
    assert sample_lines({}) == []
