"""Example passages per code for browsing the codebook: passages coders applied the code to (consensus
first, then those most coders agree on), so a definition always comes with real, accepted text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus_tools.review.adjudication import ADJUDICATOR
from corpus_tools.store.log import NONE
from corpus_tools.store.vocabulary import is_machine

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus


@dataclass(frozen=True)
class Example:
    """A coded passage shown as an example of a code."""

    entry_id: str
    doc_id: str
    title: str
    text: str
    coders: tuple[str, ...]  # human coders who applied the code
    adjudicated: bool  # the consensus coding applies it


def accepted_examples(state: pd.DataFrame, corpus: Corpus, codes: Sequence[str] | None = None,
                      per_code: int = 3) -> tuple[dict[str, list[Example]], dict[str, int]]:
    """Up to `per_code` example passages per code and the number of passages coded with each code.

    Only human and consensus codings count (machine suggestions are not accepted codings); passages
    that are not corpus entries (imported tables) are left out of the examples but counted.
    """
    keep = [not is_machine(str(c)) and str(code) != NONE for c, code in zip(state["coder"], state["code"],
                                                                              strict=True)]
    rows = state.loc[keep]  # .loc: an empty mask on an empty frame keeps its columns (state[[]] drops them)
    wanted = set(codes) if codes is not None else None
    entries = corpus.entries_with_meta(("title",)).set_index("entry_id")
    doc_rank = {d: i for i, d in enumerate(corpus.docs["doc_id"])}
    by_code: dict[str, dict[str, set[str]]] = {}
    for eid, coder, code in zip(rows["entry_id"], rows["coder"], rows["code"], strict=True):
        if wanted is None or code in wanted:
            by_code.setdefault(str(code), {}).setdefault(str(eid), set()).add(str(coder))
    counts = {code: len(found) for code, found in by_code.items()}
    examples: dict[str, list[Example]] = {}
    for code, found in by_code.items():
        known = [e for e in found if e in entries.index]

        def rank(eid: str, found: dict[str, set[str]] = found) -> tuple[int, int, int, int, str]:
            r = entries.loc[eid]
            humans = found[eid] - {ADJUDICATOR}
            return (ADJUDICATOR not in found[eid], -len(humans), doc_rank.get(str(r["doc_id"]), 0), int(r["seq"]),
                    eid)

        chosen = sorted(known, key=rank)[:per_code]
        examples[code] = [Example(eid, str(entries.at[eid, "doc_id"]), str(entries.at[eid, "title"]),
                                  str(entries.at[eid, "text"]), tuple(sorted(found[eid] - {ADJUDICATOR})),
                                  ADJUDICATOR in found[eid]) for eid in chosen]
    return examples, counts
