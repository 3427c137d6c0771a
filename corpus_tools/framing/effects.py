"""Adjusted stage effects: a document-level count model of each variable's and construct's hits on stage
plus covariates (source type, language, any metadata column), with the log token count as offset.

Negative binomial (NB2, dispersion estimated by maximum likelihood; statsmodels `NegativeBinomial`) is the
model; when it fails (no convergence, singular Hessian, non-finite estimates) a Poisson GLM with robust
(HC0 sandwich) errors is used instead and the `model` column says so (Cameron & Trivedi 2013, ch. 3).
Every pair of stages is a contrast; the unadjusted IRR (stage only, same model family) sits beside it.
"""

from __future__ import annotations

import contextlib
import gc
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.matrix import DocMatrix
from corpus_tools.framing.multiplicity import bh, holm

DEFAULT_COVARIATES = ("source_type", "lang")
MIN_DOCS = 5
MAX_LOG_IRR = 20.0  # |log IRR| beyond this (IRR > 4.8e8) signals a degenerate fit, not an effect
NB = "negative binomial"
POISSON_HC = "poisson (robust HC0 errors; NB failed)"
POISSON_NO_OVERDISPERSION = "poisson (robust HC0 errors; NB failed: no overdispersion)"


@dataclass
class EffectsResult:
    """The stage effects table and notes on what was left out and why."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    adjusted_for: list[str] = field(default_factory=list)


@dataclass
class _Fit:
    model: str
    params: np.ndarray
    cov: np.ndarray
    names: list[str]
    note: str = ""


def covariate_columns(docs: pd.DataFrame, adjust: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(usable covariate columns, notes): the defaults (source type, language) when `adjust` is None,
    else the named columns; names that are not document columns are reported and left out."""
    notes: list[str] = []
    wanted = list(DEFAULT_COVARIATES) if adjust is None else [a.strip() for a in adjust if a.strip()]
    cols: list[str] = []
    for c in wanted:
        if c in ("stage", "doc_id", "text", "path"):
            notes.append(f"adjustment column {c!r} cannot be a covariate of the stage model: left out")
        elif c not in docs.columns:
            avail = ", ".join(sorted(c for c in docs.columns if c not in ("text", "path", "doc_id", "sha1")))
            notes.append(f"adjustment column {c!r} is not a document column: left out (available: {avail})")
        elif c not in cols:
            cols.append(c)
    return cols, notes


def _levels(values: pd.Series, min_docs: int) -> tuple[list[str], str, list[str]]:
    """(kept levels, reference level, pooled rare levels) of one categorical covariate."""
    counts = values.value_counts()  # most frequent first: it is the reference level
    rare = sorted(str(v) for v, n in counts.items() if n < min_docs)
    kept = [str(v) for v, n in counts.items() if n >= min_docs] + (["(rare)"] if rare else [])
    return kept, kept[0], rare


def _design(docs: pd.DataFrame, stages: Sequence[str], covariates: Sequence[str],
            min_docs: int) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """Design matrix (intercept, stage dummies with the first stage as reference, covariate dummies),
    column names, notes, and the covariates actually used (those that vary)."""
    n = len(docs)
    cols = [np.ones(n)]
    names = ["const"]
    stage_vals = docs["stage"].astype(str).to_numpy()
    for s in stages[1:]:
        cols.append((stage_vals == s).astype(float))
        names.append(f"stage[{s}]")
    notes: list[str] = []
    used: list[str] = []
    for cov in covariates:
        raw = docs[cov]
        if _is_numeric(raw):
            vals = raw.astype(float)
            if vals.isna().any():
                notes.append(f"covariate {cov!r} has {int(vals.isna().sum())} missing value(s): set to the mean")
                vals = vals.fillna(vals.mean())
            if vals.nunique() < 2:
                continue
            cols.append(((vals - vals.mean()) / (vals.std() or 1.0)).to_numpy())
            names.append(f"{cov} (z)")
            used.append(cov)
            continue
        labels = raw.astype(object).where(raw.notna(), "unknown").astype(str).replace("", "unknown")
        per_level = pd.crosstab(labels, docs["stage"].astype(str))
        if len(per_level) > 1 and bool(((per_level > 0).sum(axis=1) == 1).all()):
            notes.append(f"covariate {cov!r} is nested within stage (each of its values occurs in one stage only): "
                         "adjusting for it would leave no stage effect to estimate, so it is left out")
            continue
        kept, ref, rare = _levels(labels, min_docs)
        if rare:
            labels = labels.where(~labels.isin(rare), "(rare)")
            notes.append(f"covariate {cov!r}: level(s) {', '.join(rare)} with fewer than {min_docs} documents "
                         "pooled as '(rare)'")
        if len(kept) < 2:
            continue
        arr = labels.to_numpy()
        for lev in kept:
            if lev != ref:
                cols.append((arr == lev).astype(float))
                names.append(f"{cov}[{lev}]")
        used.append(cov)
    return np.column_stack(cols), names, notes, used


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series) and \
        series.nunique(dropna=True) > 10


