"""Distinctive words that control for dispersion: Fightin' Words z (Monroe, Colaresi & Quinn 2008) beside each
word's document frequency and the share of its count from its top document, a flat-prior sensitivity z, and a
document-level permutation null: group labels are shuffled over documents and the 95th percentile of the
largest z per group under the null is the threshold a word must pass to be called distinctive.

A word used often by one or two documents gets a high token-level z; the permutation null, which moves whole
documents, shows how high the top z gets by chance when the groups do not differ at all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.cooccurrence import affordable
from corpus_tools.framing.entry_words import DocWords
from corpus_tools.framing.matrix import rng_for
from corpus_tools.framing.words import log_odds_dirichlet

KEYNESS_BUDGET = 3e8  # document-word cells x permutations: about 10 s per grouping (bundled corpus: ~3e7 per s)
FLAT_ALPHA = 0.01  # per word: the flat (nearly uninformative) Dirichlet prior of the sensitivity column
SELECT_ROWS = 5_000  # documents' rows whose presence is counted at a time (bounded temporaries, same sums)


def _log_odds(G: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(delta, se) of every word for every group (rows of G) against the other groups pooled."""
    total = G.sum(axis=0)
    delta = np.empty_like(G, dtype=float)
    se = np.empty_like(G, dtype=float)
    for g in range(G.shape[0]):
        delta[g], se[g] = log_odds_dirichlet(G[g], total - G[g], prior)
    return delta, se


