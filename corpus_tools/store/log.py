"""Replay of the append-only decision log into the current coding (pure functions, no SQL).

Per entry and coder, events apply in order: accept/add make a code apply (and end "none"), reject/remove
make it not apply, none-applies leaves only "none". An undo is a later event that names the event it
cancels (`undoes`); replay skips both, and the undo's own decision is chosen so that a naive replay
(ignoring `undoes`) reaches the same applied codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from corpus_tools.store.vocabulary import APPLY, UNAPPLY
from corpus_tools.store.vocabulary import NONE_CODE as NONE


class Event(NamedTuple):
    """One row of the decision log (schema.DECISIONS plus the `undoes` link)."""

    event_id: int
    entry_id: str
    text_hash: str
    code: str
    decision: str
    coder: str
    timestamp: str
    source: str
    model_version: str
    score: float | None
    mode: str
    note: str
    undoes: int | None


@dataclass
class EntryCoding:
    """One coder's current coding of one entry: codes that apply (with mode) and the last verdict per code."""

    applied: dict[str, str] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)
    text_hash: str = ""
    last_event: int = 0

    @property
    def coded(self) -> bool:
        """True when some code, or the explicit "none", applies."""
        return bool(self.applied)


def apply_event(coding: EntryCoding, decision: str, code: str, mode: str) -> None:
    """Apply one (non-undo) event to a coding, in place."""
    if decision == "none-applies" or (decision in APPLY and code == NONE):
        coding.applied = {NONE: mode}
        coding.verdicts[NONE] = "none-applies"
    elif decision in APPLY:
        coding.applied.pop(NONE, None)
        coding.applied[code] = mode
        coding.verdicts[code] = decision
    elif decision in UNAPPLY:
        coding.applied.pop(code, None)
        coding.verdicts[code] = decision


def replay(events: Iterable[Event]) -> dict[tuple[str, str], EntryCoding]:
    """Current coding per (entry_id, coder), undo-aware, from events in log order."""
    evs = list(events)
    undone = {e.undoes for e in evs if e.undoes is not None}
    out: dict[tuple[str, str], EntryCoding] = {}
    for e in evs:
        if e.undoes is not None or e.event_id in undone:
            continue
        coding = out.setdefault((e.entry_id, e.coder), EntryCoding())
        apply_event(coding, e.decision, e.code, e.mode)
        coding.text_hash = e.text_hash
        coding.last_event = e.event_id
    return out


def inverse(current: set[str], before: dict[str, str], target: Event) -> list[tuple[str, str]]:
    """(decision, code) events that lead a naive replay from `current` applied codes back to `before`."""
    steps: list[tuple[str, str]] = []
    if NONE in before and NONE not in current:
        steps.append(("none-applies", NONE))
    else:
        steps.extend(("remove", c) for c in sorted(current - set(before)))
        steps.extend(("add", c) for c in sorted(set(before) - current))
    if not steps:  # the undone event changed nothing: restate the code's state so the undo is recorded
        if target.decision == "none-applies" or target.code == NONE:
            steps.append(("none-applies" if NONE in before else "remove", NONE))
        else:
            steps.append(("add" if target.code in before else "remove", target.code))
    return steps
