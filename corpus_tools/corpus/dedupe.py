"""Near-duplicate detection (syndicated reprints, repeated passages) with MinHash LSH and exact Jaccard.

Nothing is removed: each later copy gets `dup_of` (the id of the earliest similar text) and
`dup_score` (Jaccard similarity of character 5-gram shingles of the normalised text).
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from corpus_tools.text.normalize import normalize

SHINGLE = 5
_NUM_PERM = 64
_BANDS = 16
_PRIME = np.uint64(4294967311)
_DROP_RE = re.compile(r"[\s\W_]+")


def shingles(text: str, k: int = SHINGLE) -> set[int]:
    """Hashed character k-grams of the normalised text with spaces and punctuation removed."""
    s = _DROP_RE.sub("", normalize(text))
    if len(s) <= k:
        return {zlib.crc32(s.encode("utf-8"))} if s else set()
    return {zlib.crc32(s[i : i + k].encode("utf-8")) for i in range(len(s) - k + 1)}


def _signatures(sets: Sequence[set[int]], seed: int = 13) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**31 - 1, size=_NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**31 - 1, size=_NUM_PERM, dtype=np.uint64)
    sig = np.full((len(sets), _NUM_PERM), np.iinfo(np.uint64).max, dtype=np.uint64)
    for i, sh in enumerate(sets):
        if sh:
            h = np.fromiter(sh, dtype=np.uint64, count=len(sh))
            sig[i] = ((h[:, None] * a[None, :] + b[None, :]) % _PRIME).min(axis=0)
    return sig


def near_duplicates(
    texts: Sequence[str], order: Sequence[int] | None = None, threshold: float = 0.6, min_chars: int = 20
) -> list[tuple[int, float] | None]:
    """For each text, (index of the earliest earlier near-duplicate, similarity) or None.

    `order` ranks the texts (e.g. by date); a text can only duplicate one that ranks before it.
    Texts with fewer than `min_chars` characters are never flagged.
    """
    n = len(texts)
    rank = list(order) if order is not None else list(range(n))
    sets = [shingles(t) if len(t) >= min_chars else set() for t in texts]
    sig = _signatures(sets)
    rows = _NUM_PERM // _BANDS
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    for i in range(n):
        if sets[i]:
            for band in range(_BANDS):
                buckets[(band, sig[i, band * rows : (band + 1) * rows].tobytes())].append(i)
    candidates: dict[int, set[int]] = defaultdict(set)
    for members in buckets.values():
        if 1 < len(members) <= 500:
            for i in members:
                candidates[i].update(members)
    result: list[tuple[int, float] | None] = [None] * n
    for i, cands in candidates.items():
        best: tuple[int, float] | None = None
        for j in cands:
            if j == i or rank[j] >= rank[i]:
                continue
            inter = len(sets[i] & sets[j])
            sim = inter / (len(sets[i]) + len(sets[j]) - inter)
            if sim >= threshold and (best is None or rank[j] < rank[best[0]]):
                best = (j, sim)
        result[i] = best
    return result
