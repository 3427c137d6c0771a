"""Near-duplicate detection (syndicated reprints, repeated passages) with MinHash LSH and exact Jaccard.

Nothing is removed: each later copy gets `dup_of` (the id of the earliest similar text) and
`dup_score` (Jaccard similarity of character 5-gram shingles of the normalised text).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zlib
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np
import pandas as pd

from corpus_tools._native import speedups
from corpus_tools.io.mapped import release_pages, text_reader
from corpus_tools.text.normalize import normalize_for_tokens

SHINGLE = 5
_NUM_PERM = 64
_BANDS = 16
_PRIME = np.uint64(4294967311)
_CACHE_BYTES = 48 << 20  # shingle arrays kept while candidates are compared (a sentence's: about 300 bytes)
_DROP_RE = re.compile(r"[\s\W_]+")
_FAST = speedups()  # compiled shingle hashes and MinHash band keys (identical numbers), or None


_EMPTY = np.zeros(0, dtype=np.uint32)


class _ColumnTexts(Sequence[str]):
    """The texts of an Arrow-backed string column, each made a Python string only when it is read (a list of a
    million entries' texts would take several hundred MB beside the column)."""

    def __init__(self, column: pd.Series) -> None:
        import pyarrow as pa

        chunked = column.array.__arrow_array__()  # Arrow-backed: the column's own buffers, no copy
        if isinstance(chunked, pa.Array):
            chunked = pa.chunked_array([chunked])
        if not pa.types.is_string(chunked.type) and not pa.types.is_large_string(chunked.type):
            raise TypeError("not a string column")
        self.chunks = [c for c in chunked.chunks if len(c)]
        self.starts = np.cumsum([0, *[len(c) for c in self.chunks]]).tolist()
        self.read = text_reader(column)  # a mapped column: texts read at random come from its file

    def __len__(self) -> int:
        return int(self.starts[-1])

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if self.read is not None:
            return self.read(i)
        k = bisect_right(self.starts, i) - 1
        return self.chunks[k][i - self.starts[k]].as_py() or ""  # a missing text: empty, like the list path

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks:
            for a in range(0, len(chunk), 10_000):
                yield from (t or "" for t in chunk.slice(a, 10_000).to_pylist())
                release_pages()  # a mapped column (io.mapped): the block just read need not stay resident


def column_texts(column: pd.Series) -> Sequence[str]:
    """A column's texts as a sequence for `near_duplicates`: read lazily when the column is Arrow-backed (no list
    of all its texts is built), else the list of them."""
    try:
        return _ColumnTexts(column)
    except (AttributeError, TypeError, ValueError, ImportError):
        return [t if isinstance(t, str) else "" for t in column]


def _shingle_text(text: str) -> str:
    """The text shingles are cut from: normalised, without spaces and punctuation. `normalize_for_tokens` (one
    compiled call) differs from `normalize` only in punctuation and spaces, which are dropped here anyway."""
    return _DROP_RE.sub("", normalize_for_tokens(text))


def shingle_array(text: str, k: int = SHINGLE) -> np.ndarray:
    """Hashed character k-grams of the normalised text with spaces and punctuation removed, as a sorted array
    of unique 32-bit hashes (4 bytes per shingle: a Python set of them takes about 20 times more)."""
    if _FAST is not None:
        try:  # the compiled call drops spaces and punctuation itself: no shorter string is built
            return np.frombuffer(_FAST.shingle_hashes(normalize_for_tokens(text), k, True), dtype=np.uint32)
        except ValueError:  # a lone surrogate: the Python path says what is wrong with it
            pass
    s = _shingle_text(text)
    if len(s) <= k:
        return np.array([zlib.crc32(s.encode("utf-8"))], dtype=np.uint32) if s else _EMPTY
    n = len(s) - k + 1
    return np.unique(np.fromiter((zlib.crc32(s[i : i + k].encode("utf-8")) for i in range(n)), dtype=np.uint32,
                                 count=n))


def shingles(text: str, k: int = SHINGLE) -> set[int]:
    """Hashed character k-grams of the normalised text with spaces and punctuation removed."""
    return set(shingle_array(text, k).tolist())


_M64 = (1 << 64) - 1


def _fingerprint(sh: np.ndarray) -> int:
    """A 64-bit hash of a sorted, unique shingle array (splitmix64 folded over it): the compiled
    `minhash_bands(..., fingerprint=True)` gives the same number."""
    fp = 0x243F6A8885A308D3
    for h in sh.tolist():
        x = fp ^ h
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
        fp = x ^ (x >> 31)
    return fp


_KEY_BLOCK = 65_536  # texts whose keys are gathered row by row before they go to the per-band arrays
_FINGERPRINT, _SIZE = _BANDS, _BANDS + 1  # the key arrays after the bands'


class _Keys:
    """Every text's 64-bit keys: one array per LSH band, then the fingerprints of the texts' shingle sets and
    their sizes. Held in memory, or with a `folder` in files there (written a block of texts at a time, read back
    one array at a time: at a million entries the 18 arrays take 170 MB). An array is dropped once used."""

    def __init__(self, n: int, folder: str | Path | None = None) -> None:
        self.n = n
        self.arrays: list[np.ndarray | None] = []
        self.dir: Path | None = None
        if folder is None:
            self.arrays = [np.zeros(n, dtype=np.uint64) for _ in range(_BANDS + 2)]
        else:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.dir = Path(tempfile.mkdtemp(prefix=".dedupe-", dir=folder))
            self._files = [open(self.dir / f"{k}.bin", "wb") for k in range(_BANDS + 2)]  # noqa: SIM115

    def put(self, start: int, block: np.ndarray) -> None:
        """The keys of texts start .. start + len(block) - 1 (a row each), in order."""
        for k in range(_BANDS + 2):
            if self.dir is None:
                self.arrays[k][start:start + len(block)] = block[:, k]  # type: ignore[index]
            else:
                self._files[k].write(np.ascontiguousarray(block[:, k]).tobytes())

    def get(self, k: int) -> np.ndarray:
        """Array k (a band's keys, _FINGERPRINT or _SIZE), once: it is dropped here."""
        if self.dir is None:
            got = self.arrays[k]
            assert got is not None, "key array read twice"
            self.arrays[k] = None
            return got
        for f in self._files:
            if not f.closed:
                f.close()
        path = self.dir / f"{k}.bin"
        got = np.fromfile(path, dtype=np.uint64)
        path.unlink()
        return got

    def close(self) -> None:
        """Remove the files (and drop what is left in memory)."""
        self.arrays = []
        if self.dir is not None:
            for f in self._files:
                f.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def _band_keys(texts: Sequence[str], min_chars: int, seed: int = 13,
               folder: str | Path | None = None) -> tuple[_Keys, np.ndarray]:
    """(each text's keys: one per LSH band, the fingerprint of its shingle set and its size; whether each text has
    shingles). Each text's MinHash signature is computed and folded into its band keys at once, so neither the
    shingle arrays nor the full signatures of the corpus are ever held together. One array per band, so that a
    band's keys can be let go once its buckets are built; in files under `folder` when given."""
    n = len(texts)
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**31 - 1, size=_NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**31 - 1, size=_NUM_PERM, dtype=np.uint64)
    rows = _NUM_PERM // _BANDS
    mix = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier: a band's values fold into one key (wrapping)
    keys = _Keys(n, folder)
    present = np.zeros(n, dtype=bool)
    block = np.zeros((min(n, _KEY_BLOCK), _BANDS + 2), dtype=np.uint64)

    def flush(end: int) -> None:  # rows of texts end - (end - 1) % block .. end - 1 into the band arrays
        start = end - ((end - 1) % _KEY_BLOCK) - 1
        keys.put(start, block[:end - start])
        block[:] = 0

    a_buf, b_buf = a.tobytes(), b.tobytes()
    with np.errstate(over="ignore"):
        for i, t in enumerate(texts):
            if len(t) >= min_chars:
                row = block[i % _KEY_BLOCK]
                if _FAST is not None:
                    got = _FAST.minhash_bands(normalize_for_tokens(t), SHINGLE, a_buf, b_buf, _BANDS, True, True)
                    if got is not None:
                        present[i] = True
                        row[:] = np.frombuffer(got, dtype=np.uint64)
                else:
                    sh = shingle_array(t)
                    if len(sh):
                        present[i] = True
                        h = sh.astype(np.uint64)
                        sig = ((h[:, None] * a[None, :] + b[None, :]) % _PRIME).min(axis=0).reshape(_BANDS, rows)
                        key = sig[:, 0].copy()
                        for r in range(1, rows):
                            key = key * mix + sig[:, r]
                        row[:_BANDS] = key
                        row[_BANDS], row[_BANDS + 1] = _fingerprint(sh), len(sh)
            if (i + 1) % _KEY_BLOCK == 0 or i + 1 == n:
                flush(i + 1)
    return keys, present