def _full_rank(X: np.ndarray, names: list[str], keep_first: int) -> tuple[np.ndarray, list[str], list[str]]:
    """Drop covariate columns that add no rank (aliased with stage or other covariates); return the dropped."""
    kept: list[int] = list(range(keep_first))
    dropped: list[str] = []
    rank = int(np.linalg.matrix_rank(X[:, kept])) if kept else 0
    for j in range(keep_first, X.shape[1]):
        r = int(np.linalg.matrix_rank(X[:, [*kept, j]]))
        if r > rank:
            kept.append(j)
            rank = r
        else:
            dropped.append(names[j])
    return X[:, kept], [names[j] for j in kept], dropped


def fit_counts(y: np.ndarray, X: np.ndarray, offset: np.ndarray, names: list[str], *,
               force_poisson: bool = False) -> _Fit | None:
    """Fit NB2 with offset; fall back to Poisson with HC0 errors; None when both fail."""
    import statsmodels.api as sm

    gc.collect(1)  # earlier fits' results and models refer to each other: collect them before this one allocates

    note = ""
    if not force_poisson:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = sm.NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(disp=0, maxiter=300)
            params = np.asarray(res.params)[:X.shape[1]]
            cov = np.asarray(res.cov_params())[:X.shape[1], :X.shape[1]]
            ok = bool(res.mle_retvals.get("converged", False)) and np.all(np.isfinite(params)) and \
                np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0)
            _drop_data(res)
            if ok:
                return _Fit(NB, params, cov, names)
            note = "negative binomial did not converge"
        except Exception as exc:  # statsmodels raises assorted linear-algebra and value errors
            note = f"negative binomial failed ({type(exc).__name__})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(cov_type="HC0", maxiter=300)
        params = np.asarray(res.params)
        cov = np.asarray(res.cov_params())
        # NB2's dispersion estimate runs to its boundary (alpha -> 0) when the counts are not
        # overdispersed: Poisson is then the model NB reduces to, and the label says which case this is
        dispersion = float(res.pearson_chi2 / res.df_resid) if res.df_resid > 0 else float("nan")
        converged = bool(res.converged)
        _drop_data(res)
        del res
        # the IRLS fit leaves cycles that outlive gc.collect(1) (its weighted design, about 55 MB at 100,000
        # documents): a full collection, only after this fallback (a fraction of a second)
        gc.collect()
        if converged and np.all(np.isfinite(params)) and np.all(np.isfinite(cov)):
            label = ("poisson (robust HC0 errors)" if force_poisson else
                     POISSON_NO_OVERDISPERSION if dispersion <= 1.0 else POISSON_HC)
            return _Fit(label, params, cov, names, note)
    except Exception:
        pass
    return None


def _drop_data(res: Any) -> None:
    """Let a statsmodels result's copies of the data go now: the result and its model refer to each other, so
    they wait for the cyclic garbage collector, and at 100,000 documents the design matrices of dozens of fits
    piled up (about 450 MB)."""
    with contextlib.suppress(Exception):  # a result without data to remove: nothing to free early
        res.remove_data()


def _contrast(fit: _Fit, a: str, b: str, z: float) -> tuple[float, float, float, float]:
    """IRR of stage b against stage a, its interval and two-sided Wald p."""
    from scipy.stats import norm

    L = np.zeros(len(fit.names))
    for s, sign in ((b, 1.0), (a, -1.0)):
        name = f"stage[{s}]"
        if name in fit.names:
            L[fit.names.index(name)] += sign
    est = float(L @ fit.params)
    se = float(math.sqrt(max(float(L @ fit.cov @ L), 0.0)))
    if not se or not math.isfinite(se) or abs(est) > MAX_LOG_IRR:
        # a degenerate fit (separation, near-aliasing): no interval or test rather than an absurd one
        return (_exp(est), float("nan"), float("nan"), float("nan"))
    p = float(2 * norm.sf(abs(est / se)))
    return _exp(est), _exp(est - z * se), _exp(est + z * se), p


def _exp(x: float) -> float:
    """exp without overflow (inf beyond float range)."""
    return math.exp(x) if x < 709 else float("inf")


