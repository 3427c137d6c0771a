"""Content words per entry as one sparse entries x words count matrix: what distinctive words need of the tokens,
at a few bytes per distinct (entry, word) pair where a list of str per entry cost a pointer per token and a
list per entry (about a gigabyte at a million entries). Built a slice of entries at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.text.tokenize import Tokenizer

SLICE_ENTRIES = 20_000  # entries tokenized before their counts are packed into arrays


@dataclass
class EntryWords:
    """Word counts per entry: row r of `counts` (a CSR matrix, int32) is entry `entry_ids[r]`, column j is
    `words[j]` (words in order of first use)."""

    entry_ids: pd.Index
    words: list[str]
    counts: Any

    @classmethod
    def from_token_lists(cls, entry_ids: Sequence[str] | pd.Index, token_lists: Iterable[Sequence[str]],
                         slice_entries: int = SLICE_ENTRIES) -> EntryWords:
        """From the entries' ids and their words (in the same order), packed `slice_entries` entries at a time."""
        from scipy import sparse

        vocab: dict[str, int] = {}
        indptr, indices, data = [np.zeros(1, dtype=np.int64)], [], []
        rows: list[int] = []
        cols: list[int] = []
        n_slice = n_rows = 0

        def pack() -> None:
            nonlocal rows, cols, n_slice
            if not n_slice:
                return
            m = sparse.csr_matrix((np.ones(len(cols), dtype=np.int32), (np.asarray(rows, dtype=np.int64),
                                                                         np.asarray(cols, dtype=np.int64))),
                                  shape=(n_slice, max(len(vocab), 1)))
            m.sum_duplicates()  # one cell per (entry, word), columns sorted within a row
            indptr.append(m.indptr[1:].astype(np.int64) + indptr[-1][-1])
            indices.append(m.indices.astype(np.int32))
            data.append(m.data.astype(np.int32))
            rows, cols, n_slice = [], [], 0

        for ws in token_lists:
            rows.extend([n_slice] * len(ws))
            cols.extend([vocab.setdefault(w, len(vocab)) for w in ws])
            n_slice += 1
            n_rows += 1
            if n_slice >= slice_entries:
                pack()
        pack()
        ids = entry_ids if isinstance(entry_ids, pd.Index) else pd.Index(list(entry_ids), dtype=object)
        if len(ids) != n_rows:
            raise ValueError(f"{len(ids)} entry ids for {n_rows} token lists")
        counts = sparse.csr_matrix((np.concatenate(data) if data else np.zeros(0, dtype=np.int32),
                                    np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
                                    np.concatenate(indptr)), shape=(n_rows, len(vocab)))
        return cls(ids, list(vocab), counts)

    @classmethod
    def of_corpus(cls, corpus: Corpus, tokenizer: Tokenizer, slice_entries: int = SLICE_ENTRIES) -> EntryWords:
        """The content words (Tokenizer.content_words) of every entry that is not junk."""
        entries = corpus.content_entries  # junk entries (menus, bylines, markup) give no words
        return cls.from_token_lists(pd.Index(entries["entry_id"].astype(str)),
                                    (tokenizer.content_words(t) for t in entries["text"]), slice_entries)

    @classmethod
    def from_mapping(cls, tokens: Mapping[str, Sequence[str]]) -> EntryWords:
        """From entry_id → words."""
        return cls.from_token_lists([str(e) for e in tokens], tokens.values())

    def frames(self) -> dict[str, pd.DataFrame]:
        """Plain frames for the cache (entry ids with their row's end in `cells`, words, cells)."""
        return {"entries": pd.DataFrame({"entry_id": np.asarray(self.entry_ids, dtype=object),
                                         "end": self.counts.indptr[1:].astype(np.int64)}),
                "words": pd.DataFrame({"word": self.words}),
                "cells": pd.DataFrame({"word": self.counts.indices.astype(np.int32),
                                       "n": self.counts.data.astype(np.int32)})}

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame]) -> EntryWords:
        """The inverse of `frames`."""
        from scipy import sparse

        ent, words, cells = frames["entries"], frames["words"], frames["cells"]
        indptr = np.concatenate([[0], ent["end"].to_numpy(dtype=np.int64)])
        counts = sparse.csr_matrix((cells["n"].to_numpy(dtype=np.int32), cells["word"].to_numpy(dtype=np.int32),
                                    indptr), shape=(len(ent), len(words)))
        return cls(pd.Index(ent["entry_id"].astype(object)), [str(w) for w in words["word"]], counts)

    def doc_counts(self, entry_ids: Sequence[str] | pd.Series,
                   doc_ids: Sequence[str] | pd.Series) -> tuple[Any, list[str], list[str]]:
        """(documents × words count matrix, its words, its documents in order of first entry) summed over the
        given entries (an entry without words still gives its document a row); only the words they use."""
        from scipy import sparse

        pos = self.entry_ids.get_indexer(pd.Index(entry_ids).astype(str))
        doc_codes, docs = pd.factorize(pd.Series(doc_ids).astype(str).to_numpy(), sort=False)
        has = pos >= 0
        n_has = int(has.sum())
        onehot = sparse.csr_matrix((np.ones(n_has, dtype=np.int32), (doc_codes[has], pos[has])),
                                   shape=(len(docs), self.counts.shape[0]))
        M = sparse.csr_matrix(onehot @ self.counts)  # int32: 8 bytes per document-word cell
        used = np.bincount(M.indices, minlength=M.shape[1]) > 0
        if used.all():
            return M, list(self.words), [str(d) for d in docs]
        keep = np.flatnonzero(used)
        return M[:, keep], [self.words[j] for j in keep], [str(d) for d in docs]
