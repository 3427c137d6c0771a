"""Content words per entry as one sparse entries x words count matrix: what distinctive words need of the tokens,
at a few bytes per distinct (entry, word) pair where a list of str per entry cost a pointer per token and a
list per entry (about a gigabyte at a million entries). Built a slice of entries at a time."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools.io.mapped import ArraySpill, factorize, release_pages

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.text.tokenize import Tokenizer

SLICE_ENTRIES = 20_000  # entries tokenized before their counts are packed into arrays
PRODUCT_ROWS = 100_000  # entries' rows per product of DocWords (their cells resident at a time)
CACHE_ROWS = 1 << 18  # cells (and entries) per part when the matrix is written to the cache


@dataclass
class EntryWords:
    """Word counts per entry: row r of `counts` (a CSR matrix, int32) is entry `entry_ids[r]`, column j is
    `words[j]` (words in order of first use)."""

    entry_ids: pd.Index
    words: list[str]
    counts: Any

    @classmethod
    def from_token_lists(cls, entry_ids: Sequence[str] | pd.Index, token_lists: Iterable[Sequence[str]],
                         slice_entries: int = SLICE_ENTRIES, scratch: str | Path | None = None) -> EntryWords:
        """From the entries' ids and their words (in the same order), packed `slice_entries` entries at a time:
        only one slice's words are ever Python objects; the rest are int32 arrays, appended to files as they are
        packed. With a `scratch` folder the matrix's cells stay in those files, memory-mapped (resident only
        while read); without, they are read into memory once at the end (never the parts and the whole at
        once)."""
        vocab: dict[str, int] = {}
        folder = Path(scratch) if scratch is not None else Path(tempfile.gettempdir())
        # cells' words, cells' counts, rows' ends (the CSR arrays)
        spills = [ArraySpill(folder, np.int32), ArraySpill(folder, np.int32), ArraySpill(folder, np.int64)]
        spills[2].write(np.zeros(1, dtype=np.int64))
        end = [0]  # cells so far
        lens: list[int] = []
        cols: list[int] = []
        n_rows = 0

        def pack() -> None:
            if not lens:
                return
            n_vocab = max(len(vocab), 1)
            rows = np.repeat(np.arange(len(lens), dtype=np.int64), np.asarray(lens, dtype=np.int64))
            # one cell per (entry, word), columns sorted within a row: the cells of a summed CSR matrix
            keys, n = np.unique(rows * n_vocab + np.asarray(cols, dtype=np.int64), return_counts=True)
            per_row = np.bincount(keys // n_vocab, minlength=len(lens))
            spills[2].write(np.cumsum(per_row, dtype=np.int64) + end[0])
            end[0] += len(keys)
            spills[0].write(keys % n_vocab)
            spills[1].write(n)
            lens.clear()
            cols.clear()

        try:
            for ws in token_lists:
                lens.append(len(ws))
                cols.extend([vocab.setdefault(w, len(vocab)) for w in ws])
                n_rows += 1
                if len(lens) >= slice_entries:
                    pack()
            pack()
        except BaseException:
            for sp in spills:
                sp.abort()
            raise
        ids = entry_ids if isinstance(entry_ids, pd.Index) else pd.Index(list(entry_ids), dtype=object)
        words, cells, indptr = (sp.array(mapped=scratch is not None) for sp in spills)
        if len(ids) != n_rows:
            raise ValueError(f"{len(ids)} entry ids for {n_rows} token lists")
        from scipy import sparse

        if end[0] < np.iinfo(np.int32).max:  # scipy's own choice of index type, made here: no copy by scipy
            indptr = indptr.astype(np.int32)
        counts = sparse.csr_matrix((cells, words, indptr), shape=(n_rows, len(vocab)))
        return cls(ids, list(vocab), counts)

    @classmethod
    def of_corpus(cls, corpus: Corpus, tokenizer: Tokenizer, slice_entries: int = SLICE_ENTRIES,
                  scratch: str | Path | None = None) -> EntryWords:
        """The content words (Tokenizer.content_words) of every entry that is not junk, reading the texts a
        slice at a time (no filtered copy of the entries and their texts); `scratch`: see `from_token_lists`."""
        keep = content_mask(corpus)  # junk entries (menus, bylines, markup) give no words
        text = corpus.entries["text"]

        def token_lists() -> Iterator[list[str]]:
            for a in range(0, len(text), slice_entries):
                part = text.iloc[a:a + slice_entries]
                if keep is not None:
                    part = part[keep[a:a + slice_entries]]
                for t in part.tolist():
                    yield tokenizer.content_words(t)
                release_pages()  # the slice's texts, when mapped (io.mapped), need not stay resident

        ids = corpus.entries["entry_id"]
        return cls.from_token_lists(pd.Index((ids if keep is None else ids[keep]).astype(str)), token_lists(),
                                    slice_entries, scratch)

    @classmethod
    def from_mapping(cls, tokens: Mapping[str, Sequence[str]]) -> EntryWords:
        """From entry_id → words."""
        return cls.from_token_lists([str(e) for e in tokens], tokens.values())

    def frames(self) -> dict[str, pd.DataFrame]:
        """Plain frames for the cache (entry ids with their row's end in `cells`, words, cells): views of the
        matrix's arrays and of the ids as they are (no Python string per entry, no copy of the cells)."""
        ids = self.entry_ids.array if isinstance(self.entry_ids.dtype, pd.StringDtype) \
            else np.asarray(self.entry_ids, dtype=object)
        return {"entries": pd.DataFrame({"entry_id": ids, "end": self.counts.indptr[1:].astype(np.int64, copy=False)},
                                        copy=False),
                "words": pd.DataFrame({"word": self.words}),
                "cells": pd.DataFrame({"word": self.counts.indices.astype(np.int32, copy=False),
                                       "n": self.counts.data.astype(np.int32, copy=False)}, copy=False)}

    def cache_frames(self, rows: int = CACHE_ROWS) -> dict[str, pd.DataFrame | Iterator[pd.DataFrame]]:
        """`frames` for Cache.save_frames with the cells and the entries in parts of `rows` (views of the matrix's
        arrays, made as they are written): a mapped matrix (`scratch`) is never read whole into memory, nor is a
        whole column encoded at once."""
        frames: dict[str, pd.DataFrame | Iterator[pd.DataFrame]] = dict(self.frames())
        cells = frames["cells"]
        assert isinstance(cells, pd.DataFrame)
        frames["cells"] = (cells.iloc[a:a + rows] for a in range(0, max(len(cells), 1), rows))
        ent = frames["entries"]
        assert isinstance(ent, pd.DataFrame)
        frames["entries"] = (ent.iloc[a:a + rows] for a in range(0, max(len(ent), 1), rows))
        return frames

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame]) -> EntryWords:
        """The inverse of `frames`."""
        from scipy import sparse

        ent, words, cells = frames["entries"], frames["words"], frames["cells"]
        indptr = np.concatenate([[0], ent["end"].to_numpy(dtype=np.int64)])
        counts = sparse.csr_matrix((cells["n"].to_numpy(dtype=np.int32), cells["word"].to_numpy(dtype=np.int32),
                                    indptr), shape=(len(ent), len(words)))
        return cls(pd.Index(ent["entry_id"].astype(str)), [str(w) for w in words["word"]], counts)

    def rows_of(self, entry_ids: Sequence[str] | pd.Series, content: np.ndarray | None = None) -> np.ndarray:
        """The row of each given entry (-1: none). `content` (optional) marks the given entries this object was
        built from (the corpus's content entries): when those are `entry_ids` in the same order, rows are
        numbered by position, without a hash table of every id (and compared a slice at a time)."""
        ids = pd.Index(entry_ids).astype(str)
        if content is not None and len(content) == len(ids) and int(content.sum()) == len(self.entry_ids) \
                and self._same_ids(ids, content):
            rows = np.full(len(ids), -1, dtype=np.int64)
            rows[content] = np.arange(len(self.entry_ids), dtype=np.int64)
            return rows
        return np.asarray(self.entry_ids.get_indexer(ids), dtype=np.int64)

    def _same_ids(self, ids: pd.Index, content: np.ndarray, step: int = 100_000) -> bool:
        """Whether `ids[content]` equals `entry_ids`, compared `step` given ids at a time (no filtered copy of all)."""
        at = 0
        for a in range(0, len(ids), step):
            part = ids[a:a + step][content[a:a + step]]
            if not self.entry_ids[at:at + len(part)].equals(part):
                return False
            at += len(part)
        return at == len(self.entry_ids)

    def doc_counts(self, entry_ids: Sequence[str] | pd.Series, doc_ids: Sequence[str] | pd.Series, *,
                   rows: np.ndarray | None = None) -> tuple[Any, list[str], list[str]]:
        """(documents × words count matrix, its words, its documents in order of first entry) summed over the
        given entries (an entry without words still gives its document a row); only the words they use.
        `rows`: the entries' rows when known (`rows_of`), instead of looking their ids up."""
        from scipy import sparse

        pos = self.rows_of(entry_ids) if rows is None else rows
        doc_codes, docs = factorize(pd.Series(doc_ids).astype(str))  # Arrow codes: no str per entry
        has = pos >= 0
        n_has = int(has.sum())
        onehot = sparse.csr_matrix((np.ones(n_has, dtype=np.int32), (doc_codes[has], pos[has])),
                                   shape=(len(docs), self.counts.shape[0]))
        del doc_codes, has
        M = sparse.csr_matrix(onehot @ self.counts)  # int32: 8 bytes per document-word cell
        del onehot
        doc_list = [str(d) for d in docs]
        used = np.bincount(M.indices, minlength=M.shape[1]) > 0
        if used.all():
            return M, list(self.words), doc_list
        keep = np.flatnonzero(used)
        return M[:, keep], [self.words[j] for j in keep], doc_list

    def doc_words(self, doc_ids: Sequence[str] | pd.Series, rows: np.ndarray) -> DocWords:
        """The documents x words counts of `doc_counts` (same documents, words and numbers) as a view that sums the
        entries' rows when asked, a group or a slice of documents at a time: never the whole matrix (at 100,000
        documents over a hundred MB), and no copy of the entries' counts."""
        doc_codes, docs = factorize(pd.Series(doc_ids).astype(str))  # Arrow codes: no str per entry
        has = rows >= 0
        entry_rows, doc_of = rows[has].astype(np.int32), doc_codes[has].astype(np.int32)  # 4 bytes an entry
        del doc_codes, has
        used = np.zeros(self.counts.shape[1], dtype=bool)
        indptr = self.counts.indptr
        for a in range(0, len(entry_rows), SLICE_ENTRIES):  # the words the counted entries use, a slice at a time
            r = entry_rows[a:a + SLICE_ENTRIES]
            s, n = indptr[r], indptr[r + 1] - indptr[r]
            if int(n.sum()):
                cells = np.repeat(s - np.concatenate([[0], np.cumsum(n)[:-1]]), n) + np.arange(int(n.sum()))
                used[self.counts.indices[cells]] = True
            release_pages()  # a mapped matrix's pages read for this slice
        keep = None if used.all() else np.flatnonzero(used)
        words = list(self.words) if keep is None else [self.words[j] for j in keep]
        return DocWords(self.counts, entry_rows, doc_of, [str(d) for d in docs], words, keep)


