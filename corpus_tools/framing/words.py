"""Distinctive vocabulary: weighted log-odds ratios with an informative Dirichlet prior ("Fightin' Words",
Monroe, Colaresi & Quinn 2008, Political Analysis 16(4), section 3.5.1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from corpus_tools import schema


def log_odds_dirichlet(y_i: np.ndarray, y_j: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """delta_w = log-odds of w in i minus in j, both smoothed by prior counts alpha_w; returns (delta, se).

    delta_w = log((y_iw + a_w) / (n_i + a_0 - y_iw - a_w)) - log((y_jw + a_w) / (n_j + a_0 - y_jw - a_w)),
    var(delta_w) ~ 1 / (y_iw + a_w) + 1 / (y_jw + a_w); z = delta / se.
    """
    a0 = prior.sum()
    n_i, n_j = y_i.sum(), y_j.sum()
    li = np.log(y_i + prior) - np.log(n_i + a0 - y_i - prior)
    lj = np.log(y_j + prior) - np.log(n_j + a0 - y_j - prior)
    se = np.sqrt(1.0 / (y_i + prior) + 1.0 / (y_j + prior))
    return li - lj, se


def fightin_words(groups: Mapping[str, Counter[str]], *, prior_counts: Counter[str] | None = None,
                  alpha0: float | None = None, min_count: int = 3, top_n: int = 30,
                  by: str = "group") -> pd.DataFrame:
    """For each group against all other groups pooled: the `top_n` words with the highest z-scores.

    The prior is informative: alpha_w = alpha0 * pi_w, with pi the background distribution (all groups
    pooled unless `prior_counts` is given); alpha0 defaults to the background token count, i.e. the
    pooled counts themselves serve as prior counts (as in Monroe et al.'s application). Words seen fewer
    than `min_count` times overall are left out.
    """
    pooled: Counter[str] = Counter()
    for counts in groups.values():
        pooled.update(counts)
    background = prior_counts if prior_counts is not None else pooled
    vocab = sorted(w for w, c in pooled.items() if c >= min_count)
    rows: list[dict[str, object]] = []
    if len(vocab) >= 2 and len(groups) >= 2:  # one word alone has no odds against the rest
        bg = np.array([background.get(w, 0) for w in vocab], dtype=float) + 0.01
        a0 = float(alpha0) if alpha0 is not None else float(sum(background.values()))
        prior = a0 * bg / bg.sum()
        total = np.array([pooled[w] for w in vocab], dtype=float)
        for name, counts in groups.items():
            y_i = np.array([counts.get(w, 0) for w in vocab], dtype=float)
            if y_i.sum() == 0:
                continue
            y_j = total - y_i
            delta, se = log_odds_dirichlet(y_i, y_j, prior)
            z = delta / se
            order = [k for k in np.argsort(-z, kind="stable") if z[k] > 0 and y_i[k] > 0][:top_n]
            for rank, k in enumerate(order, 1):
                rows.append({"by": by, "group": name, "rank": rank, "word": vocab[k], "count": int(y_i[k]),
                             "count_rest": int(y_j[k]), "delta": round(float(delta[k]), 4),
                             "se": round(float(se[k]), 4), "z": round(float(z[k]), 3)})
    return pd.DataFrame(rows, columns=list(schema.DISTINCTIVE_WORDS))


def group_counts(tokens: Iterable[Sequence[str]], labels: Iterable[str],
                 groups: Sequence[str] | None = None) -> dict[str, Counter[str]]:
    """Word counts per group label (units whose label is not in `groups` are skipped when it is given)."""
    out: dict[str, Counter[str]] = {g: Counter() for g in groups} if groups is not None else {}
    for words, label in zip(tokens, labels, strict=True):
        if groups is not None and label not in out:
            continue
        out.setdefault(label, Counter()).update(words)
    return out
