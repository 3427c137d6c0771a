"""What the web app serves from: corpus, codebook, suggester, and one worker thread that owns the store.

SQLite connections belong to the thread that opened them, and review sessions are not thread-safe, so
every store read and every decision runs on a single worker thread, one at a time, while requests wait
for the result: a request that records a decision returns only after the store committed it, and two
coders in two browsers never interleave half-made decisions.

The worker never waits long for SQLite's write lock (`busy_timeout_ms`, a fraction of a second): when
another process holds it, the request that wants to write lets go of the worker and tries again from its
own thread until `write_wait` seconds have passed (then "the store is busy", status 503, nothing recorded).
Retries are queued on the worker one at a time, so a read waits behind one attempt at most; reads never
need the write lock (WAL), so other coders' pages keep answering meanwhile.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from flask import current_app, g, has_request_context

from corpus_tools.errors import StoreBusyError, StoreReadOnlyError
from corpus_tools.project import codable_codes
from corpus_tools.review.pool import ReviewPool
from corpus_tools.store.coding_state import project_state
from corpus_tools.store.store import CodingStore

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon, Variable
    from corpus_tools.store.coding_state import ProjectState
    from corpus_tools.suggest.explain import Suggester

T = TypeVar("T")
BUSY_TIMEOUT_MS = 250  # how long the worker waits for SQLite's write lock per attempt
WRITE_WAIT_S = 10.0  # how long a decision keeps trying before "the store is busy"
RETRY_PAUSE_S = 0.05
WARM_CHUNK = 32  # entries scored per worker task while warming up (~tens of ms)
SUMMARY_INTERVAL_S = 10.0  # stale summaries (dashboard agreement) are recomputed at most this often


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
                 evaluation_paths: Sequence[Path] = (), context_chars: int = 400,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS, write_wait: float = WRITE_WAIT_S) -> None:
        self.corpus, self.store_path, self.suggester = corpus, Path(store_path), suggester
        self.lexicons = list(lexicons)
        self.corpus_path, self.model_dir = corpus_path, model_dir
        self.evaluation_paths = tuple(evaluation_paths)
        self.suggested_codes: list[str] = list(suggester.codes_)  # the codes the suggester scores
        self.codes: list[str] = codable_codes(self.lexicons, self.suggested_codes)  # every code coders may apply
        self.variables: dict[str, Variable] = {v.id: v for lex in reversed(self.lexicons) for v in lex.variables}
        self.codebook_of: dict[str, Lexicon] = {v.id: lex for lex in reversed(self.lexicons) for v in lex.variables}
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
        self._flights: dict[str, threading.Lock] = {}
        self._started: dict[str, float] = {}  # when each cached value was last computed (monotonic)
        self.summary_interval = SUMMARY_INTERVAL_S
        self.background_summaries = False  # dashboard summaries computed in the background (set by create_app)
        self._once: dict[str, Any] = {}
        self._worker = 0
        self.busy_timeout_ms, self.write_wait = int(busy_timeout_ms), float(write_wait)
        self.read_only = not _writable(self.store_path)  # also set when a write is refused as read-only
        self.damaged = False  # set when the store turned out damaged while serving
        self.waiting_writes = 0  # requests waiting for another process to release the write lock
        self._write_gate = threading.Lock()
        self.store: CodingStore
        self.pool: ReviewPool
        self.call(self._open, context_chars)

    def _open(self, context_chars: int) -> None:

        self._worker = threading.get_ident()
        self.store = CodingStore(self.store_path, timeout_ms=self.busy_timeout_ms)
        self.pool = ReviewPool(self.store, self.corpus, self.suggester, self.codes, context_chars)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn on the worker thread and wait for its result (its exception is raised here)."""
        if threading.get_ident() == self._worker:
            return fn(*args, **kwargs)
        return self._executor.submit(fn, *args, **kwargs).result()

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a function that writes to the store on the worker; while another process holds the write
        lock, retry from this thread (the worker stays free for reads) until `write_wait` has passed.

        fn must leave no trace when the store refuses the write (review sessions change their state only
        after the store committed). StoreBusyError after the wait; StoreReadOnlyError marks the store
        read-only (every page then says that decisions are not saved)."""
        if has_request_context():
            g._ct_wrote = True
        deadline = time.monotonic() + self.write_wait
        waiting = False
        try:
            while True:
                try:
                    if not waiting:  # the usual case: straight to the worker (writes stay pipelined)
                        return self.call(fn, *args, **kwargs)
                    with self._write_gate:  # retries queue one at a time: a read waits behind one at most
                        return self.call(fn, *args, **kwargs)
                except StoreBusyError:
                    if time.monotonic() >= deadline:
                        raise
                    if not waiting:
                        waiting = True
                        with self._cache_lock:
                            self.waiting_writes += 1
                    time.sleep(RETRY_PAUSE_S)
                except StoreReadOnlyError:
                    self.read_only = True
                    raise
        finally:
            if waiting:
                with self._cache_lock:
                    self.waiting_writes -= 1

    @property
    def store_problem(self) -> str:
        """Why decisions cannot be saved now ("" when they can): every page says so instead of promising."""
        if self.damaged:
            return "The coding store is damaged"
        if self.read_only:
            return "The coding store cannot be written"
        return ""

    def warm(self, chunk: int = WARM_CHUNK) -> None:
        """Start computing every entry's suggestion scores on the worker thread (does not wait), `chunk` entries
        per task: a request arriving meanwhile waits for one chunk at most, not for the whole corpus."""
        texts = list(self.corpus.entries["text"])

        def step(start: int) -> None:
            self.pool.proba(texts[start:start + chunk])
            if start + chunk < len(texts):
                try:
                    self._executor.submit(step, start + chunk)
                except RuntimeError:  # the app is closing: the rest is computed on demand, if ever
                    return

        self._executor.submit(step, 0)

    def close(self) -> None:
        """Close the store on its own thread and stop the worker (decisions are already committed)."""
        try:
            self.call(self.store.close)
        finally:
            self._executor.shutdown(wait=True)

    # -- snapshots, cached until the store changes -------------------------------------------------
    def _version(self) -> int:
        return self.store.count()

    def version(self) -> int:
        """The store's version (events logged), read on the worker once per request: a page that shows several
        cached summaries waits for the worker once, not once per summary (writes come after their reads)."""
        if has_request_context() and not self._dirty_request():
            found = g.get("_ct_store_version")
            if found is not None:
                return int(found)
            found = self.call(self._version)
            g._ct_store_version = found
            return int(found)
        return self.call(self._version)

    def _dirty_request(self) -> bool:
        """True when the current request wrote to the store (its reads must see the write)."""
        return bool(g.get("_ct_wrote"))

    def cached(self, key: str, compute: Callable[[], T], on_worker: bool = True, stale_ok: bool = False) -> T:
        """compute() once per store version (the number of logged events); on the worker thread or here.

        One computation per key at a time: concurrent requests wait for it instead of repeating it. With
        `stale_ok` (summaries such as agreement with bootstrap intervals: seconds of CPU), a request finding
        an older value gets it at once while a background thread computes a fresh one, at most once per
        `summary_interval` seconds; the summary lags by the decisions made meanwhile."""
        version, hit, flight = self._lookup(key)
        if hit is not None and hit[0] >= version:
            return hit[1]
        if stale_ok and hit is not None:
            self._refresh_later(key, flight, version, compute, on_worker)
            return hit[1]
        with flight:
            return self._compute(key, version, compute, on_worker)

    def in_background(self, key: str, compute: Callable[[], T], on_worker: bool = True) -> T | None:
        """Like `cached(..., stale_ok=True)`, but never waits: with no value computed yet, one background
        computation starts and None is returned (the page says the summary is on its way)."""
        version, hit, flight = self._lookup(key)
        if hit is not None and hit[0] >= version:
            return hit[1]
        self._refresh_later(key, flight, version, compute, on_worker)
        return hit[1] if hit is not None else None

    def _lookup(self, key: str) -> tuple[int, tuple[Any, Any] | None, threading.Lock]:
        """The store version now, the cached (version, value) of `key` or None, and the key's flight lock."""
        version = self.version()
        with self._cache_lock:
            return version, self._cache.get(key), self._flights.setdefault(key, threading.Lock())

    def _compute(self, key: str, version: int, compute: Callable[[], T], on_worker: bool) -> T:
        """Compute and store a value (the caller holds the key's flight lock)."""
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] >= version:  # computed while this request waited
            return hit[1]
        self._started[key] = time.monotonic()
        value = self.call(compute) if on_worker else compute()
        with self._cache_lock:
            if key not in self._cache or self._cache[key][0] <= version:
                self._cache[key] = (version, value)
        return value

    def _refresh_later(self, key: str, flight: threading.Lock, version: int, compute: Callable[[], Any],
                       on_worker: bool) -> None:
        """Start one background computation of a stale summary (none when one runs or ran just now)."""
        if time.monotonic() - self._started.get(key, 0.0) < self.summary_interval:
            return
        if not flight.acquire(blocking=False):
            return

        def run() -> None:
            try:
                self._compute(key, version, compute, on_worker)
            except Exception:  # the stale value stays; the log says why it was not refreshed
                logging.getLogger(__name__).exception("recomputing %s failed", key)
            finally:
                flight.release()

        threading.Thread(target=run, name=f"corpus-tools-summary-{key}", daemon=True).start()

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

    def threshold_of(self, code: str) -> float | None:
        """The score at or above which the suggester suggests `code` (None when it does not score it)."""
        if code not in self.suggested_codes:
            return None
        j = self.suggested_codes.index(code)
        t = float(self.suggester.thresholds_[j])
        confident = getattr(self.suggester, "confident_", None)  # a "not sure" band raises the bar (abstention)
        if confident is not None:
            t = max(t, float(confident[j]))
        return t if 0.0 <= t <= 1.0 else None

    def quality_line(self, code: str) -> str:
        """The code's cross-validated quality from the model's quality record (`F1 0.45 [0.38, 0.52], n=682
        (threshold 0.17)`), "" without a record."""
        record = getattr(self.suggester, "quality_", None)
        row = record.get(code) if record is not None else None
        return row.label() if row is not None else ""

    def code_label(self, code: str) -> tuple[str, str]:
        """(English, Chinese) label of a code ("" when the codebook has none)."""
        v = self.variables.get(code)
        if v is None:
            return "", ""
        return v.label.get("en", ""), v.label.get("zh", "")


def _writable(path: Path) -> bool:
    """Whether this process may write the store file (or create it in its folder)."""
    if path.exists():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    folder = next((p for p in path.parents if p.exists()), None)
    return folder is not None and os.access(folder, os.W_OK)


EXTENSION = "corpus_tools"  # key of the app's Workspace in Flask's app.extensions


def workspace() -> Workspace:
    """The workspace of the app handling the current request."""
    ws: Workspace = current_app.extensions[EXTENSION]
    return ws
