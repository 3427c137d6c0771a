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
        keep = None if used.all() else np.flatnonzero(used)
        words = list(self.words) if keep is None else [self.words[j] for j in keep]
        return DocWords(self.counts, entry_rows, doc_of, [str(d) for d in docs], words, keep)


@dataclass
class DocWords:
    """Documents x words counts as the sums of entries' rows of an entries x words matrix (`entries`, shared, not
    copied): `rows` are the counted entries' rows, `doc_of` their document (a row of this matrix), `columns` the
    word columns kept (None: all). Group sums and slices of documents are computed when asked."""

    entries: Any
    rows: np.ndarray
    doc_of: np.ndarray
    docs: list[str]
    words: list[str]
    columns: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.docs), len(self.words)

    @property
    def dtype(self) -> Any:
        return self.entries.dtype

    @classmethod
    def of_matrix(cls, counts: Any) -> DocWords:
        """A documents x words matrix as it is (each document its own single row)."""
        from scipy import sparse

        m = sparse.csr_matrix(counts)
        n, w = m.shape
        every = np.arange(n, dtype=np.int64)
        return cls(m, every, every.astype(np.int32), [str(i) for i in range(n)], [str(j) for j in range(w)])

    def typed(self, dtype: Any) -> DocWords:
        """The same counts with the entries' values in `dtype` (itself when they are)."""
        return self if self.entries.dtype == dtype else dataclasses.replace(self, entries=self._typed(dtype))

    def total(self, step: int = SLICE_ENTRIES) -> int:
        """The sum of |count| over the counted entries (whole numbers), `step` rows at a time (a 64-bit copy of
        one slice's counts at most, not of all)."""
        e = self.entries
        sums = np.zeros(e.shape[0], dtype=np.int64)
        for a in range(0, e.shape[0], step):
            ptr = e.indptr[a:a + step + 1]
            lengths = np.diff(ptr)
            nonempty = lengths > 0
            if nonempty.any():
                data = e.data[ptr[0]:ptr[-1]].astype(np.int64)
                sums[a:a + len(lengths)][nonempty] = np.add.reduceat(np.abs(data), (ptr[:-1] - ptr[0])[nonempty])
        return int(sums[self.rows].sum())

    def group_sums(self, group_of_doc: np.ndarray, n_groups: int, dtype: Any) -> Any:
        """n_groups x words sparse sums over the documents, grouped by `group_of_doc` (-1: left out)."""
        from scipy import sparse

        g = np.asarray(group_of_doc, dtype=np.int32)[self.doc_of]  # 4 bytes an entry (scipy keeps int32 indices)
        ok = g >= 0
        onehot = sparse.csr_matrix((np.ones(int(ok.sum()), dtype=dtype), (g[ok], self.rows[ok])),
                                   shape=(n_groups, self.entries.shape[0]))
        return self._columns(onehot @ self._typed(dtype))

    def row_block(self, a: int, b: int, dtype: Any) -> Any:
        """Documents a..b-1 as a (b - a) x words CSR matrix."""
        from scipy import sparse

        sel = np.flatnonzero((self.doc_of >= a) & (self.doc_of < b))
        onehot = sparse.csr_matrix((np.ones(len(sel), dtype=dtype), (self.doc_of[sel] - a, self.rows[sel])),
                                   shape=(max(0, min(b, len(self.docs)) - a), self.entries.shape[0]))
        return sparse.csr_matrix(self._columns(onehot @ self._typed(dtype)))

    def _typed(self, dtype: Any) -> Any:
        if self.entries.dtype == dtype:
            return self.entries
        from scipy import sparse

        e = self.entries
        return sparse.csr_matrix((e.data.astype(dtype), e.indices, e.indptr), shape=e.shape)

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

