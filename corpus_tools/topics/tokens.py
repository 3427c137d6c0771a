"""Token lists of many entries kept as word ids in a file (topics.prepare writes them; the topic models read them
a block at a time): memory is bounded by a block of entries and the vocabulary, not by the number of entries.

A `TokenStore` is one flat int32 array of vocabulary ids on disk (read with positioned reads, so its pages sit in
the page cache, not in the process) and the int64 offsets of each entry's tokens in memory (8 bytes per entry).
`TokenDocs` is a view of some of its entries that behaves like a list of word lists (`Sequence[list[str]]`), so
code written for lists works on it; word lists are built only for the entries asked for (a sweep's sample,
coherence's reference), the fold-in reads the ids directly.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from corpus_tools.io.blocks import BlockRows

ID = np.dtype(np.int32)
READ_DOCS = 4096  # entries per read when iterating over word lists
GAP_TOKENS = 65_536  # gathering scattered entries: entries closer than this are read in one run ...
RUN_TOKENS = 1 << 20  # ... of at most this many tokens (4 MB), so a sample spread over the file is not read whole


class TokenWriter:
    """Appends the ids of entries, a block at a time, to a new file; `close` gives the TokenStore."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh = open(self.path, "wb")  # noqa: SIM115 (closed in `close`)
        self._lengths: list[np.ndarray] = []

    def append(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        """Add entries: their ids (concatenated, in entry order) and the number of ids of each."""
        lengths = np.asarray(lengths, dtype=np.int64)
        ids = np.ascontiguousarray(ids, dtype=ID)
        if int(lengths.sum()) != len(ids):
            raise ValueError(f"{len(ids)} ids for entries of {int(lengths.sum())} tokens")
        self._fh.write(ids.tobytes())
        self._lengths.append(lengths)

    def close(self, words: Sequence[str], tmp: Any = None) -> TokenStore:
        """The store of every entry appended; `words[i]` is the word of id i; `tmp` (a TemporaryDirectory) is
        kept alive with the store."""
        self._fh.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, dtype=np.int64)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        self._lengths = []
        return TokenStore(self.path, list(words), offsets, tmp)


