"""Review sessions for many coders over one store and corpus (the web UI keeps one per coder and queue).

Sessions are ordinary `ReviewSession`s (all queueing and decisions stay in corpus_tools.review.session); the pool
only shares the suggester's passage probabilities between them, so a new coder's queue is ready at once,
and draws seeded reliability samples, so every coder of a blind double-coding round sees the same entries.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools.errors import ReviewError
from corpus_tools.review.session import ORDERS, ReviewFilters, ReviewSession
from corpus_tools.suggest.model import SuggestionModel

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.store.store import CodingStore
    from corpus_tools.suggest.explain import Suggester

MAX_SAMPLE = 100_000


@dataclass(frozen=True)
class QueueSettings:
    """How one coder's queue is ordered and filtered; blind hides suggestions (reliability coding)."""

    order: str = "uncertain"
    variable: str = ""
    stages: tuple[str, ...] = ()
    source_types: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    blind: bool = False
    sample: int = 0  # blind reliability sample: this many entries drawn with `seed` (0 = the whole queue)
    seed: int = 0

    def filters(self) -> ReviewFilters:
        """The ReviewFilters of these settings."""
        return ReviewFilters(self.doc_ids, self.source_types, self.stages, self.variable)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> QueueSettings:
        """Settings from form or query values (lists for the repeatable filters); ReviewError when invalid."""

        def many(key: str) -> tuple[str, ...]:
            raw = data.get(key) or ()
            values = [raw] if isinstance(raw, str) else list(raw)
            return tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))

        def one(key: str, default: str = "") -> str:
            raw = data.get(key, default)
            if not isinstance(raw, str):
                raw = next(iter(raw), default)
            return str(raw).strip()

        order = one("order", "uncertain") or "uncertain"
        if order not in ORDERS:
            raise ReviewError(f"unknown order {order!r}", hint=f"one of {', '.join(ORDERS)}")
        try:
            sample, seed = int(one("sample", "0") or 0), int(one("seed", "0") or 0)
        except ValueError as exc:
            raise ReviewError("sample size and seed must be whole numbers") from exc
        if not 0 <= sample <= MAX_SAMPLE:
            raise ReviewError(f"sample size must be between 0 and {MAX_SAMPLE}")
        blind = one("blind").lower() in ("1", "true", "on", "yes")
        return cls(order, one("variable"), many("stage"), many("source_type"), many("doc"), blind,
                   sample if blind else 0, seed)

    def to_query(self) -> list[tuple[str, str]]:
        """The settings as query parameters (defaults left out), the inverse of `from_mapping`."""
        out: list[tuple[str, str]] = []
        if self.order != "uncertain":
            out.append(("order", self.order))
        if self.variable:
            out.append(("variable", self.variable))
        out += [("stage", s) for s in self.stages] + [("source_type", s) for s in self.source_types]
        out += [("doc", d) for d in self.doc_ids]
        if self.blind:
            out.append(("blind", "1"))
            if self.sample:
                out += [("sample", str(self.sample)), ("seed", str(self.seed))]
        return out


def batch_proba(suggester: Suggester, texts: Sequence[str]) -> np.ndarray:
    """Probabilities per passage and code for many passages (as ReviewSession computes them)."""
    docs = suggester.analyzer_.analyze_many(list(texts))
    if isinstance(suggester, SuggestionModel):
        return suggester.proba_matrix(suggester.matrix(docs))
    return suggester.proba_docs(docs)


class PooledSession(ReviewSession):
    """A ReviewSession whose probabilities come from the pool's cache, restricted to a reliability sample."""

    def __init__(self, pool: ReviewPool, coder: str, settings: QueueSettings) -> None:
        self.pool, self.settings = pool, settings
        super().__init__(pool.store, pool.corpus, pool.suggester, coder, settings.order, settings.filters(),
                         settings.blind, codes=pool.codes, context_chars=pool.context_chars)

    def _proba(self, texts: list[str]) -> np.ndarray:
        return self.pool.proba(texts)

    def _build_queue(self) -> list[str]:
        ids = super()._build_queue()
        if self.settings.sample:
            keep = set(self.pool.sample(self.settings))
            ids = [i for i in ids if i in keep]
        return ids


class ReviewPool:
    """One ReviewSession per coder, for the queue settings the coder asked for last.

    Asking for other settings replaces the coder's session (a fresh one reads the coder's decisions from the
    store again), so two sessions of one coder never hold diverging copies of that coder's coding.
    """

    def __init__(self, store: CodingStore, corpus: Corpus, suggester: Suggester, codes: Sequence[str] | None = None,
                 context_chars: int = 400, max_sessions: int = 64) -> None:
        self.store, self.corpus, self.suggester = store, corpus, suggester
        self.codes = list(codes) if codes is not None else list(suggester.codes_)
        self.context_chars, self.max_sessions = context_chars, max_sessions
        self._proba: dict[str, np.ndarray] = {}
        self._sessions: OrderedDict[str, PooledSession] = OrderedDict()

    def session(self, coder: str, settings: QueueSettings | None = None) -> PooledSession:
        """The coder's session with these settings: the open one (keeping its passage and undo list) when its
        settings match, else a new one."""
        settings = settings or QueueSettings()
        key = coder.strip()
        found = self._sessions.get(key)
        if found is not None and found.settings == settings:
            self._sessions.move_to_end(key)
            return found
        session = PooledSession(self, coder, settings)
        self._sessions[key] = session
        self._sessions.move_to_end(key)
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        return session

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Cached probabilities per passage and code (computed once per distinct text)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._proba]
        if missing:
            self._proba.update(zip(missing, batch_proba(self.suggester, missing), strict=True))
        if not texts:
            return np.zeros((0, len(self.suggester.codes_)))
        return np.vstack([self._proba[t] for t in texts])

    def warm(self) -> int:
        """Compute the probabilities of every corpus entry now (so the first queue opens fast)."""
        texts = list(self.corpus.entries["text"])
        self.proba(texts)
        return len(texts)

    def sample(self, settings: QueueSettings) -> list[str]:
        """A seeded random sample of the entries the settings' filters admit (duplicates left out), in
        document order: the same entries for every coder of a reliability round."""
        e = self.corpus.entries_with_meta(("source_type", "stage"))
        keep = (e["dup_of"].fillna("") == "").to_numpy()
        for column, wanted in (("doc_id", settings.doc_ids), ("source_type", settings.source_types),
                               ("stage", settings.stages)):
            if wanted:
                keep &= e[column].isin(wanted).to_numpy()
        ids = list(e.loc[keep, "entry_id"])
        if settings.sample >= len(ids):
            return ids
        rng = np.random.default_rng(settings.seed)
        chosen = sorted(rng.choice(len(ids), size=settings.sample, replace=False))
        return [ids[int(i)] for i in chosen]
