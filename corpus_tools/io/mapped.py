"""Large text columns kept in memory-mapped Arrow files instead of on the heap.

A media archive's texts (hundreds of MB) are read by every step of `analyze`, but each step needs only a slice of
them at a time. Written once to a file and memory-mapped, a column is an ordinary pandas `str` column (Arrow-backed)
whose bytes live in the operating system's page cache: they count in the process's resident size only while
touched, and `release_pages` (called by `io.memory.release_memory` and by loops over chunks) drops the touched
pages from the process again; reading them later costs a page-cache lookup, not a disk read. The file is
unlinked as soon as it is mapped (where the platform allows), so an interrupted run leaves nothing behind.
"""

from __future__ import annotations

import atexit
import mmap
import os
import tempfile
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_MAPS: list[weakref.ref[mmap.mmap]] = []  # every live mapping, for release_pages
_FILES: dict[int, tuple[int, int]] = {}  # an open descriptor of each live mapping's file -> (address, size)


class TextSpill:
    """Strings written to a file in `folder` a batch at a time (their UTF-8 bytes, back to back; the offsets and
    missing-value flags stay in memory: 9 bytes a value); `column()` maps the file and returns them as one Arrow
    array (a single chunk: Arrow's take and filter on a column of many chunks join them first, a copy of every
    text) whose data buffer is the mapping."""

    def __init__(self, folder: str | Path, keep: bool = False) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".texts-", suffix=".bin", dir=folder)
        self.path = Path(name)
        self.keep = keep  # True: the file stays after `column()` (for another process to map: `save_index`)
        self._file = os.fdopen(fd, "wb")
        self._offsets: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
        self._valid: list[np.ndarray] = []
        self._size = 0

    def write(self, values: Any) -> None:
        """Append a pyarrow string array (or a list of str; None is a missing value)."""
        import pyarrow as pa

        array = values if isinstance(values, pa.Array) else pa.array(values, type=pa.large_string())
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if array.type != pa.large_string():
            array = array.cast(pa.large_string())
        if not len(array):
            return
        _, offsets_buf, data_buf = array.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)[array.offset:array.offset + len(array) + 1]
        lo, hi = int(offsets[0]), int(offsets[-1])
        if hi > lo:
            self._file.write(memoryview(data_buf)[lo:hi])
        self._offsets.append(offsets[1:] - lo + self._size)
        self._valid.append(array.is_valid().to_numpy(zero_copy_only=False))
        self._size += hi - lo

    def column(self) -> Any:
        """Close the file, map it and return its strings as a pyarrow large_string Array over the mapping."""
        self._file.close()
        offsets = np.concatenate(self._offsets)
        valid = np.concatenate(self._valid) if self._valid else np.zeros(0, dtype=bool)
        self._offsets, self._valid = [offsets], [valid]  # for save_index
        try:
            return mapped_strings(self.path, offsets, valid)
        finally:
            if not self.keep:
                _discard(self.path)

    def save_index(self, path: str | Path) -> None:
        """After `column()`: write the offsets and missing-value flags to `path` (.npz, no pickles), so that another
        process can map the kept file with `load_strings`."""
        np.savez(path, offsets=self._offsets[0], valid=self._valid[0])

    def abort(self) -> None:
        """Close and remove the file (a failed load); nothing to do once mapped."""
        if not self._file.closed:
            self._file.close()
            _discard(self.path)


class ArraySpill:
    """Numbers of one dtype appended to a file in `folder` a part at a time; `array()` returns them as one array,
    memory-mapped (its pages resident only while touched; `release_pages` drops them) or read into memory. The
    parts and the whole are never both in memory, as they are when a list of parts is joined."""

    def __init__(self, folder: str | Path, dtype: Any) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".array-", suffix=".bin", dir=folder)
        self.path = Path(name)
        self.dtype = np.dtype(dtype)
        self._file = os.fdopen(fd, "wb")
        self.size = 0  # values written

    def write(self, values: np.ndarray) -> None:
        """Append values (cast to the spill's dtype)."""
        part = np.ascontiguousarray(values, dtype=self.dtype)
        if part.size:
            self._file.write(part.view(np.uint8).data)
            self.size += int(part.size)

    def array(self, mapped: bool = True) -> np.ndarray:
        """Close the file and return its values: a read-only array over a mapping of the file (`mapped`), else an
        ordinary array read from it; the file is removed either way."""
        self._file.close()
        try:
            if not self.size:
                return np.zeros(0, dtype=self.dtype)
            if not mapped:
                return np.fromfile(self.path, dtype=self.dtype, count=self.size)
            mapping = _map_file(self.path, self.size * self.dtype.itemsize)
            return np.frombuffer(mapping, dtype=self.dtype)  # holds the mapping open as long as the array lives
        finally:
            _discard(self.path)

    def abort(self) -> None:
        """Close and remove the file (a failed build)."""
        if not self._file.closed:
            self._file.close()
        _discard(self.path)


