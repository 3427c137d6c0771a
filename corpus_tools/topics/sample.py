"""A stratified, seeded sample of entries for choosing K on large corpora: the K sweep fits K × seeds models, so
at media-archive scale it runs on a sample that keeps every stage × language × source type in its share; the
chosen K's fits on the sample are the reported topics and every entry's topic shares are inferred with them held
fixed (or, with final_fit "all", the chosen K is fitted again on all entries: topics.sweep, topics.run)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corpus_tools.topics.names import SWEEP_SAMPLE

__all__ = ["STRATA", "SWEEP_SAMPLE", "describe", "strata_of", "stratified_sample"]

STRATA = ("stage", "lang", "source_type")


def strata_of(entries: pd.DataFrame, columns: Sequence[str] = STRATA) -> list[str]:
    """Each entry's stratum label (`stage|lang|source_type`; missing values as '')."""
    cols = [c for c in columns if c in entries.columns]
    if not cols:
        return [""] * len(entries)
    parts = [entries[c].fillna("").astype(str) for c in cols]
    return list(parts[0].str.cat(parts[1:], sep="|")) if len(parts) > 1 else list(parts[0])


def stratified_sample(strata: Sequence[str], size: int, seed: int = 0) -> list[int]:
    """Indices (ascending) of `size` of the entries, allocated to strata in proportion to their sizes (largest
    remainders; every stratum keeps at least one entry while `size` allows) and drawn at random within each
    stratum with a generator seeded by `seed`. All indices when `size` is at least the number of entries."""
    n = len(strata)
    if size >= n:
        return list(range(n))
    labels, inverse = np.unique(np.asarray(strata, dtype=object).astype(str), return_inverse=True)
    counts = np.bincount(inverse, minlength=len(labels))
    exact = size * counts / n
    alloc = np.floor(exact).astype(int)
    if size >= len(labels):
        alloc = np.maximum(alloc, 1)
    left = size - int(alloc.sum())
    if left > 0:  # largest remainders first (ties: stratum label order)
        order = np.argsort(-(exact - np.floor(exact)), kind="stable")
        for j in order:
            if left == 0:
                break
            if alloc[j] < counts[j]:
                alloc[j] += 1
                left -= 1
    while left < 0:  # the minimum of one per stratum overshot: take back from the largest allocations
        j = int(np.argmax(alloc))
        alloc[j] -= 1
        left += 1
    rng = np.random.default_rng(seed)
    picked: list[int] = []
    for j in range(len(labels)):
        members = np.flatnonzero(inverse == j)
        k = int(min(alloc[j], len(members)))
        if k:
            picked.extend(int(i) for i in rng.choice(members, size=k, replace=False))
    return sorted(picked)


def describe(strata: Sequence[str], picked: Sequence[int]) -> dict[str, dict[str, int]]:
    """Stratum → {entries, sampled}: what the report and manifest say about a sample."""
    total: dict[str, int] = {}
    for s in strata:
        total[s] = total.get(s, 0) + 1
    got: dict[str, int] = {}
    for i in picked:
        got[strata[i]] = got.get(strata[i], 0) + 1
    return {s: {"entries": total[s], "sampled": got.get(s, 0)} for s in sorted(total)}
