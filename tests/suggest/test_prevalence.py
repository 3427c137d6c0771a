"""Forman's adjusted classify-and-count recovers a planted prevalence that the raw share misses; training
passages are left out; no adjustment without error rates or with a classifier that barely separates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.suggest.prevalence import adjusted_prevalence, error_rates


def simulated(seed: int = 0, tpr: float = 0.8, fpr: float = 0.1) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    rows, groups = [], []
    for g, truth in (("early", 0.1), ("late", 0.4)):
        for d in range(40):
            for e in range(25):
                real = rng.random() < truth
                said = rng.random() < (tpr if real else fpr)
                rows.append({"id": f"{g}{d}-{e}", "doc_id": f"{g}{d}", "codes": "x.a" if said else "",
                             "in_training": 0})
                groups.append(g)
    return pd.DataFrame(rows), groups


def test_adjusted_count_recovers_planted_prevalence() -> None:
    sugg, groups = simulated()
    # cross-validation counts consistent with tpr .8, fpr .1 (200 positives, 800 negatives)
    rates = {"x.a": (160, 40, 80, 720)}
    out = adjusted_prevalence(sugg, ["x.a"], groups, rates, order=["early", "late"], n_boot=300, seed=1)
    assert list(out.columns) == list(schema.PREVALENCE)
    early, late = out.set_index("group").loc["early"], out.set_index("group").loc["late"]
    assert abs(early["raw_share"] - 0.17) < 0.03 and abs(early["adjusted_share"] - 0.1) < 0.03
    assert abs(late["raw_share"] - 0.38) < 0.04 and abs(late["adjusted_share"] - 0.4) < 0.04
    assert early["adjusted_lo"] < 0.1 < early["adjusted_hi"] and late["adjusted_lo"] < 0.4 < late["adjusted_hi"]
    assert early["tpr"] == 0.8 and early["fpr"] == 0.1


def test_training_passages_left_out_and_missing_rates() -> None:
    sugg, groups = simulated()
    sugg.loc[:99, "in_training"] = 1
    out = adjusted_prevalence(sugg, ["x.a"], groups, None, n_boot=50)
    assert (out["n_training_excluded"] == 100).all() and out.set_index("group").loc["early", "n_entries"] == 900
    assert out["adjusted_share"].isna().all() and out["note"].str.contains("raw share only").all()
    weak = adjusted_prevalence(sugg, ["x.a"], groups, {"x.a": (50, 50, 45, 55)}, n_boot=50)
    assert weak["adjusted_share"].isna().all() and weak["note"].str.contains("barely separates").all()


def test_error_rates_from_evaluation_table() -> None:
    ev = pd.DataFrame([{"variable": "x.a", "support": 20, "predicted": 25, "recall": 0.75},
                       {"variable": "macro", "support": 20, "predicted": 25, "recall": 0.75}])
    assert error_rates(ev, 100) == {"x.a": (15, 5, 10, 70)}
