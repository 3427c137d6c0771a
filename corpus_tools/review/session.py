"""Review queue and decision logic shared by the terminal and the web review UI.

A `ReviewSession` walks one coder through passages of a corpus (most uncertain first, in document
order, or grouped by variable), shows suggested codes with scores and evidence (none in blind mode),
records every decision in the coding store at once, and undoes a coder's last action with new events.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from corpus_tools.errors import ConflictError, ReviewError, did_you_mean
from corpus_tools.project import project_lexicons
from corpus_tools.store.log import NONE, EntryCoding, apply_event, replay
from corpus_tools.store.store import Expect
from corpus_tools.suggest.explain import explain
from corpus_tools.suggest.model import SuggestionModel

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.store.store import CodingStore
    from corpus_tools.suggest.explain import Explanation, Suggester

ORDERS = ("uncertain", "document", "variable")


@dataclass(frozen=True)
class ReviewFilters:
    """Which entries enter the queue."""

    doc_ids: tuple[str, ...] = ()
    source_types: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    variable: str = ""  # only entries where this variable is suggested (order "variable": sorted by its score)
    include_coded: bool = False  # also entries this coder has already finished
    include_duplicates: bool = False  # near-duplicates of earlier entries are left out by default
    limit: int = 0


class StaleDecision(ReviewError):
    """A decision made on an outdated view of a passage (another tab, window or process decided on it since,
    or the same form was sent twice) was refused; nothing was recorded. The message shows the current state."""


def describe_coding(coding: EntryCoding) -> str:
    """A coder's current coding of a passage in words (what a refused decision shows instead)."""
    if not coding.applied and not coding.verdicts:
        return "not coded yet"
    if NONE in coding.applied:
        said = "no code applies"
    elif coding.applied:
        said = "applied: " + ", ".join(coding.applied)
    else:
        said = "no code applied yet"
    rejected = [c for c, v in coding.verdicts.items() if v in ("reject", "remove") and c not in coding.applied
                and c != NONE]
    return said + (f"; rejected or removed: {', '.join(rejected)}" if rejected else "")


@dataclass(frozen=True)
class SuggestedCode:
    """A code the suggester proposes for the current passage."""

    code: str
    score: float
    source: str
    model_version: str


def pending_codes(coding: EntryCoding, suggestions: Sequence[SuggestedCode]) -> list[str]:
    """Suggested codes without a verdict in `coding` (none once "none" applies)."""
    if NONE in coding.applied:
        return []
    return [s.code for s in suggestions if s.code not in coding.verdicts]


@dataclass
class ReviewItem:
    """One passage to review, with its context and this coder's current coding."""

    entry_id: str
    doc_id: str
    title: str
    text: str
    text_hash: str
    speaker: str
    before: str
    after: str
    suggestions: list[SuggestedCode]
    scores: dict[str, float]
    explanation: Explanation | None
    coding: EntryCoding = field(default_factory=EntryCoding)
    version: int = 0  # the passage's state version for this coder when the item was built (store.entry_version)
    unsure: list[str] = field(default_factory=list)  # codes in the model's "not sure" band: not suggested

    @property
    def pending(self) -> list[str]:
        """Suggested codes the coder has not yet accepted or rejected (none once "none" applies)."""
        return pending_codes(self.coding, self.suggestions)

    @property
    def complete(self) -> bool:
        """Some code (or "none") applies and no suggestion is left undecided."""
        return self.coding.coded and not self.pending


@dataclass(frozen=True)
class Progress:
    """How far the coder is through the queue."""

    done: int
    total: int
    decisions: int
    skipped: int

    @property
    def remaining(self) -> int:
        """Entries of the queue not yet complete."""
        return self.total - self.done


def suggest_entry(suggester: Suggester, text: str, entry_id: str = "",
                  local_ids: frozenset[str] | None = None) -> tuple[np.ndarray, Explanation]:
    """Probabilities and explanation for one passage (the per-item work of the review loop); the similar
    passage comes from `local_ids` (the corpus under review) or the store first."""
    docs = [suggester.analyzer_.analyze(text)]
    if isinstance(suggester, SuggestionModel):
        X = suggester.matrix(docs)
        P = suggester.proba_matrix(X)
    else:
        X, P = None, suggester.proba_docs(docs)
    return P[0], explain(suggester, docs, P, X, ids=[entry_id] if entry_id else None, local_ids=local_ids)[0]