def mapped_strings(path: str | Path, offsets: np.ndarray, valid: np.ndarray) -> Any:
    """The strings whose UTF-8 bytes are file `path` (back to back) as one pyarrow large_string Array whose data
    buffer is a mapping of the file (`offsets`: int64, one more than the values; `valid`: False for a missing
    value). The mapping is registered for `release_pages` and `text_reader`."""
    import pyarrow as pa

    size = int(offsets[-1]) if len(offsets) else 0
    data: Any = pa.py_buffer(b"")
    if size:
        data = pa.py_buffer(_map_file(path, size))  # holds the mapping open as long as the column lives
    n_null = int(len(valid) - valid.sum())
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if n_null else None
    return pa.Array.from_buffers(pa.large_string(), len(valid), [bitmap, pa.py_buffer(offsets), data],
                                 null_count=n_null)


def load_strings(path: str | Path, index: str | Path) -> Any:
    """`mapped_strings` of a file a TextSpill kept, with the index its `save_index` wrote."""
    with np.load(index, allow_pickle=False) as saved:
        return mapped_strings(path, saved["offsets"], saved["valid"])


def map_table(path: str | Path) -> Any:
    """An Arrow IPC file as a pyarrow Table whose buffers are a mapping of the file (registered for
    `release_pages`: the pages a step reads count in the resident size only until they are dropped)."""
    import pyarrow as pa

    size = os.path.getsize(path)
    if not size:
        raise ValueError(f"{path}: empty file")
    return pa.ipc.open_file(pa.py_buffer(_map_file(path, size))).read_all()


def _map_file(path: str | Path, size: int) -> mmap.mmap:
    """A read-only mapping of the first `size` bytes of a file, registered for release_pages and text_reader."""
    import pyarrow as pa

    with open(path, "rb") as fh:
        mapping = mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_READ)
        fd = os.dup(fh.fileno())  # for text_reader; closed with the mapping
    _MAPS.append(weakref.ref(mapping))
    view = pa.py_buffer(mapping)
    _FILES[fd] = (view.address, view.size)
    del view
    weakref.finalize(mapping, _close_file, fd)
    return mapping


def _close_file(fd: int) -> None:
    _FILES.pop(fd, None)
    os.close(fd)


def text_reader(column: pd.Series) -> Callable[[int], str] | None:
    """A function giving text i of a mapped column ("" for a missing one), read from its file (pread) rather than
    through the mapping, for reads at random: a read through the mapping maps the page-cache folio around it
    (about 1 MB a read on Linux 6.18's ext4), so a few hundred random reads made a hundred MB resident. None
    when the column is not mapped (or the platform has no pread)."""
    if not hasattr(os, "pread"):
        return None
    try:
        chunked = column.array.__arrow_array__()
        chunks = [c for c in getattr(chunked, "chunks", [chunked]) if len(c)]
    except (AttributeError, TypeError):
        return None
    parts = []  # per chunk: (first row, descriptor, file offset of its data, offsets, validity or None)
    first = 0
    for c in chunks:
        if str(c.type) not in ("large_string", "large_utf8"):
            return None
        data = c.buffers()[2]
        where = [(fd, data.address - lo) for fd, (lo, size) in _FILES.items()
                 if data is not None and lo <= data.address < lo + size]
        if not where:
            return None
        offsets = np.frombuffer(c.buffers()[1], dtype=np.int64)[c.offset:c.offset + len(c) + 1]
        valid = c.is_valid().to_numpy(zero_copy_only=False) if c.null_count else None
        parts.append((first, *where[0], offsets, valid))
        first += len(c)
    starts = [p[0] for p in parts]

    def read(i: int) -> str:
        k = bisect_right(starts, i) - 1
        row0, fd, base, offsets, valid = parts[k]
        j = i - row0
        if valid is not None and not valid[j]:
            return ""
        lo, hi = int(offsets[j]), int(offsets[j + 1])
        return os.pread(fd, hi - lo, base + lo).decode("utf-8") if hi > lo else ""

    return read


