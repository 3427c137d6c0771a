"""The review queue in the browser: a coder's ReviewSession rendered as view data, and form actions
dispatched to that session (all queueing and decisions stay in corpus_tools.review.session).

Both functions run on the workspace's worker thread; they return frozen view data the request thread can
render while the next decision is already being written.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus_tools.errors import ReviewError
from corpus_tools.review.pool import PooledSession, QueueSettings
from corpus_tools.review.session import ReviewItem, StaleDecision
from corpus_tools.store.log import NONE
from corpus_tools.web.present import CodeChoice, Segment, code_choices, color_of, lang_attr, segments
from corpus_tools.web.workspace import Workspace

DECISIONS = {"accept": "accept", "reject": "reject", "add": "add", "remove": "remove", "none": "none-applies"}
ACTIONS = (*DECISIONS, "skip", "undo", "next", "noop")
STAY_AFTER = ("add", "remove")  # the coder is still editing this passage


class StaleForm(StaleDecision):
    """A form was posted for a passage that is no longer the coder's open passage (another tab?)."""


@dataclass(frozen=True)
class SuggestionView:
    """One suggested code with its score, the coder's verdict and why it was suggested."""

    code: str
    label: str
    label_zh: str
    score: float
    verdict: str  # accept | reject | "" (pending)
    terms: tuple[str, ...]
    features: tuple[str, ...]
    color: int
    reasons: tuple[str, ...] = ()  # why, in plain sentences (corpus_tools.suggest.explain.Explanation.reasons)
    threshold: float | None = None  # the score at or above which the suggester suggests it (marked on the bar)
    quality: str = ""  # its cross-validated quality in one line (the model's quality record), "" when unknown


@dataclass(frozen=True)
class ItemView:
    """The open passage with its document, context, highlighted evidence and the coder's coding."""

    entry_id: str
    doc_id: str
    title: str
    source_type: str
    date: str
    stage: str
    lang: str
    speaker: str
    before: str
    after: str
    segments: tuple[Segment, ...]
    suggestions: tuple[SuggestionView, ...]
    applied: tuple[tuple[str, str, int], ...]  # (code, mode, colour)
    pending: tuple[str, ...]
    coded: bool
    complete: bool
    similar_text: str = ""
    similar_codes: tuple[str, ...] = ()
    similar_score: float = 0.0
    similar_reason: str = ""  # `similar passage you coded as ...` (or marked as the training corpus's)
    version: int = 0  # the passage's state version for this coder (decision forms carry it back)


@dataclass(frozen=True)
class QueueView:
    """Everything the queue page shows."""

    coder: str
    mode: str
    source: str  # where suggestions come from: model <version> | lexicon:...
    done: int
    total: int
    decisions: int
    skipped: int
    can_undo: bool
    item: ItemView | None
    choices: tuple[CodeChoice, ...]
    last_action: int = 0  # token of the action an undo would revert (the undo form carries it back)


def item_view(ws: Workspace, item: ReviewItem) -> ItemView:
    """A review item as view data (document metadata, highlighted evidence, suggestions and why)."""
    meta = ws.docs.get(item.doc_id)
    exp = item.explanation
    evidence = exp.evidence if exp is not None else []
    suggestions = []
    for s in item.suggestions:
        en, zh = ws.code_label(s.code)
        terms = tuple(exp.terms_for(s.code)) if exp is not None else ()
        feats = tuple(f.label(exp.labels) for f in exp.features if f.code == s.code) if exp is not None else ()
        verdict = item.coding.verdicts.get(s.code, "")
        suggestions.append(SuggestionView(s.code, en, zh, s.score, verdict if verdict in ("accept", "reject", "add",
                                          "remove") else "", terms, feats, color_of(ws, s.code),
                                          tuple(exp.reasons(s.code)) if exp is not None else (),
                                          ws.threshold_of(s.code), ws.quality_line(s.code)))
    applied = tuple((c, m, color_of(ws, c)) for c, m in item.coding.applied.items())
    return ItemView(item.entry_id, item.doc_id, item.title, meta.source_type if meta else "",
                    meta.date if meta else "", meta.stage if meta else "", lang_attr(meta.lang if meta else ""),
                    item.speaker, item.before, item.after,
                    tuple(segments(item.text, ((e.start, e.end, e.code, e.term) for e in evidence))),
                    tuple(suggestions), applied, tuple(item.pending), item.coding.coded, item.complete,
                    exp.similar_text if exp is not None else "", tuple(exp.similar_codes) if exp is not None else (),
                    exp.similar_score if exp is not None else 0.0, exp.similar_reason() if exp is not None else "",
                    item.version)


