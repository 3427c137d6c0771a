"""Topic-model building blocks: engines, K choice, stability, alignment statuses, prevalence intervals."""

from __future__ import annotations

import numpy as np
import pytest

from corpus_tools.errors import ConfigError
from corpus_tools.topics.align import align_pair, topic_similarity
from corpus_tools.topics.engines import ENGINES, make_estimator
from corpus_tools.topics.prevalence import stage_prevalence
from corpus_tools.topics.quality import stability, topic_set_similarity
from corpus_tools.topics.sweep import choose_k, feasible_ks, parse_k_range

DOCS = ([["courier", "parcel", "truck", "depot", "freight"]] * 20
        + [["loans", "subsidy", "policy", "office", "permit"]] * 20
        + [["brand", "design", "fashion", "label", "factory"]] * 20)


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_share_the_interface_and_are_reproducible(engine: str) -> None:
    a = make_estimator(engine, 3, 7, iterations=50).fit(DOCS)
    b = make_estimator(engine, 3, 7, iterations=50).fit(DOCS)
    assert a.random_state == 7 and a.n_topics == 3
    assert a.topic_word_.shape == (3, len(a.vocabulary_)) and a.doc_topic_.shape == (len(DOCS), 3)
    assert np.allclose(a.topic_word_.sum(axis=1), 1) and np.allclose(a.doc_topic_.sum(axis=1), 1)
    assert np.array_equal(a.topic_word_, b.topic_word_)  # same seed, same topics
    tops = {frozenset(t[:5]) for t in a.top_words(5)}
    assert frozenset(DOCS[0]) in tops  # clean themes are found by every engine


def test_engine_errors() -> None:
    with pytest.raises(ConfigError):
        make_estimator("mallet", 3, 0)
    with pytest.raises(ConfigError):
        make_estimator("tomotopy", 3, 0).fit([["a", "b"], []])
    with pytest.raises(ConfigError):
        make_estimator("tomotopy", 3, 0).fit([["a", "b"]], groups=["x", "y"])


def test_joint_model_uses_groups_as_covariate() -> None:
    groups = ["a"] * 20 + ["b"] * 20 + ["c"] * 20
    m = make_estimator("tomotopy", 3, 0, iterations=50).fit(DOCS, groups)
    assert m.groups_ == ["a", "b", "c"]
    g = make_estimator("gensim", 3, 0, iterations=50).fit(DOCS, groups)
    assert g.engine_notes_ and "no covariates" in g.engine_notes_[0]


def test_choose_k_and_ranges() -> None:
    by_k = {4: {"c_npmi": 0.1, "c_v": 0.6, "stability": 0.5}, 6: {"c_npmi": 0.2, "c_v": 0.7, "stability": 0.6},
            8: {"c_npmi": 0.05, "c_v": 0.5, "stability": 0.3}}
    assert choose_k(by_k) == 6
    tie = {4: {"c_npmi": 0.1, "c_v": 0.6, "stability": float("nan")},
           6: {"c_npmi": 0.1, "c_v": 0.6, "stability": float("nan")}}
    assert choose_k(tie) == 4  # ties go to the smaller K
    assert feasible_ks([4, 6, 50], 100) == ([4, 6], [50])
    assert feasible_ks([8, 10], 12)[0] == [2]  # nothing fits: the largest feasible K
    assert parse_k_range("4,6,8") == [4, 6, 8]
    assert parse_k_range("4-7") == [4, 5, 6, 7]
    assert parse_k_range("4-12:4") == [4, 8, 12]
    for bad in ("", "x", "1-3", "0"):
        with pytest.raises(ConfigError):
            parse_k_range(bad)


def test_stability_is_overlap_of_matched_topics() -> None:
    a = [["a", "b", "c"], ["d", "e", "f"]]
    assert topic_set_similarity(a, list(reversed(a))) == 1.0  # order of topics does not matter
    assert topic_set_similarity(a, [["x", "y", "z"], ["d", "e", "f"]]) == 0.5
    assert stability([a, a, a]) == 1.0
    assert np.isnan(stability([a]))


def test_alignment_statuses_on_a_constructed_case() -> None:
    # stage A: logistics, family; stage B: logistics (slightly changed), government
    vocab_a = ["courier", "parcel", "truck", "family", "cousins"]
    tw_a = np.array([[0.4, 0.3, 0.3, 0.0, 0.0], [0.0, 0.0, 0.0, 0.5, 0.5]])
    vocab_b = ["parcel", "courier", "depot", "loans", "policy"]
    tw_b = np.array([[0.4, 0.4, 0.2, 0.0, 0.0], [0.0, 0.0, 0.0, 0.6, 0.4]])
    sim = topic_similarity(tw_a, vocab_a, tw_b, vocab_b)
    assert sim.shape == (2, 2) and sim[0, 0] > 0.7 and sim[1, 1] == 0
    rows = align_pair("budding", "growth", sim)
    status = {(r["from_topic"], r["to_topic"]): r["status"] for r in rows}
    assert status == {(1, 1): "persisted", (2, -1): "faded", (-1, 2): "emerged"}
    # below the threshold a forced match is not called persistence
    weak = align_pair("a", "b", np.array([[0.1]]))
    assert sorted(r["status"] for r in weak) == ["emerged", "faded"]


def test_prevalence_intervals_contain_means() -> None:
    rng = np.random.default_rng(0)
    theta = rng.dirichlet([1, 1, 1], size=60)
    stages = ["x"] * 30 + ["y"] * 29 + ["z"]
    docs = [f"d{i // 3}" for i in range(60)]
    rows = stage_prevalence(theta, stages, docs, ["x", "y", "z", "missing"], seed=1, n_boot=200)
    assert {r["stage"] for r in rows} == {"x", "y", "z"}
    for r in rows:
        assert r["lo"] <= r["mean"] <= r["hi"]
    z = [r for r in rows if r["stage"] == "z"]
    assert all(r["lo"] == r["hi"] == r["mean"] and r["n_documents"] == 1 for r in z)
    again = stage_prevalence(theta, stages, docs, ["x", "y", "z"], seed=1, n_boot=200)
    assert again == rows
