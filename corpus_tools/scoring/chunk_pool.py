"""Whole chunks of entries scored in worker processes or on Dask, pipelined with the process that writes them.

Each task is one chunk (scoring.rows.EntryChunk: the entries and their documents): the worker tokenizes and
scores the texts, builds the entry-score rows and the evidence rows, turns them into Arrow tables (they travel
back as Arrow buffers) and returns them with the chunk's document count vectors. The main process only writes
the tables as row groups and adds the counts, while the workers already score the next chunks (at most
`prefetch` chunks are out at once, so memory stays bounded). Results come back in chunk order and every chunk
is built by the same function as in one process, so the files are identical however the run is spread.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from corpus_tools.errors import WorkerError
from corpus_tools.io.mapped import release_pages
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
    release_pages()  # the chunk's texts, read from the mapped corpus (io.mapped): not kept resident
    return replace(part, entries=entries, evidence=evidence)


class ChunkSource(Protocol):
    """Where chunks come from (scoring.score.LevelScoring): entries lo..hi-1 as an EntryChunk."""

    def chunk(self, lo: int, hi: int, index: int = 0) -> EntryChunk: ...


Task = Callable[[ChunkJob, EntryChunk], ChunkScores]


class ChunkRunner:
    """Runs chunk tasks in this process (one worker), in this process and a pool of `workers` - 1 processes
    (this process scores a chunk whenever the next one to hand on is not ready yet, so `workers` processes
    score), or as Dask tasks (`dask`: an address, or "local" for a LocalCluster of `workers`), yielding results
    in chunk order with at most `prefetch` chunks submitted ahead (default: two per pool process or Dask
    worker). Forked workers inherit the scorer and the
    chunk source and cut their chunks themselves; Dask tasks (and workers that were not forked) get the
    chunk's data with the task (as all do with `inherit=False`). Use as a context manager: leaving it stops
    the workers; a worker that dies raises WorkerError."""

    def __init__(self, scorer: Scorer, workers: int = 1, dask: str | None = None,
                 prefetch: int | None = None, inherit: bool = True) -> None:
        check_workers(workers)
        self.scorer, self.workers, self.dask, self.inherit = scorer, workers, dask, inherit
        # two chunks per pool process (one running, one queued); this process scores chunks too (not on Dask)
        self.prefetch = max(1, prefetch if prefetch is not None else 2 * (workers if dask else workers - 1))
        self.max_out = 0  # the most chunks that were out at once (the memory bound, for tests)
        self._pool: ProcessPoolExecutor | None = None
        self._dask: tuple[Any, list[Callable[[], Any]]] | None = None
        self._seeded: list[tuple[dict[str, Any], str]] = []
        self._inherited: set[str] = set()  # sources the pool's (forked) workers hold
        self._started = False
        self._spool: str | None = None  # the folder results travel through

    @property
    def local(self) -> bool:
        """True when chunks run in this process."""
        return self.dask is None and self.workers == 1

    def __enter__(self) -> ChunkRunner:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(wait=kind is None)

    def map(self, fn: Task, job: ChunkJob, source: ChunkSource,
            bounds: Sequence[tuple[int, int]]) -> Iterator[ChunkScores]:
        """fn(job, source.chunk(lo, hi, i)) for every (lo, hi) of `bounds`, in order: the next chunks are
        scored while the caller handles one."""
        self._seed(_WORKER_SCORERS, job.key, self.scorer)
        if self.local:
            for i, (lo, hi) in enumerate(bounds):
                yield fn(job, source.chunk(lo, hi, i))
            return
        source_key = f"{os.getpid()}-{id(source)}"
        self._seed(_SOURCES, source_key, source)
        submit = self._submitter(fn, job, source, source_key)
        helps = self.dask is None  # this process scores chunks too, whenever it has no finished chunk to hand on
        out: deque[tuple[int, int, int, Any, bool]] = deque()  # (index, lo, hi, future or result, is a future)
        todo = iter(enumerate(bounds))
        state = {"broken": False, "out": 0}

        def fill() -> None:
            while not state["broken"] and state["out"] < self.prefetch:
                item = next(todo, None)
                if item is None:
                    return
                i, (lo, hi) = item
                try:
                    out.append((i, lo, hi, submit(i, lo, hi), True))
                except BrokenProcessPool:  # a worker died: the chunks already out say which
                    state["broken"] = True
                    return
                state["out"] += 1
                self.max_out = max(self.max_out, state["out"])

        fill()
        while out:
            i, lo, hi, value, remote = out[0]
            if (helps and remote and not value.done() and not state["broken"]
                    and len(out) < self.prefetch + self.workers):
                item = next(todo, None)
                if item is not None:  # score the next chunk here rather than wait
                    j, (a, b) = item
                    out.append((j, a, b, fn(job, source.chunk(a, b, j)), False))
                    continue
            out.popleft()
            if remote:
                state["out"] -= 1
                value = self._result(i, lo, hi, value)
            fill()  # the next chunks are scored while the caller writes this one
            yield value
        if state["broken"]:
            raise WorkerError("a scoring worker stopped; no result file was written")

    def _seed(self, registry: dict[str, Any], key: str, value: Any) -> None:
        """Put `value` where workers look for it: forked workers inherit it instead of rebuilding or
        receiving it (and one worker uses it as it is)."""
        if key not in registry:
            registry[key] = value
            self._seeded.append((registry, key))

    def _submitter(self, fn: Task, job: ChunkJob, source: ChunkSource,
                   source_key: str) -> Callable[[int, int, int], Any]:
        if self.dask is not None:
            if self._dask is None:
                self._dask = _dask_client(self.dask, self.workers)
            client = self._dask[0]
            job_future = client.scatter(job, broadcast=True)
            return lambda i, lo, hi: client.submit(_run_encoded, fn, job_future, source.chunk(lo, hi, i), None,
                                                   pure=False)
        if self._pool is None:
            shm = Path("/dev/shm")  # results travel through memory-backed files where there is such a place
            self._spool = tempfile.mkdtemp(prefix="corpus-tools-chunks-", dir=shm if shm.is_dir() else None)
            fork = self.inherit and "fork" in mp.get_all_start_methods()
            ctx = mp.get_context("fork" if fork else None)
            # this process is one of the workers: it scores chunks itself while the pool's are busy
            self._pool = ProcessPoolExecutor(max_workers=max(1, self.workers - 1), mp_context=ctx,
                                             initializer=_install, initargs=(job,))
            if fork:
                self._inherited = {key for registry, key in self._seeded if registry is _SOURCES}
        pool, spool = self._pool, self._spool
        if not self._started:  # the pool forks its workers on the first task: keep the garbage collector of
            self._started = True  # forked workers off the parent's objects, or it copies every page they are on
            gc.freeze()
            try:
                first = pool.submit(_noop)
            finally:
                gc.unfreeze()
            first.result()
        if source_key in self._inherited:
            return lambda i, lo, hi: pool.submit(_call_inherited, fn, source_key, lo, hi, i, spool)
        return lambda i, lo, hi: pool.submit(_call, fn, source.chunk(lo, hi, i), spool)

    def _result(self, i: int, lo: int, hi: int, fut: Any) -> ChunkScores:
        where = f"chunk {i + 1} (entries {lo + 1:,}-{hi:,})"
        try:
            return _decoded(fut.result())
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
        if self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)  # results no one read (a failed or stopped run)
            self._spool = None
        if self._dask is not None:
            for fn in self._dask[1]:
                fn()
            self._dask = None
        for registry, key in self._seeded:
            registry.pop(key, None)
        self._seeded, self._inherited, self._started = [], set(), False


_JOB: list[ChunkJob] = []  # per worker process: the job of the pool it serves
_SOURCES: dict[str, ChunkSource] = {}  # chunk sources a forked worker inherited from its parent


def _noop() -> None:
    """The first task of a pool: makes it start (fork) its workers."""


def _install(job: ChunkJob) -> None:
    _JOB[:] = [job]


def _call(fn: Task, chunk: EntryChunk, spool: str | None) -> ChunkScores:
    return _run_encoded(fn, _JOB[0], chunk, spool)


def _call_inherited(fn: Task, source_key: str, lo: int, hi: int, index: int, spool: str | None) -> ChunkScores:
    return _run_encoded(fn, _JOB[0], _SOURCES[source_key].chunk(lo, hi, index), spool)


@dataclass(frozen=True)
class ArrowFile:
    """An Arrow IPC stream file a worker wrote for the main process (read once, then removed)."""

    path: str


def _run_encoded(fn: Task, job: ChunkJob, chunk: EntryChunk, spool: str | None) -> ChunkScores:
    """fn(job, chunk) with its Arrow tables as Arrow IPC streams: files in `spool` (memory-backed where
    possible: the main process maps them instead of receiving copies through a pipe) or, on Dask, buffers
    (pickling a table would send the whole buffers its sliced columns point into)."""
    import pyarrow as pa

    def encode(table: Any, name: str) -> Any:
        if not isinstance(table, pa.Table):
            return table
        if spool is None:
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return sink.getvalue()
        path = os.path.join(spool, f"{chunk.index}-{name}.arrow")
        with pa.OSFile(path, "wb") as fh, pa.ipc.new_stream(fh, table.schema) as writer:
            writer.write_table(table)
        return ArrowFile(path)

    part = fn(job, chunk)
    return replace(part, entries=encode(part.entries, "entries"), evidence=encode(part.evidence, "evidence"))


def _decoded(part: ChunkScores) -> ChunkScores:
    """A worker's result with its IPC streams read back into Arrow tables (zero-copy: a file is mapped, and
    removed at once; the mapping lives as long as the table)."""
    import pyarrow as pa

    def decode(value: Any) -> Any:
        if isinstance(value, ArrowFile):
            table = pa.ipc.open_stream(pa.memory_map(value.path)).read_all()
            os.unlink(value.path)
            return table
        return pa.ipc.open_stream(value).read_all() if isinstance(value, pa.Buffer) else value

    return replace(part, entries=decode(part.entries), evidence=decode(part.evidence))
