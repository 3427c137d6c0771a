"""The paper's Fig. 2 as data: how government-support measures co-occur with the constructs of mass
entrepreneurship, per passage (entry) and per document, overall and by stage.

For every pair (measure item, construct item): the 2 x 2 table of units with/without each, the log odds ratio
with Haldane's 0.5 correction, a percentile bootstrap interval that resamples documents (entries stay with
their document), and a two-sided permutation p-value. Entry level: the measure's presence is shuffled among
the entries of the same document, so the test asks whether the two are talked about in the same passages
more than their sharing a document implies. Document level: presence is shuffled among documents of the same
stage. When a matrix has more units than the permutation budget allows `MIN_PERM` permutations for (archive
scale: about 150,000 entries), p comes from the Cochran-Mantel-Haenszel test instead (Mantel & Haenszel 1959;
strata = the same groups the permutations keep): the large-sample form of the same conditional null, with the
exact permutation mean and variance of the co-presence count (`n_perm` is then 0 and a note says so).
Holm and Benjamini-Hochberg adjust within each matrix (one family per level x unit x stage: the
matrix a reader looks at; the `family` column names it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.matrix import block_size, rng_for
from corpus_tools.framing.multiplicity import bh, holm

ALL = "all stages"
PERM_BUDGET = 3e7  # units x permutations per matrix: about 7 s (bundled corpus: ~4e6 per second)
MIN_PERM = 199
_BOOT_BLOCK = 100  # bootstrap replicates drawn at a time (the same draws as all at once)
CROSS_ROWS = 100_000  # units per float slice of a bool co-presence product (a few MB, not the whole matrices)
WEIGHT_CELLS = 1_000_000  # cells of per-document counts made float at a time for a weighted sum (8 MB)


def affordable(n_perm: int, n_units: int, budget: float = PERM_BUDGET) -> int:
    """The permutations to run: `n_perm`, fewer (but at least MIN_PERM) when units x permutations would exceed
    the budget; the table's n_perm column and a note say when it was reduced."""
    if n_perm <= 0 or n_units <= 0:
        return n_perm
    return int(min(n_perm, max(MIN_PERM, budget // n_units)))


def _log_or(n11: np.ndarray, n1_: np.ndarray, n_1: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Haldane-corrected log odds ratio from n11, row margin n1., column margin n.1 and total (broadcasting)."""
    n10 = n1_[..., :, None] - n11
    n01 = n_1[..., None, :] - n11
    n00 = n[..., None, None] - n11 - n10 - n01
    return np.log((n11 + 0.5) * (n00 + 0.5) / ((n10 + 0.5) * (n01 + 0.5)))


def association(G: np.ndarray, M: np.ndarray, docs: np.ndarray, strata: np.ndarray, *, n_boot: int = 1000,
                n_perm: int = 999, ci: float = 0.95, within: str = "doc",
                rng: np.random.Generator, cmh: bool = False) -> dict[str, np.ndarray]:
    """Counts, log OR, bootstrap interval over documents and permutation p for all pairs of G x M columns.

    G (units x p) and M (units x q) are 0/1 (float, or bool: 1 byte per cell instead of 8, the same numbers);
    `docs` gives each unit's document code; permutations shuffle G's rows within `docs` (within = "doc") or
    within `strata` (within = "strata"). With `cmh`, p is the Cochran-Mantel-Haenszel test over the same
    groups instead (no permutations)."""
    n = float(len(G))
    n11 = cross_counts(G, M)
    g1, m1 = G.sum(axis=0, dtype=float), M.sum(axis=0, dtype=float)
    lor = _log_or(n11, g1, m1, np.array(n))
    out = {"n11": n11, "g1": np.broadcast_to(g1[:, None], n11.shape), "m1": np.broadcast_to(m1[None, :], n11.shape),
           "n": np.full(n11.shape, n), "log_or": lor}
    alpha = (1 - ci) / 2
    D, inverse = unique_inverse(docs)
    if D >= 2 and n_boot > 0:
        T11, Tg, Tm = _doc_tables(G, M, inverse, D)  # per document counts (exact: sums of 0/1)
        Tn = np.bincount(inverse, minlength=D).astype(float)
        block = block_size(D, _BOOT_BLOCK)
        reps = np.empty((n_boot, G.shape[1], M.shape[1]))  # B x p x q, in blocks of replicates (B x D weights: GBs)
        for b0 in range(0, n_boot, block):
            w = rng.multinomial(D, np.full(D, 1.0 / D), size=min(block, n_boot - b0)).astype(float)
            reps[b0:b0 + len(w)] = _log_or(weighted_sums(w, T11).reshape(len(w), *T11.shape[1:]),
                                           weighted_sums(w, Tg), weighted_sums(w, Tm), w @ Tn)
            del w
        del T11, Tg, Tm
        out["lo"], out["hi"] = np.quantile(reps, alpha, axis=0), np.quantile(reps, 1 - alpha, axis=0)
    else:
        out["lo"] = out["hi"] = np.full(n11.shape, np.nan)
    groups = inverse if within == "doc" else unique_inverse(strata)[1]  # what the null keeps
    if cmh:
        out["p"] = cmh_p(G, M, groups)
    elif n_perm > 0:
        order = np.argsort(groups, kind="stable")
        block_key = groups[order].astype(float)  # + a uniform draw: shuffles within each group, keeps groups
        pos = np.empty_like(order)
        pos[order] = np.arange(len(order))
        hit = np.flatnonzero(M.any(axis=1))  # n11 only sums over units with a construct hit
        M_hit, pos_hit = M[hit].astype(float), pos[hit]
        extreme = np.zeros(n11.shape)
        for _ in range(n_perm):
            shuffled = order[np.argsort(block_key + rng.random(len(order)))]
            lp = _log_or(G[shuffled[pos_hit]].astype(float).T @ M_hit, g1, m1, np.array(n))  # G's rows moved
            extreme += np.abs(lp) >= np.abs(lor) - 1e-9
        out["p"] = (extreme + 1) / (n_perm + 1)
    else:
        out["p"] = np.full(n11.shape, np.nan)
    return out


def unique_inverse(values: np.ndarray) -> tuple[int, np.ndarray]:
    """(number of distinct values, each value's rank among them): `np.unique(values, return_inverse=True)`, for
    non-negative integer codes without sorting a copy (a flag per possible code instead)."""
    values = np.asarray(values)
    if values.dtype.kind in "iu" and len(values) and values.min() >= 0 and values.max() < 4 * len(values) + 1024:
        present = np.zeros(int(values.max()) + 1, dtype=bool)
        present[values] = True
        rank = np.cumsum(present, dtype=np.intp) - 1
        return int(rank[-1]) + 1, rank[values]
    uniques, inverse = np.unique(values, return_inverse=True)
    return len(uniques), inverse.reshape(-1)


def _doc_tables(G: np.ndarray, M: np.ndarray, inverse: np.ndarray,
                n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document: co-presence counts (docs x p x q), G's and M's counts (docs x p, docs x q). For bool presence in
    the smallest unsigned type that holds a document's number of units (a byte per cell, not 8: the same whole
    numbers); for float presence in float, as before."""
    small = G.dtype == bool and M.dtype == bool
    dtype: Any = np.min_scalar_type(int(np.bincount(inverse, minlength=n_docs).max()) if len(inverse) else 0) \
        if small else np.result_type(G.dtype, M.dtype, float)
    T11 = np.zeros((n_docs, G.shape[1], M.shape[1]), dtype=dtype)
    for i in range(G.shape[1]):  # only the units with measure i (a few percent): no sorted copy of G and M
        rows = np.flatnonzero(G[:, i])
        both = M[rows].astype(dtype) if small else G[rows, i:i + 1].astype(float) * M[rows]
        np.add.at(T11[:, i, :], inverse[rows], both)
    Tg = np.zeros((n_docs, G.shape[1]), dtype=dtype)
    Tm = np.zeros((n_docs, M.shape[1]), dtype=dtype)
    np.add.at(Tg, inverse, G)
    np.add.at(Tm, inverse, M)
    return T11, Tg, Tm


def weighted_sums(w: np.ndarray, T: np.ndarray, cells: int = WEIGHT_CELLS) -> np.ndarray:
    """`w @ T` in float (T's trailing axes flattened), T's rows made float a slice of about `cells` cells at a time
    when T holds integers: the same numbers as one product of a float copy (whole numbers add up exactly)."""
    T2 = T.reshape(len(T), -1)
    if T2.dtype == float:
        return np.asarray(w @ T2)
    out = np.zeros((len(w), T2.shape[1]))
    step = max(1, cells // max(1, T2.shape[1]))
    for a in range(0, len(T2), step):
        out += w[:, a:a + step] @ T2[a:a + step].astype(float)
    return out


def cross_counts(G: np.ndarray, M: np.ndarray, step: int = CROSS_ROWS) -> np.ndarray:
    """G.T @ M as floats: for bool G and M, `step` rows at a time as float (exact: sums of 0/1 below 2**53, so
    the same numbers as one product of float copies of the whole arrays)."""
    if bool not in (G.dtype, M.dtype):
        return np.asarray(G.T @ M, dtype=float)
    out = np.zeros((G.shape[1], M.shape[1]))
    for a in range(0, len(G), step):
        out += G[a:a + step].astype(float).T @ M[a:a + step].astype(float)
    return out


def cmh_p(G: np.ndarray, M: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Two-sided Cochran-Mantel-Haenszel p (continuity-corrected, 1 df) for every pair of G x M columns, with
    `groups` as strata: the co-presence count against its exact mean and variance when G's rows are shuffled
    within each group (sums of hypergeometric moments)."""
    from scipy.stats import chi2

    k = int(groups.max()) + 1 if len(groups) else 0
    n_g = np.bincount(groups, minlength=k).astype(float)
    g_g = np.zeros((k, G.shape[1]))
    m_g = np.zeros((k, M.shape[1]))
    np.add.at(g_g, groups, G)
    np.add.at(m_g, groups, M)
    n11 = cross_counts(G, M)
    use = n_g > 1  # a group of one unit cannot be shuffled: it adds nothing to the mean's spread
    n_u, g_u, m_u = n_g[use], g_g[use], m_g[use]
    expected = (g_u / n_u[:, None]).T @ m_u + (g_g[~use].T @ m_g[~use])
    var = ((g_u * (n_u[:, None] - g_u)) / (n_u ** 2 * (n_u - 1))[:, None]).T @ (m_u * (n_u[:, None] - m_u))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.maximum(np.abs(n11 - expected) - 0.5, 0.0) ** 2 / var
    return np.where(var > 0, chi2.sf(stat, 1), 1.0)


def _array(values: Sequence[object] | np.ndarray) -> np.ndarray:
    """An array as it is; any other sequence as an object array."""
    return values if isinstance(values, np.ndarray) else np.asarray(list(values), dtype=object)


def _subset(a: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The rows of `a` where `mask` holds (`a` itself, not a copy, when it holds everywhere)."""
    return a if mask.all() else a[mask]


def _presence(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Units x columns: whether each count is positive (bool; presence columns as they are)."""
    values = frame[columns].to_numpy()
    return values if values.dtype == bool else np.asarray(values > 0, dtype=bool)


def _stage_codes(stages: Sequence[str] | np.ndarray, names: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """(small integer code per unit, the stage names in sorted order): codes rank the names as sorting them does,
    so groups made of codes are the groups (and group order) made of the names. `names`: `stages` are already
    integer codes into it."""
    if names is None:
        uniques, inverse = np.unique(_array(stages), return_inverse=True)
        return inverse.reshape(-1).astype(np.int16), [str(u) for u in uniques]
    order = sorted(range(len(names)), key=lambda k: str(names[k]))
    rank = np.empty(max(len(names), 1), dtype=np.int16)
    rank[order] = np.arange(len(order), dtype=np.int16)
    return rank[np.asarray(stages)], [str(names[k]) for k in order]


def measures_constructs(entry_counts: pd.DataFrame, entry_docs: Sequence[str] | np.ndarray,
                        entry_stages: Sequence[str] | np.ndarray,
                        measure_items: dict[str, list[str]], construct_items: dict[str, list[str]],
                        stage_ids: Sequence[str], *, n_boot: int = 1000, n_perm: int = 999, ci: float = 0.95,
                        seed: int = 0, min_docs: int = 5,
                        stage_names: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The Fig. 2 table: one row per (level, unit, stage, measure item, construct item).

    `entry_counts` has one row per entry and a hit-count (or presence) column per item id; `measure_items` and
    `construct_items` map level ("construct" | "variable") to the item ids of each side. `entry_docs` may be
    integer codes (an array) whose order is the order of the document ids, and `entry_stages` integer codes into
    `stage_names`: the same table, without a Python string per entry. Presence stays bool (1 byte per unit and
    item) through the tests; stages are small integer codes, documents integer ranks."""
    notes: list[str] = []
    docs_arr = _array(entry_docs)
    stage_codes, names = _stage_codes(entry_stages, stage_names)
    code_of = {name: k for k, name in enumerate(names)}
    declared = np.array([code_of[s] for s in stage_ids if s in code_of], dtype=stage_codes.dtype)
    rows: list[dict[str, object]] = []
    for level in ("construct", "variable"):
        left, right = measure_items.get(level, []), construct_items.get(level, [])
        if not left or not right:
            continue
        E_left = _presence(entry_counts, left)  # 1 byte per entry and item
        E_right = _presence(entry_counts, right)
        n_all_docs, inv = unique_inverse(docs_arr)  # documents as ranks in the order of their ids
        D_left = np.zeros((n_all_docs, len(left)), dtype=bool)
        D_right = np.zeros((n_all_docs, len(right)), dtype=bool)
        for D_side, E_side in ((D_left, E_left), (D_right, E_right)):
            for j in range(E_side.shape[1]):
                D_side[inv[E_side[:, j]], j] = True
        doc_stage = np.empty(n_all_docs, dtype=stage_codes.dtype)
        doc_stage[inv] = stage_codes
        doc_rank = np.arange(n_all_docs)
        for stage in [ALL, *stage_ids]:
            if stage == ALL:
                e_mask, d_mask = np.isin(stage_codes, declared), np.isin(doc_stage, declared)
            else:
                k = code_of.get(stage, -1)
                e_mask, d_mask = stage_codes == k, doc_stage == k
            n_docs = int(d_mask.sum())
            if n_docs < min_docs:
                if stage != ALL:
                    notes.append(f"measures x constructs ({level}): stage {stage!r} has {n_docs} document(s), fewer "
                                 f"than {min_docs}: left out")
                continue
            for unit in ("entry", "document"):
                if unit == "entry":  # presence stays bool (association takes it as it is)
                    G, M = _subset(E_left, e_mask), _subset(E_right, e_mask)
                    docs_u, strata = _subset(docs_arr, e_mask), _subset(stage_codes, e_mask)
                else:
                    G, M, docs_u, strata = D_left[d_mask], D_right[d_mask], doc_rank[d_mask], doc_stage[d_mask]
                perms = affordable(n_perm, len(G))
                use_cmh = n_perm > 0 and len(G) * MIN_PERM > PERM_BUDGET
                if use_cmh:
                    perms = 0
                    notes.append(f"measures x constructs ({level}, {unit}, {stage}): {len(G):,} units, more than "
                                 f"{MIN_PERM} permutations fit in the time budget: p from the Cochran-Mantel-Haenszel "
                                 f"test (strata: {'documents' if unit == 'entry' else 'stages'}), the large-sample "
                                 f"form of the permutation test")
                elif perms < n_perm:
                    notes.append(f"measures x constructs ({level}, {unit}, {stage}): {perms} permutations instead of "
                                 f"{n_perm} ({len(G)} units; time budget)")
                res = association(G, M, docs_u, strata, n_boot=n_boot, n_perm=perms, ci=ci,
                                  within="doc" if unit == "entry" else "strata",
                                  rng=rng_for(seed, "fig2", level, unit, str(stage)), cmh=use_cmh)
                for i, a in enumerate(left):
                    for j, b in enumerate(right):
                        n11, g1, m1, n = (int(res[k][i, j]) for k in ("n11", "g1", "m1", "n"))
                        rows.append({"level": level, "unit": unit, "stage": stage, "measure": a, "construct": b,
                                     "n_units": n, "n_docs": n_docs, "n_both": n11, "n_measure_only": g1 - n11,
                                     "n_construct_only": m1 - n11, "n_neither": n - g1 - m1 + n11,
                                     "log_or": float(res["log_or"][i, j]), "lo": float(res["lo"][i, j]),
                                     "hi": float(res["hi"][i, j]), "p_perm": float(res["p"][i, j]),
                                     "n_perm": perms})
                del G, M, docs_u, strata, res
        del E_left, E_right, D_left, D_right, inv
    frame = pd.DataFrame(rows, columns=list(schema.MEASURES_CONSTRUCTS))
    frame["family"] = [f"{lv} x {u}, {st}" for lv, u, st in zip(frame["level"], frame["unit"], frame["stage"],
                                                                 strict=True)]
    for _, idx in frame.groupby("family", sort=False).groups.items():
        p = [float(x) for x in frame.loc[idx, "p_perm"]]
        frame.loc[idx, "p_holm"] = holm(p)
        frame.loc[idx, "p_bh"] = bh(p)
    for col in ("log_or", "lo", "hi"):
        frame[col] = frame[col].astype(float).round(4)
    return frame, notes
