"""Training data for the suggestion model: human codings from the store plus the corpus's coded sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from corpus_tools.errors import ModelError
from corpus_tools.store.coding_state import merge_codings
from corpus_tools.store.log import NONE

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

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

    def __len__(self) -> int:
        return len(self.ids)

    def positives(self) -> dict[str, int]:
        """Number of passages labelled with each code."""
        return {c: int(self.Y[:, j].sum()) for j, c in enumerate(self.codes)}


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


def collect(corpus: Corpus | None, store: CodingStore | None, codes: Sequence[str],
            use_codings_file: bool = True) -> TrainingData:
    """Assemble training data: store decisions (current state, stale ones left out) plus codings.csv.

    Where the same coder coded an entry in both, the store wins (it holds later decisions).
    """

    problems: list[str] = []
    texts: dict[str, str] = {}
    if corpus is not None:
        texts.update(zip(corpus.entries["entry_id"], corpus.entries["text"], strict=True))
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
        for eid, text in latest.items():
            texts.setdefault(eid, text)  # corpus entries keep the corpus text
    merged = merge_codings(state, corpus, codes, use_codings_file)  # the store wins per entry and coder
    problems.extend(merged.problems)
    sources = dict(merged.entries)
    long = merged.state
    if not len(long) and not sources:
        return TrainingData([], [], np.zeros((0, len(codes)), dtype=np.int8), list(codes), sources, problems)
    labels = entry_labels(long)
    known = long[long["entry_id"].isin(list(texts))]
    coders = {str(c): int(n) for c, n in known.groupby("coder", sort=False)["entry_id"].nunique().items()}
    index = {c: j for j, c in enumerate(codes)}
    ids, tx, rows = [], [], []
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
    Y = np.vstack(rows) if rows else np.zeros((0, len(codes)), dtype=np.int8)
    return TrainingData(ids, tx, Y, list(codes), sources, problems, coders)


def require(data: TrainingData, minimum: int = 10) -> TrainingData:
    """ModelError (with the cold-start hint) when there is too little to learn from."""
    if len(data) < minimum:
        raise ModelError(f"only {len(data)} coded passage(s) found; at least {minimum} are needed to train",
                         hint="code passages with `corpus-tools review` (lexicon suggestions need no model)")
    if not data.Y.any():
        raise ModelError("no coded passage carries any code (all `none`): nothing to learn")
    return data
