"""The framing steps in bounded memory give the same tables as all at once: distinctive words from the counts
matrix without copies (group sums in int32, document frequencies a slice of rows at a time) equal the copy-based
computation they replaced; the tokens step reads texts a slice at a time; Fig. 2 with document codes equals
Fig. 2 with document ids."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.framing import EntryWords, entry_content_words
from corpus_tools.framing import keyness as keyness_mod
from corpus_tools.framing.cooccurrence import affordable, association, cross_counts, measures_constructs
from corpus_tools.framing.keyness import FLAT_ALPHA, KEYNESS_BUDGET, _log_odds, _max_z, _z_all, distinctive_words_matrix
from corpus_tools.framing.matrix import rng_for


def _copying_reference(counts: Any, words: Sequence[str], docs: Sequence[str], doc_group: Mapping[str, str],
                       groups: Sequence[str], *, by: str, min_count: int, top_n: int, n_perm: int,
                       seed: int) -> pd.DataFrame:
    """The computation before bounded memory: a row copy, a column copy and a float copy of the counts."""
    from scipy import sparse

    keep_rows = [r for r, d in enumerate(docs) if doc_group.get(d) in set(groups)]
    docs = [docs[r] for r in keep_rows]
    present = [g for g in groups if any(doc_group[d] == g for d in docs)]
    sub_counts = sparse.csr_matrix(counts)[keep_rows]
    pooled = np.asarray(sub_counts.sum(axis=0)).ravel()
    vocab_idx = [j for j in sorted(range(len(words)), key=words.__getitem__) if pooled[j] >= min_count]
    vocab = [words[j] for j in vocab_idx]
    if len(vocab) < 2 or len(present) < 2:
        return pd.DataFrame(columns=list(schema.DISTINCTIVE_WORDS))
    M = sub_counts[:, vocab_idx]
    M = sparse.csr_matrix((M.data.astype(float), M.indices, M.indptr), shape=M.shape)
    M.eliminate_zeros()
    codes = np.array([present.index(doc_group[d]) for d in docs])

    def group_sums(mat: Any, c: np.ndarray) -> np.ndarray:
        onehot = sparse.csr_matrix((np.ones(len(c)), (c, np.arange(len(c)))), shape=(len(present), len(c)))
        return np.asarray((onehot @ mat).todense())

    G = group_sums(M, codes)
    DF = group_sums(sparse.csr_matrix((np.ones(M.nnz), M.indices, M.indptr), shape=M.shape), codes)
    bg = np.asarray(M.sum(axis=0)).ravel() + 0.01
    a0 = float(bg.sum())
    prior = a0 * bg / bg.sum()
    delta_all, se_all = _log_odds(G, prior)
    z = delta_all / se_all
    z_flat = _z_all(G, np.full(len(vocab), FLAT_ALPHA))
    rng = rng_for(seed, "keyness", by)
    n_perm = affordable(n_perm, max(M.nnz, 1), KEYNESS_BUDGET)
    null = np.array([_max_z(group_sums(M, rng.permutation(codes)), prior) for _ in range(n_perm)])
    thresholds = np.quantile(null, 0.95, axis=0)
    n_docs = np.bincount(codes, minlength=len(present))
    out = []
    for g, name in enumerate(present):
        sub = M[codes == g]
        order = [k for k in np.argsort(-z[g], kind="stable") if z[g, k] > 0 and G[g, k] > 0][:top_n]
        for rank, k in enumerate(order, 1):
            col = sub[:, k].toarray().ravel()
            out.append({"by": by, "group": name, "rank": rank, "word": vocab[k], "count": int(G[g, k]),
                        "count_rest": int(G.sum(axis=0)[k] - G[g, k]), "delta": round(float(delta_all[g, k]), 4),
                        "se": round(float(se_all[g, k]), 4), "z": round(float(z[g, k]), 3),
                        "doc_freq": int(DF[g, k]), "n_docs_group": int(n_docs[g]),
                        "doc_freq_rest": int(DF.sum(axis=0)[k] - DF[g, k]),
                        "top_doc_share": round(float(col.max() / col.sum()), 3),
                        "z_flat": round(float(z_flat[g, k]), 3), "z_null95": round(float(thresholds[g]), 3),
                        "beyond_null": bool(z[g, k] > thresholds[g]), "n_perm": n_perm,
                        "prior": f"informative: alpha0 = {a0:.0f} pooled tokens (weighs as much as the data)"})
    return pd.DataFrame(out, columns=list(schema.DISTINCTIVE_WORDS))


def _messy_counts(seed: int) -> tuple[Any, list[str], list[str], dict[str, str]]:
    """Documents x words int32 counts: three groups with planted words, documents of no group (unstaged), empty
    documents, rare words and unsorted word order."""
    from scipy import sparse

    rng = random.Random(seed)
    words = [*[f"w{i:02d}" for i in range(50)][::-1], "网店", "培训", "rare"]
    docs, dense = [], []
    labels: dict[str, str] = {}
    for i in range(90):
        d = f"d{i}"
        docs.append(d)
        g = rng.choice(["early", "late", "mid", "unstaged"])
        labels[d] = g
        row = [0] * len(words)
        if rng.random() > 0.1:  # some documents without words
            for _ in range(rng.randrange(5, 60)):
                row[rng.randrange(50)] += 1
            if g == "early":
                row[50] += rng.randrange(1, 4)
            if g == "late":
                row[51] += rng.randrange(1, 4)
        dense.append(row)
    dense[3][52] = 1  # a word under min_count
    return sparse.csr_matrix(np.array(dense, dtype=np.int32)), words, docs, labels


@pytest.mark.parametrize("step", [1, 7, 10_000])
def test_distinctive_words_equal_the_copying_computation(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    counts, words, docs, labels = _messy_counts(seed=step)
    monkeypatch.setattr(keyness_mod, "SELECT_ROWS", step)
    for groups in (["early", "mid", "late"], ["late", "early"]):
        kwargs: dict[str, Any] = {"by": "stage", "min_count": 3, "top_n": 8, "n_perm": 49, "seed": 5}
        got, _ = distinctive_words_matrix(counts, words, docs, labels, groups, **kwargs)
        want = _copying_reference(counts, words, docs, labels, groups, **kwargs)
        assert len(got) > 0
        pd.testing.assert_frame_equal(got, want)
        as_float, _ = distinctive_words_matrix(counts.astype(float), words, docs, labels, groups, **kwargs)
        pd.testing.assert_frame_equal(as_float, want)  # the float path (counts not int32-exact) agrees


def test_doc_freq_slices_agree() -> None:
    counts, _, docs, labels = _messy_counts(seed=3)
    rows = np.array([r for r, d in enumerate(docs) if labels[d] != "unstaged"])
    codes = np.array([["early", "mid", "late"].index(labels[docs[r]]) for r in rows])
    want = np.zeros((3, counts.shape[1]))
    np.add.at(want, codes, (counts.toarray()[rows] > 0).astype(float))
    for step in (1, 4, 10_000):
        np.testing.assert_array_equal(keyness_mod._doc_freq(counts, rows, codes, 3, step=step), want)


def test_rows_by_position_equal_rows_by_id() -> None:
    ids = pd.Series([f"e{i}" for i in range(40)], dtype=str)
    content = np.array([i % 3 != 0 for i in range(40)])
    tokens = {e: ["a", "b"][: i % 3] for i, e in enumerate(ids) if content[i]}
    ew = EntryWords.from_mapping(tokens)
    by_position = ew.rows_of(ids, content)
    np.testing.assert_array_equal(by_position, ew.rows_of(ids))
    assert (by_position[~content] == -1).all() and sorted(by_position[content]) == list(range(int(content.sum())))
    shuffled = ids.sample(frac=1, random_state=1)  # not the same order: looked up by id
    np.testing.assert_array_equal(ew.rows_of(shuffled, content), ew.rows_of(shuffled))
    index = pd.Index(ids)
    for step in (1, 7, 100):  # compared a slice at a time
        assert ew._same_ids(index, content, step=step)
        assert not ew._same_ids(pd.Index(shuffled), content, step=step)


@pytest.mark.parametrize("slice_entries", [1, 3, 10_000])
def test_tokens_read_a_slice_at_a_time_equal_all_at_once(make_corpus, slice_entries: int) -> None:  # type: ignore[no-untyped-def]
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.text.tokenize import Tokenizer

    texts = ["村里的网店利润很高，快递和物流也方便。", "菜单 首页 登录", "政府组织电商培训，提供免费场地和贷款。",
             "Young people open online shops; rents are low.", "网店快递物流方便，利润高。"]
    docs = [{"doc_id": f"D{i}", "date": f"201{i % 6}-01-01",
             "text": "\n\n".join(texts[(i + j) % len(texts)] for j in range(3))} for i in range(8)]
    corpus = load_corpus(make_corpus(docs))
    tok = Tokenizer()
    got = EntryWords.of_corpus(corpus, tok, slice_entries=slice_entries)
    want = EntryWords.from_mapping(entry_content_words(corpus, tok))
    assert list(got.entry_ids) == list(want.entry_ids) and got.words == want.words
    assert got.counts.dtype == np.int32 and (got.counts != want.counts).nnz == 0
    assert got.counts.has_sorted_indices


def test_fig2_with_document_codes_equals_fig2_with_ids() -> None:
    rng = np.random.default_rng(4)
    n = 400
    doc_of = np.array([f"D{rng.integers(0, 40):02d}" for _ in range(n)], dtype=object)
    stage_of_doc = {f"D{d:02d}": ("s1" if d < 18 else "s2" if d < 36 else "unstaged") for d in range(40)}
    a = rng.random(n) < 0.3
    frame = pd.DataFrame({"m.a": a, "m.b": rng.random(n) < 0.2, "c.x": a & (rng.random(n) < 0.8),
                          "c.y": rng.random(n) < 0.25})
    stages = [stage_of_doc[d] for d in doc_of]
    kwargs: dict[str, Any] = {"n_boot": 50, "n_perm": 49, "seed": 2, "min_docs": 3}
    items = ({"variable": ["m.a", "m.b"]}, {"variable": ["c.x", "c.y"]})
    want, want_notes = measures_constructs(frame, list(doc_of), stages, *items, ["s1", "s2"], **kwargs)
    codes, uniques = pd.factorize(pd.Series(doc_of, dtype=str), sort=True)
    stage_codes = np.array([stage_of_doc[str(u)] for u in uniques], dtype=object)[codes]
    got, got_notes = measures_constructs(frame, codes, stage_codes, *items, ["s1", "s2"], **kwargs)
    assert len(want) == 2 * 3 * 4 and got_notes == want_notes
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("cmh", [False, True])
def test_association_of_bool_presence_equals_float_presence(cmh: bool) -> None:
    rng = np.random.default_rng(9)
    n = 300
    G = rng.random((n, 3)) < 0.3
    M = (rng.random((n, 2)) < 0.2) | G[:, :2]
    docs = rng.integers(0, 25, n)
    for step in (1, 7, 100_000):
        np.testing.assert_array_equal(cross_counts(G, M, step=step), G.astype(float).T @ M.astype(float))
    kwargs: dict[str, Any] = {"n_boot": 40, "n_perm": 29, "within": "doc", "cmh": cmh}
    got = association(G, M, docs, docs % 3, rng=np.random.default_rng(1), **kwargs)
    want = association(G.astype(float), M.astype(float), docs, docs % 3, rng=np.random.default_rng(1), **kwargs)
    assert got.keys() == want.keys()
    for k in want:
        np.testing.assert_array_equal(got[k], want[k])


def test_doc_matrix_of_document_rows_equals_the_grouped_sums() -> None:
    """Document scores in `docs` order are taken as they are (no groupby on string ids): the same matrix as
    grouping rows in another order, or entry rows (several per document, some documents without any)."""
    from corpus_tools.framing.matrix import doc_matrix
    from corpus_tools.scoring.score import ScoreResult

    rng = np.random.default_rng(8)
    n = 40
    ids = pd.Series([f"D{i:03d}" for i in range(n)], dtype="str")
    docs = pd.DataFrame({"doc_id": ids})
    scores = pd.DataFrame({"doc_id": ids, "v.a": rng.integers(0, 5, n), "v.b": rng.integers(0, 3, n),
                           "v": rng.integers(0, 8, n), "total": rng.integers(0, 8, n),
                           "n_tokens": rng.integers(1, 300, n).astype(float)})
    scores.loc[3, "n_tokens"] = np.nan  # a missing count sums to 0 either way

    def matrix(frame: pd.DataFrame) -> Any:
        return doc_matrix(ScoreResult(frame, pd.DataFrame(), "document", ["v.a", "v.b"], ["v"], {"v": "lx"}), docs)

    fast = matrix(scores)
    for other in (scores.sample(frac=1, random_state=2), pd.concat([scores, scores.iloc[::3]]).iloc[5:]):
        grouped = matrix(other.reset_index(drop=True))
        want = other.groupby("doc_id")[["v.a", "v.b", "v", "total", "n_tokens"]].sum().reindex(list(ids)).fillna(0)
        np.testing.assert_array_equal(grouped.counts, want[["v.a", "v.b", "v"]].to_numpy(dtype=float))
    grouped = matrix(scores.sample(frac=1, random_state=2).reset_index(drop=True))
    for attr in ("counts", "n_tokens", "total", "item_total"):
        np.testing.assert_array_equal(getattr(fast, attr), getattr(grouped, attr))
    assert fast.doc_ids == list(ids) and fast.items == grouped.items
