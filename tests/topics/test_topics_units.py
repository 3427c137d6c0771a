"""Topic-model building blocks: engines, K choice, stability, alignment statuses, prevalence intervals."""

from __future__ import annotations

import numpy as np
import pytest

from corpus_tools.errors import ConfigError
from corpus_tools.topics.align import SIMILARITY_THRESHOLD, align_pair, topic_similarity
from corpus_tools.topics.engines import ENGINES, make_estimator
from corpus_tools.topics.prevalence import stage_prevalence
from corpus_tools.topics.quality import stability, topic_set_similarity
from corpus_tools.topics.sweep import choose_k, criteria_score, feasible_ks, k_cap, parse_k_range

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


def test_choose_k_does_not_depend_on_the_grid_and_ranges() -> None:
    by_k = {4: {"c_npmi": 0.1, "stability": 0.5, "exclusivity": 0.6, "heldout_gain": 0.2},
            6: {"c_npmi": 0.2, "stability": 0.6, "exclusivity": 0.7, "heldout_gain": 0.3},
            8: {"c_npmi": 0.05, "stability": 0.3, "exclusivity": 0.6, "heldout_gain": 0.35}}
    assert choose_k(by_k) == 6
    # adding or removing other K never changes the preference between two K (min-max rescaling did)
    assert choose_k({k: by_k[k] for k in (4, 8)}) == 4
    assert choose_k({**by_k, 10: {"c_npmi": -0.5, "stability": 0.1, "exclusivity": 0.2, "heldout_gain": 0.0}}) == 6
    assert criteria_score(by_k[6]) == pytest.approx((0.6 + 0.6 + 0.7 + 0.3) / 4)
    tie = {4: {"c_npmi": 0.1, "stability": float("nan")}, 6: {"c_npmi": 0.1, "stability": float("nan")}}
    assert choose_k(tie) == 4  # ties go to the smaller K
    assert feasible_ks([4, 6, 50], 100) == ([4, 6], [50])
    assert feasible_ks([8, 10], 12)[0] == [2]  # nothing fits: the largest feasible K
    assert parse_k_range("4,6,8") == [4, 6, 8]
    assert parse_k_range("4-7") == [4, 5, 6, 7]
    assert parse_k_range("4-12:4") == [4, 8, 12]
    for bad in ("", "x", "1-3", "0"):
        with pytest.raises(ConfigError):
            parse_k_range(bad)


def test_k_is_capped_by_corpus_size() -> None:
    assert k_cap(100) == 10  # √100 below 100 / 5
    assert k_cap(300, n_documents=22) == 11  # a 22-document stage: at most K = 11, not 15
    assert k_cap(6) == 2
    assert feasible_ks([4, 8, 15], 300, 22) == ([4, 8], [15])


def test_negative_coherence_everywhere_is_a_warning() -> None:
    from corpus_tools.topics.sweep import sweep

    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(300)]
    noise = [list(rng.choice(vocab, 6)) for _ in range(60)]  # no themes at all
    res = sweep("noise", noise, k_range=[2, 3], seeds=[0, 1], engine="tomotopy", iterations=30)
    if all(r["c_npmi"] < 0 for r in res.rows):
        assert any("negative at every K" in n and "too little text" in n for n in res.notes)
    import random

    from tests.support.topics import THEMES, paragraph

    r = random.Random(0)
    docs = [paragraph(r, theme).lower().rstrip(".").split() for theme in THEMES for _ in range(15)]
    themed = sweep("themes", docs, k_range=[4], seeds=[0, 1], engine="tomotopy", iterations=50)
    assert not any("negative at every K" in n for n in themed.notes)
    assert all(0 <= r["exclusivity"] <= 1 for r in themed.rows)
    assert np.isnan(themed.rows[0]["heldout_ll"]) and themed.rows[1]["heldout_ll"] < 0


def test_coherence_batch_equals_one_fit_at_a_time() -> None:
    from corpus_tools.topics.quality import coherence, coherence_batch

    fits = [[["courier", "parcel", "truck"], ["loans", "subsidy", "policy"]],
            [["courier", "loans", "brand"], ["design", "fashion", "label"], ["parcel", "office"]]]
    batch = coherence_batch(fits, DOCS)
    for fit, got in zip(fits, batch, strict=True):
        assert got == pytest.approx(coherence(fit, DOCS))


def test_heldout_likelihood_prefers_the_true_topics() -> None:
    from corpus_tools.topics.quality import heldout_loglik, unigram_loglik

    vocab = sorted({w for d in DOCS for w in d})
    truth = np.array([[1.0 if w in set(DOCS[i * 20]) else 0.0 for w in vocab] for i in range(3)])
    flat = np.ones((3, len(vocab)))
    held = [d * 2 for d in DOCS[::7]]
    good, n = heldout_loglik(truth / truth.sum(1, keepdims=True), vocab, held)
    bad, _ = heldout_loglik(flat / flat.sum(1, keepdims=True), vocab, held)
    assert n > 0 and good > bad
    assert bad == pytest.approx(unigram_loglik(DOCS, held), abs=0.05)  # flat topics = the unigram baseline


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
    assert all(r["threshold"] == SIMILARITY_THRESHOLD for r in rows)
    # below the threshold a forced match is not called persistence
    weak = align_pair("a", "b", np.array([[0.1]]))
    assert sorted(r["status"] for r in weak) == ["emerged", "faded"]


