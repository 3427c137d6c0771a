"""The entries and document texts of a corpus being read, gathered into Arrow columns a batch at a time
(corpus.loader reads the files; a worker process sends each document's entries as one RecordBatch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.entries import Entry
from corpus_tools.io.mapped import TextSpill, as_series

ENTRY_COLS = [c for c in schema.ENTRIES if c not in ("dup_of", "dup_score")]  # the loader adds those
_BATCH_ENTRIES = 50_000  # entries (and their documents' texts) turned into Arrow columns at a time while reading
_INT_COLUMNS = ("seq", "start", "end")
_BATCH_DOCS = 5_000  # documents' records turned into a frame at a time while reading


def entry_schema(entry_cols: list[str]) -> Any:
    """The Arrow schema of the entries' columns while they are read (ints for seq, start and end; else strings)."""
    import pyarrow as pa

    return pa.schema([(c, pa.int64() if c in _INT_COLUMNS else pa.string()) for c in entry_cols])


def entry_batch(found: list[Entry], entry_cols: list[str]) -> Any:
    """A document's entries as one Arrow RecordBatch: what a worker process sends back (its buffers, not a
    Python tuple and strings per entry for the loading process to unpickle, whose leftovers fragmented its heap)."""
    import pyarrow as pa

    schema = entry_schema(entry_cols)
    columns = [[getattr(e, c) for e in found] for c in entry_cols]
    return pa.RecordBatch.from_arrays([pa.array(v, type=f.type) for v, f in zip(columns, schema, strict=True)],
                                      schema=schema)


class EntryBatches:
    """Entries and document texts gathered into Arrow columns a batch at a time: a corpus of a million entries
    then never holds them as Python objects all at once (about 400 bytes each), only as UTF-8 in Arrow. With a
    `spill` folder the texts go to memory-mapped files there as they come (io.mapped), not to the heap."""

    def __init__(self, entry_cols: list[str], spill: Path | None = None, keep: bool = False) -> None:
        self.text_at = entry_cols.index("text")
        self.schema = entry_schema(entry_cols)
        self.entries: list[Any] = []  # pyarrow RecordBatches of documents' entries
        self.n_entries = 0
        self.texts: list[str] = []
        self.entry_tables: list[Any] = []  # pyarrow Tables and Arrays
        self.text_chunks: list[Any] = []
        # entries', documents'; `keep`: their files stay for another process (TextSpill.save_index)
        self.spills = (TextSpill(spill, keep), TextSpill(spill, keep)) if spill is not None else None
        self.folder = spill  # also for the near-duplicate check's scratch files

    def add(self, text: str, found: Any) -> None:
        """A document's text and its entries (a RecordBatch of `entry_batch`)."""
        self.texts.append(text)
        if found.num_rows:
            self.entries.append(found)
            self.n_entries += found.num_rows
        if self.n_entries >= _BATCH_ENTRIES:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.entries:
            table = pa.Table.from_batches(self.entries, schema=self.schema)
            arrays = [c.combine_chunks() for c in table.columns]
            del table
            if self.spills is not None:
                self.spills[0].write(arrays[self.text_at])
                arrays[self.text_at] = pa.nulls(len(arrays[self.text_at]), pa.string())  # placeholder
            self.entry_tables.append(pa.table(arrays, schema=self.schema))
            del arrays
        if self.texts:
            texts = pa.array(self.texts, type=pa.string())
            if self.spills is not None:
                self.spills[1].write(texts)
            else:
                self.text_chunks.append(texts)
        self.entries, self.texts, self.n_entries = [], [], 0

    def frames(self) -> tuple[pd.DataFrame, pd.Series]:
        """(the entries frame, the documents' texts), Arrow-backed (texts mapped when spilled)."""
        import pyarrow as pa

        self.flush()
        table = pa.concat_tables(self.entry_tables) if self.entry_tables else self.schema.empty_table()
        self.entry_tables = []
        if self.spills is None:
            texts = pa.chunked_array(self.text_chunks, type=pa.string())
            self.text_chunks = []
            return table.to_pandas(), texts.to_pandas()
        entry_texts, doc_texts = (s.column() for s in self.spills)
        # one chunk a column (see TextSpill), joined a column at a time: the parts of one column and its whole are
        # in memory together, never two copies of every column
        parts = {f.name: table.column(f.name) for f in self.schema if f.name != "text"}
        del table
        columns: dict[str, pd.Series] = {}
        for name in list(parts):
            column = parts.pop(name).combine_chunks()
            if pa.types.is_integer(column.type):
                columns[name] = pd.Series(np.array(column.to_numpy(zero_copy_only=False)), copy=False)
            else:
                columns[name] = as_series(column.cast(pa.large_string()))
            del column
            pa.default_memory_pool().release_unused()  # the column's parts
        entries = pd.DataFrame(columns, index=pd.RangeIndex(len(entry_texts)), copy=False)
        entries.insert(self.text_at, "text", as_series(entry_texts, entries.index))
        return entries, as_series(doc_texts)

    def abort(self) -> None:
        """Remove the spill files of a load that failed."""
        for s in self.spills or ():
            s.abort()


class DocBatches:
    """The documents' records (dicts of `columns`) gathered into frames _BATCH_DOCS at a time: held as dicts until
    the end, 100,000 records (a dict and a Python string per field) took about 200 MB that the heap kept after."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._rows: list[tuple[Any, ...]] = []
        self._frames: list[pd.DataFrame] = []

    def add(self, record: dict[str, Any]) -> None:
        self._rows.append(tuple(record[c] for c in self.columns))
        if len(self._rows) >= _BATCH_DOCS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._frames.append(pd.DataFrame.from_records(self._rows, columns=self.columns))
            self._rows = []

    def frame(self) -> pd.DataFrame:
        """The records as one frame (string columns one Arrow chunk each; `year` as Int64)."""
        self._flush()
        frames, self._frames = self._frames, []
        if len(frames) < 2:
            docs = frames[0] if frames else pd.DataFrame.from_records([], columns=self.columns)
        else:
            docs = pd.concat(frames, ignore_index=True)
            del frames
            for name in docs.columns:
                if isinstance(docs[name].dtype, pd.StringDtype) and docs[name].dtype.storage == "pyarrow":
                    docs[name] = as_series(docs[name].array.__arrow_array__().combine_chunks(), docs.index)
        if "year" in docs.columns:  # a batch of undated documents only has an object column of None
            docs["year"] = docs["year"].astype("Int64")
        return docs
