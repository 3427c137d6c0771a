"""Fig. 2 as data: planted co-occurrence of a measure and a construct within passages is found; a pair that
only shares documents (different passages) is not called a passage-level association."""

from __future__ import annotations

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.cooccurrence import ALL, measures_constructs


def planted(seed: int = 0, n_docs: int = 30, per_doc: int = 8) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Entries with hit counts of measures m.a, m.b and constructs c.x, c.y. m.a and c.x share passages;
    m.b and c.y occur in the same documents (half of them) but never in the same passage."""
    rng = np.random.default_rng(seed)
    rows, docs, stages = [], [], []
    for d in range(n_docs):
        both_doc = d % 2 == 0
        for e in range(per_doc):
            a = int(rng.random() < 0.3)
            x = a if rng.random() < 0.8 else int(rng.random() < 0.3)
            b = int(both_doc and e == 0)
            y = int(both_doc and e == 1)
            rows.append({"m.a": a, "m.b": b, "c.x": x, "c.y": y})
            docs.append(f"D{d}")
            stages.append("s1" if d < n_docs // 2 else "s2")
    return pd.DataFrame(rows), docs, stages


def test_planted_passage_association() -> None:
    counts, docs, stages = planted()
    frame, notes = measures_constructs(counts, docs, stages, {"variable": ["m.a", "m.b"]},
                                       {"variable": ["c.x", "c.y"]}, ["s1", "s2"], n_boot=200, n_perm=199, seed=1)
    assert list(frame.columns) == list(schema.MEASURES_CONSTRUCTS) and not notes
    assert set(frame["stage"]) == {ALL, "s1", "s2"} and set(frame["unit"]) == {"entry", "document"}
    e = frame[(frame["unit"] == "entry") & (frame["stage"] == ALL)].set_index(["measure", "construct"])
    ax = e.loc[("m.a", "c.x")]
    assert ax["log_or"] > 1 and ax["lo"] > 0 and ax["p_perm"] <= 0.01 and ax["p_holm"] < 0.05
    assert ax["n_both"] + ax["n_measure_only"] + ax["n_construct_only"] + ax["n_neither"] == ax["n_units"] == 240
    by = e.loc[("m.b", "c.y")]
    assert by["log_or"] < 0 and by["n_both"] == 0  # same documents, never the same passage
    doc = frame[(frame["unit"] == "document") & (frame["stage"] == ALL)].set_index(["measure", "construct"])
    assert doc.loc[("m.b", "c.y"), "log_or"] > 1 and doc.loc[("m.b", "c.y"), "n_both"] == 15
    assert set(frame["family"]) == {f"variable x {u}, {s}" for u in ("entry", "document") for s in (ALL, "s1", "s2")}


def test_small_stage_left_out_and_seeded() -> None:
    counts, docs, stages = planted(n_docs=12)
    stages = ["s1"] * (len(stages) - 8) + ["s2"] * 8  # s2: one document
    f1, notes = measures_constructs(counts, docs, stages, {"construct": ["m.a"]}, {"construct": ["c.x"]},
                                    ["s1", "s2"], n_boot=50, n_perm=49, seed=2)
    assert "s2" not in set(f1["stage"]) and any("'s2' has 1 document(s)" in n for n in notes)
    f2, _ = measures_constructs(counts, docs, stages, {"construct": ["m.a"]}, {"construct": ["c.x"]},
                                ["s1", "s2"], n_boot=50, n_perm=49, seed=2)
    pd.testing.assert_frame_equal(f1, f2)


def test_permutations_within_budget() -> None:
    from corpus_tools.framing.cooccurrence import MIN_PERM, affordable

    assert affordable(999, 2000) == 999
    assert affordable(999, 10**7) == MIN_PERM  # a huge archive: fewer permutations, said in the table
    assert affordable(999, 10**6, budget=5e8) == 500 and affordable(999, 10**5) == 300
    assert affordable(0, 10) == 0


def test_archive_scale_uses_the_cmh_test(monkeypatch) -> None:
    """Past the permutation budget the p-values come from the Cochran-Mantel-Haenszel test: the planted pair
    is still found, the same-documents-only pair is not called a passage association, and a note says so."""
    import corpus_tools.framing.cooccurrence as co

    counts, docs, stages = planted(n_docs=60)
    monkeypatch.setattr(co, "PERM_BUDGET", 1000.0)  # 480 entries x 199 permutations > budget
    frame, notes = measures_constructs(counts, docs, stages, {"variable": ["m.a", "m.b"]},
                                       {"variable": ["c.x", "c.y"]}, ["s1", "s2"], n_boot=100, n_perm=199, seed=1)
    assert any("Cochran-Mantel-Haenszel" in n for n in notes) and (frame["n_perm"] == 0).all()
    e = frame[(frame["unit"] == "entry") & (frame["stage"] == ALL)].set_index(["measure", "construct"])
    assert e.loc[("m.a", "c.x"), "p_perm"] < 1e-6
    assert e.loc[("m.b", "c.y"), "log_or"] < 0 and e.loc[("m.b", "c.y"), "n_both"] == 0


def test_cmh_p_agrees_with_the_within_document_permutation_null() -> None:
    """CMH p equals (up to Monte Carlo error) the share of within-document shuffles whose co-presence count is
    at least as far from its permutation mean as the observed one; a planted same-passage pair is found, and
    CMH p is about uniform when presence is shuffled within documents (documents differ in how much they
    talk about both, the confound the stratification removes)."""
    from corpus_tools.framing.cooccurrence import cmh_p

    rng = np.random.default_rng(4)
    n_docs, per_doc = 400, 6
    docs = np.repeat(np.arange(n_docs), per_doc)
    rate = rng.uniform(0.05, 0.6, n_docs)[docs]
    G = (rng.random((len(docs), 3)) < rate[:, None]).astype(float)
    M = (rng.random((len(docs), 3)) < rate[:, None]).astype(float)
    M[:, 0] = np.maximum(M[:, 0], G[:, 0] * (rng.random(len(docs)) < 0.3))  # planted: same passages
    cmh = cmh_p(G, M, docs)
    r = np.random.default_rng(1)
    sims = np.array([G[np.lexsort((r.random(len(docs)), docs))].T @ M for _ in range(2000)])
    centre, observed = sims.mean(axis=0), G.T @ M
    mc = ((np.abs(sims - centre) >= np.abs(observed - centre) - 1e-9).sum(axis=0) + 1) / (len(sims) + 1)
    assert cmh[0, 0] < 1e-4 and mc[0, 0] <= 0.001
    assert np.abs(cmh - mc).max() < 0.05
    ps = []
    for s in range(200):  # G shuffled within documents: exactly the null the test assumes
        r = np.random.default_rng(100 + s)
        ps.append(cmh_p(G[np.lexsort((r.random(len(docs)), docs))], M, docs)[1, 1])
    assert 0.02 <= float(np.mean(np.array(ps) < 0.05)) <= 0.10
