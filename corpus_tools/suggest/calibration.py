"""Probabilities that mean something and per-variable thresholds chosen on held-out (out-of-fold) data."""

from __future__ import annotations

import numpy as np

DEFAULT_THRESHOLD = 0.5


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) so that sigmoid(a * decision + b) fits the 0/1 labels (with Platt's target
    smoothing, so a perfectly separated fold does not give infinite slopes)."""
    from scipy.optimize import minimize

    n_pos = float(y.sum())
    n_neg = float(len(y) - n_pos)
    t = np.where(y > 0, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] * decision + ab[1]
        p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)
        value = -float(np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)))
        g = p - t
        return value, np.array([float(np.sum(g * decision)), float(np.sum(g))])

    res = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def best_threshold(proba: np.ndarray, y: np.ndarray, default: float = DEFAULT_THRESHOLD) -> float:
    """The F1-optimal threshold on held-out probabilities, or `default` when the scores show no skill."""
    return tune_threshold(proba, y, default)[0]


def tune_threshold(proba: np.ndarray, y: np.ndarray, default: float = DEFAULT_THRESHOLD) -> tuple[float, bool]:
    """(threshold, skill): the threshold with the highest F1 on held-out probabilities (ties: closest
    to `default`), and whether it beats suggesting the code everywhere.

    When no threshold beats suggesting the code for every passage, `default` is kept: the scores carry
    no usable signal and a low threshold would flood coders with suggestions.
    """
    if y.sum() == 0:
        return default, False
    prevalence = float(y.mean())
    trivial = 2 * prevalence / (1 + prevalence)
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    best, best_f1 = default, -1.0
    for t in grid:
        pred = proba >= t
        tp = float(np.sum(pred & (y > 0)))
        denom = float(pred.sum() + y.sum())
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12 and abs(t - default) < abs(best - default)):
            best, best_f1 = float(t), f1
    return (best, True) if best_f1 > trivial + 1e-9 else (default, False)
