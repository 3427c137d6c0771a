"""Topic shares of many entries (n × k), read a block of rows at a time: the fold-in writes a scope's shares to a
file (`FileShares`) and the tables that need them (topic weights, passages, covariate effects, the seeded table)
read them back in blocks, so the main process never holds a share matrix of every entry. Small matrices (a
sweep's own fits) stay arrays (`ArrayShares`). Every reduction here gives bit for bit the numbers of the same
NumPy call on the whole matrix (tests/topics/test_shares.py)."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

BLOCK_ROWS = 65_536  # rows per block read (8 × k bytes each)
READ_CELLS = 1 << 18  # shares per block of the reductions (mean, column, passages): 2 MB, fewer rows when k is large
F64 = np.dtype(np.float64)


class Shares(ABC):
    """An n × k float64 matrix read in blocks of rows (subclasses implement `block`)."""

    n: int
    k: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.n, self.k

    def __len__(self) -> int:
        return self.n

    @abstractmethod
    def block(self, a: int, b: int) -> np.ndarray:
        """Rows a..b-1 (a new C-ordered array or a view of one)."""

    def blocks(self, rows: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, block) for consecutive blocks of `rows` rows (default BLOCK_ROWS, at most READ_CELLS
        shares: a 22-topic model's block of 65,536 rows was 11.5 MB, and `mean` copies it once more)."""
        step = max(1, rows or min(BLOCK_ROWS, READ_CELLS // max(self.k, 1)))
        for a in range(0, self.n, step):
            yield a, self.block(a, min(a + step, self.n))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The whole matrix (tests and small scopes)."""
        out = self.block(0, self.n) if self.n else np.zeros((0, self.k))
        return out if dtype is None else out.astype(dtype)

    def mean(self) -> np.ndarray:
        """Column means, the same numbers as `matrix.mean(axis=0)`: NumPy adds the rows of a C-ordered matrix
        one after another along axis 0, so carrying the running sum into each block keeps that order."""
        if self.k == 1:  # a single column is summed pairwise: read it whole
            return self.column(0)[:, None].mean(axis=0)
        acc = np.zeros(self.k)
        for _a, blk in self.blocks():
            acc = np.add.reduce(np.concatenate([acc[None, :], blk]), axis=0)
        return acc / self.n

    def column(self, t: int) -> np.ndarray:
        """Every row's share of topic t (n floats)."""
        out = np.empty(self.n)
        for a, blk in self.blocks():
            out[a:a + len(blk)] = blk[:, t]
        return out

    def permuted(self, order: np.ndarray) -> Shares:
        """The matrix with its columns in `order` (topics matched to another model's)."""
        return _Permuted(self, np.asarray(order))

    def discard(self) -> None:
        """Free what backs the matrix (a file is removed); it cannot be read afterwards. Arrays: nothing to do."""
        return None


class ArrayShares(Shares):
    """Shares held in memory (a sweep's own fits: at most the sample)."""

    def __init__(self, array: Any) -> None:
        self.array = np.asarray(array, dtype=float)
        self.n, self.k = self.array.shape

    def block(self, a: int, b: int) -> np.ndarray:
        return self.array[a:b]

    def mean(self) -> np.ndarray:
        return self.array.mean(axis=0)

    def column(self, t: int) -> np.ndarray:
        return self.array[:, t].copy()


class FileShares(Shares):
    """Shares in a file of n × k float64 rows (C order), written by the fold-in."""

    def __init__(self, path: str | Path, n: int, k: int) -> None:
        self.path = str(path)
        self.n, self.k = n, k

    @classmethod
    def allocate(cls, path: str | Path, n: int, k: int) -> FileShares:
        """A new file of the right size (sparse until written) for n rows of k shares."""
        with open(path, "wb") as fh:
            fh.truncate(n * k * F64.itemsize)
        return cls(path, n, k)

    def block(self, a: int, b: int) -> np.ndarray:
        b = min(b, self.n)
        count = max(0, b - a) * self.k
        data = np.fromfile(self.path, dtype=F64, count=count, offset=a * self.k * F64.itemsize)
        if len(data) != count:
            raise OSError(f"{self.path}: {len(data)} of {count} topic shares could be read")
        return data.reshape(b - a, self.k)

    def discard(self) -> None:
        Path(self.path).unlink(missing_ok=True)


class _Permuted(Shares):
    def __init__(self, base: Shares, order: np.ndarray) -> None:
        self.base, self.order = base, order
        self.n, self.k = base.n, len(order)

    def block(self, a: int, b: int) -> np.ndarray:
        return self.base.block(a, b)[:, self.order]


def as_shares(x: Any) -> Shares:
    """`x` as Shares (arrays are wrapped)."""
    return x if isinstance(x, Shares) else ArrayShares(x)


def write_rows(path: str, first_row: int, rows: np.ndarray) -> None:
    """Write `rows` (float64) into an allocated shares file from row `first_row` on (a positioned write: worker
    processes fill their own parts of one file)."""
    data = np.ascontiguousarray(rows, dtype=F64).tobytes()
    offset = first_row * rows.shape[1] * F64.itemsize
    fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            done = os.pwrite(fd, view, offset)
            view, offset = view[done:], offset + done
    finally:
        os.close(fd)
