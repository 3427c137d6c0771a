"""Where the framing step of `analyze` spends memory: the main process's peak resident size per sub-step.

    python benchmarks/bench_framing_memory.py CORPUS [--out DIR] [--workers 2] [--n-boot 1000] [--n-perm 9999]
                                              [--words-in-memory]

Reads CORPUS as `analyze` does (texts memory-mapped), scores it into Parquet files and counts the entries' words
(the inputs of the framing step; their entries x words matrix memory-mapped in a scratch folder as `analyze`
keeps it, or read into memory with --words-in-memory, as this script did before session 7), returns memory to
the system, then runs `jobs.analyze._framing` (no cache) the
way `analyze` calls it: the tokens handed over, the entry scores read only for Fig. 2. For every sub-step it
prints the RSS at its start, its peak (VmHWM, reset at each progress message) and the rise of that peak over the
RSS when framing started. With --out the framing tables are written there as CSV (to compare two versions
byte for byte). Linux only (/proc/self/status, /proc/self/clear_refs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench_memory_steps import _status  # this folder: the scripts run as `python benchmarks/...`


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="write the framing tables here (CSV)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--n-perm", type=int, default=9999)
    parser.add_argument("--words-in-memory", action="store_true",
                        help="the entries x words matrix in memory, not memory-mapped as analyze keeps it")
    args = parser.parse_args()
    if not Path("/proc/self/clear_refs").exists():
        sys.exit("needs Linux (/proc/self/status, /proc/self/clear_refs)")
    from corpus_tools.framing import EntryWords
    from corpus_tools.io.cache import Cache
    from corpus_tools.io.memory import release_memory
    from corpus_tools.io.tables import write_table
    from corpus_tools.jobs import analyze as an
    from corpus_tools.project import open_corpus, project_lexicons
    from corpus_tools.scoring.chunked import score_to_parquet
    from corpus_tools.scoring.score import corpus_scorer
    from corpus_tools.text.tokenize import Tokenizer

    scratch = Path(tempfile.mkdtemp(prefix="bench-framing-"))
    corpus = open_corpus(args.corpus, workers=args.workers, spill=scratch)
    lex = project_lexicons(corpus, ())
    tokenizer = Tokenizer("rjieba")
    scored = score_to_parquet(corpus, corpus_scorer(corpus, lex, tokenizer), scratch, workers=args.workers)
    tokens = [EntryWords.of_corpus(corpus, tokenizer, scratch=None if args.words_in_memory else scratch)]
    owners = an.lexicon_of(lex)
    release_memory()
    log: list[tuple[str, float, float, float]] = []
    current = ["framing (start)", _status("VmRSS"), time.perf_counter()]
    start = float(current[1])

    def mark(message: str) -> None:
        now = time.perf_counter()
        log.append((str(current[0]), float(current[1]), _status("VmHWM"), now - float(current[2])))
        _reset_peak()
        current[:] = [message, _status("VmRSS"), now]

    _reset_peak()
    res = an._framing(corpus, scored.documents, tokens.pop, Cache(None), mark, "bench", seed=0, n_boot=args.n_boot,
                      n_perm=args.n_perm, dedupe=False, adjust=None, min_docs=5, lexicon_of=owners,
                      entry_scores=lambda: an._fig2_entries(scored, owners))
    mark("end")
    print(f"{len(corpus.docs)} documents, {len(corpus.entries)} entries; RSS when framing started: {start:.0f} MB")
    print(f"{'sub-step':45} {'start_MB':>8} {'peak_MB':>8} {'rise_MB':>8} {'seconds':>8}")
    for message, rss, peak, seconds in log:
        print(f"{message:45} {rss:8.0f} {peak:8.0f} {peak - start:8.0f} {seconds:8.1f}")
    print(f"framing: largest rise over its start {max(p for _, _, p, _ in log) - start:.0f} MB")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, frame in res.to_tables().items():
            write_table(frame, args.out / f"{name}.csv")


if __name__ == "__main__":
    main()
