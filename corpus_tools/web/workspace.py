"""What the web app serves from: corpus, codebook, suggester, and one worker thread that owns the store.

SQLite connections belong to the thread that opened them, and review sessions are not thread-safe, so
every store read and every decision runs on a single worker thread, one at a time, while requests wait
for the result: a request that records a decision returns only after the store committed it, and two
coders in two browsers never interleave half-made decisions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from flask import current_app

from corpus_tools.review.pool import ReviewPool
from corpus_tools.store.coding_state import project_state
from corpus_tools.store.store import CodingStore

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon, Variable
    from corpus_tools.review.pool import ReviewPool
    from corpus_tools.store.coding_state import ProjectState
    from corpus_tools.store.store import CodingStore
    from corpus_tools.suggest.explain import Suggester

T = TypeVar("T")


@dataclass(frozen=True)
class DocMeta:
    """Document metadata shown next to a passage."""

    title: str
    source_type: str
    date: str
    stage: str
    lang: str


class Workspace:
    """Corpus, lexicons, suggester and the worker thread holding the coding store and review sessions."""

    def __init__(self, corpus: Corpus, store_path: Path, suggester: Suggester, lexicons: Sequence[Lexicon], *,
                 corpus_path: Path | None = None, model_dir: Path | None = None,
                 evaluation_paths: Sequence[Path] = (), context_chars: int = 400) -> None:
        self.corpus, self.store_path, self.suggester = corpus, Path(store_path), suggester
        self.lexicons = list(lexicons)
        self.corpus_path, self.model_dir = corpus_path, model_dir
        self.evaluation_paths = tuple(evaluation_paths)
        self.codes: list[str] = list(suggester.codes_)
        self.variables: dict[str, Variable] = {v.id: v for lex in reversed(self.lexicons) for v in lex.variables}
        d = corpus.docs
        self.docs = {str(r["doc_id"]): DocMeta(str(r["title"]), str(r["source_type"]), str(r["date"] or ""),
                                               str(r["stage"]), str(r["lang"]))
                     for r in d[["doc_id", "title", "source_type", "date", "stage", "lang"]].fillna("")
                     .to_dict("records")}
        self.stages = list(dict.fromkeys([*corpus.config.stage_ids, *d["stage"].astype(str)]))
        self.source_types = list(dict.fromkeys(d["source_type"].astype(str)))
        self.entry_hash = dict(zip(corpus.entries["entry_id"], corpus.entries["text_hash"], strict=True))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpus-tools-store")
        self._cache_lock = threading.Lock()
        self._cache: dict[str, tuple[Any, Any]] = {}
        self._once: dict[str, Any] = {}
        self._worker = 0
        self.store: CodingStore
        self.pool: ReviewPool
        self.call(self._open, context_chars)

    def _open(self, context_chars: int) -> None:

        self._worker = threading.get_ident()
        self.store = CodingStore(self.store_path)
        self.pool = ReviewPool(self.store, self.corpus, self.suggester, self.codes, context_chars)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn on the worker thread and wait for its result (its exception is raised here)."""
        if threading.get_ident() == self._worker:
            return fn(*args, **kwargs)
        return self._executor.submit(fn, *args, **kwargs).result()

    def warm(self) -> None:
        """Start computing every entry's suggestion scores on the worker thread (does not wait)."""
        self._executor.submit(self.pool.warm)

    def close(self) -> None:
        """Close the store on its own thread and stop the worker (decisions are already committed)."""
        try:
            self.call(self.store.close)
        finally:
            self._executor.shutdown(wait=True)

    # -- snapshots, cached until the store changes -------------------------------------------------
    def _version(self) -> int:
        return self.store.count()

    def cached(self, key: str, compute: Callable[[], T], on_worker: bool = True) -> T:
        """compute() once per store version (the number of logged events); on the worker thread or here."""
        version = self.call(self._version)
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = self.call(compute) if on_worker else compute()
        with self._cache_lock:
            self._cache[key] = (version, value)
        return value

    def once(self, key: str, compute: Callable[[], T]) -> T:
        """compute() once for the life of the app (inputs that do not change while serving)."""
        with self._cache_lock:
            if key in self._once:
                return self._once[key]
        value = compute()
        with self._cache_lock:
            self._once[key] = value
        return value

    def state(self) -> ProjectState:
        """The project's current coding (store plus the corpus's codings.csv)."""

        return self.cached("state", lambda: project_state(self.store, self.corpus, self.codes))

    def code_label(self, code: str) -> tuple[str, str]:
        """(English, Chinese) label of a code ("" when the codebook has none)."""
        v = self.variables.get(code)
        if v is None:
            return "", ""
        return v.label.get("en", ""), v.label.get("zh", "")


EXTENSION = "corpus_tools"  # key of the app's Workspace in Flask's app.extensions


def workspace() -> Workspace:
    """The workspace of the app handling the current request."""
    ws: Workspace = current_app.extensions[EXTENSION]
    return ws
