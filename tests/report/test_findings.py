"""The findings block: planted stage effects come out as plain sentences with interval and n, one headline per
construct family; unplanted items never do; without adjusted effects the unadjusted differences speak, said so;
the omnibus test table gets a plain reading."""

from __future__ import annotations

import pandas as pd

from corpus_tools import schema
from corpus_tools.report.findings import findings, plain_reading

NAMES = {"gov.training": "Gov · training", "gov": "Gov", "gov.trips": "Gov · trips", "opp.profit": "Opp · profit",
         "act.high": "Act · high", "act.low": "Act · low", "me": "Mass entrepreneurship"}
PLAIN = {"gov.training": "Entrepreneurship training"}


def _effect(variable: str, irr: float, p_holm: float, level: str = "variable", a: str = "budding",
            b: str = "growth") -> dict[str, object]:
    return {"lexicon": "gs", "level": level, "variable": variable, "contrast": f"{b} vs {a}", "stage_a": a,
            "stage_b": b, "irr": irr, "irr_lo": irr / 2, "irr_hi": irr * 2, "p": p_holm / 10, "p_adj": p_holm,
            "p_holm": p_holm, "p_bh": p_holm, "adjusted_for": "source_type, lang", "n_docs": 60,
            "model": "negative binomial", "irr_unadj": irr, "irr_unadj_lo": irr / 2, "irr_unadj_hi": irr * 2,
            "p_unadj": p_holm / 10, "p_unadj_holm": p_holm, "n_docs_a": 20, "n_docs_b": 40, "hits_a": 5,
            "hits_b": 30, "rate_a": 1.0, "rate_b": irr, "note": ""}


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(schema.STAGE_EFFECTS))


def test_headlines_one_per_construct_family_strongest_first() -> None:
    eff = _frame([_effect("gov.training", 9.0, 0.001), _effect("gov", 5.0, 0.002, "construct"),
                  _effect("act.high", 3.0, 0.01, b="mature"), _effect("opp.profit", 0.25, 0.02, b="mature"),
                  _effect("gov.trips", 4.0, 0.03), _effect("act.low", 1.1, 0.9)])
    out = findings(eff, NAMES, PLAIN)
    heads = out.headlines
    assert [h.variable for h in heads] == ["gov.training", "act.high", "opp.profit"]  # gov: same family
    assert {m.variable for m in out.more} == {"gov", "gov.trips"}  # below the headlines, not lost
    assert "act.low" not in {x.variable for x in out.items}  # p_holm 0.9: not a finding
    first = heads[0]
    assert first.text.startswith("Entrepreneurship training (Gov · training) is mentioned 9.0 times as often in "
                                 "the growth stage as in the budding stage: 9.0 vs 1.0 hits per 1,000 tokens "
                                 "(40 and 20 documents).")
    assert "[95% CI 4.50–18.00]" in first.detail and "n = 60 documents" in first.detail
    assert "Holm-corrected p = 0.001" in first.detail and first.table == "effects" and first.stage == "growth"
    assert "less often in the mature stage than in the budding stage" in heads[2].text
    assert out.n_tests == 6 and out.n_holm == 5 and "5 do" in out.source


def test_nothing_survives_says_so_with_the_omnibus_tests() -> None:
    eff = _frame([_effect("gov.training", 1.2, 0.6), _effect("act.high", 0.9, 0.8)])
    tests = pd.DataFrame([{"by": "stage", "level": "construct", "lexicon": "me", "groups": "a;b", "n_docs": 40,
                           "n_hits": 300, "chi2": 3.0, "dof": 2, "p_chi2": 0.2, "p_perm": 0.31, "n_perm": 99,
                           "cramers_v": 0.05, "note": ""}], columns=list(schema.FRAMING_TESTS))
    out = findings(eff, NAMES, PLAIN, tests=tests)
    assert out.available and out.more == []
    assert out.headlines[0].kind == "none" and "No single stage difference survives" in out.headlines[0].text
    assert out.headlines[1].text == ("No clear difference between the stages in the mix of Mass entrepreneurship "
                                     "constructs (p = 0.310, V = 0.05).")
    assert "n = 40 documents, 300 hits" in out.headlines[1].detail


def test_without_adjusted_effects_the_unadjusted_differences_speak() -> None:
    diffs = pd.DataFrame([
        {"by": "stage", "group_a": "budding", "group_b": "growth", "level": "variable", "item": "gov.training",
         "rate_a": 0.5, "rate_b": 6.5, "diff": 6.0, "diff_lo": 3.0, "diff_hi": 9.0, "share_a": 0.1, "share_b": 0.3,
         "share_diff": 0.2, "p_perm": 0.001, "p_holm": 0.004, "p_bh": 0.004},
        {"by": "source_type", "group_a": "media", "group_b": "government", "level": "variable", "item": "opp.profit",
         "rate_a": 1.0, "rate_b": 9.0, "diff": 8.0, "diff_lo": 5.0, "diff_hi": 11.0, "share_a": 0.1, "share_b": 0.3,
         "share_diff": 0.2, "p_perm": 0.001, "p_holm": 0.001, "p_bh": 0.001}], columns=list(schema.FRAMING_DIFFS))
    out = findings(None, NAMES, PLAIN, diffs=diffs, n_docs={"budding": 12, "growth": 30})
    assert [h.variable for h in out.headlines] == ["gov.training"]  # stage differences only
    h = out.headlines[0]
    assert h.kind == "unadjusted" and "not adjusted for source type or language" in h.detail
    assert "more often in the growth stage than in the budding stage: 6.5 vs 0.5" in h.text
    assert "(30 and 12 documents)" in h.text and "[95% CI 3.00–9.00]" in h.detail
    assert "No adjusted stage effects in this run" in out.source


def test_plain_reading_of_a_significant_test() -> None:
    row = pd.Series({"by": "source_type", "level": "variable", "lexicon": "me", "p_perm": 0.01, "cramers_v": 0.34,
                     "note": ""})
    assert plain_reading(row, NAMES) == ("The source types differ in which variables of Mass entrepreneurship they "
                                         "talk about (p = 0.010); the difference is medium (V = 0.34).")
