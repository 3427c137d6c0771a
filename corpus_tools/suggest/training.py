"""Training data for the suggestion model: human codings from the store plus the corpus's coded sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import ModelError
from corpus_tools.store.coding_state import merge_codings
from corpus_tools.store.codings import read_codings
from corpus_tools.store.log import NONE
from corpus_tools.suggest.groups import passage_groups

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.store.store import CodingStore


@dataclass
class TrainingData:
    """Passages with a 0/1 label per code, and where they came from."""

    ids: list[str]
    texts: list[str]
    Y: np.ndarray
    codes: list[str]
    sources: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    coders: dict[str, int] = field(default_factory=dict)  # coder id -> passages they coded (either origin)
    # mask[i, j]: passage i was coded under the codebook of code j (a 0 in Y is a real "no" only there);
    # None = every passage was coded under every code's codebook
    mask: np.ndarray | None = None
    groups: list[str] = field(default_factory=list)  # cross-validation group (document + its reprints)
    langs: list[str] = field(default_factory=list)  # language of each passage (zh-Hans, zh-Hant, en, mixed)
    origins: list[str] = field(default_factory=list)  # "corpus" or "store" for each passage

    def __len__(self) -> int:
        return len(self.ids)

    def positives(self) -> dict[str, int]:
        """Number of passages labelled with each code."""
        return {c: int(self.Y[:, j].sum()) for j, c in enumerate(self.codes)}

    def scope(self) -> np.ndarray:
        """The coded-under-this-codebook mask (all ones when no mask was set)."""
        return np.ones(self.Y.shape, dtype=bool) if self.mask is None else self.mask

    def take(self, rows: Sequence[int] | np.ndarray) -> TrainingData:
        """The passages at `rows` (in that order), all codes."""
        idx = np.asarray(rows, dtype=int)

        def pick(xs: list[str]) -> list[str]:
            return [xs[i] for i in idx] if xs else []

        return TrainingData(pick(self.ids), pick(self.texts), self.Y[idx], list(self.codes), dict(self.sources),
                            list(self.problems), dict(self.coders), None if self.mask is None else self.mask[idx],
                            pick(self.groups), pick(self.langs), pick(self.origins))

    def subset(self, codes: Sequence[str]) -> TrainingData:
        """The same passages restricted to `codes` (columns in that order); passages in scope of none of
        them are left out."""
        cols = np.array([self.codes.index(c) for c in codes], dtype=int)
        mask = self.scope()[:, cols]
        rows = np.flatnonzero(mask.any(axis=1)) if len(cols) else np.arange(0)

        def pick(xs: list[str]) -> list[str]:
            return [xs[i] for i in rows] if xs else []

        return TrainingData(pick(self.ids), pick(self.texts), self.Y[np.ix_(rows, cols)], list(codes),
                            dict(self.sources), list(self.problems), dict(self.coders),
                            None if mask[rows].all() else mask[rows], pick(self.groups), pick(self.langs),
                            pick(self.origins))


def entry_labels(long: pd.DataFrame) -> dict[str, set[str]]:
    """Codes per entry from long codings (entry_id, coder, code, mode).

    Adjudicated codings win; otherwise a code is positive when at least half of the entry's coders gave
    it (a single coder decides alone). `none` means no code; unknown codes are ignored by the caller.
    """
    out: dict[str, set[str]] = {str(e): set() for e in long["entry_id"].unique()}  # order of first appearance
    adjudicated = long["mode"] == "adjudicated"
    g = long[adjudicated | ~adjudicated.groupby(long["entry_id"]).transform("any")]
    n_coders = g.groupby("entry_id")["coder"].nunique()
    counts = g[g["code"] != NONE].groupby(["entry_id", "code"])["coder"].nunique()
    needed = n_coders.reindex(counts.index.get_level_values(0)).to_numpy()
    for (eid, code), k, n in zip(counts.index, counts.to_numpy(), needed, strict=True):
        if 2 * k >= n:
            out[str(eid)].add(str(code))
    return out


def entry_scopes(long: pd.DataFrame, code_book: dict[str, str]) -> dict[str, set[str]]:
    """Codebooks each entry was coded under, from long codings (entry_id, coder, code[, _book]).

    A coding counts for the codebook of each code it gives. `none` counts for the codebook named in the
    row's `_book` (rows from `codings_<lexicon>.csv`: "no code of that codebook"), else for every codebook
    the coder used in the shared codings (codings.csv, the store; a coder who never gave a known code there:
    for every codebook). So a passage coded
    only with the first codebook is not a negative example for the second one.
    """
    books = set(code_book.values())
    named = long["_book"].fillna("").astype(str) if "_book" in long.columns else pd.Series([""] * len(long))
    used: dict[str, set[str]] = {}  # codebooks each coder used in the shared files (codings.csv, the store)
    for coder, code, book in zip(long["coder"].astype(str), long["code"].astype(str), named, strict=True):
        if code in code_book and not book:
            used.setdefault(coder, set()).add(code_book[code])
    out: dict[str, set[str]] = {}
    for eid, coder, code, book in zip(long["entry_id"].astype(str), long["coder"].astype(str),
                                      long["code"].astype(str), named, strict=True):
        got = out.setdefault(eid, set())
        if code == NONE:
            got |= {book} if book else used.get(coder, books)
        elif code in code_book:
            got.add(code_book[code])
    return out


def codebook_codings(corpus: Corpus | None, codes: Sequence[str], code_book: dict[str, str],
                     skip: set[tuple[str, str]]) -> tuple[pd.DataFrame, list[str], dict[str, int]]:
    """Rows of each `codings_<lexicon>.csv` of the corpus folder (a second codebook's own file, where `none`
    means "no code of that codebook"), tagged with `_book`; (entry, coder) pairs in `skip` (decided in the
    store) are left out. Returns the rows, the reader's problems and passages per file."""
    frames: list[pd.DataFrame] = []
    problems: list[str] = []
    sources: dict[str, int] = {}
    if corpus is None:
        return pd.DataFrame(columns=[*schema.CODING_STATE, "_book"]), problems, sources
    for book in dict.fromkeys(code_book.values()):
        name = f"codings_{book}.csv"
        if not book or not (corpus.root / name).is_file():
            continue
        cod = read_codings(corpus, list(codes), name)
        problems.extend(cod.problems)
        rows = cod.long[[(e, c) not in skip for e, c in zip(cod.long["entry_id"], cod.long["coder"], strict=True)]]
        frames.append(rows.assign(_book=book))
        sources[name] = int(cod.long["entry_id"].nunique())
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*schema.CODING_STATE, "_book"])
    return out, problems, sources


