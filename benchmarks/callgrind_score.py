"""Instruction counts (valgrind callgrind) of scoring against bare rjieba segmentation: repeatable on a loaded host.

Run from the repository root (needs `valgrind` on the PATH):

    python benchmarks/callgrind_score.py --kb 300

Wall-clock and CPU time on a shared host move by 10-50% between runs; instructions executed do not. This
writes a fixed mixed zh/en corpus of about --kb kilobytes (bench_score.make_corpus, seeded) and, for each
of three steps, runs a child process under `valgrind --tool=callgrind` that sets up, makes one warm-up pass
(caches filled, as in a long run) and then one measured pass over every text:
  1. bare `rjieba.Jieba().cut` (the baseline of bench_score.py),
  2. `Scorer.score_text` with the default negation rules,
  3. `Scorer.score_text` without negation scope.
Only the measured pass is counted: it runs inside `functools.reduce`, and callgrind collects only while that
C function is on the stack (`--collect-atstart=no --toggle-collect=functools_reduce`). The ratios printed
are instruction ratios against step 1; a child with no measured pass checks that setup adds nothing.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_score import make_corpus, texts  # a sibling script, not a package

STEPS = ("bare", "score", "plain")


def child(step: str, path: str, measure: bool) -> None:
    """Set up `step`, warm it up, then (when `measure`) run it once more inside functools.reduce."""
    items = list(texts(Path(path)))
    if step == "bare":
        import rjieba

        cut = rjieba.Jieba().cut

        def one(acc: int, t: str) -> int:
            return acc + len(cut(t))
    else:
        from corpus_tools.lexicon.formats import load_lexicon
        from corpus_tools.scoring.score import Scorer

        scorer = Scorer([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")],
                        negation=step == "score")
        score = scorer.score_text

        def one(acc: int, t: str) -> int:
            return acc + len(score(t).hits)
    warm = 0
    for t in items:
        warm = one(warm, t)
    if measure:
        functools.reduce(one, items, 0)


def instructions(step: str, path: Path, measure: bool, out_dir: Path) -> int:
    """Instructions callgrind collected in one child run."""
    out = out_dir / f"cg.{step}.{int(measure)}.out"
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=functools_reduce",
           f"--callgrind-out-file={out}", sys.executable, __file__, "--child", step, str(path),
           *(["--measure"] if measure else [])]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    m = re.search(r"^(?:summary|totals):\s*(\d+)", out.read_text(), re.M)
    return int(m.group(1)) if m else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", type=float, default=300.0, help="size of the generated corpus in KB")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        n = make_corpus(path, args.kb / 1000)
        print(f"command: python benchmarks/callgrind_score.py --kb {args.kb:g}")
        print(f"corpus: {n} texts, {path.stat().st_size / 1000:.0f} KB (JSONL, mixed zh/en)")
        setup = instructions("score", path, False, Path(tmp))
        ir = {s: instructions(s, path, True, Path(tmp)) for s in STEPS}
        print(f"instructions of the measured pass (callgrind Ir; setup alone collects {setup:,})")
        print(f"bare rjieba segmentation : {ir['bare']:>14,}")
        print(f"tokenize + score         : {ir['score']:>14,}  ratio {ir['score'] / ir['bare']:.2f}  "
              "(target <= 1.30; negation scope included)")
        print(f"without negation scope   : {ir['plain']:>14,}  ratio {ir['plain'] / ir['bare']:.2f}  "
              f"(negation adds {100 * (ir['score'] / ir['plain'] - 1):.1f}%)")


if __name__ == "__main__":
    main()
