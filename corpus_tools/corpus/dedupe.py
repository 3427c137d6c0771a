"""Near-duplicate detection (syndicated reprints, repeated passages) with MinHash LSH and exact Jaccard.

Nothing is removed: each later copy gets `dup_of` (the id of the earliest similar text) and
`dup_score` (Jaccard similarity of character 5-gram shingles of the normalised text).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from corpus_tools._native import speedups
from corpus_tools.text.normalize import normalize

SHINGLE = 5
_NUM_PERM = 64
_BANDS = 16
_PRIME = np.uint64(4294967311)
_CACHE = 50_000  # shingle arrays kept while candidates are compared (a few MB)
_DROP_RE = re.compile(r"[\s\W_]+")
_FAST = speedups()  # compiled shingle hashes and MinHash band keys (identical numbers), or None


_EMPTY = np.zeros(0, dtype=np.uint32)


def shingle_array(text: str, k: int = SHINGLE) -> np.ndarray:
    """Hashed character k-grams of the normalised text with spaces and punctuation removed, as a sorted array
    of unique 32-bit hashes (4 bytes per shingle: a Python set of them takes about 20 times more)."""
    s = _DROP_RE.sub("", normalize(text))
    if _FAST is not None and s:
        try:
            return np.frombuffer(_FAST.shingle_hashes(s, k), dtype=np.uint32)  # sorted, unique
        except ValueError:  # a lone surrogate: the Python path says what is wrong with it
            pass
    if len(s) <= k:
        return np.array([zlib.crc32(s.encode("utf-8"))], dtype=np.uint32) if s else _EMPTY
    n = len(s) - k + 1
    return np.unique(np.fromiter((zlib.crc32(s[i : i + k].encode("utf-8")) for i in range(n)), dtype=np.uint32,
                                 count=n))


def shingles(text: str, k: int = SHINGLE) -> set[int]:
    """Hashed character k-grams of the normalised text with spaces and punctuation removed."""
    return set(shingle_array(text, k).tolist())


def _band_keys(texts: Sequence[str], min_chars: int, seed: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """(one 64-bit key per LSH band and text, whether the text has shingles). Each text's MinHash signature is
    computed and folded into its band keys at once, so neither the shingle arrays nor the full signatures of the
    corpus are ever held together (8 bytes per band and text: at a million entries, 128 MB instead of several
    hundred MB of arrays)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**31 - 1, size=_NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**31 - 1, size=_NUM_PERM, dtype=np.uint64)
    rows = _NUM_PERM // _BANDS
    mix = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier: a band's values fold into one key (wrapping)
    keys = np.zeros((len(texts), _BANDS), dtype=np.uint64)
    present = np.zeros(len(texts), dtype=bool)
    if _FAST is not None:
        a_buf, b_buf = a.tobytes(), b.tobytes()
        for i, t in enumerate(texts):
            if len(t) < min_chars:
                continue
            s = _DROP_RE.sub("", normalize(t))
            got = _FAST.minhash_bands(s, SHINGLE, a_buf, b_buf, _BANDS) if s else None  # ValueError: a surrogate
            if got is not None:
                present[i] = True
                keys[i] = np.frombuffer(got, dtype=np.uint64)
        return keys, present
    with np.errstate(over="ignore"):
        for i, t in enumerate(texts):
            if len(t) < min_chars:
                continue
            sh = shingle_array(t)
            if not len(sh):
                continue
            present[i] = True
            h = sh.astype(np.uint64)
            sig = ((h[:, None] * a[None, :] + b[None, :]) % _PRIME).min(axis=0).reshape(_BANDS, rows)
            key = sig[:, 0].copy()
            for r in range(1, rows):
                key = key * mix + sig[:, r]
            keys[i] = key
    return keys, present


def _candidate_pairs(keys: np.ndarray, present: np.ndarray, rank: np.ndarray, max_bucket: int = 500) -> np.ndarray:
    """Candidate pairs as codes i * n + j (unique, ascending) where j ranks before i and the two share an LSH
    bucket (the same key in one band) of at most `max_bucket` members. Buckets come from sorting each band's
    keys and pairs are kept as one int64 each, so memory stays at a few arrays (a dictionary keyed by band
    bytes and a Python set of candidates per text took hundreds of bytes per text, band and candidate). Two
    different bands that fold into the same key only add a candidate, which the exact Jaccard check settles."""
    n = len(keys)
    idx = np.flatnonzero(present)
    codes = np.zeros(0, dtype=np.int64)
    if len(idx) < 2:  # no pair to compare
        return codes
    for band in range(_BANDS):
        vals = keys[idx, band]
        order = np.argsort(vals, kind="stable")
        v = vals[order]
        new = np.ones(len(v), dtype=bool)
        new[1:] = v[1:] != v[:-1]
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], len(v))
        parts = []
        for lo, hi in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
            if hi - lo <= max_bucket:
                members = idx[order[lo:hi]]
                i, j = np.repeat(members, hi - lo), np.tile(members, hi - lo)
                keep = rank[j] < rank[i]
                parts.append(i[keep].astype(np.int64) * n + j[keep])
        if parts:
            codes = _sorted_unique(np.concatenate([codes, *parts]))
    return codes


def _sorted_unique(codes: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (a sort and a comparison: faster than np.unique's hashing here)."""
    codes.sort(kind="stable")
    return codes[np.r_[True, codes[1:] != codes[:-1]]] if len(codes) else codes


def near_duplicates(
    texts: Sequence[str], order: Sequence[int] | None = None, threshold: float = 0.6, min_chars: int = 20
) -> list[tuple[int, float] | None]:
    """For each text, (index of the earliest earlier near-duplicate, similarity) or None.

    `order` ranks the texts (e.g. by date); a text can only duplicate one that ranks before it.
    Texts with fewer than `min_chars` characters are never flagged.
    """
    n = len(texts)
    rank = list(order) if order is not None else list(range(n))
    keys, present = _band_keys(texts, min_chars)
    codes = _candidate_pairs(keys, present, np.asarray(rank))
    del keys
    result: list[tuple[int, float] | None] = [None] * n
    if not len(codes):
        return result
    firsts, seconds = codes // n, codes % n  # ascending by text, then by candidate
    bounds = np.flatnonzero(np.r_[True, firsts[1:] != firsts[:-1]])
    ranks = np.asarray(rank)
    overlap = _FAST.sorted_overlap if _FAST is not None else None
    cache: dict[int, np.ndarray] = {}  # shingles are recomputed for compared texts only, a bounded few kept

    def shingles_of(j: int) -> np.ndarray:
        got = cache.get(j)
        if got is None:
            if len(cache) >= _CACHE:
                cache.clear()
            got = cache[j] = shingle_array(texts[j])
        return got

    for lo, hi in zip(bounds, np.append(bounds[1:], len(codes)), strict=True):
        i = int(firsts[lo])
        mine = shingle_array(texts[i])
        own: set[int] = set(mine.tolist()) if overlap is None else set()  # the Python path compares sets
        js = seconds[lo:hi]
        for j in js[np.lexsort((js, ranks[js]))].tolist():  # earliest rank first: the first match is the answer
            other = shingles_of(j)
            inter = overlap(mine, other) if overlap is not None else len(own.intersection(other.tolist()))
            sim = inter / (len(mine) + len(other) - inter)
            if sim >= threshold:
                result[i] = (j, sim)
                break
    return result
