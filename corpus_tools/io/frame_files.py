"""DataFrames handed from one process to another in Arrow IPC files, read back memory-mapped.

A frame written here comes back with the same columns, dtypes and values (a RangeIndex). Its string columns stay
in the mapping of the file (io.mapped: resident only while a step reads them, dropped by `release_pages`); other
columns are copied into memory (they are small, and a step may write to them). No pickles: the dtypes travel as
their names in the file's metadata.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools.io.mapped import as_series, map_table

_DTYPES = b"corpus_tools.dtypes"


def _is_str(dtype: Any) -> bool:
    """pandas' `str` dtype (Arrow-backed strings, NaN for missing), the corpus frames' text columns."""
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write `frame` (its columns, not its index) to an Arrow IPC file at `path`, atomically (a temporary file
    renamed): a reader never sees half a frame."""
    import pyarrow as pa

    path = Path(path)
    arrays, dtypes = [], {}
    for name in frame.columns:
        column = frame[name]
        dtypes[str(name)] = str(column.dtype)
        if _is_str(column.dtype):
            array = column.array.__arrow_array__()  # its buffers, not a Python string per value
            arrays.append(array.cast(pa.large_string()) if array.type != pa.large_string() else array)
        else:
            arrays.append(pa.chunked_array([pa.Array.from_pandas(column)]))
    table = pa.table(arrays, names=[str(c) for c in frame.columns]) if arrays else pa.table({})
    table = table.replace_schema_metadata({_DTYPES: json.dumps(dtypes).encode()})
    part = path.with_name(path.name + ".part")
    with pa.OSFile(str(part), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max(len(table), 1))
    os.replace(part, path)
    return path


def read_frame(path: str | Path) -> pd.DataFrame:
    """A frame `write_frame` wrote: string columns over a mapping of the file, the others in memory."""
    table = map_table(path)
    dtypes = json.loads((table.schema.metadata or {}).get(_DTYPES, b"{}"))
    columns: dict[str, pd.Series] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        dtype = dtypes.get(name, "object")
        if dtype == "str":
            columns[name] = as_series(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))
        elif dtype == "object":  # Python objects (None stays None)
            columns[name] = pd.Series(column.to_pylist(), dtype=object)
        else:
            values = column.to_pandas()
            columns[name] = pd.Series(np.array(values, copy=True) if isinstance(values, np.ndarray)
                                      else values.to_numpy(copy=True), copy=False).astype(dtype)
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)
