"""Reliability statistics for one coding matrix, wrapping scikit-learn, statsmodels and `krippendorff`.

Data are "reliability data" as in Krippendorff (2011) and the `krippendorff` package: one row per coder,
one column per unit, NaN (or None) where a coder did not code a unit. Every function returns a `Stat`;
data that make a statistic undefined (one coder, no unit coded twice, no variance) give a `Stat` whose
value is None and whose `note` says why, never NaN or an exception.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from corpus_tools import schema
from corpus_tools.errors import AgreementError

METRICS = schema.AGREEMENT_METRICS  # declared once, in schema.py
LEVELS = ("nominal", "ordinal", "interval", "ratio")
MIN_VALID_SHARE = 0.5  # report no interval when fewer resamples than this share give a defined value

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Stat:
    """One statistic: value (None when undefined), bootstrap interval, units and coders used, and a note."""

    metric: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n_units: int = 0
    n_coders: int = 0
    note: str = ""
    # Krippendorff's alpha only: share of bootstrap replicates below the conventional minima
    # (.667 tentative, .800 reliable), q(alpha < alpha_min) of Hayes & Krippendorff (2007)
    q_below: tuple[float, float] | None = None

    @property
    def defined(self) -> bool:
        """True when the statistic has a value."""
        return self.value is not None


def as_reliability_data(data: Any) -> Array:
    """Coders x units float matrix with NaN for missing values (None, NaN, "" and "." count as missing)."""
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype.kind == "f":
        return data
    rows = [list(r) for r in data]
    if not rows:
        return np.empty((0, 0))
    width = {len(r) for r in rows}
    if len(width) != 1:
        raise AgreementError("reliability data must have the same number of units for every coder")

    def num(v: Any) -> float:
        if v is None or (isinstance(v, str) and v.strip() in ("", ".", "*")):
            return float("nan")
        try:
            return float(v)
        except (TypeError, ValueError) as exc:
            raise AgreementError(f"reliability data hold a non-numeric value {v!r}",
                                 hint="code categories as numbers (e.g. 0/1 for absent/present)") from exc

    return np.array([[num(v) for v in r] for r in rows], dtype=float)


@dataclass
class _Prepared:
    """Data reduced to what the estimators need: pairable units, category indices and value counts."""

    data: Array  # coders x pairable units
    domain: Array  # sorted category values
    counts: Array  # pairable units x categories
    n_coders: int
    n_dropped: int  # units coded by fewer than two coders
    kept: Array  # column index (in the input) of each pairable unit

    @property
    def n_units(self) -> int:
        return int(self.data.shape[1])


def _prepare(data: Any, domain: Sequence[float] | None) -> _Prepared:
    m = as_reliability_data(data)
    if m.size == 0:  # no units at all: coders (rows) still count, so the note can say "no overlap"
        n_rows = m.shape[0] if m.ndim == 2 else 0
        return _Prepared(np.empty((0, 0)), np.array(sorted(domain or ()), dtype=float), np.empty((0, 0)), n_rows,
                         0, np.array([], dtype=int))
    coded = ~np.isnan(m)
    m = m[coded.any(axis=1)]  # coders without any value do not take part
    coded = ~np.isnan(m)
    pairable = coded.sum(axis=0) >= 2
    values = np.unique(m[coded]) if coded.any() else np.array([])
    dom = np.array(sorted(set(values.tolist()) | set(domain or ())), dtype=float)
    sub = m[:, pairable]
    counts = np.stack([(sub == v).sum(axis=0) for v in dom], axis=1) if len(dom) else np.empty((sub.shape[1], 0))
    return _Prepared(sub, dom, counts.astype(float), int(m.shape[0]), int((~pairable).sum()),
                     np.flatnonzero(pairable))


def _no_data_note(p: _Prepared) -> str:
    if p.n_coders < 2:
        return "only one coder: agreement needs at least two" if p.n_coders else "no codings"
    if p.n_units == 0:
        return "no unit was coded by two or more coders (no overlap)"
    return ""


def _label(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _no_variance_note(counts: Array, domain: Array) -> str:
    used = counts.sum(axis=0) > 0
    if used.sum() >= 2:
        return ""
    value = _label(domain[used][0]) if used.any() else "?"
    return (f"no variance: every coding of the {len(counts)} units is {value}, so chance-corrected agreement "
            f"is undefined (percent agreement is 100%)")


def _quiet(fn: Callable[[], float]) -> float:
    """Run an estimator with its warnings silenced; any non-finite result becomes NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(fn())
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return float("nan")
    return value if np.isfinite(value) else float("nan")


