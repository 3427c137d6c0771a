"""Reliability statistics: published reference values, edge cases as notes, seeded bootstrap intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from corpus_tools.agreement.stats import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    reliability,
)
from corpus_tools.errors import AgreementError

N = None
# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", the example with 4 observers x 12 units
# and missing values (section C: nominal data, any number of observers, missing data)
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
# Fleiss' kappa textbook example (Wikipedia "Fleiss' kappa", worked example): 10 subjects, 14 raters,
# 5 categories; kappa = 0.210
FLEISS_TABLE = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def cohen_textbook() -> list[list[int]]:
    """Cohen's kappa textbook example (Wikipedia "Cohen's kappa"): 50 proposals read by A and B, yes/yes 20,
    yes/no 5, no/yes 10, no/no 15: p_o = 0.70, p_e = 0.50, kappa = 0.40."""
    pairs = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    return [[a for a, _ in pairs], [b for _, b in pairs]]


def fleiss_as_reliability_data() -> list[list[int]]:
    """The Fleiss table as 14 raters x 10 subjects (which rater gave which rating does not matter)."""
    columns = []
    for counts in FLEISS_TABLE:
        columns.append([cat for cat, n in enumerate(counts, start=1) for _ in range(n)])
    return [list(r) for r in zip(*columns, strict=True)]


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                                 ("ratio", 0.797)])
def test_krippendorff_2011_reference_values(level: str, expected: float) -> None:
    stat = krippendorff_alpha(KRIPPENDORFF_2011, level)
    assert stat.value is not None and round(stat.value, 3) == expected
    assert stat.n_coders == 4 and stat.n_units == 11  # unit 12 has one value only: not pairable
    assert "1 unit(s) coded by only one coder" in stat.note


def test_krippendorff_accepts_nan_and_dots() -> None:
    as_nan = [[float("nan") if v is None else v for v in row] for row in KRIPPENDORFF_2011]
    as_dot = [["." if v is None else str(v) for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(as_nan).value == pytest.approx(krippendorff_alpha(as_dot).value)


def test_cohen_textbook_value() -> None:
    stat = cohen_kappa(cohen_textbook())
    assert stat.value == pytest.approx(0.40)
    assert percent_agreement(cohen_textbook()).value == pytest.approx(0.70)


def test_fleiss_textbook_value() -> None:
    stat = fleiss_kappa(fleiss_as_reliability_data())
    assert stat.value is not None and round(stat.value, 3) == 0.210
    assert stat.n_coders == 14 and stat.n_units == 10


def test_two_coders_kappas_agree_with_alpha_in_large_samples() -> None:
    rng = np.random.default_rng(3)
    truth = rng.random(400) < 0.3
    data = [truth ^ (rng.random(400) < 0.1), truth ^ (rng.random(400) < 0.1)]
    c, f, a = cohen_kappa(data), fleiss_kappa(data), krippendorff_alpha(data)
    assert c.value is not None and f.value is not None and a.value is not None
    assert abs(c.value - f.value) < 0.01 and abs(f.value - a.value) < 0.01


def test_statsmodels_replicates_equal_sklearn_point_estimate() -> None:
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.integers(0, 2, 60), rng.integers(0, 2, 60)
        table = np.bincount(a * 2 + b, minlength=4).reshape(2, 2)
        assert cohens_kappa(table, return_results=False) == pytest.approx(cohen_kappa_score(a, b))


def _undefined_with_note(stats: list) -> None:  # type: ignore[type-arg]
    for s in stats:
        assert s.value is None and s.ci_low is None and s.note, s


def test_single_coder_is_a_note() -> None:
    stats = reliability([[0, 1, 1, 0]], domain=[0, 1], n_boot=50)
    _undefined_with_note(stats)
    assert all("one coder" in s.note for s in stats)


def test_no_overlap_is_a_note() -> None:
    stats = reliability([[0, 1, N, N], [N, N, 1, 0]], domain=[0, 1], n_boot=50)
    _undefined_with_note(stats)
    assert all("no overlap" in s.note for s in stats)


def test_no_variance_is_a_note_and_percent_agreement_is_one() -> None:
    stats = {s.metric: s for s in reliability([[0, 0, 0, 0], [0, 0, 0, 0]], domain=[0, 1], n_boot=50)}
    assert stats["percent_agreement"].value == 1.0
    _undefined_with_note([stats["cohen_kappa"], stats["fleiss_kappa"], stats["krippendorff_alpha"]])
    assert "no variance" in stats["krippendorff_alpha"].note


def test_cohen_needs_two_coders_and_fleiss_complete_units() -> None:
    c = cohen_kappa(KRIPPENDORFF_2011)
    assert c.value is None and "exactly two coders" in c.note
    f = fleiss_kappa(KRIPPENDORFF_2011)
    assert f.value is not None and f.n_units == 8 and "coded by all 4 coders" in f.note
    f2 = fleiss_kappa([[1, N, 2], [N, 1, 2], [1, 2, N]])
    assert f2.value is None and "no unit was coded by all 3 coders" in f2.note


def test_no_nan_anywhere() -> None:
    cases = [[[0, 0], [0, 0]], [[1]], [[N, N], [N, N]], [], KRIPPENDORFF_2011, [[0, 1, N], [1, N, N]]]
    for data in cases:
        for s in reliability(data, domain=[0, 1] if data is not KRIPPENDORFF_2011 else None, n_boot=20):
            for v in (s.value, s.ci_low, s.ci_high):
                assert v is None or math.isfinite(v)
            assert s.value is not None or s.note


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    data = cohen_textbook()
    a = reliability(data, n_boot=300, random_state=7, key="k")
    b = reliability(data, n_boot=300, random_state=7, key="k")
    c = reliability(data, n_boot=300, random_state=8, key="k")
    assert a == b
    assert [s.ci_low for s in a] != [s.ci_low for s in c]
    for s in a:
        if s.value is not None:
            assert s.ci_low is not None and s.ci_high is not None
            assert s.ci_low <= s.value <= s.ci_high


def test_cluster_bootstrap_keeps_entries_together() -> None:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2, (2, 40)).astype(float)
    data = np.repeat(base, 5, axis=1)  # each entry's 5 units are identical: clustering matters
    clusters = np.repeat(np.arange(40), 5)
    plain = {s.metric: s for s in reliability(data, n_boot=300, metrics=["krippendorff_alpha"])}
    clustered = {s.metric: s for s in reliability(data, n_boot=300, metrics=["krippendorff_alpha"],
                                                  clusters=clusters)}
    width = lambda s: s.ci_high - s.ci_low  # noqa: E731
    assert width(clustered["krippendorff_alpha"]) > width(plain["krippendorff_alpha"])


def test_bad_input_raises_our_error() -> None:
    with pytest.raises(AgreementError):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(AgreementError):
        krippendorff_alpha([[1, 2], [1, 2]], level="cardinal")
    with pytest.raises(AgreementError):
        reliability([[1, 2], [1, 2]], metrics=["accuracy"])
    with pytest.raises(AgreementError):
        cohen_kappa([["yes", "no"], ["yes", "yes"]])
