"""Near-duplicate detection at archive scale: the compiled path against the pure-Python one, same texts.

    python benchmarks/bench_dedupe.py [--docs 10000]

Generates a corpus with `bench_scale.make_corpus` (recombined bundled texts, about 11 entries per document),
loads it once, then times `near_duplicates` over the documents (threshold 0.8) and the entries (0.6) with
the compiled shingles/MinHash (`corpus_tools/_speedups_shingles.h`) and with CORPUS_TOOLS' Python code, in
alternating order, and checks that both flag exactly the same pairs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import bench_scale

import corpus_tools.corpus.dedupe as dd
from corpus_tools.corpus.loader import load_corpus


def timed(texts: list[str], threshold: float, fast: bool) -> tuple[float, list[object]]:
    """Seconds and result of one near_duplicates run with or without the compiled code."""
    saved = dd._FAST
    dd._FAST = saved if fast else None
    try:
        t0 = time.perf_counter()
        res = dd.near_duplicates(texts, None, threshold)
        return time.perf_counter() - t0, list(res)
    finally:
        dd._FAST = saved


def main() -> None:
    """Generate, load, time both paths twice, print seconds and whether the results agree."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10000)
    args = ap.parse_args()
    if dd._FAST is None:
        raise SystemExit("the compiled speedups are not built")
    with tempfile.TemporaryDirectory() as tmp:
        bench_scale.make_corpus(Path(tmp) / "c", args.docs)
        corpus = load_corpus(Path(tmp) / "c")
    sets = {"documents": (list(corpus.docs["text"]), 0.8), "entries": (list(corpus.entries["text"]), 0.6)}
    print(f"command: python benchmarks/bench_dedupe.py --docs {args.docs}; load average "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    for name, (texts, threshold) in sets.items():
        best: dict[bool, float] = {}
        results: dict[bool, list[object]] = {}
        for fast in (False, True, False, True):
            secs, results[fast] = timed(texts, threshold, fast)
            best[fast] = min(best.get(fast, float("inf")), secs)
        n_dup = sum(r is not None for r in results[True])
        print(f"{name:9} {len(texts):8d} texts  python {best[False]:6.1f} s  compiled {best[True]:6.1f} s  "
              f"({best[False] / best[True]:.1f}x)  flagged {n_dup}  identical: {results[True] == results[False]}")


if __name__ == "__main__":
    main()
