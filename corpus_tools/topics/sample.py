"""A stratified, seeded sample of entries for choosing K on large corpora: the K sweep fits K × seeds models, so
at media-archive scale it runs on a sample that keeps every stage × language × source type in its share; the
chosen K's fits on the sample are the reported topics and every entry's topic shares are inferred with them held
fixed (or, with final_fit "all", the chosen K is fitted again on all entries: topics.sweep, topics.run)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corpus_tools.topics.names import SWEEP_SAMPLE

__all__ = ["STRATA", "SWEEP_SAMPLE", "describe", "describe_codes", "strata_codes", "strata_of", "stratified_sample",
           "stratified_sample_codes"]

STRATA = ("stage", "lang", "source_type")


def strata_of(entries: pd.DataFrame, columns: Sequence[str] = STRATA) -> list[str]:
    """Each entry's stratum label (`stage|lang|source_type`; missing values as '')."""
    labels, inverse = strata_codes(entries, columns)
    return [labels[i] for i in inverse.tolist()]


def strata_codes(entries: pd.DataFrame, columns: Sequence[str] = STRATA) -> tuple[list[str], np.ndarray]:
    """(distinct stratum labels, sorted; each entry's position among them): `strata_of` without a label per
    entry, from the distinct values of each column (categorical columns cost nothing per entry)."""
    cols = [c for c in columns if c in entries.columns]
    if not cols:
        return [""], np.zeros(len(entries), dtype=np.int64)
    combined = np.zeros(len(entries), dtype=np.int64)
    names: list[list[str]] = []
    for c in cols:
        codes, uniq = pd.factorize(entries[c], use_na_sentinel=True)
        vals = ["" if _missing(u) else str(u) for u in uniq] + [""]  # the last: missing
        codes = np.where(codes < 0, len(uniq), codes)
        combined = combined * len(vals) + codes
        names.append(vals)
    combos, inverse = np.unique(combined, return_inverse=True)
    text = []
    for code in combos.tolist():
        parts = []
        for vals in reversed(names):
            code, j = divmod(code, len(vals))
            parts.append(vals[j])
        text.append("|".join(reversed(parts)))
    labels, which = np.unique(np.asarray(text, dtype=str), return_inverse=True)
    return [str(x) for x in labels], which[inverse].astype(np.int64)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def stratified_sample(strata: Sequence[str], size: int, seed: int = 0) -> list[int]:
    """Indices (ascending) of `size` of the entries, allocated to strata in proportion to their sizes (largest
    remainders; every stratum keeps at least one entry while `size` allows) and drawn at random within each
    stratum with a generator seeded by `seed`. All indices when `size` is at least the number of entries."""
    if size >= len(strata):
        return list(range(len(strata)))
    labels, inverse = np.unique(np.asarray(strata, dtype=object).astype(str), return_inverse=True)
    return stratified_sample_codes(len(labels), inverse, size, seed)


def stratified_sample_codes(n_strata: int, inverse: np.ndarray, size: int, seed: int = 0) -> list[int]:
    """`stratified_sample` of entries given as their stratum's position among `n_strata` sorted labels."""
    n = len(inverse)
    if size >= n:
        return list(range(n))
    counts = np.bincount(inverse, minlength=n_strata)
    exact = size * counts / n
    alloc = np.floor(exact).astype(int)
    if size >= n_strata:
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
    for j in range(n_strata):
        members = np.flatnonzero(inverse == j)
        k = int(min(alloc[j], len(members)))
        if k:
            picked.extend(int(i) for i in rng.choice(members, size=k, replace=False))
    return sorted(picked)


def describe(strata: Sequence[str], picked: Sequence[int]) -> dict[str, dict[str, int]]:
    """Stratum → {entries, sampled}: what the report and manifest say about a sample."""
    labels, inverse = np.unique(np.asarray(strata, dtype=object).astype(str), return_inverse=True)
    return describe_codes([str(x) for x in labels], inverse, picked)


def describe_codes(labels: Sequence[str], inverse: np.ndarray, picked: Sequence[int]) -> dict[str, dict[str, int]]:
    """`describe` of entries given as their stratum's position among the sorted `labels`."""
    total = np.bincount(inverse, minlength=len(labels))
    got = np.bincount(inverse[np.asarray(picked, dtype=np.int64)], minlength=len(labels))
    return {s: {"entries": int(total[j]), "sampled": int(got[j])} for j, s in enumerate(labels) if total[j]}
