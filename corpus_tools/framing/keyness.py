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
from corpus_tools.framing.entry_words import concat_parts as _concat
from corpus_tools.framing.matrix import rng_for
from corpus_tools.framing.words import log_odds_dirichlet

KEYNESS_BUDGET = 3e8  # document-word cells x permutations: about 10 s per grouping (bundled corpus: ~3e7 per s)
FLAT_ALPHA = 0.01  # per word: the flat (nearly uninformative) Dirichlet prior of the sensitivity column
SELECT_ROWS = 20_000  # documents' rows selected at a time (bounded temporaries; the same matrix as all at once)


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
    from scipy import sparse

    notes: list[str] = []
    wanted = set(groups)
    keep_rows = [r for r, d in enumerate(docs) if doc_group.get(d) in wanted]
    docs = [docs[r] for r in keep_rows]
    present = [g for g in groups if any(doc_group[d] == g for d in docs)]
    counts = sparse.csr_matrix(counts)
    rows_kept = np.zeros(counts.shape[0], dtype=bool)
    rows_kept[keep_rows] = True
    pooled = _column_sums(counts, rows_kept)
    vocab_idx = [j for j in sorted(range(len(words)), key=words.__getitem__) if pooled[j] >= min_count]
    vocab = [words[j] for j in vocab_idx]
    empty = pd.DataFrame(columns=list(schema.DISTINCTIVE_WORDS))
    if len(vocab) < 2 or len(present) < 2:
        return empty, notes
    # the kept rows and the vocabulary's columns in one pass, counts as int32 (at 100,000 documents a copy of
    # the matrix is a hundred MB or more: no row copy, column copy and float copy one after the other)
    M = _select(counts, rows_kept, np.asarray(vocab_idx, dtype=np.int64))
    del counts
    codes = np.array([present.index(doc_group[d]) for d in docs])
    # group sums of integer counts are exact in int32 below 2**31 (the same numbers as float sums); beyond, float
    exact = np.issubdtype(M.dtype, np.integer) and int(M.data.sum(dtype=np.int64)) < 2 ** 31
    sum_dtype = np.int32 if exact else np.float64

    def group_sums(mat: sparse.csr_matrix, c: np.ndarray) -> np.ndarray:
        onehot = sparse.csr_matrix((np.ones(len(c), dtype=sum_dtype), (c, np.arange(len(c)))),
                                   shape=(len(present), len(c)))
        return np.asarray((onehot @ mat).todense()).astype(float)

    if not exact:
        M = sparse.csr_matrix((M.data.astype(float), M.indices, M.indptr), shape=M.shape)
    G = group_sums(M, codes)
    presence = sparse.csr_matrix((np.ones(M.nnz, dtype=sum_dtype), M.indices, M.indptr), shape=M.shape)
    DF = group_sums(presence, codes)  # documents using each word
    del presence
    bg = np.asarray(M.sum(axis=0)).ravel() + 0.01
    a0 = float(alpha0) if alpha0 is not None else float(bg.sum())
    prior = a0 * bg / bg.sum()
    flat = np.full(len(vocab), FLAT_ALPHA)
    delta_all, se_all = _log_odds(G, prior)
    z = delta_all / se_all
    z_flat = _z_all(G, flat)
    rng = rng_for(seed, "keyness", by)
    requested = n_perm
    n_perm = affordable(n_perm, max(M.nnz, 1), KEYNESS_BUDGET)
    if n_perm < requested:
        notes.append(f"distinctive words by {by}: {n_perm} permutations instead of {requested} "
                     f"({M.nnz} document-word cells; time budget)")
    null = np.array([_max_z(group_sums(M, rng.permutation(codes)), prior) for _ in range(n_perm)]) \
        if n_perm > 0 else np.empty((0, len(present)))
    thresholds = np.quantile(null, 0.95, axis=0) if len(null) else np.full(len(present), np.nan)
    n_docs = np.bincount(codes, minlength=len(present))
    prior_text = f"informative: alpha0 = {a0:.0f} pooled tokens (weighs as much as the data)" if alpha0 is None \
        else f"informative: alpha0 = {a0:g}"
    out = []
    for g, name in enumerate(present):
        mask_docs = codes == g
        order = [k for k in np.argsort(-z[g], kind="stable") if z[g, k] > 0 and G[g, k] > 0][:top_n]
        sub = M[:, order][mask_docs]  # only the listed words' columns, then the group's rows
        for rank, k in enumerate(order, 1):
            col = sub[:, rank - 1].toarray().ravel()
            top_share = float(col.max() / col.sum()) if col.sum() else float("nan")
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



def _column_sums(counts: Any, rows: np.ndarray, step: int = SELECT_ROWS) -> np.ndarray:
    """Column sums (int64) of the rows of a CSR matrix where `rows` holds, `step` rows at a time (no copy of the
    selected rows as a whole)."""
    out = np.zeros(counts.shape[1], dtype=np.int64)
    for a in range(0, counts.shape[0], step):
        r = np.flatnonzero(rows[a:a + step]) + a
        if len(r):
            out += np.asarray(counts[r].sum(axis=0, dtype=np.int64)).ravel()
    return out


def _select(counts: Any, rows: np.ndarray, cols: np.ndarray, step: int = SELECT_ROWS) -> Any:
    """counts[rows][:, cols] (rows: a bool mask, cols: column indices in the wanted order) built `step` rows at a
    time, so that no whole intermediate copy (rows first, then columns) is ever held beside the result."""
    from scipy import sparse

    data: list[np.ndarray] = []
    indices: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for a in range(0, counts.shape[0], step):
        r = np.flatnonzero(rows[a:a + step]) + a
        if len(r):
            part = sparse.csr_matrix(counts[r][:, cols])
            data.append(part.data)
            indices.append(part.indices)
            lengths.append(np.diff(part.indptr))
    n_rows = int(rows.sum())
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(_concat(lengths, np.int64), out=indptr[1:])
    out = sparse.csr_matrix((_concat(data, counts.dtype), _concat(indices, np.int32), indptr),
                            shape=(n_rows, len(cols)))
    out.eliminate_zeros()
    return out
