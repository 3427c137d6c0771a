"""Score many texts on all cores of one machine, or on a Dask cluster, with results identical to one process.

Workers cannot share a Scorer (it holds a Rust segmenter and compiled pattern data), so each worker rebuilds an
identical one from a `ScorerSpec`: the lexicons, the tokenizer's settings and injected words, the context width
and the matcher choice. Texts travel in chunks in corpus order and results come back in the same order, so the
evidence and every count are the same as a single-process run (tests/scoring/test_parallel.py checks it).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from corpus_tools.errors import ConfigError
from corpus_tools.lexicon.model import Lexicon, lexicon_to_dict
from corpus_tools.lexicon.negation import NegationRules
from corpus_tools.scoring.score import Hit, Scorer, TextScore
from corpus_tools.text.stopwords import StopWords
from corpus_tools.text.tokenize import Tokenizer

CHUNK_CHARS = 400_000  # text per task: large enough to hide scheduling cost, small enough to balance cores


@dataclass(frozen=True)
class ScorerSpec:
    """Everything needed to rebuild a Scorer that gives exactly the same hits in another process."""

    lexicons: tuple[Lexicon, ...]
    engine: str
    t2s: bool
    hmm: bool
    stopwords: tuple[StopWords, ...]
    user_words: tuple[str, ...]
    context: int
    native: bool | None
    negation: NegationRules | None = None  # the scorer's negation rules (None: negation off)
    count_negated: bool = False

    @classmethod
    def of(cls, scorer: Scorer) -> ScorerSpec:
        """The spec of an existing scorer (its tokenizer's injected words included, in injection order)."""
        tok = scorer.tokenizer
        return cls(tuple(scorer.lexicons), tok.engine, tok.t2s, tok.hmm, tuple(tok.stopwords),
                   tuple(tok.user_words), scorer.context, scorer.matcher.native,
                   scorer.negation.rules if scorer.negation is not None else None, scorer.count_negated)

    @property
    def key(self) -> str:
        """A stable id of the spec (workers keep one scorer per key)."""
        blob = json.dumps([[lexicon_to_dict(lx) for lx in self.lexicons], self.engine, self.t2s, self.hmm,
                           [s.sha1 for s in self.stopwords], list(self.user_words), self.context, self.native,
                           self.negation.manifest() if self.negation is not None else None, self.count_negated],
                          sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def build(self) -> Scorer:
        """A new Scorer equal to the one this spec was taken from."""
        tok = Tokenizer(self.engine, self.user_words, stopwords=self.stopwords, t2s=self.t2s, hmm=self.hmm)
        return Scorer(list(self.lexicons), tok, context=self.context, native=self.native,
                      negation=self.negation if self.negation is not None else False,
                      count_negated=self.count_negated)


_WORKER_SCORERS: dict[str, Scorer] = {}  # per worker process: built on the first task of a spec


def score_chunk(spec: ScorerSpec, texts: Sequence[str]) -> list[tuple[int, list[Hit], list[str] | None, bool]]:
    """(token count, hits, negation cues, several lexicons?) of each text, in order: the task every worker
    runs."""
    key = spec.key
    scorer = _WORKER_SCORERS.get(key)
    if scorer is None:
        scorer = _WORKER_SCORERS[key] = spec.build()
    out = []
    for text in texts:
        ts = scorer.score_text(text)
        out.append((ts.n_tokens, list(ts.hits), ts.cues, ts.multi))
    return out


def chunks(texts: Sequence[str], chunk_chars: int = CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """(start, stop) index ranges over `texts` holding about `chunk_chars` characters each, in order."""
    start, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= chunk_chars:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def default_workers() -> int:
    """The machine's cores (the cores this process may use, where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def texts_scorer(scorer: Scorer, workers: int = 1,
                 dask: str | None = None) -> Callable[[Sequence[str]], list[TextScore]]:
    """`score_texts` bound to a scorer and a place to run: what `score_levels(score_many=...)` takes."""
    return lambda texts: score_texts(scorer, texts, workers=workers, dask=dask)


class PooledScorer:
    """`score_texts` with its worker pool (or Dask client) kept open across calls: what chunked scoring uses, so a
    run of many chunks starts its workers, and builds their scorers, once. Use as a context manager."""

    def __init__(self, scorer: Scorer, workers: int = 1, dask: str | None = None,
                 chunk_chars: int = CHUNK_CHARS) -> None:
        check_workers(workers)
        self.scorer, self.workers, self.dask, self.chunk_chars = scorer, workers, dask, chunk_chars
        self._spec: ScorerSpec | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._dask: Any = None  # (client, scattered spec, things to close)

    def __enter__(self) -> PooledScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, texts: Sequence[str]) -> list[TextScore]:
        if self.dask is None and (self.workers == 1 or len(texts) < 2):
            return [self.scorer.score_text(t) for t in texts]
        if self._spec is None:
            self._spec = ScorerSpec.of(self.scorer)
        parts = [list(texts[a:b]) for a, b in chunks(texts, self.chunk_chars)]
        if self.dask is not None:
            if self._dask is None:
                self._dask = _dask_client(self.dask, self.workers)
                client = self._dask[0]
                self._dask = (client, client.scatter(self._spec, broadcast=True), self._dask[1])
            client, spec_future, _ = self._dask
            results = list(client.gather(client.map(score_chunk, [spec_future] * len(parts), parts, pure=False)))
        else:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers)
            results = list(self._pool.map(score_chunk, [self._spec] * len(parts), parts))
        return [TextScore(n, hits, cues, multi) for part in results for n, hits, cues, multi in part]

    def close(self) -> None:
        """Stop the workers (or disconnect from Dask)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._dask is not None:
            for fn in self._dask[2]:
                fn()
            self._dask = None


def score_texts(scorer: Scorer, texts: Sequence[str], workers: int = 1, dask: str | None = None,
                chunk_chars: int = CHUNK_CHARS) -> list[TextScore]:
    """Score every text with `scorer`: in this process (workers=1), in `workers` processes, or as Dask tasks
    (`dask`: a scheduler address, or "local" for a LocalCluster on this machine). Same results every way."""
    check_workers(workers)
    if dask is None and (workers == 1 or len(texts) < 2):
        return [scorer.score_text(t) for t in texts]
    spec = ScorerSpec.of(scorer)
    parts = [list(texts[a:b]) for a, b in chunks(texts, chunk_chars)]
    results = run_tasks(score_chunk, spec, parts, workers, dask)
    return [TextScore(n, hits, cues, multi) for part in results for n, hits, cues, multi in part]


def check_workers(workers: int) -> None:
    """Refuse a worker count below 1 (the CLI's --workers)."""
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1 (got {workers})")


def run_tasks(fn: Callable[[Any, Any], Any], shared: Any, parts: Sequence[Any], workers: int = 1,
              dask: str | None = None) -> list[Any]:
    """[fn(shared, part) for part in parts], in order: in this process (one worker or one part), in a pool of
    `workers` processes, or as Dask tasks (`dask`: an address, or "local"). `fn` must be a module-level
    function and `shared` a small picklable spec from which workers rebuild what they need."""
    check_workers(workers)
    if dask is not None:
        return _run_dask(dask, fn, shared, list(parts), workers)
    if workers == 1 or len(parts) < 2:
        return [fn(shared, p) for p in parts]
    # `shared` goes to each worker once (pool initializer), not once per task
    with ProcessPoolExecutor(max_workers=min(workers, len(parts)), initializer=_install,
                             initargs=(shared,)) as pool:
        return list(pool.map(_call, [fn] * len(parts), parts))


_SHARED: list[Any] = []  # per worker process: the `shared` object of the pool it serves


def _install(shared: Any) -> None:
    _SHARED[:] = [shared]


def _call(fn: Callable[[Any, Any], Any], part: Any) -> Any:
    return fn(_SHARED[0], part)


def _dask_client(address: str, workers: int) -> tuple[Any, list[Callable[[], Any]]]:
    """(a Dask client for `address` ("local": a new LocalCluster of `workers` processes), closers in order)."""
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415 (optional, heavy: only for --dask)
    except ImportError as exc:
        raise ConfigError("--dask needs the `distributed` package",
                          hint="pip install 'dask[distributed]' (see docs/performance.md)") from exc
    close: list[Callable[[], Any]] = []
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            close.append(cluster.close)
            client = Client(cluster)
        else:
            client = Client(address, timeout="20s")
    except OSError as exc:
        for fn in close:
            fn()
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}",
                          hint="check the address (tcp://HOST:8786) or use --dask local") from exc
    close.insert(0, client.close)
    return client, close


def _run_dask(address: str, fn: Callable[[Any, Any], Any], shared: Any, parts: list[Any], workers: int) -> list[Any]:
    """Run the parts as Dask tasks on the cluster at `address` ("local": a LocalCluster of `workers`)."""
    with dask_session(address, workers) as client:
        shared_future = client.scatter(shared, broadcast=True)
        futures = client.map(fn, [shared_future] * len(parts), parts, pure=False)
        return list(client.gather(futures))


@contextmanager
def dask_session(address: str, workers: int) -> Iterator[Any]:
    """A Dask client for `address` ("local": a LocalCluster of `workers`), closed (and its cluster stopped) on
    leaving; a lost scheduler becomes a ConfigError."""
    client, close = _dask_client(address, workers)
    try:
        yield client
    except OSError as exc:
        raise ConfigError(f"lost the Dask scheduler at {address}: {exc}",
                          hint="check the address (tcp://HOST:8786) or use --dask local") from exc
    finally:
        for fn_close in close:
            fn_close()
