"""Reliability as reviewers expect it: q(alpha < .667 / .800), no interval for rare codes, agreement before vs
after adjudication."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.agreement import compute_agreement
from corpus_tools.agreement.adjudication import adjudication_agreement
from corpus_tools.lexicon.formats import load_lexicon
from tests.agreement.test_agreement import stat, synthetic_state


def test_rare_code_gets_a_warning_and_no_interval() -> None:
    lex = load_lexicon("mass_entrepreneurship")
    state = synthetic_state(lex, n=60, noise=0.0)
    rare = lex.variable_ids[0]
    # keep the rare code on three entries only (both coders agree: kappa 1.0 without any interval)
    keep = set(sorted(set(state[state["code"] == rare]["entry_id"]))[:3])
    state = state[(state["code"] != rare) | state["entry_id"].isin(keep)]
    res = compute_agreement(state, lex, n_boot=100, levels=("variable",))
    row = stat(res.table, code=rare, metric="cohen_kappa")
    assert row["n_positive"] == 3 and row["value"] == 1.0
    assert pd.isna(row["ci_low"]) and "fewer than 10" in row["note"]
    common = res.table[(res.table["n_positive"] >= 10) & (res.table["metric"] == "krippendorff_alpha")]
    assert len(common) and common["ci_low"].notna().all()


def test_alpha_benchmark_probabilities() -> None:
    lex = load_lexicon("mass_entrepreneurship")
    good = compute_agreement(synthetic_state(lex, n=120, noise=0.01), lex, n_boot=200, levels=("variable",))
    bad = compute_agreement(synthetic_state(lex, n=120, noise=0.25, seed=3), lex, n_boot=200, levels=("variable",))
    g = stat(good.table, code="(all)", metric="krippendorff_alpha")
    b = stat(bad.table, code="(all)", metric="krippendorff_alpha")
    assert g["q_below_800"] < 0.05 and g["q_below_667"] <= g["q_below_800"]
    assert b["value"] < 0.667 and b["q_below_667"] > 0.9
    other = good.table[good.table["metric"] != "krippendorff_alpha"]
    assert other["q_below_667"].isna().all()


def test_before_and_after_adjudication() -> None:
    lex = load_lexicon("mass_entrepreneurship")
    rng = np.random.default_rng(2)
    rows = []
    for i in range(40):
        truth = [v for v in lex.variable_ids if rng.random() < 0.25]
        for coder, mode, noise in (("A", "imported", 0.12), ("B", "imported", 0.12), ("consensus", "adjudicated", 0)):
            codes = [v for v in lex.variable_ids if (v in truth) ^ (rng.random() < noise)]
            rows += [(f"E{i:03d}", f"D{i // 10}", coder, c, mode) for c in codes or ["none"]]
    both = pd.DataFrame(rows, columns=list(schema.CODING_STATE))
    frame = adjudication_agreement(both, lex.variable_ids, n_boot=100)
    assert list(frame.columns) == list(schema.ADJUDICATION_AGREEMENT)
    before = frame[frame["phase"] == "before"].iloc[0]
    after = frame[frame["phase"] == "after"]
    assert before["n_entries"] == 40 and set(after["comparison"]) == {"A vs consensus", "B vs consensus"}
    # each coder is closer to the consensus (the shared truth) than to the other coder
    assert (after["alpha"] > before["alpha"]).all()
    assert np.isfinite(after["alpha_lo"].astype(float)).all()
    assert adjudication_agreement(both[both["mode"] != "adjudicated"], lex.variable_ids).empty


def test_code_cooccurrence_matrix() -> None:
    from corpus_tools.agreement.cooccurrence import code_cooccurrence, passage_codes

    rows = [("E1", "D", "A", "x", "imported"), ("E1", "D", "A", "y", "imported"), ("E1", "D", "B", "x", "imported"),
            ("E2", "D", "A", "x", "imported"), ("E2", "D", "A", "y", "imported"),
            ("E3", "D", "A", "y", "imported"), ("E3", "D", "B", "none", "imported"),
            ("E3", "D", "consensus", "x", "adjudicated"), ("E3", "D", "model:v1", "y", "model")]
    state = pd.DataFrame(rows, columns=list(schema.CODING_STATE))
    per = passage_codes(state, ["x", "y"])
    # E1: x by both, y by one of two (half: kept); E3: the consensus wins, the model is ignored
    assert per == {"E1": {"x", "y"}, "E2": {"x", "y"}, "E3": {"x"}}
    frame = code_cooccurrence(state, ["x", "y"]).set_index(["code_a", "code_b"])
    assert frame.loc[("x", "x"), "n_both"] == 3 and frame.loc[("x", "y"), "n_both"] == 2
    assert frame.loc[("x", "y"), "jaccard"] == pytest.approx(2 / 3, abs=1e-4) and frame.loc[("y", "x"), "n_both"] == 2