def stage_effects(matrix: DocMatrix, docs: pd.DataFrame, stage_ids: Sequence[str], *,
                  adjust: Sequence[str] | None = None, lexicon_of: Mapping[str, str] | None = None,
                  stage_labels: Sequence[str] | None = None, min_docs: int = MIN_DOCS, ci: float = 0.95,
                  levels: Sequence[str] = ("construct", "variable")) -> EffectsResult:
    """IRR of every pair of stages for every item, adjusted for the covariates and unadjusted.

    `docs` is in `matrix` order; `stage_labels` overrides docs["stage"] (sensitivity analyses). Stages
    with fewer than `min_docs` documents, and documents without tokens, are left out. p_holm and p_bh
    adjust over the whole table (one family); p_adj is the declared correction (Holm).
    """
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + ci / 2))
    lexicon_of = lexicon_of or {}
    covs, notes = covariate_columns(docs, adjust)
    frame_docs = docs[["stage", *covs]].reset_index(drop=True)  # the columns the model uses (never the texts)
    if stage_labels is not None:
        frame_docs["stage"] = list(stage_labels)
    stage_arr = frame_docs["stage"].astype(str).to_numpy()
    stages = []
    for s in stage_ids:
        n = int((stage_arr == s).sum())
        if n == 0:
            notes.append(f"stage {s!r} has no documents: no stage effect involves it")
        elif n < min_docs:
            notes.append(f"stage {s!r} has {n} document(s), fewer than {min_docs}: no stage effect involves it")
        else:
            stages.append(s)
    columns = list(schema.STAGE_EFFECTS)
    if len(stages) < 2:
        notes.append("fewer than two stages with enough documents: no stage effects")
        return EffectsResult(pd.DataFrame(columns=columns), notes, covs)
    keep = np.isin(stage_arr, stages) & (matrix.n_tokens > 0)
    sub_docs = frame_docs[keep].reset_index(drop=True)
    X_full, names_full, design_notes, used = _design(sub_docs, stages, covs, min_docs)
    notes.extend(design_notes)
    for c in covs:
        if c not in used and not any(n.startswith(f"covariate {c!r} is nested") for n in design_notes):
            notes.append(f"covariate {c!r} does not vary among the staged documents: not adjusted for")
    k_stage = len(stages)  # intercept + stage dummies
    X_adj, names_adj, aliased = _full_rank(X_full, names_full, k_stage)
    if aliased:
        notes.append(f"covariate level(s) {', '.join(aliased)} cannot be separated from stage (aliased in the "
                     "design): left out of the adjustment, so the stage effect includes them")
    X_un, names_un = X_full[:, :k_stage], names_full[:k_stage]
    counts = matrix.counts[keep]
    offset = np.log(matrix.n_tokens[keep])
    sub_stage = sub_docs["stage"].astype(str).to_numpy()
    adjusted_for = ", ".join(used) if used else "nothing"
    rows: list[dict[str, Any]] = []
    for j, (level, construct, item) in enumerate(matrix.items):
        if level not in levels:
            continue
        y = counts[:, j]
        lex = lexicon_of.get(item, lexicon_of.get(construct, ""))
        base = {"lexicon": lex, "level": level, "variable": item, "adjusted_for": adjusted_for}
        zero_stages = [s for s in stages if y[sub_stage == s].sum() == 0]
        live = [s for s in stages if s not in zero_stages]
        rows_item = []
        fits: dict[str, _Fit | None] = {}
        fit_note = ""
        if len(live) >= 2:
            rows_mask = np.isin(sub_stage, live)
            # covariate levels without any hit of this item have an MLE of -inf: their documents carry no
            # information on the other coefficients, so they are left out of this item's fit (and said so)
            Xa, na, dropped_levels = _drop_zero_levels(X_adj[rows_mask], names_adj, y[rows_mask], k_stage)
            Xa, na = _live_stage_columns(Xa, na, stages, live)
            Xu, nu = _live_stage_columns(X_un[rows_mask], names_un, stages, live)
            row_keep = _rows_with_levels(X_adj[rows_mask], names_adj, dropped_levels)
            yy, oo = y[rows_mask], offset[rows_mask]
            # left-out rows can make a covariate column empty or constant: keep the design of full rank
            Xk, nk, _ = _full_rank(Xa[row_keep], na, len(live))
            fits["adj"] = fit_counts(yy[row_keep], Xk, oo[row_keep], nk)
            fits["un"] = fit_counts(yy, Xu, oo, nu)
            n_fit = int(row_keep.sum())
            if dropped_levels:
                fit_note = (f"documents of {', '.join(dropped_levels)} (no hits of this item) left out of the "
                            "adjusted fit")
        else:
            n_fit = 0
        for a, b in combinations(stages, 2):
            ya, yb = y[sub_stage == a], y[sub_stage == b]
            ta, tb = np.exp(offset[sub_stage == a]).sum(), np.exp(offset[sub_stage == b]).sum()
            row: dict[str, Any] = {**base, "contrast": f"{b} vs {a}", "stage_a": a, "stage_b": b,
                                   "n_docs": n_fit, "n_docs_a": len(ya), "n_docs_b": len(yb),
                                   "hits_a": int(ya.sum()), "hits_b": int(yb.sum()),
                                   "rate_a": 1000 * ya.sum() / ta, "rate_b": 1000 * yb.sum() / tb}
            notes_row = [fit_note] if fit_note else []
            if a in zero_stages or b in zero_stages:
                empty = [s for s in (a, b) if s in zero_stages]
                notes_row.append(f"no hits in {', '.join(empty)}: IRR undefined (no interval or test)")
                row.update(model="none")
            elif fits.get("adj") is None or fits.get("un") is None:
                notes_row.append("neither negative binomial nor Poisson converged: no estimate")
                row.update(model="none")
            else:
                fa, fu = fits["adj"], fits["un"]
                assert fa is not None and fu is not None
                irr, lo, hi, p = _contrast(fa, a, b, z)
                uirr, ulo, uhi, up = _contrast(fu, a, b, z)
                row.update(irr=irr, irr_lo=lo, irr_hi=hi, p=p, irr_unadj=uirr, irr_unadj_lo=ulo,
                           irr_unadj_hi=uhi, p_unadj=up, model=fa.model)
                if fa.note:
                    notes_row.append(fa.note)
                if math.isnan(lo):
                    notes_row.append("degenerate fit (separation or a covariate nearly aliased with stage): no "
                                     "interval or test")
            row["note"] = "; ".join(n for n in notes_row if n)
            rows_item.append(row)
        rows.extend(rows_item)
    frame = pd.DataFrame(rows).reindex(columns=columns)
    pvals = [float(x) for x in frame["p"]]
    frame["p_holm"] = holm(pvals)
    frame["p_bh"] = bh(pvals)
    frame["p_adj"] = frame["p_holm"]
    frame["p_unadj_holm"] = holm([float(x) for x in frame["p_unadj"]])
    for col in ("irr", "irr_lo", "irr_hi", "irr_unadj", "irr_unadj_lo", "irr_unadj_hi", "rate_a", "rate_b"):
        frame[col] = frame[col].astype(float).round(4)
    fallback = frame["model"].astype(str).str.startswith("poisson")
    if fallback.any():
        notes.append(f"{int(fallback.sum())} stage contrast(s) use the Poisson fallback with robust errors "
                     "(negative binomial failed): see the model column")
    return EffectsResult(frame, notes, used)


