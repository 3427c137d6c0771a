"""The project's current coding, merged ONE way: the store's replayed state plus the corpus's codings.csv for
the (entry, coder) pairs the store does not hold. The store wins per entry and coder because it holds the
later decisions. Training data, exports, agreement, the dashboard and the web app all read this merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.store.codings import read_codings

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.store.store import CodingStore

CODINGS_FILE = "codings.csv"
STORE = "store"


@dataclass
class MergedCodings:
    """schema.CODING_STATE rows of every coder from both origins, and how much each origin holds."""

    state: pd.DataFrame
    pairs: dict[str, int] = field(default_factory=dict)  # origin -> (entry, coder) pairs taken from it
    entries: dict[str, int] = field(default_factory=dict)  # origin -> entries it codes (before the merge)
    overridden: int = 0  # (entry, coder) pairs in codings.csv that the store's coding replaced
    problems: list[str] = field(default_factory=list)
    codings_rows: int = 0  # rows read from codings.csv


def merge_codings(store_state: pd.DataFrame | None, corpus: Corpus | None, codes: Sequence[str] | None = None,
                  use_codings_file: bool = True) -> MergedCodings:
    """Merge the store's current state (None: no store) with the corpus's codings.csv (when present and
    `use_codings_file`); codes not in `codes` are reported by the codings reader. The store wins per
    (entry, coder)."""
    empty = pd.DataFrame(columns=list(schema.CODING_STATE))
    state = store_state if store_state is not None else empty
    merged = MergedCodings(state)
    if store_state is not None:
        merged.pairs[STORE] = len(state[["entry_id", "coder"]].drop_duplicates())
        merged.entries[STORE] = int(state["entry_id"].nunique())
    if corpus is None or not use_codings_file or not (corpus.root / CODINGS_FILE).is_file():
        merged.state = schema.check(state.reset_index(drop=True), schema.CODING_STATE, "coding state")
        return merged
    cod = read_codings(corpus, list(codes) if codes else None, CODINGS_FILE)
    merged.problems.extend(cod.problems)
    merged.codings_rows = len(cod.long)
    merged.entries[CODINGS_FILE] = int(cod.long["entry_id"].nunique())
    have = set(zip(state["entry_id"], state["coder"], strict=True))
    in_store = [(e, c) in have for e, c in zip(cod.long["entry_id"], cod.long["coder"], strict=True)]
    extra = cod.long[[not x for x in in_store]]
    merged.overridden = len({k for k, x in zip(zip(cod.long["entry_id"], cod.long["coder"], strict=True), in_store,
                                               strict=True) if x})
    merged.pairs[CODINGS_FILE] = len(extra[["entry_id", "coder"]].drop_duplicates())
    frames = [f for f in (state, extra) if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else empty
    merged.state = schema.check(out.reset_index(drop=True), schema.CODING_STATE, "coding state")
    return merged


@dataclass
class ProjectState:
    """schema.CODING_STATE rows of every coder, and the codings.csv rows that could not be used."""

    state: pd.DataFrame
    sources: dict[str, int] = field(default_factory=dict)  # origin -> (entry, coder) pairs taken from it
    problems: list[str] = field(default_factory=list)


def project_state(store: CodingStore, corpus: Corpus, codes: Sequence[str] | None = None,
                  include_corpus_codings: bool = True) -> ProjectState:
    """Current coding of the project (stale store decisions left out), codings.csv filling the gaps."""
    merged = merge_codings(store.state(corpus), corpus, codes, include_corpus_codings)
    return ProjectState(merged.state, merged.pairs, merged.problems)
