"""The project's current coding: the store's replayed state plus the corpus's codings.csv for the coders
the store does not hold yet (the same precedence as the training data: the store wins per entry and coder)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corpus_tools import schema

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.store.store import CodingStore

CODINGS_FILE = "codings.csv"


@dataclass
class ProjectState:
    """schema.CODING_STATE rows of every coder, and the codings.csv rows that could not be used."""

    state: pd.DataFrame
    sources: dict[str, int] = field(default_factory=dict)  # origin -> (entry, coder) pairs taken from it
    problems: list[str] = field(default_factory=list)


def project_state(store: CodingStore, corpus: Corpus, codes: Sequence[str] | None = None,
                  include_corpus_codings: bool = True) -> ProjectState:
    """Current coding of the project (stale store decisions left out), codings.csv filling the gaps."""
    import pandas as pd

    from corpus_tools.store.codings import read_codings

    state = store.state(corpus)
    sources = {"store": len(state[["entry_id", "coder"]].drop_duplicates())}
    problems: list[str] = []
    if include_corpus_codings and (corpus.root / CODINGS_FILE).is_file():
        cod = read_codings(corpus, list(codes) if codes else None, CODINGS_FILE)
        problems.extend(cod.problems)
        have = set(zip(state["entry_id"], state["coder"], strict=True))
        keep = [(e, c) not in have for e, c in zip(cod.long["entry_id"], cod.long["coder"], strict=True)]
        extra = cod.long[keep]
        sources[CODINGS_FILE] = len(extra[["entry_id", "coder"]].drop_duplicates())
        if len(extra):
            state = pd.concat([state, extra], ignore_index=True)
    return ProjectState(schema.check(state, schema.CODING_STATE, "coding state").reset_index(drop=True),
                        sources, problems)
