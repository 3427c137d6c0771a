"""The triangulation matrix: is each construct (and variable) evidenced in more than one kind of source?"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.framing.matrix import DocMatrix, ratio

MAIN_SOURCES = ("media", "interview", "government")


def triangulation(matrix: DocMatrix, source_types: Sequence[str]) -> pd.DataFrame:
    """Coverage (share of a source type's documents with at least one hit) of every item by source type.
    The paper's three sources always appear, so a missing source shows as an empty column, not a gap."""
    labels = np.asarray(list(source_types), dtype=object)
    present = set(labels)
    columns = [*MAIN_SOURCES, *[s for s in schema.SOURCE_TYPES if s not in MAIN_SOURCES and s in present],
               *sorted(present - set(schema.SOURCE_TYPES))]
    rows = []
    for src in columns:
        mask = labels == src
        n = int(mask.sum())
        c = matrix.counts[mask]
        sums = c.sum(axis=0)
        with_hit = (c > 0).sum(axis=0)
        rate = ratio(sums, np.full(len(matrix.items), matrix.n_tokens[mask].sum()), 1000.0)
        for j, (level, construct, item) in enumerate(matrix.items):
            rows.append({"level": level, "construct": construct, "item": item, "source_type": src, "n_docs": n,
                         "docs_with": int(with_hit[j]), "coverage": round(with_hit[j] / n, 4) if n else np.nan,
                         "count": int(sums[j]), "rate_per_1k": round(float(rate[j]), 4)})
    return pd.DataFrame(rows, columns=list(schema.TRIANGULATION))


def triangulation_summary(matrix_frame: pd.DataFrame) -> pd.DataFrame:
    """Per item: the number of source types (among those with documents) that evidence it, and a verdict:
    'all sources', 'N of M sources', 'single source' or 'no evidence'."""
    rows = []
    for (level, construct, item), grp in matrix_frame.groupby(["level", "construct", "item"], sort=False):
        available = grp[grp["n_docs"] > 0]
        hit = available[available["docs_with"] > 0]
        n, m = len(hit), len(available)
        if n == 0:
            verdict = "no evidence"
        elif n == 1:
            verdict = "single source"
        elif n == m:
            verdict = "all sources"
        else:
            verdict = f"{n} of {m} sources"
        rows.append({"level": level, "construct": construct, "item": item, "n_sources": n,
                     "sources_available": m, "sources": ";".join(hit["source_type"]), "verdict": verdict})
    return pd.DataFrame(rows, columns=list(schema.TRIANGULATION_SUMMARY))
