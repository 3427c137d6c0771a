"""`corpus-tools analyze` on the bundled corpus end to end: a cold run, then a second run with unchanged
inputs that reuses the cache (tokens, scores, framing, topic models, suggestions and the trained model,
charts). Prints both times and the ratio (target: the second run at least 5x faster).

    python benchmarks/bench_analyze.py [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cli() -> list[str]:
    """The installed `corpus-tools` next to this interpreter, else the module entry point."""
    script = Path(sys.executable).with_name("corpus-tools")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from corpus_tools.cli import main; main()"]


def _run(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    """Time a cold and a cached `analyze` (fresh output folder and cache each repetition)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="repetitions (cold + cached each)")
    parser.add_argument("--keep", type=Path, default=None, help="write the analysis here instead of a temp dir")
    args = parser.parse_args()
    colds, warms = [], []
    for _ in range(args.runs):
        base = Path(tempfile.mkdtemp(prefix="bench-analyze-"))
        out = args.keep or base / "analysis"
        if args.keep and out.exists():
            shutil.rmtree(out)
        cmd = [*_cli(), "analyze", "--out", str(out), "--quiet"]
        colds.append(_run(cmd))
        warms.append(_run(cmd))
        shutil.rmtree(base, ignore_errors=True)
    cold, warm = min(colds), min(warms)
    print(f"command: python {' '.join(sys.argv)}")
    print(f"timed:   {' '.join([*cmd[:1], 'analyze', '--out', 'OUT', '--quiet'])}  (bundled Junpu corpus)")
    print(f"cold run (no cache):       {cold:7.2f} s")
    print(f"second run (cache reused): {warm:7.2f} s")
    print(f"ratio cold / cached:       {cold / warm:7.1f}x  (target >= 5x)")


if __name__ == "__main__":
    main()
