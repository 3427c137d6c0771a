"""The tokenize+score step alone with 1 and with N workers: `score_to_parquet` (score every entry, build the
entry-score and evidence rows, write scores_entries.parquet and evidence.parquet) on one generated corpus,
worker pool start-up included, best of `--repeat` runs, alternating the worker counts.

    python benchmarks/bench_workers.py [--docs 10000] [--workers 1,2] [--repeat 3] [--corpus DIR]

The corpus comes from `bench_scale.make_corpus` (recombined bundled texts); it is read once, outside the timed
step, and scored as `analyze` scores it (project lexicons, corpus.toml [scoring], no dedupe). Prints one line
per run with the CPU seconds it used (this process, and its workers) and the load average at its start (the
machine may be shared: with other busy processes two workers cannot get two cores), then the best time per worker count,
the speed-up of N workers over one (issue 17 target: 2 workers at least 1.7x) and whether the output files are
byte-identical across worker counts. `--split` also times the parts of a one-worker run (scoring the texts,
building rows, writing Parquet) to show where the time goes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import make_corpus

from corpus_tools.project import open_corpus, project_lexicons
from corpus_tools.scoring.chunked import score_to_parquet
from corpus_tools.scoring.score import Scorer, corpus_scorer
from corpus_tools.text.tokenize import Tokenizer


def digest(folder: Path) -> str:
    """sha256 over the two Parquet files (what a user sees of this step)."""
    h = hashlib.sha256()
    for name in ("scores_entries.parquet", "evidence.parquet"):
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:16]


def split_times(corpus: object, scorer: Scorer, out: Path) -> None:
    """Seconds of each part of a one-worker run: scoring the texts, building rows and Arrow tables, writing."""
    from corpus_tools.scoring.chunk_pool import ChunkJob, score_chunk_tables
    from corpus_tools.scoring.chunked import CHUNK_ENTRIES
    from corpus_tools.scoring.score import LevelScoring

    t0 = time.perf_counter()
    levels = LevelScoring(corpus, scorer)  # type: ignore[arg-type]
    t_setup = time.perf_counter() - t0
    job = ChunkJob.of(scorer, levels.settings)
    n = len(levels)
    chunks = [levels.chunk(lo, min(n, lo + CHUNK_ENTRIES), i) for i, lo in enumerate(range(0, n, CHUNK_ENTRIES))]
    t_score = t_tables = 0.0
    for c in chunks:
        t = time.perf_counter()
        texts = [x for x, s in zip(c.entries["text"].tolist(), c.entries["skip"].tolist(), strict=True) if not s]
        for x in texts:
            scorer.score_text(x)
        t_score += time.perf_counter() - t
        t = time.perf_counter()
        score_chunk_tables(job, c)
        t_tables += time.perf_counter() - t
    t = time.perf_counter()
    score_to_parquet(corpus, scorer, out)  # type: ignore[arg-type]
    total = time.perf_counter() - t
    print(f"one worker, {n:,} entries in {len(chunks)} chunks: setup (roles, skip flags) {t_setup:.2f} s; "
          f"score_text {t_score:.2f} s; whole chunk task (score + rows + Arrow) {t_tables:.2f} s, so rows + Arrow "
          f"{t_tables - t_score:.2f} s; score_to_parquet {total:.2f} s, so the main process's own share (setup, "
          f"chunk slicing, Parquet writing, document counts) about {total - t_tables:.2f} s")


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished children (the workers of a run)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def main() -> None:
    """Generate (or reuse) the corpus, time the step per worker count, print the speed-up."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=None, help="use (or generate and keep) the corpus here")
    parser.add_argument("--chunk-entries", type=int, default=None, help="entries per chunk (default: analyze's)")
    parser.add_argument("--split", action="store_true", help="also time the parts of a one-worker run")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    root = args.corpus or base / "corpus"
    if not (root / "documents.csv").is_file():
        make_corpus(root, args.docs)
    counts = [int(x) for x in args.workers.split(",")]
    corpus = open_corpus(root, workers=max(counts))  # reading is not timed: as fast as it goes
    scorer = corpus_scorer(corpus, project_lexicons(corpus, ()), Tokenizer("rjieba"))
    print(f"# python benchmarks/bench_workers.py {' '.join(sys.argv[1:])}")
    print(f"# {len(corpus.docs):,} documents, {len(corpus.entries):,} entries; {os.cpu_count()} CPUs")
    if args.split:
        split_times(corpus, scorer, base / "split")
    chunk = {"chunk_entries": args.chunk_entries} if args.chunk_entries else {}
    best: dict[int, float] = {}
    cpu_total: dict[int, list[float]] = {}
    cpu_busiest: dict[int, list[float]] = {}  # CPU seconds of the busiest process (workers: their mean)
    digests: dict[int, str] = {}
    print("run\tworkers\tseconds\tcpu_main_s\tcpu_workers_s\tload_avg_1min")
    for r in range(args.repeat):
        for w in counts if r % 2 == 0 else counts[::-1]:
            out = base / f"out-{w}"
            load = os.getloadavg()[0]
            cpu = _cpu()
            t = time.perf_counter()
            score_to_parquet(corpus, scorer, out, workers=w, **chunk)
            seconds = time.perf_counter() - t
            main_s, kids_s = (b - a for a, b in zip(cpu, _cpu(), strict=True))
            print(f"{r + 1}\t{w}\t{seconds:.2f}\t{main_s:.2f}\t{kids_s:.2f}\t{load:.2f}", flush=True)
            cpu_total.setdefault(w, []).append(main_s + kids_s)
            cpu_busiest.setdefault(w, []).append(max(main_s, kids_s / max(1, w - 1)))
            best[w] = min(best.get(w, seconds), seconds)
            digests[w] = digest(out)
            shutil.rmtree(out)
    for w in counts:
        print(f"best of {args.repeat}, {w} worker(s): {best[w]:.2f} s")
    for w in counts[1:]:
        c1, cw = min(cpu_total[counts[0]]), min(cpu_total[w])
        print(f"{w} workers vs 1: {best[counts[0]] / best[w]:.2f}x; CPU seconds {c1:.2f} -> {cw:.2f}, so with "
              f"{w} free cores and perfect overlap at most {c1 / (cw / w):.2f}x; the busiest process used "
              f"{min(cpu_busiest[w]):.2f} s of CPU, so on free cores at most {c1 / min(cpu_busiest[w]):.2f}x")
    same = len(set(digests.values())) == 1
    print(f"output files identical across worker counts: {'yes' if same else 'NO'} ({digests})")
    print(f"load average now: {os.getloadavg()}")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