def _entry_texts(corpus: Corpus, wanted: set[str], step: int = 100_000) -> dict[str, str]:
    """Entry id -> text of the corpus's entries among `wanted` (the last row when an id repeats), read a
    slice of entries at a time."""
    out: dict[str, str] = {}
    ids, text = corpus.entries["entry_id"], corpus.entries["text"]
    for a in range(0, len(ids), max(1, step)):
        part = ids.iloc[a:a + step]
        hit = np.flatnonzero(part.isin(wanted).to_numpy(dtype=bool))
        if len(hit):
            out.update(zip(part.iloc[hit], text.iloc[a:a + step].iloc[hit], strict=True))
    return out


def collect(corpus: Corpus | None, store: CodingStore | None, codes: Sequence[str],
            use_codings_file: bool = True, code_book: dict[str, str] | None = None) -> TrainingData:
    """Assemble training data: store decisions (current state, stale ones left out) plus codings.csv.

    Where the same coder coded an entry in both, the store wins (it holds later decisions). `code_book`
    maps each code to its codebook (lexicon); a codebook's own `codings_<lexicon>.csv` is read too, and with
    more than one codebook `mask` says which passages were coded under which codebook (see `entry_scopes`).
    Each passage carries its cross-validation group (its document merged with near-duplicate reprints, see
    corpus_tools.suggest.groups) and language.
    """
    problems: list[str] = []
    texts: dict[str, str] = {}
    latest: dict[str, str] = {}
    state = None
    if store is not None:
        state = store.state(corpus) if corpus is not None else store.state()
        if corpus is not None:
            n_stale = len(store.stale(corpus))
            if n_stale:
                problems.append(f"{n_stale} stored decision(s) are stale (entry text changed or vanished) "
                                "and were left out; see `corpus-tools store stale`")
        p = store.passages()
        latest = dict(zip(p["entry_id"], p["text"], strict=True))  # import order: the last text of an id wins
    merged = merge_codings(state, corpus, codes, use_codings_file)  # the store wins per entry and coder
    problems.extend(merged.problems)
    sources = dict(merged.entries)
    store_pairs = set() if state is None else set(zip(state["entry_id"].astype(str), state["coder"].astype(str),
                                                      strict=True))
    long = merged.state.assign(_book="")
    if code_book and use_codings_file:
        extra, extra_problems, extra_sources = codebook_codings(corpus, codes, code_book, store_pairs)
        problems.extend(extra_problems)
        sources.update(extra_sources)
        if len(extra):
            long = pd.concat([long, extra], ignore_index=True)
    if not len(long) and not sources:
        return TrainingData([], [], np.zeros((0, len(codes)), dtype=np.int8), list(codes), sources, problems)
    if corpus is not None:  # the texts of the coded entries only, not a dict of every entry's text
        texts.update(_entry_texts(corpus, set(long["entry_id"])))
    for eid, text in latest.items():
        texts.setdefault(eid, text)  # corpus entries keep the corpus text
    labels = entry_labels(long)
    book = {c: code_book.get(c, "") for c in codes} if code_book else dict.fromkeys(codes, "")
    scopes = entry_scopes(long, book)
    store_entries = {e for e, _c in store_pairs}
    known = long[long["entry_id"].isin(list(texts))]
    coders = {str(c): int(n) for c, n in known.groupby("coder", sort=False)["entry_id"].nunique().items()}
    index = {c: j for j, c in enumerate(codes)}
    ids, tx, rows, masks = [], [], [], []
    col_books = [book[c] for c in codes]
    for eid, got in labels.items():
        if eid not in texts:
            problems.append(f"entry {eid} is coded but its text is unknown (not in the corpus or the store); left out")
            continue
        y = np.zeros(len(codes), dtype=np.int8)
        for c in got:
            if c in index:
                y[index[c]] = 1
        ids.append(eid)
        tx.append(texts[eid])
        rows.append(y)
        in_scope = scopes.get(eid, set())
        masks.append([b in in_scope or bool(y[j]) for j, b in enumerate(col_books)])
    Y = np.vstack(rows) if rows else np.zeros((0, len(codes)), dtype=np.int8)
    mask = np.array(masks, dtype=bool).reshape(len(ids), len(codes))

    groups, langs = passage_groups(corpus, ids, tx)
    origins = ["store" if i in store_entries else "corpus" for i in ids]
    return TrainingData(ids, tx, Y, list(codes), sources, problems, coders, None if mask.all() else mask,
                        groups, langs, origins)


def require(data: TrainingData, minimum: int = 10) -> TrainingData:
    """ModelError (with the cold-start hint) when there is too little to learn from."""
    if len(data) < minimum:
        raise ModelError(f"only {len(data)} coded passage(s) found; at least {minimum} are needed to train",
                         hint="code passages with `corpus-tools review` (lexicon suggestions need no model)")
    if not data.Y.any():
        raise ModelError("no coded passage carries any code (all `none`): nothing to learn")
    return data
