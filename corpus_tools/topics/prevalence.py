"""Topic prevalence per stage from the joint model, with document-bootstrap intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

N_BOOT = 1000
LEVEL = 0.95


def stage_prevalence(theta: np.ndarray, stages: Sequence[str], doc_ids: Sequence[str], order: Sequence[str],
                     *, seed: int = 0, n_boot: int = N_BOOT, level: float = LEVEL,
                     method: str = "") -> list[dict[str, Any]]:
    """Mean topic share of each stage's entries, with a percentile interval from resampling documents.

    Entries of one document are not independent, so the bootstrap resamples whole documents within
    each stage (a cluster bootstrap); a stage with a single document gets a zero-width interval.
    """
    rng = np.random.default_rng(seed)
    stages_a = np.asarray(list(stages))
    docs_a = np.asarray(list(doc_ids))
    k = theta.shape[1]
    rows: list[dict[str, Any]] = []
    tail = (1 - level) / 2
    label = method or f"document bootstrap ({n_boot}, {level:.0%})"
    for stage in order:
        mask = stages_a == stage
        if not mask.any():
            continue
        th = theta[mask]
        docs = docs_a[mask]
        uniq, inv = np.unique(docs, return_inverse=True)
        sums = np.zeros((len(uniq), k))
        np.add.at(sums, inv, th)
        counts = np.bincount(inv, minlength=len(uniq)).astype(float)
        mean = th.mean(axis=0)
        if len(uniq) > 1:
            draws = rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq)), size=n_boot).astype(float)
            boot = (draws @ sums) / (draws @ counts)[:, None]
            lo, hi = np.quantile(boot, [tail, 1 - tail], axis=0)
        else:
            lo, hi = mean.copy(), mean.copy()
        for t in range(k):
            rows.append({"topic": t + 1, "stage": stage, "mean": float(mean[t]), "lo": float(lo[t]),
                         "hi": float(hi[t]), "method": label, "n_entries": int(mask.sum()),
                         "n_documents": len(uniq)})
    return rows