def test_alignment_allows_splits_and_merges_and_emerged_means_nothing_similar() -> None:
    # the case: 3 earlier topics, 4 later; later topics 1 and 2 are both like earlier topic 1
    sim = np.array([[0.64, 0.51, 0.05, 0.10],
                    [0.10, 0.05, 0.70, 0.45],
                    [0.02, 0.03, 0.48, 0.25]])
    rows = align_pair("growth", "mature", sim, threshold=0.4)
    by_pair = {(r["from_topic"], r["to_topic"]): r for r in rows}
    assert by_pair[(1, 1)]["status"] == "split" and by_pair[(1, 2)]["status"] == "split"
    assert by_pair[(1, 2)]["similarity"] == pytest.approx(0.51)
    assert by_pair[(2, 3)]["status"] == "split+merged" and by_pair[(3, 3)]["status"] == "merged"
    assert by_pair[(2, 4)]["status"] == "split"
    assert not any(r["status"] == "emerged" for r in rows)  # every later topic has a similar earlier one
    assert (3, 4) not in by_pair  # 0.25 is below the threshold: no match
    lone = align_pair("a", "b", np.array([[0.3, 0.9]]), threshold=0.4)
    emerged = [r for r in lone if r["status"] == "emerged"]
    assert len(emerged) == 1 and emerged[0]["to_topic"] == 1 and emerged[0]["similarity"] == pytest.approx(0.3)


def test_junk_filter_pieces() -> None:
    from corpus_tools.topics.prepare import is_boilerplate_line, is_pinyin_token, strip_junk, strip_pinyin

    assert strip_pinyin("乡开发（xiāng kāi fā）很好")[1] == 1
    assert strip_pinyin("Junpu village in Jieyang, Guangdong") == ("Junpu village in Jieyang, Guangdong", 0)
    assert is_pinyin_token("xiāng") and is_pinyin_token("xiang1") and not is_pinyin_token("china")
    for line in ("分享到：微信 微博", "Related stories", "责任编辑：李明", "Home | News | About | Contact"):
        assert is_boilerplate_line(line), line
    assert not is_boilerplate_line("Villagers shared their photos of the new road.")
    texts = [f"Story {i} about parcels and couriers. Thanks for reading our village newsletter today."
             for i in range(6)]
    cleaned, counts, threshold = strip_junk(texts, [f"d{i}" for i in range(6)])
    assert threshold == 3 and counts.repeated_sentences == 6
    assert all("newsletter" not in t and "parcels" in t for t in cleaned)
    # a sentence in two documents only is content, not furniture
    cleaned2, counts2, _ = strip_junk([*texts[:2], "Other text entirely here."], ["a", "b", "c"])
    assert counts2.repeated_sentences == 0 and cleaned2[:2] == texts[:2]


def test_effects_intervals_cover_topic_share_uncertainty() -> None:
    import pandas as pd

    from corpus_tools.topics.effects import topic_effects

    rng = np.random.default_rng(1)
    n = 120
    level = np.array(["a"] * 60 + ["b"] * 60)
    theta = np.where(level[:, None] == "a", [0.7, 0.3], [0.3, 0.7]) * 0.9 + rng.dirichlet([1, 1], n) * 0.1
    docs = [f"d{i // 4}" for i in range(n)]
    cov = pd.DataFrame({"grp": level, "noise": rng.choice(["x", "y"], n)})
    short, _ = topic_effects([theta], [3] * n, cov, docs, draws_per_seed=50)
    long, _ = topic_effects([theta], [300] * n, cov, docs, draws_per_seed=50)
    width = lambda rows: np.mean([r["hi"] - r["lo"] for r in rows])  # noqa: E731
    assert width(short) > width(long)  # short entries: uncertain shares, wider intervals
    g = {(r["topic"], r["level"]): r for r in long if r["covariate"] == "grp"}
    assert g[(1, "a")]["lo"] > g[(1, "b")]["hi"]  # planted effect found
    z = {(r["topic"], r["level"]): r for r in long if r["covariate"] == "noise"}
    assert z[(1, "x")]["lo"] < z[(1, "y")]["hi"] and z[(1, "y")]["lo"] < z[(1, "x")]["hi"]  # none planted
    _rows, notes = topic_effects([theta], [3] * n, pd.DataFrame({"id": [str(i) for i in range(n)]}), docs)
    assert notes and "not categorical" in notes[0]


