"""Adjudication: the entries human coders disagree on, each coder's codes and notes beside the model's
scores, and the final decision recorded in the store as a consensus coding (mode "adjudicated").

The consensus is kept under its own coder id (`consensus`), so the coders' independent codings stay as
they were and agreement is still measured on them; training prefers adjudicated codings where they exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools.agreement.units import collect_units
from corpus_tools.errors import ReviewError
from corpus_tools.store.log import NONE, EntryCoding, replay
from corpus_tools.store.store import Expect
from corpus_tools.store.vocabulary import is_machine

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.store.store import CodingStore

ADJUDICATOR = "consensus"  # coder id of adjudicated (consensus) codings
AUTO_NOTES = ("undo of event", "imported from ", "all suggestions rejected")


@dataclass(frozen=True)
class CoderCoding:
    """One coder's codes on an entry (empty: no code applies) and how they were made."""

    coder: str
    codes: tuple[str, ...]
    condition: str  # independent | assisted


@dataclass(frozen=True)
class Disagreement:
    """An entry two or more human coders coded differently, and its consensus once adjudicated."""

    entry_id: str
    doc_id: str
    codings: tuple[CoderCoding, ...]
    agreed: tuple[str, ...]  # codes every coder applied
    differing: tuple[str, ...]  # codes some but not all coders applied
    resolved: tuple[str, ...] | None = None  # consensus codes (empty: none applies); None: not adjudicated

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code any coder applied, agreed ones first."""
        return (*self.agreed, *self.differing)


def check_adjudicator(name: str) -> str:
    """The adjudicator's name, stripped; ReviewError for an empty, reserved or machine name."""
    name = name.strip()
    if not name:
        raise ReviewError("a coder name is needed to adjudicate")
    if name == ADJUDICATOR or is_machine(name):
        raise ReviewError(f"{name!r} is reserved for consensus or machine codings", hint="use your own name")
    return name


def find_disagreements(state: pd.DataFrame, known_codes: Sequence[str], corpus: Corpus | None = None,
                       include_resolved: bool = False) -> list[Disagreement]:
    """Entries whose human coders applied different codes (schema.CODING_STATE in), in corpus order.

    Machine coders and adjudicated codings are not coders here; entries already adjudicated are left out
    unless `include_resolved`.
    """
    units = collect_units(state, known_codes)
    consensus: dict[str, set[str]] = {}
    for eid, coder, code in zip(state["entry_id"], state["coder"], state["code"], strict=True):
        if coder == ADJUDICATOR:
            bucket = consensus.setdefault(str(eid), set())
            if code != NONE:
                bucket.add(str(code))
    by_entry: dict[str, list[CoderCoding]] = {}
    humans = [c for c in units.humans if c != ADJUDICATOR]
    for (eid, coder), codes in units.codes.items():
        if coder in humans:
            by_entry.setdefault(eid, []).append(CoderCoding(coder, tuple(sorted(codes)), units.mode[(eid, coder)]))
    rank = _entry_rank(corpus, by_entry)
    out: list[Disagreement] = []
    for eid in sorted(by_entry, key=lambda e: (rank.get(e, len(rank)), e)):
        codings = sorted(by_entry[eid], key=lambda c: humans.index(c.coder))
        if len(codings) < 2:
            continue
        sets = [set(c.codes) for c in codings]
        union, common = set().union(*sets), set.intersection(*sets)
        if union == common:
            continue
        resolved = tuple(sorted(consensus[eid])) if eid in consensus else None
        if resolved is not None and not include_resolved:
            continue
        out.append(Disagreement(eid, units.doc_of.get(eid, ""), tuple(codings), _ordered(common, known_codes),
                                _ordered(union - common, known_codes), resolved))
    return out


def _ordered(codes: Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    index = {c: i for i, c in enumerate(known)}
    return tuple(sorted(codes, key=lambda c: (index.get(c, len(index)), c)))


def _entry_rank(corpus: Corpus | None, wanted: Iterable[str]) -> dict[str, int]:
    if corpus is None:
        return {}
    keep = set(wanted)
    doc_rank = {d: i for i, d in enumerate(corpus.docs["doc_id"])}
    e = corpus.entries
    order = sorted((doc_rank.get(d, 0), int(s), str(i)) for i, d, s in zip(e["entry_id"], e["doc_id"], e["seq"],
                                                                            strict=True) if i in keep)
    return {eid: k for k, (_d, _s, eid) in enumerate(order)}


def coder_notes(store: CodingStore, entry_id: str) -> dict[str, list[str]]:
    """Notes coders wrote on an entry's live decisions (automatic notes and undone decisions left out)."""
    events = store.events(entry_id=entry_id)
    undone = {e.undoes for e in events if e.undoes is not None}
    out: dict[str, list[str]] = {}
    for e in events:
        if e.undoes is not None or e.event_id in undone or not e.note.strip() or e.note.startswith(AUTO_NOTES):
            continue
        notes = out.setdefault(e.coder, [])
        if e.note not in notes:
            notes.append(e.note)
    return out


def corpus_notes(corpus: Corpus, filename: str = "codings.csv") -> dict[tuple[str, str], str]:
    """(entry_id, coder) -> note of the corpus's codings.csv (empty when the file has no notes)."""
    path = corpus.root / filename
    if not path.is_file():
        return {}
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if not {"entry_id", "coder", "note"} <= set(raw.columns):
        return {}
    return {(str(e), str(c)): str(n) for e, c, n in zip(raw["entry_id"], raw["coder"], raw["note"], strict=True)
            if str(n).strip()}


def adjudicate(store: CodingStore, entry_id: str, text_hash: str, codes: Sequence[str], adjudicator: str,
               known_codes: Sequence[str], note: str = "", version: int | None = None) -> int:
    """Record the consensus coding of an entry (no codes: none applies) in one transaction; returns the
    number of events. Codes the consensus held before but not now are removed.

    `version` is the entry's state (store.entry_version over every coder) the adjudicator decided on: when
    any coder or adjudicator decided on the entry since, ConflictError and nothing is recorded."""
    who = check_adjudicator(adjudicator)
    chosen = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    unknown = [c for c in chosen if c not in known_codes]
    if unknown or NONE in chosen:
        raise ReviewError(f"unknown code(s) {', '.join(unknown) or NONE}", hint=f"one of {', '.join(known_codes)}")
    current = replay(store.events(coder=ADJUDICATOR, entry_id=entry_id)).get((entry_id, ADJUDICATOR),
                                                                               EntryCoding())
    text = f"adjudicated by {who}" + (f": {note.strip()}" if note.strip() else "")
    base = {"entry_id": entry_id, "text_hash": text_hash, "coder": ADJUDICATOR, "source": "manual",
            "mode": "adjudicated", "note": text}
    if not chosen:
        rows = [{**base, "code": NONE, "decision": "none-applies"}]
    else:
        rows = [{**base, "code": c, "decision": "remove"} for c in sorted(set(current.applied) - set(chosen) - {NONE})]
        rows += [{**base, "code": c, "decision": "add"} for c in chosen]
    return len(store.record_rows(rows, expect=None if version is None else Expect(entry_id, None, version)))