def _z_all(G: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """z of every word for every group against the other groups pooled."""
    delta, se = _log_odds(G, prior)
    return delta / se


def _max_z(G: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Per group: the largest z among words the group uses (what a top-words list would show first)."""
    z = _z_all(G, prior)
    z = np.where(G > 0, z, -np.inf)
    return z.max(axis=1)


def distinctive_words(doc_tokens: Mapping[str, Counter[str]], doc_group: Mapping[str, str], groups: Sequence[str],
                      *, by: str = "group", min_count: int = 3, top_n: int = 30, n_perm: int = 200, seed: int = 0,
                      alpha0: float | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Top words per group with document frequencies, flat-prior z and the permutation-null threshold, from
    word counts per document (`distinctive_words_matrix` on the same counts as a sparse matrix)."""
    from scipy import sparse

    docs = list(doc_tokens)
    words = sorted({w for d in docs for w in doc_tokens[d]})
    index = {w: i for i, w in enumerate(words)}
    rows, cols, vals = [], [], []
    for r, d in enumerate(docs):
        for w, c in doc_tokens[d].items():
            rows.append(r)
            cols.append(index[w])
            vals.append(c)
    M = sparse.csr_matrix((np.array(vals, dtype=float), (rows, cols)), shape=(len(docs), len(words)))
    return distinctive_words_matrix(M, words, docs, doc_group, groups, by=by, min_count=min_count, top_n=top_n,
                                    n_perm=n_perm, seed=seed, alpha0=alpha0)


def distinctive_words_matrix(counts: Any, words: Sequence[str], docs: Sequence[str], doc_group: Mapping[str, str],
                             groups: Sequence[str], *, by: str = "group", min_count: int = 3, top_n: int = 30,
                             n_perm: int = 200, seed: int = 0, alpha0: float | None = None
                             ) -> tuple[pd.DataFrame, list[str]]:
    """Top words per group with document frequencies, flat-prior z and the permutation-null threshold.

    `counts` is a sparse documents × words matrix (rows: `docs`, columns: `words`): at archive scale one
    matrix costs a few bytes per document-word cell, where a Counter per document cost hundreds.
    Prior: informative, alpha_w = alpha0 * pi_w with pi the pooled word distribution and alpha0 the pooled
    token count unless given (Monroe et al.'s choice: the prior weighs as much as the data). The flat-prior
    column uses alpha_w = 0.01 for every word."""
    notes: list[str] = []
    wanted = set(groups)
    keep_rows = [r for r, d in enumerate(docs) if doc_group.get(d) in wanted]
    docs = [docs[r] for r in keep_rows]
    present = [g for g in groups if any(doc_group[d] == g for d in docs)]
    src = counts if isinstance(counts, DocWords) else DocWords.of_matrix(counts)
    # every sum below is of whole counts: exact in int32 below 2**31 (the same numbers as float sums) and in float
    # beyond; the documents x words matrix is never built or copied (at 100,000 documents over a hundred MB): group
    # sums and slices of documents are summed from the entries' rows (DocWords), rows out of the groups get no
    # weight and the vocabulary's columns are picked from the small group x word sums
    exact = np.issubdtype(src.dtype, np.integer) and src.total() < 2 ** 31
    sum_dtype: Any = np.int32 if exact else np.float64
    src = src.typed(sum_dtype)
    rows = np.asarray(keep_rows, dtype=np.int64)
    codes = np.array([present.index(doc_group[d]) for d in docs], dtype=np.int64)
    n_rows = src.shape[0]

    def group_sums(c: np.ndarray) -> np.ndarray:
        """Group x word sums of the counts of the kept rows, grouped by `c` (one code per kept row)."""
        group_of = np.full(n_rows, -1, dtype=np.int32)
        group_of[rows] = c
        return np.asarray(src.group_sums(group_of, len(present), sum_dtype).todense()).astype(float)

    G_all = group_sums(codes) if present else np.zeros((0, len(words)))
    pooled = G_all.sum(axis=0)
    vocab_idx = [j for j in sorted(range(len(words)), key=words.__getitem__) if pooled[j] >= min_count]
    vocab = [words[j] for j in vocab_idx]
    empty = pd.DataFrame(columns=list(schema.DISTINCTIVE_WORDS))
    if len(vocab) < 2 or len(present) < 2:
        return empty, notes
    cols = np.asarray(vocab_idx, dtype=np.int64)
    G = G_all[:, cols]
    del G_all
    DF = _doc_freq(src, rows, codes, len(present))[:, cols]  # documents using each word
    n_cells = int(DF.sum())  # document-word cells of the kept rows and words
    bg = G.sum(axis=0) + 0.01
    a0 = float(alpha0) if alpha0 is not None else float(bg.sum())
    prior = a0 * bg / bg.sum()
    flat = np.full(len(vocab), FLAT_ALPHA)
    delta_all, se_all = _log_odds(G, prior)
    z = delta_all / se_all
    z_flat = _z_all(G, flat)
    rng = rng_for(seed, "keyness", by)
    requested = n_perm
    n_perm = affordable(n_perm, max(n_cells, 1), KEYNESS_BUDGET)
    if n_perm < requested:
        notes.append(f"distinctive words by {by}: {n_perm} permutations instead of {requested} "
                     f"({n_cells} document-word cells; time budget)")
    null = np.array([_max_z(group_sums(rng.permutation(codes))[:, cols], prior) for _ in range(n_perm)]) \
        if n_perm > 0 else np.empty((0, len(present)))
    thresholds = np.quantile(null, 0.95, axis=0) if len(null) else np.full(len(present), np.nan)
    n_docs = np.bincount(codes, minlength=len(present))
    prior_text = f"informative: alpha0 = {a0:.0f} pooled tokens (weighs as much as the data)" if alpha0 is None \
        else f"informative: alpha0 = {a0:g}"
    orders = [[k for k in np.argsort(-z[g], kind="stable") if z[g, k] > 0 and G[g, k] > 0][:top_n]
              for g in range(len(present))]
    top = _top_counts(src, rows, codes, [cols[o] for o in orders], sum_dtype)  # the listed words only
    out = []
    for g, name in enumerate(present):
        order = orders[g]
        for rank, k in enumerate(order, 1):
            top_max, top_sum = top[g][rank - 1]
            top_share = float(top_max / top_sum) if top_sum else float("nan")
            out.append({"by": by, "group": name, "rank": rank, "word": vocab[k], "count": int(G[g, k]),
                        "count_rest": int(G.sum(axis=0)[k] - G[g, k]), "delta": round(float(delta_all[g, k]), 4),
                        "se": round(float(se_all[g, k]), 4), "z": round(float(z[g, k]), 3),
                        "doc_freq": int(DF[g, k]), "n_docs_group": int(n_docs[g]),
                        "doc_freq_rest": int(DF.sum(axis=0)[k] - DF[g, k]), "top_doc_share": round(top_share, 3),
                        "z_flat": round(float(z_flat[g, k]), 3), "z_null95": round(float(thresholds[g]), 3),
                        "beyond_null": bool(z[g, k] > thresholds[g]) if n_perm > 0 else False,
                        "n_perm": n_perm, "prior": prior_text})
        if n_perm > 0:
            beyond = sum(1 for r in out if r["group"] == name and r["beyond_null"])
            notes.append(f"distinctive words by {by}, {name}: {beyond} of the top {len(order)} pass the "
                         f"document-level permutation threshold z > {thresholds[g]:.2f} ({n_perm} permutations)")
    return pd.DataFrame(out, columns=list(schema.DISTINCTIVE_WORDS)), notes


def _abs_total(data: np.ndarray) -> int:
    """The sum of |x| of integer counts, without an absolute-value copy when none is negative (counts never are)."""
    if not len(data):
        return 0
    return int(data.sum(dtype=np.int64)) if data.min() >= 0 else int(np.abs(data).sum(dtype=np.int64))


def _doc_freq(counts: Any, rows: np.ndarray, codes: np.ndarray, n_groups: int,
              step: int | None = None) -> np.ndarray:
    """Group x word number of the given rows (grouped by `codes`) with a nonzero count, `step` rows at a time
    (a presence matrix of one slice of rows at a time, not of the whole matrix). `counts`: a matrix or DocWords."""
    from scipy import sparse

    src = counts if isinstance(counts, DocWords) else DocWords.of_matrix(counts)
    step = step or SELECT_ROWS
    out = np.zeros((n_groups, src.shape[1]))
    order = np.argsort(rows, kind="stable")
    rows_sorted, codes_sorted = rows[order], codes[order]
    for a in range(0, src.shape[0], step):
        lo, hi = np.searchsorted(rows_sorted, [a, a + step])
        if lo == hi:
            continue
        part = src.row_block(a, a + step, src.dtype)
        part.data = (part.data != 0).astype(src.dtype)
        onehot = sparse.csr_matrix((np.ones(hi - lo, dtype=src.dtype),
                                    (codes_sorted[lo:hi], rows_sorted[lo:hi] - a)), shape=(n_groups, part.shape[0]))
        out += np.asarray((onehot @ part).todense())
    return out


def _top_counts(src: DocWords, rows: np.ndarray, codes: np.ndarray, columns: Sequence[np.ndarray], dtype: Any,
                step: int | None = None) -> list[list[tuple[Any, Any]]]:
    """Per group g and each of its listed word columns `columns[g]`: (the largest count in one document of the
    group, the group's total), `step` documents at a time (only the listed columns of a slice, never the matrix)."""
    need = sorted({int(c) for cs in columns for c in cs})
    at = {c: i for i, c in enumerate(need)}
    n_groups = len(columns)
    acc: Any = np.int64 if np.issubdtype(np.dtype(dtype), np.integer) else np.float64
    top = np.zeros((n_groups, len(need)), dtype=acc)
    total = np.zeros((n_groups, len(need)), dtype=acc)
    if need:
        step = step or SELECT_ROWS
        group_of = np.full(src.shape[0], -1, dtype=np.int64)
        group_of[rows] = codes
        for a in range(0, src.shape[0], step):
            groups_here = group_of[a:a + step]
            if not (groups_here >= 0).any():
                continue
            part = src.row_block(a, a + step, dtype)[:, need].toarray().astype(acc)
            for g in range(n_groups):
                sel = groups_here == g
                if sel.any():
                    top[g] = np.maximum(top[g], part[sel].max(axis=0))
                    total[g] += part[sel].sum(axis=0)
    return [[(top[g, at[int(c)]], total[g, at[int(c)]]) for c in columns[g]] for g in range(n_groups)]