def test_effects_with_fewer_share_draws_at_scale() -> None:
    """Above the entry-draw budget: fewer draws of every entry's shares, each with several sampling-error
    draws; the planted effect is still found, the intervals are about as wide, the method says so."""
    import pandas as pd

    from corpus_tools.topics.effects import MIN_SHARE_DRAWS, share_draws, topic_effects

    assert share_draws(90_000, 100, 10_000_000) == (100, 1)  # within the budget: as before
    assert share_draws(1_000_000, 100, 10_000_000) == (10, 10)
    assert share_draws(400_000, 100, 10_000_000) == (25, 4)
    assert share_draws(10**9, 100, 10_000_000) == (MIN_SHARE_DRAWS, 10)
    rng = np.random.default_rng(1)
    n = 400
    level = np.array(["a"] * 200 + ["b"] * 200)
    theta = np.where(level[:, None] == "a", [0.6, 0.4], [0.4, 0.6]) * 0.8 + rng.dirichlet([1, 1], n) * 0.2
    docs = [f"d{i // 4}" for i in range(n)]
    cov = pd.DataFrame({"grp": level})
    full, _ = topic_effects([theta, theta], [8] * n, cov, docs, draws_per_seed=60)
    few, _ = topic_effects([theta, theta], [8] * n, cov, docs, draws_per_seed=60, entry_draws=n * 12)
    assert "60 posterior draws" in full[0]["method"] and "sampling-error" not in full[0]["method"]
    assert "12 posterior draws of the topic shares (fewer for 400 entries) with 5 sampling-error draws each" \
        in few[0]["method"]
    g = {(r["topic"], r["level"]): r for r in few}
    assert g[(1, "a")]["lo"] > g[(1, "b")]["hi"]  # planted effect found
    for a, b in zip(full, few, strict=True):
        assert abs(a["estimate"] - b["estimate"]) < 0.01
        assert 0.7 < (b["hi"] - b["lo"]) / (a["hi"] - a["lo"]) < 1.4
    again, _ = topic_effects([theta, theta], [8] * n, cov, docs, draws_per_seed=60, entry_draws=n * 12)
    assert again == few  # seeded


def test_effects_level_draws_equal_the_entry_by_entry_sums() -> None:
    """One draw of the level means, recomputed entry by entry (np.add.at over document clusters, as before the
    sparse sums): the same estimate for every level and topic."""
    import pandas as pd

    from corpus_tools.topics.effects import topic_effects

    rng = np.random.default_rng(2)
    n, k = 90, 3
    theta = rng.dirichlet([1, 1, 1], n)
    lengths = rng.integers(3, 30, n)
    docs = np.array([f"d{i // 5}" for i in range(n)])
    level = rng.choice(["a", "b", "solo"], n)
    level[docs == "d3"] = "solo"  # one level held by a single document: no sampling error drawn for it
    level[(level == "solo") & (docs != "d3")] = "a"
    rows, _ = topic_effects([theta], lengths, pd.DataFrame({"grp": level}), list(docs), draws_per_seed=1, seed=5)
    ref = np.random.default_rng(5)  # the same draws in the same order
    g = ref.gamma(theta * lengths[:, None] + 0.1)
    th = g / g.sum(axis=1, keepdims=True)
    for lv in ("a", "b", "solo"):
        m = level == lv
        x = th[m]
        mean = x.mean(axis=0)
        uniq, inv = np.unique(docs[m], return_inverse=True)
        want = mean
        if len(uniq) > 1:
            resid = np.zeros((len(uniq), k))
            np.add.at(resid, inv, x - mean)
            var = (resid ** 2).sum(axis=0) / len(x) ** 2 * len(uniq) / (len(uniq) - 1)
            want = mean + ref.standard_normal(k) * np.sqrt(var)
        got = [r["estimate"] for r in rows if r["level"] == lv]
        assert np.allclose(got, want, atol=1e-12), lv


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


@pytest.mark.parametrize("engine", ENGINES)
def test_concept_linking_works_with_every_engine(engine: str) -> None:
    from corpus_tools.topics.bilingual import build_concept_map, parse_cedict_lines

    table: dict[str, list[str]] = {}
    lines = ["卡車 卡车 [ka3 che1] /truck/", "包裹 包裹 [bao1 guo3] /parcel/package/", "貸款 贷款 [dai4 kuan3] /loan/"]
    for _trad, simp, glosses in parse_cedict_lines(lines):
        table[simp] = glosses
    docs = ([["truck", "parcels", "courier"]] * 15 + [["卡车", "包裹", "快递"]] * 15
            + [["loans", "subsidy", "policy"]] * 15 + [["贷款", "补贴", "政策"]] * 15)
    vocab = sorted({w for d in docs for w in d})
    cmap = build_concept_map(vocab, table)
    assert cmap.linked == {"卡车": "truck", "包裹": "parcel", "贷款": "loan"}  # parcels → parcel by its stem
    m = make_estimator(engine, 2, 0, iterations=50, concepts=cmap).fit(docs)
    assert np.allclose(m.topic_word_.sum(axis=1), 1) and set(m.vocabulary_) == set(vocab)
    tops = [set(t) for t in m.top_words(6)]  # a linked concept splits its probability over its two words
    assert any({"truck", "卡车"} <= t for t in tops) and any({"loans", "贷款"} <= t for t in tops)
    _units, unit_docs = m.quality_view(docs, 3)
    assert "卡车" not in {w for d in unit_docs for w in d}  # quality is measured on concept ids
