"""Per-entry labels of the topic step kept as categorical codes give the codes the string columns gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corpus_tools.topics.effects import level_codes
from corpus_tools.topics.run import sorted_categorical


@pytest.mark.parametrize("categories", [["growth", "budding", "mature", "__unstaged__"], ["b", "a"], ["x"],
                                        ["中", "a", "B", "__unstaged__", ""]])
@pytest.mark.parametrize("n", [0, 1, 60])
def test_sorted_categorical_is_the_categorical_of_the_text(categories: list[str], n: int) -> None:
    rng = np.random.default_rng(n + len(categories))
    codes = rng.integers(-1, len(categories), size=n)  # unused categories, a category not in sorted order, missing
    column = pd.Series(pd.Categorical.from_codes(codes, categories=categories))
    want = pd.Categorical(column.astype(str))
    got = sorted_categorical(column)
    assert list(got.categories) == list(want.categories) and got.categories.dtype == want.categories.dtype
    assert got.codes.dtype == want.codes.dtype and np.array_equal(got.codes, want.codes)


@pytest.mark.parametrize("categories", [["media", "", "interview"], ["zh", "en", "mixed"], ["2013", "2011"]])
def test_level_codes_of_a_categorical_equal_those_of_its_labels(categories: list[str]) -> None:
    rng = np.random.default_rng(len(categories))
    cat = pd.Categorical.from_codes(rng.integers(0, len(categories), size=80), categories=categories)
    got_codes, got_order = level_codes(pd.Series(cat))  # what _effects passes now
    want_codes, want_order = level_codes(pd.Series(cat).to_numpy())  # what it passed: a label per entry
    assert got_order == want_order and np.array_equal(got_codes, want_codes)
