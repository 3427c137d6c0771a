"""Adjudication in the browser: the entries coders disagree on, one at a time, coder A vs coder B vs the
model side by side; the decision is recorded by corpus_tools.review.adjudication as a consensus coding.

Functions here run on the workspace's worker thread and return frozen view data.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus_tools.errors import ConflictError, ReviewError
from corpus_tools.review.adjudication import (
    ADJUDICATOR,
    Disagreement,
    adjudicate,
    coder_notes,
    corpus_notes,
    find_disagreements,
)
from corpus_tools.review.pool import QueueSettings
from corpus_tools.review.session import StaleDecision
from corpus_tools.web.queue import ItemView, item_view
from corpus_tools.web.workspace import Workspace


@dataclass(frozen=True)
class ListedEntry:
    """A disputed entry in the side list."""

    entry_id: str
    title: str
    differing: tuple[str, ...]
    resolved: bool


@dataclass(frozen=True)
class CodeRow:
    """One code across the coders, the model and the final decision."""

    code: str
    label: str
    label_zh: str
    color: int
    by_coder: tuple[bool, ...]
    score: float | None
    suggested: bool
    checked: bool
    relevant: bool  # some coder applied it, the model suggests it, or the consensus holds it


@dataclass(frozen=True)
class CoderColumn:
    """One coder's column header: name, condition and notes on this entry."""

    coder: str
    condition: str
    codes: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class AdjudicationView:
    """The adjudication page: the list, the open entry and its comparison table."""

    listed: tuple[ListedEntry, ...]
    n_open: int
    n_resolved: int
    item: ItemView | None
    columns: tuple[CoderColumn, ...]
    rows: tuple[CodeRow, ...]
    resolved: tuple[str, ...] | None
    model: str
    previous: str
    following: str
    version: int = 0  # the entry's state over every coder (the decision form carries it back)


def _disagreements(ws: Workspace) -> list[Disagreement]:
    state = ws.state().state
    return find_disagreements(state, ws.codes, ws.corpus, include_resolved=True)


def adjudication_view(ws: Workspace, entry_id: str = "", show_resolved: bool = False) -> AdjudicationView:
    """The list of disputed entries and the requested (else the first open) one side by side."""
    found = _disagreements(ws)
    listed = [d for d in found if show_resolved or d.resolved is None]
    n_resolved = sum(1 for d in found if d.resolved is not None)
    by_id = {d.entry_id: d for d in found}
    if entry_id and entry_id not in by_id:
        raise ReviewError(f"entry {entry_id} is not among the disputed entries")
    current = by_id.get(entry_id) or (listed[0] if listed else None)
    entries = [ListedEntry(d.entry_id, ws.docs[d.doc_id].title if d.doc_id in ws.docs else d.doc_id, d.differing,
                           d.resolved is not None) for d in listed]
    model = f"{ws.suggester.source} {ws.suggester.version}"
    if current is None:
        return AdjudicationView(tuple(entries), len(found) - n_resolved, n_resolved, None, (), (), None, model, "", "")
    session = ws.pool.session(ADJUDICATOR, QueueSettings(order="document"))
    item = session.item(current.entry_id)
    notes = coder_notes(ws.store, current.entry_id)
    from_file = ws.once("corpus_notes", lambda: corpus_notes(ws.corpus))
    columns = []
    for c in current.codings:
        extra = from_file.get((current.entry_id, c.coder))
        columns.append(CoderColumn(c.coder, c.condition, c.codes,
                                   tuple(notes.get(c.coder, [])) + ((extra,) if extra else ())))
    suggested = {s.code for s in item.suggestions}
    final = set(current.resolved) if current.resolved is not None else set(current.agreed)
    rows = []
    for code in ws.codes:
        en, zh = ws.code_label(code)
        applied = tuple(code in c.codes for c in current.codings)
        relevant = any(applied) or code in suggested or code in final
        rows.append(CodeRow(code, en, zh, ws.codes.index(code) % 9, applied, item.scores.get(code),
                            code in suggested, code in final, relevant))
    rows.sort(key=lambda r: not r.relevant)
    ids = [d.entry_id for d in listed]
    pos = ids.index(current.entry_id) if current.entry_id in ids else -1
    previous = ids[pos - 1] if pos > 0 else ""
    following = ids[pos + 1] if 0 <= pos < len(ids) - 1 else ""
    return AdjudicationView(tuple(entries), len(found) - n_resolved, n_resolved, item_view(ws, item),
                            tuple(columns), tuple(rows), current.resolved, model, previous, following,
                            ws.store.entry_version(current.entry_id))


def record(ws: Workspace, adjudicator: str, entry_id: str, codes: list[str], note: str = "",
           version: int | None = None) -> tuple[int, str]:
    """Record the consensus coding of a disputed entry; returns (events, the next open entry id or "").

    `version` is the entry's state the page showed: when a coder or another adjudicator decided on the entry
    since (or the form was sent twice), StaleDecision showing the current codings, nothing recorded."""
    found = _disagreements(ws)
    ids = [d.entry_id for d in found]
    if entry_id not in ids:
        raise ReviewError(f"entry {entry_id} is not among the disputed entries")
    try:
        n = adjudicate(ws.store, entry_id, ws.entry_hash[entry_id], codes, adjudicator, ws.codes, note, version)
    except ConflictError as exc:
        now = next(d for d in _disagreements(ws) if d.entry_id == entry_id)
        shown = "; ".join(f"{c.coder}: {', '.join(c.codes) or 'no code applies'}" for c in now.codings)
        consensus = ("not adjudicated" if now.resolved is None
                     else ", ".join(now.resolved) or "no code applies")
        raise StaleDecision(f"entry {entry_id} changed after this page was shown (someone decided on it, or the "
                            f"form was sent twice); nothing was recorded. Now: {shown}; consensus: {consensus}",
                            hint="look at the entry again and decide on what it shows now") from exc
    after = ids[ids.index(entry_id) + 1:] + ids[:ids.index(entry_id)]
    open_ids = {d.entry_id for d in found if d.resolved is None}
    return n, next((e for e in after if e in open_ids), "")
