"""Tokenize+score throughput against bare rjieba segmentation, and memory as the corpus grows.

Run from the repository root:

    python benchmarks/bench_score.py --mb 50

It writes a large mixed zh/en corpus (JSONL, one text per line) made by recombining the bundled
corpus's entries (seeded), then measures in the same run (1 and 2 alternate in rotating order, best of
--rounds each):
  1. bare `rjieba.Jieba().cut` over every text (the baseline),
  2. `Scorer.score_text` (normalisation + tokenization + lexicon matching + negation scope + overlap flags)
     over the same texts, and the same without negation scope,
  3. the streaming CLI path (`score_table_file`: read, score, write CSV) on the full file and on a fifth of it,
     each in a fresh process, reporting peak RSS.
Target: scoring adds at most 30% over bare segmentation; peak memory flat as the input grows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def make_corpus(path: Path, megabytes: float, seed: int = 7) -> int:
    """Write about `megabytes` MB of texts, each 3-8 random bundled entries joined; returns the count."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.io.resources import default_corpus

    entries = list(load_corpus(default_corpus()).entries["text"])
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    written = n = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < target:
            text = "\n\n".join(rng.choice(entries) for _ in range(rng.randint(3, 8)))
            line = json.dumps({"id": f"t{n}", "text": text}, ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    return n


def texts(path: Path) -> Iterator[str]:
    """Stream the texts back."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


CPU: dict[str, float] = {}  # best CPU time (this process) of each timed step, beside the wall-clock time


def _cpu(name: str, seconds: float) -> None:
    CPU[name] = min(CPU.get(name, float("inf")), seconds)


def bare(path: Path) -> tuple[float, int]:
    """Baseline: rjieba segmentation of every text."""
    import rjieba

    jb = rjieba.Jieba()
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(len(jb.cut(t)) for t in texts(path))
    _cpu("bare", time.process_time() - c0)
    return time.perf_counter() - t0, n


def ours(path: Path, native: bool | None = None, negation: bool = True) -> tuple[float, int, str]:
    """Our tokenize + score of every text (negation scope included unless `negation` is False); also says
    which matcher ran (compiled or python)."""
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.scoring.score import Scorer

    scorer = Scorer([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")], native=native,
                    negation=negation)
    t0, c0 = time.perf_counter(), time.process_time()
    hits = sum(len(scorer.score_text(t).hits) for t in texts(path))
    _cpu(f"ours-{negation}-{native}", time.process_time() - c0)
    return time.perf_counter() - t0, hits, "compiled" if scorer.matcher.native else "python"


def stream_child(src: str, out: str) -> None:
    """In a fresh process: the streaming table path; prints seconds and peak RSS (MB)."""
    from corpus_tools.scoring.streaming import score_table_file

    t0 = time.perf_counter()
    rows = score_table_file(Path(src), Path(out), ["mass_entrepreneurship", "government_support"]).rows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows, "peak_mb": peak}))


def head(src: Path, dst: Path, fraction: float) -> None:
    """The first `fraction` of the lines of src."""
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    dst.write_text("".join(lines[: max(1, int(len(lines) * fraction))]), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="size of the generated corpus in MB")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds, steps in rotating order (best of each kept)")
    ap.add_argument("--pure", action="store_true", help="also time the pure-Python matcher (the fallback)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        stream_child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.jsonl"
        n = make_corpus(big, args.mb)
        mb = big.stat().st_size / 1e6
        print(f"command: python benchmarks/bench_score.py --mb {args.mb:g} --rounds {args.rounds}"
              f"{' --pure' if args.pure else ''}")
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
              + "  (2 cores: above about 1, timings are shared with other jobs; "
              "benchmarks/callgrind_score.py counts instructions instead)")
        print(f"corpus: {n} texts, {mb:.1f} MB (JSONL, mixed zh/en)")
        # alternate the three, best of each: load from other jobs on the host hits all alike. The order
        # rotates each round: with a fixed order (bare, with, without negation) negation added 10-12%; with
        # the two scoring steps swapped it added 1% (issue 11): the slot matters, so each step takes each
        best: dict[str, float] = {}
        n_tok = n_hits = 0
        matcher = ""
        steps = ["bare", "score", "plain"]
        for r in range(args.rounds):
            for step in steps[r % 3:] + steps[:r % 3]:
                if step == "bare":
                    t, n_tok = bare(big)
                elif step == "score":
                    t, n_hits, matcher = ours(big)
                else:
                    t, _, _ = ours(big, negation=False)
                best[step] = min(best.get(step, float("inf")), t)
        t_bare, t_ours, t_plain = best["bare"], best["score"], best["plain"]
        print(f"timings: best of {args.rounds} rounds, the three steps in rotating order")
        print(f"bare rjieba segmentation : {t_bare:7.2f} s  {mb / t_bare:6.2f} MB/s  ({n_tok} segments)")
        print(f"tokenize + score         : {t_ours:7.2f} s  {mb / t_ours:6.2f} MB/s  ({n_hits} matches, "
              f"{matcher} matcher)")
        print(f"ratio score/bare         : {t_ours / t_bare:.2f}  (target <= 1.30; negation scope included)")
        print(f"without negation scope   : {t_plain:7.2f} s  ratio {t_plain / t_bare:.2f}  (negation adds "
              f"{100 * (t_ours / t_plain - 1):.0f}%)")
        c_bare, c_ours, c_plain = CPU["bare"], CPU["ours-True-None"], CPU["ours-False-None"]
        print(f"CPU time (best; robust to waiting on a loaded host): bare {c_bare:.2f} s, score {c_ours:.2f} s "
              f"(ratio {c_ours / c_bare:.2f}), without negation {c_plain:.2f} s (ratio {c_plain / c_bare:.2f}; "
              f"negation adds {100 * (c_ours / c_plain - 1):.0f}%)")
        if args.pure:
            t_py, n_py, _ = ours(big, native=False)
            same = "same matches" if n_py == n_hits else f"MATCHES DIFFER: {n_py}"
            print(f"pure-Python matcher      : {t_py:7.2f} s  {mb / t_py:6.2f} MB/s  ratio {t_py / t_bare:.2f} "
                  f"({same})")
        small = Path(tmp) / "small.jsonl"
        head(big, small, 0.2)
        runs = {}
        for name, src in (("1/5 input", small), ("full input", big)):
            res = subprocess.run([sys.executable, __file__, "--child", str(src), str(Path(tmp) / "out.csv")],
                                 capture_output=True, text=True, check=True)
            runs[name] = json.loads(res.stdout.strip().splitlines()[-1])
            r = runs[name]
            print(f"streaming CLI path, {name:10}: {r['rows']:7d} rows  {r['seconds']:7.2f} s  "
                  f"peak RSS {r['peak_mb']:.0f} MB")
        ratio = runs["full input"]["peak_mb"] / runs["1/5 input"]["peak_mb"]
        print(f"peak memory ratio full/(1/5): {ratio:.2f}  (flat = about 1.0 while the input grows 5x)")


if __name__ == "__main__":
    main()