def _discard(path: Path) -> None:
    """Remove the file now (a mapped file stays readable on POSIX), else when the process exits."""
    try:
        path.unlink(missing_ok=True)
    except OSError:  # Windows: a mapped file cannot be removed until it is unmapped
        atexit.register(lambda: path.unlink(missing_ok=True))


def as_series(column: Any, index: pd.Index | None = None) -> pd.Series:
    """A pandas `str` Series over an Arrow string array or column, without copying its buffers."""
    import pyarrow as pa

    if isinstance(column, pa.Array):
        column = pa.chunked_array([column], type=column.type)
    if column.type != pa.large_string():
        column = column.cast(pa.large_string())
    array = pd.arrays.ArrowStringArray(column, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    return pd.Series(array, index=index, copy=False)


def map_column(series: pd.Series, folder: str | Path, rows: int = 50_000) -> pd.Series:
    """`series` (strings) as a memory-mapped column in `folder`, written `rows` at a time; same values and index."""
    import pyarrow as pa

    spill = TextSpill(folder)
    try:
        for start in range(0, len(series), rows):
            part = series.iloc[start:start + rows]
            spill.write(pa.array(part, type=pa.large_string(), from_pandas=True))  # NaN: null
    except BaseException:
        spill.abort()
        raise
    return as_series(spill.column(), series.index)


def factorize(values: pd.Series, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """`pd.factorize(values, sort=sort)` (codes in order of first appearance or of the sorted values, -1 for a
    missing value, and the distinct values), computed by Arrow for an Arrow-backed string column: pandas turns
    such a column into a Python string per value first (+200 MB for a million ids), Arrow's dictionary encoding
    reads the buffers as they are."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        column = values.array.__arrow_array__()
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            raise TypeError("not a string column")
    except (AttributeError, TypeError, ImportError):
        codes, uniques = pd.factorize(values, sort=sort)
        return np.asarray(codes, dtype=np.int64), pd.Index(uniques)
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):  # every chunk has its own dictionary: unify them first
        encoded = encoded.unify_dictionaries()
        dictionary = encoded.chunks[0].dictionary if encoded.num_chunks else pa.array([], type=column.type)
        indices = pa.chunked_array([c.indices for c in encoded.chunks], type=pa.int32())
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    codes = pc.fill_null(indices, -1).to_numpy().astype(np.int64)
    if sort and len(dictionary):  # UTF-8 byte order is code point order: pandas' order for str
        order = pc.sort_indices(dictionary).to_numpy()
        new_code = np.empty(len(order), dtype=np.int64)
        new_code[order] = np.arange(len(order))
        codes = np.where(codes >= 0, new_code[np.maximum(codes, 0)], -1)
        dictionary = dictionary.take(pa.array(order))
    return codes, pd.Index(as_series(dictionary), dtype=values.dtype)


def is_mapped(series: pd.Series) -> bool:
    """Whether a string column's buffers lie in one of this module's mappings (for tests and diagnostics)."""
    try:
        chunks = series.array.__arrow_array__()
        chunks = getattr(chunks, "chunks", [chunks])
    except (AttributeError, TypeError):
        return False
    spans = []
    for ref in _MAPS:
        m = ref()
        if m is not None and not m.closed:
            import pyarrow as pa

            buf = pa.py_buffer(m)
            spans.append((buf.address, buf.address + buf.size))
    data = [c.buffers()[2] for c in chunks if len(c) and c.buffers()[2] is not None]
    return bool(data) and all(any(lo <= b.address < hi for lo, hi in spans) for b in data)


def iter_texts(column: Iterable[Any], rows: int = 100_000) -> Iterator[Any]:
    """The values of a (possibly mapped) text column in order, dropping the pages read every `rows` values, so a
    pass over every text keeps only a block of them resident."""
    for i, value in enumerate(column, 1):
        yield value
        if i % rows == 0:
            release_pages()


def release_pages() -> None:
    """Drop the pages of every mapped column from this process's resident set (they stay in the page cache)."""
    advice = getattr(mmap, "MADV_DONTNEED", None)
    alive = []
    for ref in _MAPS:
        m = ref()
        if m is None or m.closed:
            continue
        alive.append(ref)
        if advice is not None and len(m):
            m.madvise(advice)
    _MAPS[:] = alive