# --- the estimators (each on a prepared matrix, each also usable on a resample of its units) -------------
def _pct(counts: Array) -> float:
    n = counts.sum(axis=1)
    pairs = (n * (n - 1)).sum()
    return float((counts * (counts - 1)).sum() / pairs) if pairs else float("nan")


def _alpha(counts: Array, domain: Array, level: str) -> float:
    import krippendorff

    return _quiet(lambda: krippendorff.alpha(value_counts=counts, value_domain=list(domain),
                                             level_of_measurement=level))  # type: ignore[arg-type]


def _cohen_table(a: Array, b: Array, k: int) -> Array:
    return np.bincount(a * k + b, minlength=k * k).reshape(k, k)


def _cohen_from_table(table: Array) -> float:
    from statsmodels.stats.inter_rater import cohens_kappa

    return _quiet(lambda: cohens_kappa(table, return_results=False))


def _fleiss(counts: Array) -> float:
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    return _quiet(lambda: sm_fleiss(counts, method="fleiss"))


# --- public wrappers -------------------------------------------------------------------------------------
def percent_agreement(data: Any, domain: Sequence[float] | None = None) -> Stat:
    """Share of agreeing coder pairs among all pairs of codings of the same unit (pooled over units)."""
    p = _prepare(data, domain)
    note = _no_data_note(p)
    if note:
        return Stat("percent_agreement", None, n_units=p.n_units, n_coders=p.n_coders, note=note)
    return Stat("percent_agreement", _pct(p.counts), n_units=p.n_units, n_coders=p.n_coders,
                note=_dropped_note(p))


def _dropped_note(p: _Prepared) -> str:
    return f"{p.n_dropped} unit(s) coded by only one coder left out" if p.n_dropped else ""


def krippendorff_alpha(data: Any, level: str = "nominal", domain: Sequence[float] | None = None) -> Stat:
    """Krippendorff's alpha (any number of coders, missing values allowed) via the `krippendorff` package."""
    if level not in LEVELS:
        raise AgreementError(f"unknown level of measurement {level!r}", hint=f"one of {', '.join(LEVELS)}")
    p = _prepare(data, domain)
    note = _no_data_note(p) or _no_variance_note(p.counts, p.domain)
    if note:
        return Stat("krippendorff_alpha", None, n_units=p.n_units, n_coders=p.n_coders, note=note)
    value = _alpha(p.counts, p.domain, level)
    return _finish("krippendorff_alpha", value, p.n_units, p.n_coders, _dropped_note(p))


def _finish(metric: str, value: float, n_units: int, n_coders: int, note: str) -> Stat:
    if np.isnan(value):
        return Stat(metric, None, n_units=n_units, n_coders=n_coders,
                    note="undefined for these data (expected disagreement is zero)")
    return Stat(metric, value, n_units=n_units, n_coders=n_coders, note=note)