def _first_copies(fingerprints: np.ndarray, present: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Per text, the earliest text (by rank, then position) with the same shingle-set fingerprint, or -1 (no
    shingles, or itself the earliest)."""
    head = np.full(len(fingerprints), -1, dtype=np.int64)
    idx = np.flatnonzero(present)
    if len(idx) < 2:
        return head
    order = idx[np.lexsort((idx, rank[idx], fingerprints[idx]))]
    fp = fingerprints[order]
    new_run = np.r_[True, fp[1:] != fp[:-1]]
    first = order[np.maximum.accumulate(np.where(new_run, np.arange(len(order)), 0))]
    head[order] = np.where(first == order, -1, first)
    return head


class _Buckets:
    """LSH buckets of every band, each sorted by rank, so that the candidates of a text (members of one of its
    buckets of at most `max_bucket` texts that rank before it) are a slice per band: nothing is stored per pair
    (at a million entries, buckets of repeated passages held hundreds of millions of pairs). The arrays are
    band-major and each band's keys are taken from `keys` (and dropped there) as its buckets are built, so the
    keys shrink while the buckets grow."""

    def __init__(self, keys: _Keys, present: np.ndarray, rank: np.ndarray, max_bucket: int = 500) -> None:
        n = len(present)
        idx = np.flatnonzero(present).astype(np.int32)
        m = len(idx)
        assert max_bucket < 2**16, "a slice's width is stored in 16 bits"
        self.order = np.zeros((_BANDS, m), dtype=np.int32)
        self.lo = np.zeros((_BANDS, n), dtype=np.int32)  # text's slice of earlier members in each band:
        self.width = np.zeros((_BANDS, n), dtype=np.uint16)  # order[band, lo:lo + width] (at most max_bucket)
        if m < 2:
            return
        r = rank[idx]
        pos = np.arange(m, dtype=np.int32)
        for band in range(_BANDS):
            vals = keys.get(band)[idx]  # this band's keys go once its buckets are built
            order = np.lexsort((idx, r, vals))  # by bucket, then rank, then position
            v = vals[order]
            del vals
            new_bucket = np.empty(m, dtype=bool)
            new_bucket[0] = True
            np.not_equal(v[1:], v[:-1], out=new_bucket[1:])
            del v
            rk = r[order]
            new_rank = new_bucket.copy()
            new_rank[1:] |= rk[1:] != rk[:-1]
            del rk
            bucket_start = np.maximum.accumulate(np.where(new_bucket, pos, 0))
            width = np.maximum.accumulate(np.where(new_rank, pos, 0)) - bucket_start  # earlier ranks' members
            del new_rank
            starts = np.flatnonzero(new_bucket)
            del new_bucket
            sizes = np.diff(np.append(starts, m))
            width[np.repeat(sizes > max_bucket, sizes)] = 0  # too big a bucket to compare pair by pair
            del starts, sizes
            members = idx[order]
            del order
            self.order[band] = members
            self.lo[band, members] = bucket_start
            self.width[band, members] = width
            del members, bucket_start, width

    def has_candidates(self) -> np.ndarray:
        """Indices of the texts with at least one earlier bucket member."""
        return np.flatnonzero((self.width > 0).any(axis=0))

    def candidates(self, i: int, rank: np.ndarray) -> np.ndarray:
        """The earlier bucket members of text i, earliest rank first (ties by position), each once."""
        lo, width = self.lo[:, i], self.width[:, i]
        bands = np.flatnonzero(width > 0)
        if not len(bands):
            return np.zeros(0, dtype=np.int64)
        js = np.unique(np.concatenate([self.order[b, lo[b]:lo[b] + width[b]] for b in bands])).astype(np.int64)
        return js[np.lexsort((js, rank[js]))]


def near_duplicates(
    texts: Sequence[str], order: Sequence[int] | np.ndarray | None = None, threshold: float = 0.6, min_chars: int = 20
) -> list[tuple[int, float] | None]:
    """For each text, (index of the earliest earlier near-duplicate, similarity) or None.

    `order` ranks the texts (e.g. by date); a text can only duplicate one that ranks before it.
    Texts with fewer than `min_chars` characters are never flagged. Texts with exactly the shingles of an earlier
    text (the same words, differing in case, width, spaces or punctuation) are always found, even where an LSH
    bucket is too large to compare its members pair by pair.
    """
    of, sim = near_duplicate_arrays(texts, order, threshold, min_chars)
    return [(j, s) if j >= 0 else None for j, s in zip(of.tolist(), sim.tolist(), strict=True)]


_RELEASE_READS = 2_000  # texts read (pread: nothing mapped) between drops of pages the sequential passes left


def near_duplicate_arrays(texts: Sequence[str], order: Sequence[int] | np.ndarray | None = None,
                          threshold: float = 0.6, min_chars: int = 20, *, scratch: str | Path | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """`near_duplicates` as two arrays (a million entries' answers as Python tuples take tens of MB): per text,
    the index of its earliest earlier near-duplicate (-1: none) and the similarity (0.0 where none). With a
    `scratch` folder, the LSH keys wait in files there rather than in memory (removed before returning)."""
    n = len(texts)
    keys, present = _band_keys(texts, min_chars, folder=scratch)
    try:
        ranks = np.asarray(order if order is not None else np.arange(n))
        head = _first_copies(keys.get(_FINGERPRINT), present, ranks)
        size = keys.get(_SIZE).astype(np.float64)  # Jaccard is at most min(|A|, |B|) / max(|A|, |B|)
        buckets = _Buckets(keys, present, ranks)
    finally:
        keys.close()
    of = np.full(n, -1, dtype=np.int64)
    sim_of = np.zeros(n, dtype=np.float64)
    overlap = _FAST.sorted_overlap if _FAST is not None else None
    # shingles are recomputed for compared texts only; the most recently used are kept (a popular passage's
    # earliest copy, which every later copy is compared with first, stays in)
    cache: OrderedDict[int, np.ndarray] = OrderedDict()
    cached = [0, 0]  # bytes held, texts read

    def shingles_of(j: int) -> np.ndarray:
        got = cache.get(j)
        if got is None:
            while cached[0] > _CACHE_BYTES and cache:
                cached[0] -= cache.popitem(last=False)[1].nbytes
            got = cache[j] = shingle_array(texts[j])
            cached[0] += got.nbytes
            cached[1] += 1
            if cached[1] % _RELEASE_READS == 0:
                release_pages()  # texts read at random from a mapped column: each touched a page or two
        else:
            cache.move_to_end(j)
        return got

    copies = np.flatnonzero(head >= 0)
    todo = np.union1d(buckets.has_candidates(), copies[ranks[head[copies]] < ranks[copies]])
    del copies
    # in rank order: a text's candidates rank before it, so they were mostly compared (and cached) just before,
    # and an exact copy's first copy has its answer already; each text's answer does not depend on the order
    for i in todo[np.lexsort((todo, ranks[todo]))].tolist():
        mine = shingles_of(i)
        first = int(head[i])
        if first >= 0 and ranks[first] < ranks[i] and np.array_equal(mine, shingles_of(first)):
            # the same shingles as an earlier text: the same similarities to every text, so its answer, or
            # that text itself (similarity 1) when it has none; found even in buckets too big to compare
            if of[first] >= 0:
                of[i], sim_of[i] = of[first], sim_of[first]
            else:
                of[i], sim_of[i] = first, 1.0
            continue
        own: set[int] = set(mine.tolist()) if overlap is None else set()  # the Python path compares sets
        js = buckets.candidates(i, ranks)
        small, big = np.minimum(size[js], size[i]), np.maximum(size[js], size[i])
        js = js[small >= threshold * big * (1 - 1e-12)]  # the others cannot reach the threshold
        for j in js.tolist():  # earliest rank first: the first match is the answer
            other = shingles_of(j)
            inter = overlap(mine, other) if overlap is not None else len(own.intersection(other.tolist()))
            sim = inter / (len(mine) + len(other) - inter)
            if sim >= threshold:
                of[i], sim_of[i] = j, sim
                break
    release_pages()  # the compared texts: not resident through what follows
    return of, sim_of
