"""Adjusted stage effects: a planted confounder (government documents only in one stage) is adjusted away."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.framing.effects import POISSON_HC, covariate_columns, fit_counts, stage_effects
from corpus_tools.framing.matrix import DocMatrix
from corpus_tools.framing.multiplicity import bh, holm

STAGES = ["budding", "growth", "mature"]


def planted(seed: int = 0, n_media: int = 30, n_gov: int = 12, gov_boost: float = 4.0,
            media_trend: float = 1.0) -> tuple[DocMatrix, pd.DataFrame]:
    """Media documents in every stage with equal rates (times `media_trend` per stage step); government
    documents only in growth, with `gov_boost` times the media rate. Two items: 'g.x' (the government-driven
    one) and 'm.y' (flat everywhere)."""
    rng = np.random.default_rng(seed)
    rows, counts, tokens = [], [], []
    for k, stage in enumerate(STAGES):
        for i in range(n_media):
            n = int(rng.integers(300, 1500))
            mu = n / 1000 * 6.0 * media_trend ** k
            counts.append([rng.negative_binomial(5, 5 / (5 + mu)), rng.negative_binomial(5, 5 / (5 + n / 1000 * 4))])
            tokens.append(n)
            rows.append({"doc_id": f"{stage}-m{i}", "stage": stage, "source_type": "media",
                         "lang": "en" if i % 3 == 0 else "zh-Hans"})
    for i in range(n_gov):
        n = int(rng.integers(800, 3000))
        mu = n / 1000 * 6.0 * gov_boost
        counts.append([rng.negative_binomial(5, 5 / (5 + mu)), rng.negative_binomial(5, 5 / (5 + n / 1000 * 4))])
        tokens.append(n)
        rows.append({"doc_id": f"gov{i}", "stage": "growth", "source_type": "government", "lang": "zh-Hans"})
    c = np.array(counts, dtype=float)
    full = np.column_stack([c[:, 0], c[:, 1], c[:, 0], c[:, 1]])
    items = [("variable", "g", "g.x"), ("variable", "m", "m.y"), ("construct", "g", "g"), ("construct", "m", "m")]
    docs = pd.DataFrame(rows)
    return DocMatrix(list(docs["doc_id"]), items, full, np.array(tokens, float), full[:, :2].sum(axis=1)), docs


def _row(frame: pd.DataFrame, item: str, contrast: str) -> pd.Series:
    return frame[(frame["variable"] == item) & (frame["contrast"] == contrast)].iloc[0]


def test_planted_confounder_is_adjusted_away() -> None:
    m, docs = planted()
    res = stage_effects(m, docs, STAGES, lexicon_of={"g.x": "gs", "g": "gs"})
    f = res.frame
    assert list(f.columns) == list(schema.STAGE_EFFECTS)
    assert res.adjusted_for == ["source_type", "lang"]
    row = _row(f, "g.x", "growth vs budding")
    # unadjusted: growth looks much higher (government documents); adjusted: media rates are flat
    assert row["irr_unadj_lo"] > 1.2
    assert row["irr_lo"] < 1 < row["irr_hi"]
    assert row["model"] == "negative binomial" and row["lexicon"] == "gs"
    assert row["adjusted_for"] == "source_type, lang" and row["n_docs"] == len(docs)
    back = _row(f, "g.x", "mature vs growth")
    assert back["irr_unadj_hi"] < 1 and back["irr_lo"] < 1 < back["irr_hi"]
    # the flat item shows no effect either way
    flat = f[f["variable"] == "m.y"]
    assert ((flat["irr_lo"] < 1) & (flat["irr_hi"] > 1)).all()
    assert len(f) == 4 * 3  # four items x three pairs of stages
    assert (f["p_holm"] >= f["p"]).all() and (f["p_bh"] >= f["p"] - 1e-12).all()


def test_real_media_trend_survives_adjustment() -> None:
    m, docs = planted(seed=1, media_trend=2.0)
    f = stage_effects(m, docs, STAGES).frame
    row = _row(f, "g.x", "mature vs budding")
    assert row["irr_lo"] > 2.0 and row["p_adj"] < 0.05  # planted: x4 from budding to mature


def test_bad_input_is_reported_not_raised() -> None:
    m, docs = planted()
    res = stage_effects(m, docs, [*STAGES, "late"], adjust=["source_type", "nonexistent"])
    assert any("'nonexistent' is not a document column" in n for n in res.notes)
    assert any("'late' has no documents" in n for n in res.notes)
    assert res.adjusted_for == ["source_type"]
    assert not res.frame["contrast"].str.contains("late").any() and len(res.frame) == 12
    # a stage with too few documents
    few = docs.copy()
    few.loc[few.index[:27], "stage"] = "elsewhere"
    res2 = stage_effects(m, few, STAGES, min_docs=5)
    assert any("'budding' has 3 document(s)" in n for n in res2.notes)
    # only one usable stage: an empty table with its columns, and a note
    res3 = stage_effects(m, docs.assign(stage="growth"), STAGES)
    assert res3.frame.empty and list(res3.frame.columns) == list(schema.STAGE_EFFECTS)
    assert any("fewer than two stages" in n for n in res3.notes)
    assert covariate_columns(docs, ["stage", " lang "])[0] == ["lang"]


def test_zero_hits_and_fallback() -> None:
    m, docs = planted()
    m.counts[(docs["stage"] == "budding").to_numpy(), 1] = 0  # m.y never appears in budding
    f = stage_effects(m, docs, STAGES).frame
    row = _row(f, "m.y", "growth vs budding")
    assert row["model"] == "none" and math.isnan(row["irr_lo"]) and "no hits in budding" in row["note"]
    assert _row(f, "m.y", "mature vs growth")["model"] == "negative binomial"
    # a forced Poisson fit is labelled; a hopeless design gives None rather than an exception
    y = np.array([0.0, 1, 0, 2, 50, 0])
    X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1.0]])
    fit = fit_counts(y, X, np.zeros(6), ["const", "stage[b]"], force_poisson=True)
    assert fit is not None and fit.model.startswith("poisson")
    assert POISSON_HC.startswith("poisson")
    assert fit_counts(np.array([0.0, 0.0]), np.ones((2, 3)), np.zeros(2), ["a", "b", "c"]) is None


def test_multiplicity_known_answers() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert bh([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
    out = bh([0.5, float("nan")])
    assert out[0] == pytest.approx(0.5) and math.isnan(out[1])


def test_sensitivity_scenarios_move_documents() -> None:
    from corpus_tools.corpus.config import Stage
    from corpus_tools.framing.sensitivity import DESCRIBED, OVERLAP, described_stages, sensitivity

    m, docs = planted(seed=1, media_trend=2.0)
    docs = docs.assign(stage_overlap="", period="", about_date="")
    first_budding = docs.index[docs["stage"] == "budding"][:4]
    docs.loc[first_budding, "stage_overlap"] = "growth"  # e.g. 2012: budding and growth
    mature = docs.index[docs["stage"] == "mature"]
    docs.loc[mature[:3], "period"] = "growth"  # retrospective: describes the growth stage
    docs.loc[mature[3:5], "about_date"] = "2009-06"
    import datetime as dt

    stages = [Stage("budding", "", dt.date(2008, 1, 1), dt.date(2012, 12, 31)),
              Stage("growth", "", dt.date(2012, 1, 1), dt.date(2014, 12, 31)),
              Stage("mature", "", dt.date(2015, 1, 1), None)]
    assert described_stages(docs, stages)[mature[0]] == "growth"
    assert described_stages(docs, stages)[mature[3]] == "budding"
    main = stage_effects(m, docs, STAGES)
    frame, _notes = sensitivity(main, docs, stages,
                               lambda labels: stage_effects(m, docs, STAGES, stage_labels=labels))
    assert list(frame.columns) == list(schema.STAGE_SENSITIVITY)
    assert set(frame["scenario"]) == {OVERLAP, DESCRIBED}
    assert set(frame[frame["scenario"] == OVERLAP]["n_moved"]) == {4}
    assert set(frame[frame["scenario"] == DESCRIBED]["n_moved"]) == {5}
    strong = frame[(frame["variable"] == "g.x") & (frame["contrast"] == "mature vs budding")]
    assert (strong["verdict"] == "keeps sign and significance").all()  # the planted x4 trend is robust
    assert len(frame) == 2 * len(main.frame)


def test_findings_sentences() -> None:
    from corpus_tools.report.findings import findings

    m, docs = planted(seed=1, media_trend=2.0)
    f = stage_effects(m, docs, STAGES, lexicon_of={"g.x": "gs", "g": "gs"}).frame
    out = findings(f, {"g.x": "G · x"}, {})
    assert out.available and out.n_holm >= 1 and out.n_tests == len(f)
    first = out.headlines[0]
    assert "times as often in the mature stage as in the budding stage" in first.text and "95% CI" in first.detail
    assert "adjusted for source type and language" in first.detail and "negative binomial" in first.detail
    flat = findings(f[f["variable"] == "m.y"], {}, {})
    assert all(x.kind == "none" for x in flat.headlines)  # nothing planted, nothing reported as a finding
    assert findings(None, {}, {}).available is False


def test_sensitivity_verdicts() -> None:
    from corpus_tools.framing.sensitivity import _verdict

    nan = float("nan")
    assert _verdict(False, False, True, 9.7, nan) == "estimable only under this assignment"
    assert _verdict(False, True, False, nan, 2.0) == "not estimable under this assignment"
    assert _verdict(False, True, True, 0.5, 2.0) == "sign flips"
    assert _verdict(True, True, False, 1.8, 2.0) == "keeps sign, loses significance"


def test_covariate_nested_in_stage_is_refused() -> None:
    m, docs = planted()
    docs = docs.assign(year=[{"budding": 2010, "growth": 2013, "mature": 2016}[s] + i % 2
                             for i, s in enumerate(docs["stage"])])
    res = stage_effects(m, docs, STAGES, adjust=["year", "source_type"])
    assert any("'year' is nested within stage" in n for n in res.notes)
    assert res.adjusted_for == ["source_type"]
    assert res.frame["irr"].notna().all() and np.isfinite(res.frame["irr"]).all()


def test_item_absent_where_a_covariate_level_lives() -> None:
    m, docs = planted()
    growth = (docs["stage"] == "growth").to_numpy()
    m.counts[growth, 1] = 0  # m.y never in growth, the only stage with government documents
    f = stage_effects(m, docs, STAGES).frame
    row = _row(f, "m.y", "mature vs budding")
    assert row["model"] == "negative binomial" and row["irr_lo"] < 1 < row["irr_hi"]
    assert _row(f, "m.y", "growth vs budding")["model"] == "none"