def cohen_kappa(data: Any, domain: Sequence[float] | None = None) -> Stat:
    """Cohen's kappa for exactly two coders on the units both coded, via scikit-learn."""
    from sklearn.metrics import cohen_kappa_score

    p = _prepare(data, domain)
    note = _no_data_note(p)
    if not note and p.n_coders != 2:
        note = (f"Cohen's kappa compares exactly two coders (here {p.n_coders}); see the pairwise "
                "comparisons, Fleiss' kappa or Krippendorff's alpha")
    note = note or _no_variance_note(p.counts, p.domain)
    if note:
        return Stat("cohen_kappa", None, n_units=p.n_units, n_coders=p.n_coders, note=note)
    labels = list(p.domain)
    value = _quiet(lambda: cohen_kappa_score(p.data[0], p.data[1], labels=labels))
    return _finish("cohen_kappa", value, p.n_units, p.n_coders, _dropped_note(p))


def _complete(p: _Prepared) -> Array:
    """Value counts of the units every coder coded (Fleiss' kappa needs the same coders on every unit)."""
    return p.counts[p.counts.sum(axis=1) == p.n_coders]


def fleiss_kappa(data: Any, domain: Sequence[float] | None = None) -> Stat:
    """Fleiss' kappa on the units coded by every coder, via statsmodels."""
    p = _prepare(data, domain)
    note = _no_data_note(p)
    complete = _complete(p) if not note else np.empty((0, 0))
    if not note and len(complete) == 0:
        note = (f"no unit was coded by all {p.n_coders} coders: Fleiss' kappa needs complete data "
                "(see Krippendorff's alpha)")
    if not note:
        note = _no_variance_note(complete, p.domain)
    if note:
        return Stat("fleiss_kappa", None, n_units=len(complete), n_coders=p.n_coders, note=note)
    left_out = p.n_units + p.n_dropped - len(complete)
    extra = f"on the {len(complete)} units coded by all {p.n_coders} coders ({left_out} left out)" if left_out \
        else ""
    return _finish("fleiss_kappa", _fleiss(complete), len(complete), p.n_coders, extra)


# --- bootstrap -----------------------------------------------------------------------------------------
def seed_for(random_state: int, key: str) -> np.random.Generator:
    """A generator for one statistic: same seed and key, same draws, whatever else is computed."""
    return np.random.default_rng([int(random_state) & 0xFFFFFFFF, zlib.crc32(key.encode("utf-8"))])


def _groups(labels: Array) -> Array | list[Array]:
    """Positions of the units of each cluster (clusters in sorted label order): a 2-D array when all
    clusters have the same size (one indexing step per resample), else a list of arrays."""
    order = np.argsort(labels, kind="stable")
    _, starts, sizes = np.unique(labels[order], return_index=True, return_counts=True)
    if len(sizes) and (sizes == sizes[0]).all():
        return order.reshape(len(sizes), int(sizes[0]))
    return np.split(order, starts[1:])


ALPHA_MINIMA = (0.667, 0.800)  # Krippendorff (2004): tentative conclusions / reliable data