class ReviewSession:
    """Queue, decisions and undo for one coder on one corpus (suggester None: no suggestions)."""

    def __init__(self, store: CodingStore, corpus: Corpus, suggester: Suggester | None, coder: str,
                 order: str = "uncertain", filters: ReviewFilters | None = None, blind: bool = False,
                 codes: Sequence[str] | None = None, context_chars: int = 160) -> None:
        if not coder.strip():
            raise ReviewError("a coder name is needed", hint="pass --coder NAME")
        if order not in ORDERS:
            raise ReviewError(f"unknown order {order!r}", hint=f"one of {', '.join(ORDERS)}")
        self.store, self.corpus, self.suggester, self.coder = store, corpus, suggester, coder.strip()
        self.order, self.filters, self.blind = order, filters or ReviewFilters(), blind
        self.context_chars = context_chars
        if codes is not None:
            self.codes = list(codes)
        elif suggester is not None:
            self.codes = list(suggester.codes_)
        else:
            self.codes = list(project_lexicons(corpus)[0].variable_ids)  # the project's codebook
        if self.filters.variable and self.filters.variable not in self.codes:
            raise ReviewError(f"unknown variable {self.filters.variable!r}"
                              f"{did_you_mean(self.filters.variable, self.codes)}",
                              hint=f"one of {', '.join(self.codes)}")
        self.mode = "blind" if blind else "assisted"
        # a model's version hashes all its arrays (~ms): computed once per session, not per passage
        self._version = suggester.version if suggester is not None else ""
        self._codings = store.codings(self.coder)
        self._entries = corpus.entries_with_meta(("source_type", "stage", "title")).set_index("entry_id", drop=False)
        self._local = frozenset(map(str, self._entries.index))
        e = self._entries  # (doc_id, seq) -> text, so the context of a passage is a dict lookup, not a scan
        self._text_at = dict(zip(zip(e["doc_id"], e["seq"], strict=True), e["text"], strict=True))
        self._queue_ids = self._build_queue()
        self._queue: deque[str] = deque(self._queue_ids)
        self._skipped: set[str] = set()
        # with include_coded, passages coded before this session are shown once more
        self._revisit = {e for e in self._queue_ids if self._finished(e)} if self.filters.include_coded else set()
        self._actions: list[tuple[str, list[int]]] = []
        self._decisions = 0
        self.current: ReviewItem | None = None

    # -- the queue ----------------------------------------------------------------------------------
    def _coding(self, entry_id: str) -> EntryCoding:
        return self._codings.get((entry_id, self.coder), EntryCoding())

    def _build_queue(self) -> list[str]:

        e, f = self._entries, self.filters
        keep = np.ones(len(e), dtype=bool)
        if f.doc_ids:
            keep &= e["doc_id"].isin(f.doc_ids).to_numpy()
        if f.source_types:
            keep &= e["source_type"].isin(f.source_types).to_numpy()
        if f.stages:
            keep &= e["stage"].isin(f.stages).to_numpy()
        if not f.include_duplicates:
            keep &= (e["dup_of"].fillna("") == "").to_numpy()
        sub = e[keep]
        if not f.include_coded:  # a boolean array: an empty list would select columns, not rows
            sub = sub[np.array([not self._finished(eid) for eid in sub["entry_id"]], dtype=bool)]
        doc_rank = {d: i for i, d in enumerate(self.corpus.docs["doc_id"])}
        sub = sub.assign(_doc=sub["doc_id"].map(doc_rank)).sort_values(["_doc", "seq"], kind="stable")
        ids = list(sub["entry_id"])
        if f.variable and f.variable not in self.codes:
            raise ReviewError(f"unknown variable {f.variable!r}{did_you_mean(f.variable, self.codes)}",
                              hint=f"choose from {', '.join(self.codes)}")
        if f.variable and self.suggester is None:
            raise ReviewError("filtering by variable needs suggestions (a model or the lexicon)")
        scored = list(self.suggester.codes_) if self.suggester is not None else []
        if f.variable and self.suggester is not None and f.variable not in scored:
            raise ReviewError(f"the suggestions do not score {f.variable}, so passages cannot be ordered by it",
                              hint="code it from the code picker, or train a model on passages coded with it")
        if self.suggester is not None and ids and (self.order != "document" or f.variable):
            P = self._proba(list(sub["text"]))
            t = self.suggester.thresholds_
            if f.variable:  # only passages where this variable is suggested (columns: the suggester's codes)
                col = scored.index(f.variable)
                hit = P[:, col] >= t[col]
                ids = [i for i, h in zip(ids, hit, strict=True) if h]
                P = P[hit]
            if self.order == "uncertain":
                key = np.abs(P - t).min(axis=1)
                ids = [ids[i] for i in np.argsort(key, kind="stable")]
            elif self.order == "variable":
                j = scored.index(f.variable) if f.variable else None
                top = P.argmax(axis=1) if j is None else np.full(len(ids), j)
                s = P[np.arange(len(ids)), top]
                ids = [ids[i] for i in np.lexsort((-s, top))]
        return ids[:f.limit] if f.limit else ids

    def _proba(self, texts: list[str]) -> np.ndarray:

        assert self.suggester is not None
        docs = self.suggester.analyzer_.analyze_many(texts)
        if isinstance(self.suggester, SuggestionModel):
            return self.suggester.proba_matrix(self.suggester.matrix(docs))
        return self.suggester.proba_docs(docs)

    def _finished(self, entry_id: str) -> bool:
        """Stored entries with a coding count as finished (suggestions may change between sessions)."""
        return self._coding(entry_id).coded

    def item(self, entry_id: str) -> ReviewItem:
        """Build the review item of an entry (suggestions, explanation and context)."""
        if entry_id not in self._entries.index:
            raise ReviewError(f"entry {entry_id} is not in the corpus")
        r = self._entries.loc[entry_id]
        text = str(r["text"])
        suggestions: list[SuggestedCode] = []
        scores: dict[str, float] = {}
        exp = None
        unsure: list[str] = []
        if self.suggester is not None and not self.blind:
            P, exp = suggest_entry(self.suggester, text, entry_id, self._local)
            scores = {c: round(float(p), 4) for c, p in zip(self.suggester.codes_, P, strict=True)}
            confident = getattr(self.suggester, "confident_", self.suggester.thresholds_)
            chosen = [j for j in range(len(P)) if P[j] >= self.suggester.thresholds_[j] and P[j] >= confident[j]]
            unsure = [self.suggester.codes_[j] for j in range(len(P))
                      if self.suggester.thresholds_[j] <= P[j] < confident[j]]
            chosen.sort(key=lambda j: -P[j])
            fallback = getattr(self.suggester, "fallback_", None)
            suggestions = [SuggestedCode(self.suggester.codes_[j], round(float(P[j]), 4),
                                         "lexicon" if fallback is not None and fallback[j] else self.suggester.source,
                                         self._version) for j in chosen]
        before, after = self._context(str(r["doc_id"]), int(r["seq"]))
        coding, version = self._refresh(entry_id)
        return ReviewItem(entry_id, str(r["doc_id"]), str(r["title"]), text, str(r["text_hash"]),
                          str(r["speaker"] or ""), before, after, suggestions, scores, exp, coding, version,
                          unsure)

    def _refresh(self, entry_id: str) -> tuple[EntryCoding, int]:
        """This coder's coding of an entry as the store holds it now, and its state version (another tab or
        process may have decided on it since the session started)."""
        events = self.store.events(coder=self.coder, entry_id=entry_id)
        coding = replay(events).get((entry_id, self.coder), EntryCoding())
        self._codings[(entry_id, self.coder)] = coding
        return coding, max((e.event_id for e in events), default=0)

    def _context(self, doc_id: str, seq: int) -> tuple[str, str]:
        n = self.context_chars
        before, after = self._text_at.get((doc_id, seq - 1)), self._text_at.get((doc_id, seq + 1))
        return (str(before)[-n:] if before is not None else "", str(after)[:n] if after is not None else "")

    def next_item(self) -> ReviewItem | None:
        """Advance to the next entry not yet coded (skipped entries come back last); None at the end."""
        while self._queue:
            eid = self._queue.popleft()
            revisit = eid in self._revisit
            self._revisit.discard(eid)
            if self._finished(eid) and eid not in self._skipped and not revisit:
                continue
            item = self.item(eid)
            if eid in self._skipped and item.complete:
                continue
            self.current = item
            return item
        self.current = None
        return None

    # -- decisions ----------------------------------------------------------------------------------
    def _require(self) -> ReviewItem:
        if self.current is None:
            raise ReviewError("no passage is open", hint="call next_item() first")
        return self.current

    def _row(self, item: ReviewItem, code: str, decision: str, note: str) -> dict[str, object]:
        sugg = next((s for s in item.suggestions if s.code == code), None)
        return {"entry_id": item.entry_id, "text_hash": item.text_hash, "code": code, "decision": decision,
                "coder": self.coder, "source": sugg.source if sugg else "manual",
                "model_version": sugg.model_version if sugg else "",
                "score": sugg.score if sugg else item.scores.get(code), "mode": self.mode, "note": note}

    def decide(self, code: str, decision: str, note: str = "", version: int | None = None) -> list[int]:
        """Record one decision on the open passage; a reject that leaves nothing applying and nothing
        pending also records none-applies, in the same transaction (a crash keeps both or neither).
        Returns the new event ids (one undo reverts them all).

        The rule shared by the terminal and the web: a decision is recorded only while the passage is in
        the state it was made on (`version`, default: the state the open item was shown in), checked under
        the store's write lock; otherwise StaleDecision, nothing recorded, the item refreshed."""
        item = self._require()
        if code != NONE and code not in self.codes:
            raise ReviewError(f"unknown code {code!r}", hint=f"one of {', '.join(self.codes)}")
        after = EntryCoding(dict(item.coding.applied), dict(item.coding.verdicts), item.coding.text_hash,
                            item.coding.last_event)
        apply_event(after, decision, code, self.mode)
        steps = [(code, decision, note)]
        if decision in ("reject", "remove") and not after.applied and not pending_codes(after, item.suggestions) \
                and item.suggestions:
            steps.append((NONE, "none-applies", "all suggestions rejected"))
        expected = item.version if version is None else version
        try:  # committed before use
            ids = self.store.record_rows([self._row(item, c, d, n) for c, d, n in steps],
                                         expect=Expect(item.entry_id, self.coder, expected))
        except ConflictError as exc:
            item.coding, item.version = self._refresh(item.entry_id)
            raise StaleDecision(f"passage {item.entry_id} changed after this view of it was shown (another tab, "
                                "window or process decided on it, or the same decision was sent twice); nothing "
                                f"was recorded. It now reads: {describe_coding(item.coding)}",
                                hint="look at the passage again and decide on what it shows now") from exc
        for c, d, _n in steps:
            apply_event(item.coding, d, c, self.mode)
        item.version = max(ids)
        self._codings[(item.entry_id, self.coder)] = item.coding
        self._decisions += len(ids)
        self._actions.append((item.entry_id, ids))
        return ids

    def accept(self, code: str | None = None) -> list[int]:
        """Accept a suggested code (default: the first pending one)."""
        return self.decide(self._pending_code(code), "accept")

    def reject(self, code: str | None = None) -> list[int]:
        """Reject a suggested code (default: the first pending one)."""
        return self.decide(self._pending_code(code), "reject")

    def _pending_code(self, code: str | None) -> str:
        item = self._require()
        if code is not None:
            return code
        if not item.pending:
            raise ReviewError("no suggestion is waiting for a decision on this passage")
        return item.pending[0]

    def add(self, code: str, note: str = "") -> list[int]:
        """Apply a code the suggester did not propose."""
        return self.decide(code, "add", note)

    def remove(self, code: str) -> list[int]:
        """Withdraw a code that applies."""
        return self.decide(code, "remove")

    def none_applies(self) -> list[int]:
        """No code applies to this passage (pending suggestions count as rejected)."""
        return self.decide(NONE, "none-applies")

    def skip(self) -> None:
        """Leave the open passage for later (it returns after the rest of the queue)."""
        item = self._require()
        self._skipped.add(item.entry_id)
        self._queue.append(item.entry_id)
        self.current = None

    def undo(self, last: int | None = None) -> ReviewItem:
        """Revert this session's last action with new events; its passage is open again.

        `last` is the `last_action` the undo was asked for on (a form, a key press): when the session's last
        action is another one by now (the undo was sent twice, or from an older tab), StaleDecision and
        nothing is undone."""
        if not self._actions:
            raise ReviewError("nothing to undo in this session")
        entry_id, ids = self._actions[-1]
        if last is not None and last != max(ids):
            raise StaleDecision("this undo was asked for on an older view (sent twice, or from another tab); "
                                f"nothing was undone. Your last decision now is on passage {entry_id}",
                                hint="undo again if you still want to revert it")
        self.store.undo(ids, self.coder)  # may refuse; the action stays undoable then
        self._actions.pop()
        self._refresh(entry_id)
        if self.current is not None and self.current.entry_id != entry_id and not self.current.complete:
            self._queue.appendleft(self.current.entry_id)
        self._decisions = max(0, self._decisions - len(ids))
        self.current = self.item(entry_id)
        return self.current

    @property
    def last_action(self) -> int:
        """A token of the session's last action (its latest event id; 0 when nothing can be undone)."""
        return max(self._actions[-1][1]) if self._actions else 0

    @property
    def can_undo(self) -> bool:
        """True when this session has an action to undo."""
        return bool(self._actions)

    def progress(self) -> Progress:
        """Entries complete out of the queue, decisions this session, entries skipped."""
        done = sum(1 for eid in self._queue_ids if self._coding(eid).coded)
        return Progress(done, len(self._queue_ids), self._decisions, len(self._skipped))
