"""The last steps of `analyze` (framing, tables, report) on a generated corpus: wall time, main-process peak RSS
and (with --trace) the peak of Python-traced memory of each step, with scores and tokens from a warm cache.

    python benchmarks/bench_analyze_tail.py /work/bench/corpus-10000 [--cache DIR] [--trace] [--workers 2]

The first run fills the cache with scores and tokens (and prints those steps too); every run drops the cached
framing, health and chart entries before it starts so the measured steps recompute. What a step holds per entry
shows as the growth of its traced peak between corpus sizes (issue 17: memory flat as the corpus grows).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.jobs.analyze import STEPS, analyze

RECOMPUTE = ("framing", "health", "charts", "report")  # cache kinds dropped before a run


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus")
    ap.add_argument("--cache", default=None, help="cache folder kept between runs (default: a new temporary one)")
    ap.add_argument("--trace", action="store_true", help="peak traced Python memory per step (slower)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-report", action="store_true")
    args = ap.parse_args()
    cache = Path(args.cache or tempfile.mkdtemp(prefix="tail-cache-"))
    for kind in RECOMPUTE:
        shutil.rmtree(cache / kind, ignore_errors=True)
    t0 = time.perf_counter()
    corpus = load_corpus(args.corpus)
    print(f"load {time.perf_counter() - t0:.1f} s, {len(corpus.docs)} documents, {len(corpus.entries)} entries, "
          f"rss {rss_mb():.0f} MB", flush=True)
    if args.trace:
        tracemalloc.start()
    marks: dict[int, tuple[float, float, float]] = {}
    rows: list[tuple[str, float, float, float]] = []
    step_peak = [0.0]  # the traced peak of the running step, over its sub-steps
    last: list[tuple[str, float]] = []  # the running sub-step (its message) and when it began

    def end_substep() -> None:
        if args.trace and last:
            name, began = last.pop()
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            step_peak[0] = max(step_peak[0], peak)
            print(f"      {name:<52} {time.perf_counter() - began:6.1f} s  traced peak {peak:7.1f} MB", flush=True)
            tracemalloc.reset_peak()

    def close(step: int) -> None:
        end_substep()
        start, rss0, cur0 = marks.pop(step)
        peak = max(step_peak[0], tracemalloc.get_traced_memory()[1] / 2**20) if args.trace else float("nan")
        rows.append((STEPS[step - 1], time.perf_counter() - start, rss_mb(), peak))
        print(f"  {STEPS[step - 1]:<12} {rows[-1][1]:7.1f} s  rss {rows[-1][2]:6.0f} MB (was {rss0:.0f})  "
              f"traced peak {peak:7.1f} MB (at start {cur0:.1f})", flush=True)

    def progress(message: str, step: int, total: int) -> None:
        if step in marks:  # a sub-step of the running step
            end_substep()
            last.append((message, time.perf_counter()))
            return
        for s in list(marks):
            close(s)
        if step <= total:
            if args.trace:
                tracemalloc.reset_peak()
            step_peak[0] = 0.0
            cur = tracemalloc.get_traced_memory()[0] / 2**20 if args.trace else float("nan")
            marks[step] = (time.perf_counter(), rss_mb(), cur)

    with tempfile.TemporaryDirectory(prefix="tail-out-") as out:
        t1 = time.perf_counter()
        analyze(corpus, out=out, cache_dir=cache, topics=False, suggestions=False, workers=args.workers,
                progress=progress, report=not args.no_report)
        for s in list(marks):
            close(s)
        print(f"analyze {time.perf_counter() - t1:.1f} s; cache {cache}")
    mine = [r for r in rows if r[0] in ("framing", "tables", "report")]
    print(f"framing+tables+report {sum(r[1] for r in mine):.1f} s, final rss {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
