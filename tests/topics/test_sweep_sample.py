"""Choosing K on a stratified sample of a large scope: the sample keeps every stratum's share, is seeded; the
topics are fitted on the sample and every entry's topic shares are inferred with them held fixed (or the chosen
K is refitted on all entries when asked); the notes say which."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from corpus_tools.errors import ConfigError
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics import run_topics
from corpus_tools.topics.quality import fold_in_reference
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


def _planted(n: int = 160, seed: int = 0) -> tuple[list[list[str]], list[int]]:
    """n entries, each mostly one of three planted themes (its label), with some noise words."""
    rng = random.Random(seed)
    themes = [[f"{t}{i}" for i in range(8)] for t in ("x", "y", "z")]
    docs, labels = [], []
    for j in range(n):
        t = j % 3
        docs.append([rng.choice(themes[t]) if rng.random() < 0.9 else f"noise{rng.randrange(5)}"
                     for _ in range(rng.randrange(8, 25))])
        labels.append(t)
    return docs, labels


def test_sweep_on_a_sample_fits_on_the_sample_and_infers_every_entry() -> None:
    docs, labels = _planted()
    sample = stratified_sample([str(t) for t in labels], 60, seed=0)
    said: list[str] = []
    res = sweep("joint", docs, k_range=[2, 3], seeds=[0, 1], engine="tomotopy", iterations=40,
                sample=sample, progress=said.append)
    assert res.k == 3 and res.sample == sample and len(res.rows) == 4
    # the models are the sweep's fits on the sample (4 fits, none on all entries) ...
    assert res.model.doc_topic_.shape == (60, 3) and sum("seed" in m and "shares" not in m for m in said) == 4
    # ... and every entry of the scope has topic shares, from the topics held fixed
    assert [t.shape for t in res.thetas] == [(160, 3), (160, 3)]
    assert np.allclose(res.thetas[0], res.model.transform(docs))
    # the planted themes come back for the entries outside the sample too
    outside = [i for i in range(160) if i not in set(sample)]
    guess = np.asarray(res.thetas[0]).argmax(axis=1)
    for t in range(3):
        members = [i for i in outside if labels[i] == t]
        assert np.mean(guess[members] == np.bincount(guess[members]).argmax()) > 0.9
    assert any("K chosen and topics fitted on a stratified sample of 60 of 160 entries; the topic shares of "
               "all 160 entries (the sample's too) inferred with the topics held fixed" in n for n in res.notes)
    first = sweep("joint", docs, k_range=[2, 3], seeds=[0, 1], engine="tomotopy", iterations=40,
                  sample=sample, all_seed_shares=False)
    assert len(first.thetas) == 1 and np.array_equal(first.thetas[0], res.thetas[0])


def test_sweep_on_a_sample_can_refit_on_every_entry() -> None:
    docs, labels = _planted()
    res = sweep("joint", docs, k_range=[2, 3], seeds=[0, 1], engine="tomotopy", iterations=30,
                sample=stratified_sample([str(t) for t in labels], 60, seed=0), final_fit="all")
    assert {len(t) for t in res.thetas} == {160} and res.model.doc_topic_.shape[0] == 160
    assert any("stratified sample of 60 of 160" in n and "fitted on all 160 entries" in n for n in res.notes)
    with pytest.raises(ConfigError):
        sweep("joint", docs, k_range=[2], seeds=[0], engine="tomotopy", final_fit="everything")


def test_joint_model_on_a_sample_infers_shares_with_each_stage_prior() -> None:
    """DMR: an entry outside the sample is folded in under its own stage's fitted prior."""
    docs, labels = _planted(150)
    groups = [["a", "b", "c"][t] for t in labels]
    res = sweep("joint", docs, k_range=[3], seeds=[0], engine="tomotopy", iterations=100, groups=groups,
                sample=stratified_sample(groups, 60, seed=1))
    prior = res.model.doc_prior(groups)
    assert prior.shape == (150, 3) and not np.allclose(prior[0], prior[1])  # stage-specific priors
    assert np.allclose(res.thetas[0], fold_in_reference(res.model.topic_word_, res.model.vocabulary_, docs,
                                                        alpha=prior), atol=1e-9)


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
    assert joint["final_fit"] == "sample" and joint["topics_fitted_on"] == 60
    assert any(f"joint: K chosen and topics fitted on a stratified sample of 60 of {joint['of']} entries" in n
               for n in res.notes)
    assert not full.sweep_samples
    # every entry has topic shares: prevalence counts the same entries as without a sample, and the
    # passages may come from any entry
    assert res.prevalence["n_entries"].tolist() == full.prevalence["n_entries"].tolist()
    assert res.topics[res.topics["scope"] == "joint"]["weight"].sum() == pytest.approx(1)
    for scope in ("stage:budding", "stage:growth", "stage:mature"):  # unsampled scopes are unchanged
        assert res.k_by_scope[scope] == full.k_by_scope[scope]


def test_sampled_scopes_give_the_same_tables_with_two_workers(themed) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    params = {"k_range": [3], "n_seeds": 2, "seed": 0, "seeded": "variable", "sweep_sample": 40}
    lex = [load_lexicon("mass_entrepreneurship")]
    one = run_topics(themed, Tokenizer(), lex, **params)  # type: ignore[arg-type]
    two = run_topics(themed, Tokenizer(), lex, workers=2, **params)  # type: ignore[arg-type]
    assert {"joint", "seeded", "stage:growth"} <= set(one.sweep_samples)
    for name, frame in one.to_tables().items():
        pd.testing.assert_frame_equal(frame, two.to_tables()[name], obj=name)
    assert one.notes == two.notes and one.sweep_samples == two.sweep_samples
    seeded = one.seeded
    assert len(seeded) and seeded["weight"].sum() == pytest.approx(1)


def test_sampled_scopes_refit_on_all_entries_when_asked(themed) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    res = run_topics(themed, Tokenizer(), [load_lexicon("mass_entrepreneurship")], k_range=[3], n_seeds=1,
                     seeded="off", sweep_sample=60, final_fit="all")
    joint = res.sweep_samples["joint"]
    assert joint["final_fit"] == "all" and joint["topics_fitted_on"] == joint["of"]
    assert any("the reported model (K = 3) is fitted on all" in n for n in res.notes)
    with pytest.raises(ConfigError):
        run_topics(themed, Tokenizer(), [], final_fit="some")
