"""Sequences made a block of items at a time: a long list (a table's formatted rows, a page's document rows, the
topics' word lists) that is read in order or in slices need never exist whole in memory."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class BlockRows(Sequence[T]):
    """A sequence whose items a .. b-1 come from `_rows(a, b)` (subclasses give it and `__len__`): iteration reads
    `block` items at a time, indexing and slicing read only what they ask for."""

    block = 5_000

    @abstractmethod
    def _rows(self, a: int, b: int) -> list[T]:
        """Items a .. b-1 (0 <= a <= b <= len(self))."""

    def __iter__(self) -> Iterator[T]:
        for a in range(0, len(self), self.block):
            yield from self._rows(a, min(a + self.block, len(self)))

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step != 1:
                return [self[j] for j in range(a, b, step)]
            return self._rows(a, max(a, b))
        n = len(self)
        j = int(i) + n if int(i) < 0 else int(i)
        if not 0 <= j < n:
            raise IndexError(f"item {i} of {n}")
        return self._rows(j, j + 1)[0]
