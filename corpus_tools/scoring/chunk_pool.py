"""Whole chunks of entries scored in worker processes or on Dask, pipelined with the process that writes them.

Each task is one chunk (scoring.rows.EntryChunk: the entries and their documents): the worker tokenizes and
scores the texts, builds the entry-score rows and the evidence rows, turns them into Arrow tables (they travel
back as Arrow buffers) and returns them with the chunk's document count vectors. The main process only writes
the tables as row groups and adds the counts, while the workers already score the next chunks (at most
`prefetch` chunks are out at once, so memory stays bounded). Results come back in chunk order and every chunk
is built by the same function as in one process, so the files are identical however the run is spread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any

from corpus_tools.errors import WorkerError
from corpus_tools.scoring.parallel import _WORKER_SCORERS, ScorerSpec, _dask_client, check_workers
from corpus_tools.scoring.rows import ChunkScores, EntryChunk, RowSettings, score_entries
from corpus_tools.scoring.score import Scorer


@dataclass(frozen=True)
class ChunkJob:
    """What every chunk task of a run shares (small and picklable): how to rebuild the scorer and how to build
    the rows."""

    spec: ScorerSpec
    key: str
    settings: RowSettings

    @classmethod
    def of(cls, scorer: Scorer, settings: RowSettings) -> ChunkJob:
        """The job of a scorer and row settings."""
        spec = ScorerSpec.of(scorer)
        return cls(spec, spec.key, settings)


def scorer_for(job: ChunkJob) -> Scorer:
    """The worker's scorer for this job: built on its first task (or inherited from the parent when the
    worker was forked from it)."""
    scorer = _WORKER_SCORERS.get(job.key)
    if scorer is None:
        scorer = _WORKER_SCORERS[job.key] = job.spec.build()
    return scorer


def score_chunk_tables(job: ChunkJob, chunk: EntryChunk) -> ChunkScores:
    """The task of a worker: score a whole chunk and return its rows as Arrow tables (evidence None when the
    chunk has no hit) with its document counts."""
    import pyarrow as pa

    part = score_entries(scorer_for(job), chunk, job.settings)
    entries = pa.Table.from_pandas(part.entries, preserve_index=False)
    evidence = pa.Table.from_pandas(part.evidence, preserve_index=False) if len(part.evidence) else None
    return replace(part, entries=entries, evidence=evidence)


class ChunkRunner:
    """Runs chunk tasks in this process (one worker), in a pool of `workers` processes or as Dask tasks
    (`dask`: an address, or "local" for a LocalCluster), yielding results in chunk order with at most
    `prefetch` chunks submitted ahead (default: two per worker). Use as a context manager: leaving it stops
    the workers; a worker that dies raises WorkerError."""

    def __init__(self, scorer: Scorer, workers: int = 1, dask: str | None = None,
                 prefetch: int | None = None) -> None:
        check_workers(workers)
        self.scorer, self.workers, self.dask = scorer, workers, dask
        self.prefetch = max(1, prefetch if prefetch is not None else 2 * workers)
        self._pool: ProcessPoolExecutor | None = None
        self._dask: tuple[Any, list[Callable[[], Any]]] | None = None
        self._seeded: str | None = None

    @property
    def local(self) -> bool:
        """True when chunks run in this process."""
        return self.dask is None and self.workers == 1

    def __enter__(self) -> ChunkRunner:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(wait=kind is None)

    def map(self, fn: Callable[[ChunkJob, EntryChunk], ChunkScores], job: ChunkJob,
            chunks: Iterable[EntryChunk]) -> Iterator[ChunkScores]:
        """fn(job, chunk) for every chunk, in order: the next chunks are scored while the caller handles one."""
        self._seed(job)
        if self.local:
            for chunk in chunks:
                yield fn(job, chunk)
            return
        submit = self._submitter(fn, job)
        pending: deque[tuple[EntryChunk, Any]] = deque()
        todo = iter(chunks)
        state = {"broken": False, "done": False}

        def fill() -> None:
            while not state["broken"] and not state["done"] and len(pending) < self.prefetch:
                chunk = next(todo, None)
                if chunk is None:
                    state["done"] = True
                    return
                try:
                    pending.append((chunk, submit(chunk)))
                except BrokenProcessPool:  # a worker died: the chunks already out say which
                    state["broken"] = True

        fill()
        while pending:
            chunk, fut = pending.popleft()
            result = self._result(chunk, fut)
            fill()  # the next chunks are scored while the caller writes this one
            yield result
        if state["broken"]:
            raise WorkerError("a scoring worker stopped; no result file was written")

    def _seed(self, job: ChunkJob) -> None:
        """Put this process's scorer where workers look for it: forked workers inherit it instead of
        rebuilding it (and one worker uses it as it is)."""
        if job.key not in _WORKER_SCORERS:
            _WORKER_SCORERS[job.key] = self.scorer
            self._seeded = job.key

    def _submitter(self, fn: Callable[[ChunkJob, EntryChunk], ChunkScores],
                   job: ChunkJob) -> Callable[[EntryChunk], Future[ChunkScores]]:
        if self.dask is not None:
            if self._dask is None:
                self._dask = _dask_client(self.dask, self.workers)
            client = self._dask[0]
            job_future = client.scatter(job, broadcast=True)
            return lambda chunk: client.submit(fn, job_future, chunk, pure=False)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_install, initargs=(job,))
        pool = self._pool
        return lambda chunk: pool.submit(_call, fn, chunk)

    def _result(self, chunk: EntryChunk, fut: Any) -> ChunkScores:
        where = f"chunk {chunk.index + 1} (entries {chunk.first + 1:,}-{chunk.first + len(chunk.entries):,})"
        try:
            return fut.result()
        except BrokenProcessPool as exc:
            raise WorkerError(f"a scoring worker stopped before {where} was scored; no result file was written",
                              hint="a worker process was killed (out of memory?); try fewer --workers") from exc
        except Exception as exc:
            if type(exc).__name__ == "KilledWorker":  # distributed: the task's worker died too often
                raise WorkerError(f"Dask workers died while scoring {where}; no result file was written",
                                  hint="check the workers' memory and logs") from exc
            raise

    def close(self, wait: bool = True) -> None:
        """Stop the workers (queued chunks are dropped) or disconnect from Dask."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
        if self._dask is not None:
            for fn in self._dask[1]:
                fn()
            self._dask = None
        if self._seeded is not None:
            _WORKER_SCORERS.pop(self._seeded, None)
            self._seeded = None


_JOB: list[ChunkJob] = []  # per worker process: the job of the pool it serves


def _install(job: ChunkJob) -> None:
    _JOB[:] = [job]


def _call(fn: Callable[[ChunkJob, EntryChunk], ChunkScores], chunk: EntryChunk) -> ChunkScores:
    return fn(_JOB[0], chunk)
