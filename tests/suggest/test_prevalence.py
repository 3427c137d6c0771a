"""Forman's adjusted classify-and-count recovers a planted prevalence that the raw share misses; training
passages are left out; no adjustment without error rates or with a classifier that barely separates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.suggest.prevalence import PrevalenceCounts, adjusted_prevalence, code_matrix, error_rates, held_out


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


def _reference(suggestions: pd.DataFrame, codes: list[str], groups: list[str],
               rates: dict[str, tuple[int, int, int, int]] | None, order: list[str], n_boot: int, seed: int,
               min_docs: int = 5) -> pd.DataFrame:
    """The former all-at-once estimate (a row per passage, the whole n_boot x documents weight matrix)."""
    frame = suggestions.assign(_group=list(groups))
    held = frame[pd.to_numeric(frame["in_training"], errors="coerce").fillna(0).astype(int) == 0]
    n_training = len(frame) - len(held)
    labels = held["codes"].fillna("").astype(str).str.split(";")
    present = {c: np.array([c in row for row in labels], dtype=float) for c in codes}
    rng = np.random.default_rng([seed, 12])
    rows = []
    group_list = [g for g in order if g in set(held["_group"])] + sorted(set(held["_group"]) - set(order))
    for g in group_list:
        mask = (held["_group"] == g).to_numpy()
        doc_codes, inv = np.unique(held["doc_id"].astype(str).to_numpy()[mask], return_inverse=True)
        n_docs = len(doc_codes)
        w = rng.multinomial(n_docs, np.full(n_docs, 1 / n_docs), size=n_boot).astype(float) \
            if n_docs >= min_docs else None
        per_doc_n = np.bincount(inv, minlength=n_docs).astype(float)
        for c in codes:
            y = present[c][mask]
            row = {"code": c, "group": g, "n_entries": int(mask.sum()), "n_docs": n_docs,
                   "n_training_excluded": n_training, "raw_share": float(y.mean())}
            boot = None
            if w is not None:
                boot = (w @ np.bincount(inv, weights=y, minlength=n_docs)) / (w @ per_doc_n)
                row["raw_lo"], row["raw_hi"] = np.quantile(boot, [0.025, 0.975])
            r = (rates or {}).get(c)
            if r is not None and boot is not None and r[0] / (r[0] + r[1]) - r[2] / (r[2] + r[3]) >= 0.2:
                tp, fn, fp, tn = r
                t = rng.beta(tp + 0.5, fn + 0.5, size=n_boot)
                f = rng.beta(fp + 0.5, tn + 0.5, size=n_boot)
                adj = np.clip((boot - f) / (t - f), 0, 1)
                adj = adj[np.isfinite(adj) & (t - f > 0)]
                row["adjusted_lo"], row["adjusted_hi"] = np.quantile(adj, [0.025, 0.975])
            rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("raw_share", "raw_lo", "raw_hi", "adjusted_lo", "adjusted_hi"):
        if col in out:
            out[col] = out[col].astype(float).round(4)
    return out


def _messy_suggestions(seed: int) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Three codes, documents of uneven size in three groups (one with fewer than 5 documents), rows of a
    document not always next to each other, some rows in training."""
    rng = np.random.default_rng(seed)
    codes = ["x.a", "x.b", "y.c"]
    rows, groups = [], []
    for g, n_docs in (("early", 9), ("late", 14), ("tiny", 3)):
        for d in range(n_docs):
            for e in range(int(rng.integers(1, 12))):
                said = [c for c in codes if rng.random() < {"early": 0.2, "late": 0.5, "tiny": 0.3}[g]]
                rows.append({"id": f"{g}{d}-{e}", "doc_id": f"{g}{d:02d}", "codes": ";".join(said),
                             "in_training": int(rng.random() < 0.1)})
                groups.append(g)
    order = rng.permutation(len(rows))
    return pd.DataFrame(rows).iloc[order].reset_index(drop=True), [groups[i] for i in order], codes


def test_chunk_by_chunk_counts_give_the_all_at_once_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    from corpus_tools.suggest import prevalence

    rates = {"x.a": (80, 20, 30, 270), "y.c": (50, 50, 45, 55)}  # y.c: too weak to adjust
    for seed in (0, 1):
        sugg, groups, codes = _messy_suggestions(seed)
        whole = adjusted_prevalence(sugg, codes, groups, rates, order=["late", "early"], n_boot=200, seed=seed)
        want = _reference(sugg, codes, groups, rates, ["late", "early"], 200, seed)
        for col in want.columns:
            pd.testing.assert_series_equal(whole[col], want[col], check_dtype=False, check_names=False)
        assert (whole["group"].drop_duplicates().tolist()) == ["late", "early", "tiny"]
        for size in (1, 7, 50):
            counts = PrevalenceCounts(codes)
            for a in range(0, len(sugg), size):
                part = sugg.iloc[a:a + size]
                counts.add(list(part["doc_id"]), groups[a:a + size], code_matrix(part["codes"], codes),
                           held_out(part["in_training"], len(part)))
            monkeypatch.setattr(prevalence, "BOOT_CELLS", 13 * size)  # weights drawn a few rows at a time
            pd.testing.assert_frame_equal(counts.estimate(rates, order=["late", "early"], n_boot=200, seed=seed),
                                          whole)
