"""Variable and construct shares and rates per period or source type, with bootstrap intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.matrix import DocMatrix, bootstrap_sums, interval, ratio, rng_for
from corpus_tools.framing.periods import period_order


def period_shares(matrix: DocMatrix, labels: Sequence[str], by: str, *, stage_ids: Sequence[str] = (),
                  n_boot: int = 1000, ci: float = 0.95, seed: int = 0, min_docs: int = 5) -> pd.DataFrame:
    """One row per (period, level, item): counts, rate per 1,000 tokens and share of hits, each rate and
    share with a seeded percentile bootstrap interval that resamples documents within the period (only for
    periods with at least `min_docs` documents; a zero count gets an exact upper bound instead)."""
    from scipy.stats import chi2

    labels_arr = np.asarray(list(labels), dtype=object)
    order = period_order(list(labels_arr), by, list(stage_ids) if by == "stage" else None)
    m = len(matrix.items)
    rows: list[dict[str, object]] = []
    for period in order:
        mask = labels_arr == period
        n = int(mask.sum())
        c = matrix.counts[mask]
        tok = matrix.n_tokens[mask]
        tot = matrix.own_totals()[mask]  # shares of the item's own lexicon's hits (lexicons may overlap)
        sums = c.sum(axis=0) if n else np.zeros(m)
        rate = ratio(sums, np.full(m, tok.sum()), 1000.0)
        share = ratio(sums, tot.sum(axis=0) if n else np.zeros(m))
        doc_share = (c > 0).mean(axis=0) if n else np.full(m, np.nan)
        if n >= max(min_docs, 2) and n_boot > 0:
            reps = bootstrap_sums([c, tok, tot], n_boot, rng_for(seed, by, str(period)))  # no stacked copy
            r_lo, r_hi = interval(ratio(reps[:, :m], reps[:, m:m + 1], 1000.0), ci)
            s_lo, s_hi = interval(ratio(reps[:, :m], reps[:, m + 1:]), ci)
            zero = sums == 0
            if zero.any():  # exact bounds for zero counts: Poisson (rate), Clopper-Pearson (share)
                a = (1 - ci) / 2
                r_hi = np.where(zero & (tok.sum() > 0), 1000.0 * chi2.ppf(1 - a, 2) / 2 / max(tok.sum(), 1), r_hi)
                level_hits = tot.sum(axis=0)  # hits of each item's own lexicon
                s_hi = np.where(zero & (level_hits > 0), 1 - a ** (1 / np.maximum(level_hits, 1)), s_hi)
        else:
            r_lo = r_hi = s_lo = s_hi = np.full(m, np.nan)
        for j, (level, construct, item) in enumerate(matrix.items):
            rows.append({"by": by, "period": period, "level": level, "construct": construct, "item": item,
                         "n_docs": n, "n_tokens": int(tok.sum()), "count": int(sums[j]),
                         "rate_per_1k": rate[j], "rate_lo": r_lo[j], "rate_hi": r_hi[j], "share": share[j],
                         "share_lo": s_lo[j], "share_hi": s_hi[j], "doc_share": doc_share[j],
                         "small": n < min_docs})
    frame = pd.DataFrame(rows, columns=list(schema.FRAMING_SHARES))
    for col in ("rate_per_1k", "rate_lo", "rate_hi", "share", "share_lo", "share_hi", "doc_share"):
        frame[col] = frame[col].astype(float).round(6)
    return frame
