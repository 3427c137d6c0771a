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
    codes, inverse = np.unique(docs, return_inverse=True)
    D = len(codes)
    if D >= 2 and n_boot > 0:
        T11 = np.zeros((D, G.shape[1], M.shape[1]))  # per document co-presence counts (exact: sums of 0/1)
        for i in range(G.shape[1]):  # only the units with measure i (a few percent): no sorted copy of G and M
            rows = np.flatnonzero(G[:, i])
            np.add.at(T11[:, i, :], inverse[rows], G[rows, i:i + 1].astype(float) * M[rows])
        Tg = np.zeros((D, G.shape[1]))
        Tm = np.zeros((D, M.shape[1]))
        np.add.at(Tg, inverse, G)
        np.add.at(Tm, inverse, M)
        Tn = np.bincount(inverse, minlength=D).astype(float)
        block = block_size(D, _BOOT_BLOCK)
        T11_flat = T11.reshape(D, -1)  # weights x counts as one matrix product (BLAS; exact: integer sums)
        reps = np.concatenate([  # B x p x q, in blocks of replicates: B x D weights at 100,000 documents are GBs
            _log_or((w @ T11_flat).reshape(len(w), *T11.shape[1:]), w @ Tg, w @ Tm, w @ Tn)
            for w in (rng.multinomial(D, np.full(D, 1.0 / D), size=min(block, n_boot - b0)).astype(float)
                      for b0 in range(0, n_boot, block))])
        out["lo"], out["hi"] = np.quantile(reps, alpha, axis=0), np.quantile(reps, 1 - alpha, axis=0)
    else:
        out["lo"] = out["hi"] = np.full(n11.shape, np.nan)
    groups = inverse if within == "doc" else np.unique(strata, return_inverse=True)[1]  # what the null keeps
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


def measures_constructs(entry_counts: pd.DataFrame, entry_docs: Sequence[str] | np.ndarray,
                        entry_stages: Sequence[str] | np.ndarray,
                        measure_items: dict[str, list[str]], construct_items: dict[str, list[str]],
                        stage_ids: Sequence[str], *, n_boot: int = 1000, n_perm: int = 999, ci: float = 0.95,
                        seed: int = 0, min_docs: int = 5) -> tuple[pd.DataFrame, list[str]]:
    """The Fig. 2 table: one row per (level, unit, stage, measure item, construct item).

    `entry_counts` has one row per entry and a hit-count (or presence) column per item id; `measure_items` and
    `construct_items` map level ("construct" | "variable") to the item ids of each side. `entry_docs` may be
    integer codes (an array) whose order is the order of the document ids: the same table, without a Python
    string per entry. Entry presence stays bool (1 byte per entry and item) through the tests."""
    notes: list[str] = []
    docs_arr = _array(entry_docs)
    stages_arr = _array(entry_stages)
    rows: list[dict[str, object]] = []
    for level in ("construct", "variable"):
        left, right = measure_items.get(level, []), construct_items.get(level, [])
        if not left or not right:
            continue
        E_left = np.asarray(entry_counts[left].to_numpy() > 0, dtype=bool)  # presence: 1 byte per entry and item
        E_right = np.asarray(entry_counts[right].to_numpy() > 0, dtype=bool)
        doc_ids, inv = np.unique(docs_arr, return_inverse=True)
        D_left = np.zeros((len(doc_ids), len(left)))
        D_right = np.zeros((len(doc_ids), len(right)))
        np.maximum.at(D_left, inv, E_left)
        np.maximum.at(D_right, inv, E_right)
        doc_stage = np.empty(len(doc_ids), dtype=object)
        doc_stage[inv] = stages_arr
        del inv
        for stage in [ALL, *stage_ids]:
            e_mask = np.isin(stages_arr, list(stage_ids)) if stage == ALL else stages_arr == stage
            d_mask = np.isin(doc_stage, list(stage_ids)) if stage == ALL else doc_stage == stage
            n_docs = int(d_mask.sum())
            if n_docs < min_docs:
                if stage != ALL:
                    notes.append(f"measures x constructs ({level}): stage {stage!r} has {n_docs} document(s), fewer "
                                 f"than {min_docs}: left out")
                continue
            for unit in ("entry", "document"):
                if unit == "entry":  # presence stays bool (association takes it as it is)
                    G, M = _subset(E_left, e_mask), _subset(E_right, e_mask)
                    docs_u, strata = _subset(docs_arr, e_mask), _subset(stages_arr, e_mask)
                else:
                    G, M, docs_u, strata = D_left[d_mask], D_right[d_mask], doc_ids[d_mask], doc_stage[d_mask]
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
