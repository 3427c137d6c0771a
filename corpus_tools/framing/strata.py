"""Stage x source type strata: hits per 1,000 tokens within each cell, so a reader can see whether a stage
difference holds within one kind of source or comes from where the sources sit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.matrix import DocMatrix, ratio
from corpus_tools.framing.periods import period_order


def stratified_rates(matrix: DocMatrix, stages: Sequence[str], sources: Sequence[str], stage_ids: Sequence[str],
                     *, min_docs: int = 5) -> pd.DataFrame:
    """One row per (stage, source type, item) with documents, tokens, hits and rate; `small` marks cells
    with fewer than `min_docs` documents (shown, but not to be compared)."""
    st = np.asarray(list(stages), dtype=object)
    src = np.asarray(list(sources), dtype=object)
    rows = []
    for s in period_order(list(st), "stage", list(stage_ids)):
        for t in period_order(list(src), "source_type"):
            mask = (st == s) & (src == t)
            n = int(mask.sum())
            if not n:
                continue
            sums = matrix.counts[mask].sum(axis=0)
            tok = float(matrix.n_tokens[mask].sum())
            rate = ratio(sums, np.full(len(sums), tok), 1000.0)
            for j, (level, _construct, item) in enumerate(matrix.items):
                rows.append({"stage": s, "source_type": t, "level": level, "item": item, "n_docs": n,
                             "n_tokens": int(tok), "count": int(sums[j]), "rate_per_1k": round(float(rate[j]), 4),
                             "small": n < min_docs})
    return pd.DataFrame(rows, columns=list(schema.STRATIFIED_RATES))