def _drop_zero_levels(X: np.ndarray, names: list[str], y: np.ndarray,
                      k_stage: int) -> tuple[np.ndarray, list[str], list[str]]:
    """Remove covariate dummy columns whose documents have no hits (their rows are removed by the caller)."""
    keep_cols = list(range(k_stage))
    dropped = []
    for j in range(k_stage, X.shape[1]):
        is_dummy = set(np.unique(X[:, j])) <= {0.0, 1.0}
        if is_dummy and X[:, j].sum() > 0 and y[X[:, j] == 1].sum() == 0:
            dropped.append(names[j])
        else:
            keep_cols.append(j)
    return X[:, keep_cols], [names[j] for j in keep_cols], dropped


def _rows_with_levels(X: np.ndarray, names: list[str], levels: list[str]) -> np.ndarray:
    """True for rows that belong to none of the given dummy columns."""
    keep = np.ones(X.shape[0], dtype=bool)
    for lev in levels:
        keep &= X[:, names.index(lev)] == 0
    return keep


def _live_stage_columns(X: np.ndarray, names: list[str], stages: Sequence[str],
                        live: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Keep only the dummies of stages still in the fit, re-referenced to the first live stage."""
    if list(live) == list(stages):
        return X, names
    cols, out_names = [X[:, 0]], ["const"]
    for s in live[1:]:
        cols.append(X[:, names.index(f"stage[{s}]")] if f"stage[{s}]" in names else
                    np.zeros(X.shape[0]))
        out_names.append(f"stage[{s}]")
    for j, nm in enumerate(names):
        if not nm.startswith("stage[") and nm != "const":
            cols.append(X[:, j])
            out_names.append(nm)
    return np.column_stack(cols), out_names
