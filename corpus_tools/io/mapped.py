"""Large text columns kept in memory-mapped Arrow files instead of on the heap.

A media archive's texts (hundreds of MB) are read by every step of `analyze`, but each step needs only a slice of
them at a time. Written once to an Arrow IPC file and memory-mapped, a column is an ordinary pandas `str` column
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
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_MAPS: list[weakref.ref[mmap.mmap]] = []  # every live mapping, for release_pages
_FIELD = "text"


class TextSpill:
    """String arrays written to one Arrow IPC file in `folder` a batch at a time; `column()` maps the file and
    returns them as one Arrow column whose buffers are the mapping (no copy on the heap)."""

    def __init__(self, folder: str | Path) -> None:
        import pyarrow as pa

        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".texts-", suffix=".arrow", dir=folder)
        os.close(fd)
        self.path = Path(name)
        self._sink = pa.OSFile(name, "wb")
        self._writer = pa.ipc.new_file(self._sink, pa.schema([(_FIELD, pa.large_string())]))
        self.n_rows = 0
        self._open = True

    def write(self, values: Any) -> None:
        """Append a pyarrow string array (or a list of str)."""
        import pyarrow as pa

        array = values if isinstance(values, pa.Array) else pa.array(values, type=pa.large_string())
        if array.type != pa.large_string():
            array = array.cast(pa.large_string())
        if len(array):
            self._writer.write_batch(pa.record_batch([array], names=[_FIELD]))
            self.n_rows += len(array)

    def column(self) -> Any:
        """Close the file, map it and return its rows as a pyarrow ChunkedArray (large_string)."""
        import pyarrow as pa

        self._writer.close()
        self._sink.close()
        self._open = False
        with open(self.path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            mapping = mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_READ)
        _discard(self.path)
        _MAPS.append(weakref.ref(mapping))
        table = pa.ipc.open_file(pa.py_buffer(mapping)).read_all()  # buffers point into the mapping
        column = table.column(_FIELD)
        return column if column.num_chunks else pa.chunked_array([], type=pa.large_string())

    def abort(self) -> None:
        """Close and remove the file (a failed load); nothing to do once mapped."""
        if not self._open:
            return
        self._open = False
        try:
            self._writer.close()
        finally:
            self._sink.close()
            _discard(self.path)


def _discard(path: Path) -> None:
    """Remove the file now (a mapped file stays readable on POSIX), else when the process exits."""
    try:
        path.unlink(missing_ok=True)
    except OSError:  # Windows: a mapped file cannot be removed until it is unmapped
        atexit.register(lambda: path.unlink(missing_ok=True))


def as_series(column: Any, index: pd.Index | None = None) -> pd.Series:
    """A pandas `str` Series over an Arrow string column, without copying its buffers."""
    import pyarrow as pa

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
