"""Choosing K on a stratified sample of a large scope: the sample keeps every stratum's share, is seeded, and
the reported model of the chosen K covers every entry."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics import run_topics
from corpus_tools.topics.sample import describe, stratified_sample
from corpus_tools.topics.sweep import sweep
from tests.topics.test_topics import themed  # noqa: F401 (fixture)


def _strata(seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    sizes = {"budding|zh-Hans|media": 700, "budding|en|media": 90, "growth|zh-Hans|interview": 400,
             "mature|zh-Hant|government": 33, "mature|en|media": 7}
    labels = [s for s, n in sizes.items() for _ in range(n)]
    rng.shuffle(labels)
    return labels


@pytest.mark.parametrize("size", [5, 50, 300, 1229])  # 5 strata; 1,230 entries
def test_every_stratum_keeps_its_share(size: int) -> None:
    strata = _strata()
    picked = stratified_sample(strata, size, seed=3)
    assert len(picked) == min(size, len(strata)) and picked == sorted(set(picked))
    got = Counter(strata[i] for i in picked)
    total = Counter(strata)
    for s, n in total.items():
        assert got[s] >= 1  # small strata are not lost (size >= number of strata here)
        if size >= 50:  # proportional within one entry, plus the one a tiny stratum is lifted to
            assert abs(got[s] - size * n / len(strata)) <= 2, s
    assert stratified_sample(strata, size, seed=3) == picked  # seeded
    assert describe(strata, picked)["mature|en|media"] == {"entries": 7, "sampled": got["mature|en|media"]}


def test_another_seed_draws_other_entries_with_the_same_allocation() -> None:
    strata = _strata()
    a, b = stratified_sample(strata, 300, seed=1), stratified_sample(strata, 300, seed=2)
    assert a != b and Counter(strata[i] for i in a) == Counter(strata[i] for i in b)
    assert stratified_sample(strata, 5000) == list(range(len(strata)))


def test_sweep_on_a_sample_fits_the_chosen_k_on_every_entry() -> None:
    rng = random.Random(0)
    docs = [[rng.choice(["a", "b", "c"]) + str(rng.randrange(8)) for _ in range(30)] for _ in range(120)]
    res = sweep("joint", docs, k_range=[2, 3], seeds=[0, 1], engine="tomotopy", iterations=30,
                sample=stratified_sample(["x"] * 120, 50, seed=0))
    assert {len(t) for t in res.thetas} == {120} and res.model.doc_topic_.shape[0] == 120
    assert len(res.rows) == 4 and any("stratified sample of 50 of 120" in n for n in res.notes)


def test_run_topics_says_which_scopes_were_sampled(themed) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    params = {"k_range": [2, 3], "n_seeds": 2, "seed": 0, "seeded": "off"}
    res = run_topics(themed, Tokenizer(), [load_lexicon("mass_entrepreneurship")], sweep_sample=60,
                     **params)  # type: ignore[arg-type]
    full = run_topics(themed, Tokenizer(), [load_lexicon("mass_entrepreneurship")], sweep_sample=None,
                      **params)  # type: ignore[arg-type]
    assert set(res.sweep_samples) == {"joint"}  # stages have 48 usable entries or fewer: no sample there
    joint = res.sweep_samples["joint"]
    assert joint["size"] == 60 and joint["of"] > 60 and joint["stratified_by"] == ["stage", "lang", "source_type"]
    assert sum(s["sampled"] for s in joint["strata"].values()) == 60
    assert any("joint: K chosen on a stratified sample of 60" in n for n in res.notes)
    assert not full.sweep_samples
    # the reported joint model covers every entry: prevalence counts the same entries as without a sample
    assert res.prevalence["n_entries"].tolist() == full.prevalence["n_entries"].tolist()
    for scope in ("stage:budding", "stage:growth", "stage:mature"):  # unsampled scopes are unchanged
        assert res.k_by_scope[scope] == full.k_by_scope[scope]