def session_for(ws: Workspace, coder: str, settings: QueueSettings) -> PooledSession:
    """The coder's session for these settings (created on first use)."""
    return ws.pool.session(coder, settings)


def queue_view(ws: Workspace, coder: str, settings: QueueSettings) -> QueueView:
    """The coder's open passage (the next one in the queue when none is open) as view data."""
    session = session_for(ws, coder, settings)
    item = session.current or session.next_item()
    p = session.progress()
    source = "hidden (blind coding)" if session.blind else f"{ws.suggester.source} {ws.suggester.version}"
    applied = list(item.coding.applied) if item is not None else []
    return QueueView(session.coder, session.mode, source, p.done, p.total, p.decisions, p.skipped, session.can_undo,
                     item_view(ws, item) if item is not None else None, tuple(code_choices(ws, applied)),
                     session.last_action)


def act(ws: Workspace, coder: str, settings: QueueSettings, action: str, code: str = "", note: str = "",
        entry_id: str = "", version: int | None = None, last: int | None = None) -> str:
    """Apply one form action to the coder's session and say what happened (ReviewError when impossible).

    Decisions are recorded (and committed) by the session; after an accept, reject or "none" that leaves
    the passage complete the next passage opens, as in the terminal review. `version` is the passage's
    state the form was rendered with and `last` the action its undo button would revert: a form older than
    the store (another tab, a double click) is refused by the session's rule (StaleDecision).
    """
    if action not in ACTIONS:
        raise ReviewError(f"unknown action {action!r}")
    session = session_for(ws, coder, settings)
    if action == "noop":
        return ""
    if note.strip() and action in ("skip", "next", "undo"):  # a note is saved with a decision, never dropped
        raise ReviewError(f"your note is saved with a decision, not with {action}",
                          hint="accept, reject, add a code or say no code applies; or clear the note first")
    if action == "undo":
        item = session.undo(last)
        return f"undone: your last decision on {item.entry_id}"
    current = session.current or session.next_item()
    if current is None:
        raise ReviewError("every passage of this queue is coded", hint="change the queue settings or undo")
    if entry_id and entry_id != current.entry_id:
        raise StaleForm(f"passage {entry_id} is not your open passage any more (another tab or window?); "
                        "nothing was recorded, here is the open one")
    if action == "skip":
        session.skip()
        session.next_item()
        return f"skipped {current.entry_id} (it comes back at the end of the queue)"
    if action == "next":
        if current.pending:
            raise ReviewError("decide the pending suggestion first (a accept / r reject), or skip (s)")
        if not current.coding.coded:
            raise ReviewError("nothing applies yet: add a code (+), say no code applies (n), or skip (s)")
        session.next_item()
        return ""
    target = NONE if action == "none" else code.strip()
    if not target:
        raise ReviewError(f"{action} needs a code")
    session.decide(target, DECISIONS[action], note.strip(), version)
    if action not in STAY_AFTER and (session.current is None or session.current.complete):
        session.next_item()
    verb = {"accept": "accepted", "reject": "rejected", "add": "added", "remove": "removed"}.get(action)
    return f"{verb} {target}" if verb else "no code applies: recorded"