def bootstrap_ci(stat_fn: Callable[[Array], float], n_units: int, n_boot: int, confidence: float,
                 rng: np.random.Generator, groups: Array | list[Array] | None = None,
                 replicates: list[float] | None = None) -> tuple[float | None, float | None, str]:
    """Percentile interval of `stat_fn(unit_positions)` over `n_boot` resamples with replacement, of units
    or (with `groups`) of whole clusters of units, e.g. all codes of one entry. The defined replicate
    values are appended to `replicates` when it is given."""
    n_draw = n_units if groups is None else len(groups)
    if n_boot <= 0 or n_draw < 2:
        return None, None, "" if n_boot <= 0 else "no interval: fewer than two entries"
    draws = rng.integers(0, n_draw, size=(n_boot, n_draw))
    if isinstance(groups, np.ndarray):  # equal clusters: index in one step
        draws = groups[draws].reshape(n_boot, -1)
    elif groups is not None:
        draws = [np.concatenate([groups[g] for g in draw]) for draw in draws]  # type: ignore[assignment]
    values = np.array([stat_fn(idx) for idx in draws], dtype=float)
    valid = values[np.isfinite(values)]
    if replicates is not None:
        replicates.extend(float(v) for v in valid)
    if len(valid) < MIN_VALID_SHARE * n_boot:
        return None, None, (f"no interval: only {len(valid)} of {n_boot} resamples gave a defined value "
                            "(too little variance)")
    tail = (1 - confidence) / 2
    low, high = np.quantile(valid, [tail, 1 - tail])
    note = f"interval from {len(valid)} of {n_boot} resamples (the others had no variance)" \
        if len(valid) < n_boot else ""
    return float(low), float(high), note


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _resampler(metric: str, p: _Prepared, level: str) -> tuple[Callable[[Array], float], Array]:
    """The estimator on a resample (positions among its units) and the input columns of those units."""
    if metric == "percent_agreement":
        return (lambda idx: _pct(p.counts[idx])), p.kept
    if metric == "krippendorff_alpha":
        return (lambda idx: _alpha(p.counts[idx], p.domain, level)), p.kept
    if metric == "cohen_kappa":
        k = len(p.domain)
        cats = np.searchsorted(p.domain, p.data).astype(int)
        return (lambda idx: _cohen_from_table(_cohen_table(cats[0, idx], cats[1, idx], k))), p.kept
    full = p.counts.sum(axis=1) == p.n_coders
    complete = p.counts[full]
    return (lambda idx: _fleiss(complete[idx])), p.kept[full]


ESTIMATORS: dict[str, Callable[..., Stat]] = {
    "percent_agreement": lambda data, level, domain: percent_agreement(data, domain),
    "cohen_kappa": lambda data, level, domain: cohen_kappa(data, domain),
    "fleiss_kappa": lambda data, level, domain: fleiss_kappa(data, domain),
    "krippendorff_alpha": krippendorff_alpha,
}


def reliability(data: Any, *, metrics: Sequence[str] = METRICS, level: str = "nominal",
                domain: Sequence[float] | None = None, n_boot: int = 1000, confidence: float = 0.95,
                random_state: int = 0, key: str = "", clusters: Sequence[int] | Array | None = None) -> list[Stat]:
    """The requested statistics with seeded bootstrap intervals (same seed and key, same intervals).

    Resampling is over units, or over `clusters` (one label per unit, e.g. the entry of each entry x code
    unit) so that units of one entry stay together. Cohen's kappa replicates use statsmodels on the
    resampled contingency table (the estimator of the scikit-learn point estimate, much faster);
    Fleiss' kappa resamples the units every coder coded.
    """
    if not 0 < confidence < 1:
        raise AgreementError(f"confidence must be between 0 and 1, not {confidence}")
    unknown = [m for m in metrics if m not in ESTIMATORS]
    if unknown:
        raise AgreementError(f"unknown agreement metric(s) {', '.join(unknown)}", hint=f"one of {', '.join(METRICS)}")
    p = _prepare(data, domain)
    labels = None if clusters is None else np.asarray(clusters)
    if labels is not None and len(labels) != as_reliability_data(data).shape[1]:
        raise AgreementError("clusters must give one label per unit")
    out: list[Stat] = []
    for metric in metrics:
        stat = ESTIMATORS[metric](data, level, domain)
        if stat.defined:
            fn, columns = _resampler(metric, p, level)
            groups = _groups(labels[columns]) if labels is not None and n_boot > 0 else None
            reps: list[float] = []
            low, high, ci_note = bootstrap_ci(fn, len(columns), n_boot, confidence,
                                              seed_for(random_state, f"{key}|{metric}"), groups, reps)
            stat = replace(stat, ci_low=low, ci_high=high, note=_join(stat.note, ci_note))
            if metric == "krippendorff_alpha" and low is not None and reps:
                arr = np.asarray(reps)
                stat = replace(stat, q_below=(float((arr < ALPHA_MINIMA[0]).mean()),
                                              float((arr < ALPHA_MINIMA[1]).mean())))
        out.append(stat)
    return out