@dataclass
class DocWords:
    """Documents x words counts as the sums of entries' rows of an entries x words matrix (`entries`, shared, not
    copied): `rows` are the counted entries' rows, `doc_of` their document (a row of this matrix), `columns` the
    word columns kept (None: all), `values` the dtype the counts are summed in (None: the entries'). Group sums
    and slices of documents are computed when asked, `PRODUCT_ROWS` entries' rows at a time: the entries' cells
    are read (and made `values`) a slice at a time, and a memory-mapped matrix's pages are let go after each
    slice (`io.mapped.release_pages`), so no product holds the whole matrix resident or copied."""

    entries: Any
    rows: np.ndarray
    doc_of: np.ndarray
    docs: list[str]
    words: list[str]
    columns: np.ndarray | None = None
    values: Any = None
    _order: tuple[np.ndarray | None, np.ndarray] | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.docs), len(self.words)

    @property
    def dtype(self) -> Any:
        return self.entries.dtype if self.values is None else np.dtype(self.values)

    @classmethod
    def of_matrix(cls, counts: Any) -> DocWords:
        """A documents x words matrix as it is (each document its own single row)."""
        from scipy import sparse

        m = sparse.csr_matrix(counts)
        n, w = m.shape
        every = np.arange(n, dtype=np.int64)
        return cls(m, every, every.astype(np.int32), [str(i) for i in range(n)], [str(j) for j in range(w)])

    def typed(self, dtype: Any) -> DocWords:
        """The same counts summed in `dtype` (itself when they are): the entries' values are made `dtype` a slice
        at a time as they are summed, never copied whole."""
        return self if self.dtype == np.dtype(dtype) else dataclasses.replace(self, values=np.dtype(dtype),
                                                                              _order=self._order)

    def total(self, step: int = SLICE_ENTRIES) -> int:
        """The sum of |count| over the counted entries (whole numbers; an entry counted twice, twice), `step` rows
        at a time: a 64-bit copy of one slice's counts at most, and a small count per row, not a 64-bit sum."""
        e = self.entries
        times = np.bincount(self.rows, minlength=e.shape[0])
        times = times.astype(np.min_scalar_type(int(times.max()) if len(times) else 0))
        total = 0
        for a in range(0, e.shape[0], step):
            ptr = e.indptr[a:a + step + 1]
            lengths = np.diff(ptr)
            weight = np.repeat(times[a:a + len(lengths)], lengths)
            if weight.any():
                total += int((np.abs(e.data[ptr[0]:ptr[-1]].astype(np.int64)) * weight).sum())
            release_pages()
        return total

    def _sorted(self) -> tuple[np.ndarray | None, np.ndarray]:
        """(the counted entries in order of their rows, None when `rows` are in order already; their rows in
        that order), made once: a slice of the entries' rows finds its counted entries by binary search."""
        if self._order is None:
            rows = self.rows
            if len(rows) < 2 or bool((rows[1:] >= rows[:-1]).all()):
                self._order = (None, rows)
            else:
                order = np.argsort(rows, kind="stable").astype(np.int32 if len(rows) < 2 ** 31 else np.int64)
                self._order = (order, rows[order])
        return self._order

    def _slices(self, step: int) -> Iterator[tuple[int, int, np.ndarray | slice]]:
        """(a, b, which counted entries have a row in a..b-1) per slice of `step` entries' rows that has any."""
        order, rows_sorted = self._sorted()
        for a in range(0, self.entries.shape[0], step):
            lo, hi = (int(x) for x in np.searchsorted(rows_sorted, [a, a + step]))
            if hi > lo:
                yield a, a + step, (slice(lo, hi) if order is None else order[lo:hi])

    def _rows_slice(self, a: int, b: int, dtype: Any) -> Any:
        """Entries' rows a..b-1 as a CSR matrix over the same cells (views, no copy) with values in `dtype` (a copy
        of this slice's values only when they differ)."""
        from scipy import sparse

        e = self.entries
        b = min(b, e.shape[0])
        ptr = e.indptr[a:b + 1]
        lo, hi = int(ptr[0]), int(ptr[-1])
        data = e.data[lo:hi]
        if data.dtype != dtype:
            data = data.astype(dtype)
        return sparse.csr_matrix((data, e.indices[lo:hi], ptr - lo), shape=(b - a, e.shape[1]))

    def _product(self, target: np.ndarray, n_out: int, dtype: Any, step: int | None = None) -> Any:
        """The n_out x words sums of the counted entries' rows, entry i added to output row `target[i]` (-1: left
        out), as a CSR matrix of `dtype`: one product per slice of `step` entries' rows, summed (whole counts: the
        same numbers in any order), the slice's mapped pages let go after it."""
        from scipy import sparse

        step = step or PRODUCT_ROWS
        out = None
        for a, b, sel in self._slices(step):
            t = target[sel]
            ok = t >= 0
            if not ok.any():
                continue
            r = self.rows[sel][ok] - a
            onehot = sparse.csr_matrix((np.ones(len(r), dtype=dtype), (t[ok], r)),
                                       shape=(n_out, min(b, self.entries.shape[0]) - a))
            part = sparse.csr_matrix(onehot @ self._rows_slice(a, b, dtype))
            del onehot, r, t, ok
            out = part if out is None else out + part
            del part
            release_pages()
        if out is None:
            out = sparse.csr_matrix((n_out, self.entries.shape[1]), dtype=dtype)
        return self._columns(out)

    def group_sums(self, group_of_doc: np.ndarray, n_groups: int, dtype: Any) -> Any:
        """n_groups x words sparse sums over the documents, grouped by `group_of_doc` (-1: left out)."""
        return self._product(np.asarray(group_of_doc, dtype=np.int32)[self.doc_of], n_groups, dtype)

    def row_block(self, a: int, b: int, dtype: Any) -> Any:
        """Documents a..b-1 as a (b - a) x words CSR matrix: one product over the span of entries' rows they use
        (a document's entries are neighbours: a small span), the span's mapped pages let go after it."""
        from scipy import sparse

        n_out = max(0, min(b, len(self.docs)) - a)
        sel = np.flatnonzero((self.doc_of >= a) & (self.doc_of < b))
        if not len(sel):
            return self._columns(sparse.csr_matrix((n_out, self.entries.shape[1]), dtype=dtype))
        r = self.rows[sel]
        lo, hi = int(r.min()), int(r.max()) + 1
        if hi - lo > 4 * PRODUCT_ROWS + len(sel):  # scattered rows: summed a slice of rows at a time instead
            target = np.full(len(self.rows), -1, dtype=np.int32)
            target[sel] = self.doc_of[sel] - a
            return self._product(target, n_out, dtype)
        onehot = sparse.csr_matrix((np.ones(len(sel), dtype=dtype), (self.doc_of[sel] - a, r - lo)),
                                   shape=(n_out, hi - lo))
        out = self._columns(onehot @ self._rows_slice(lo, hi, dtype))
        release_pages()
        return out

    def _columns(self, m: Any) -> Any:
        from scipy import sparse

        m = sparse.csr_matrix(m)
        return m if self.columns is None else m[:, self.columns]


def content_mask(corpus: Corpus) -> np.ndarray | None:
    """Which of corpus.entries are content entries (the rule of Corpus.content_entries: all but the junk ones
    unless keep_junk) as a bool array, None when all are; a mask, not a filtered copy of the entries."""
    if corpus.keep_junk or "junk" not in corpus.entries.columns:
        return None
    return corpus.content_mask()