class TokenStore:
    """The word ids of n entries (one int32 file, `offsets` in memory) and the words they stand for."""

    def __init__(self, path: str | Path, words: list[str], offsets: np.ndarray, tmp: Any = None) -> None:
        self.path = str(path)
        self.words = words
        self.offsets = offsets
        self._tmp = tmp  # a TemporaryDirectory owning the file (removed with the store), or None

    @classmethod
    def from_lists(cls, docs: Sequence[Sequence[str]], directory: str | Path | None = None) -> TokenStore:
        """A store of word lists (words numbered in order of first use; tests and small inputs)."""
        tmp = None
        if directory is None:
            tmp = tempfile.TemporaryDirectory(prefix="corpus-tools-tokens-")
            directory = tmp.name
        fd, name = tempfile.mkstemp(suffix=".i32", dir=directory)
        os.close(fd)
        vocab: dict[str, int] = {}
        ids = [vocab.setdefault(w, len(vocab)) for d in docs for w in d]
        writer = TokenWriter(name)
        writer.append(np.asarray(ids, dtype=ID), np.asarray([len(d) for d in docs], dtype=np.int64))
        return writer.close(list(vocab), tmp)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_tmp"] = None  # a worker process reads the file; the owner removes it
        return state

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per entry (int64)."""
        return np.diff(self.offsets)

    def read(self, a: int, b: int) -> np.ndarray:
        """The ids of entries a..b-1, concatenated."""
        lo, hi = int(self.offsets[a]), int(self.offsets[b])
        if hi <= lo:
            return np.zeros(0, dtype=ID)
        return np.fromfile(self.path, dtype=ID, count=hi - lo, offset=lo * ID.itemsize)

    def gather(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids of the entries `idx` (ascending) concatenated in that order, tokens of each): entries close
        together are read in one run."""
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx) == 0:
            return np.zeros(0, dtype=ID), np.zeros(0, dtype=np.int64)
        starts, ends = self.offsets[idx], self.offsets[idx + 1]
        lengths = ends - starts
        bounds = [0]
        first = int(starts[0])
        gaps = (starts[1:] - ends[:-1]).tolist()
        for j, (gap, end) in enumerate(zip(gaps, ends[1:].tolist(), strict=True), start=1):
            if gap > GAP_TOKENS or end - first > RUN_TOKENS:  # a new run: far from the last, or this one is long
                bounds.append(j)
                first = int(starts[j])
        bounds.append(len(idx))
        parts = []
        for r0, r1 in pairwise(bounds):
            base = int(starts[r0])
            run = self.read(int(idx[r0]), int(idx[r1 - 1]) + 1)
            if r1 - r0 == int(idx[r1 - 1]) - int(idx[r0]) + 1:  # consecutive entries: the run as it is
                parts.append(run)
                continue
            pos = _ranges(starts[r0:r1] - base, lengths[r0:r1])
            parts.append(run[pos])
        return np.concatenate(parts), lengths


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated aranges start..start+length for each pair (positions of several entries' tokens)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    rep_starts = np.repeat(starts - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + rep_starts


class TokenDocs(BlockRows[list[str]]):
    """Some entries of a TokenStore (all, or the positions `idx`, ascending), behaving as a list of word lists."""

    def __init__(self, store: TokenStore, idx: np.ndarray | None = None) -> None:
        self.store = store
        self.idx = None if idx is None else np.asarray(idx, dtype=np.int64)

    @classmethod
    def from_lists(cls, docs: Sequence[Sequence[str]], directory: str | Path | None = None) -> TokenDocs:
        """Word lists as TokenDocs (tests and small inputs)."""
        return cls(TokenStore.from_lists(docs, directory))

    def __len__(self) -> int:
        return len(self.store) if self.idx is None else len(self.idx)

    @property
    def words(self) -> list[str]:
        """Id → word."""
        return self.store.words

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per entry of this view (int64)."""
        lengths = self.store.lengths
        return lengths if self.idx is None else lengths[self.idx]

    def ids(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids of this view's entries a..b-1 concatenated, tokens of each)."""
        b = min(b, len(self))
        if self.idx is None:
            return self.store.read(a, b), np.diff(self.store.offsets[a:b + 1])
        return self.store.gather(self.idx[a:b])

    def take(self, positions: Sequence[int] | np.ndarray) -> TokenDocs:
        """The view of this view's entries at `positions` (ascending)."""
        pos = np.asarray(positions, dtype=np.int64)
        return TokenDocs(self.store, pos if self.idx is None else self.idx[pos])

    def lists(self, a: int = 0, b: int | None = None) -> list[list[str]]:
        """Word lists of entries a..b-1 (one str object per word, shared by every list that has it)."""
        ids, lengths = self.ids(a, len(self) if b is None else b)
        words = self.store.words
        flat = [words[i] for i in ids.tolist()]
        out, pos = [], 0
        for n in lengths.tolist():
            out.append(flat[pos:pos + n])
            pos += n
        return out

    def word_counts(self) -> dict[str, int]:
        """Word → tokens over every entry of the view (words with at least one)."""
        counts = np.zeros(len(self.store.words), dtype=np.int64)
        for a in range(0, len(self), READ_DOCS * 16):
            ids, _ = self.ids(a, a + READ_DOCS * 16)
            counts += np.bincount(ids, minlength=len(counts))
        return {self.store.words[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}

    block = READ_DOCS

    def _rows(self, a: int, b: int) -> list[list[str]]:
        return self.lists(a, b)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (TokenDocs, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == list(b) for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


def as_lists(docs: Sequence[Sequence[str]], positions: Sequence[int] | None = None) -> list[list[str]]:
    """Word lists of `docs` (at `positions`, ascending, when given): read from the store for TokenDocs, the
    lists themselves otherwise."""
    if isinstance(docs, TokenDocs):
        if positions is None:
            return docs.lists()
        pos = np.asarray(positions, dtype=np.int64)
        order = np.argsort(pos, kind="stable")
        lists = docs.take(pos[order]).lists()
        out: list[list[str]] = [[] for _ in range(len(pos))]
        for j, d in zip(order.tolist(), lists, strict=True):
            out[j] = d
        return out
    if positions is None:
        return docs if isinstance(docs, list) else [list(d) for d in docs]
    return [list(docs[i]) for i in positions]
