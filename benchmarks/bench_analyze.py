"""`analyze` on the bundled corpus end to end: a cold run, then a second run with unchanged inputs that
reuses the cache (tokens, scores, framing, topic models, suggestions and the trained model, charts).
Prints both times, the ratio (target: the second run at least 5x faster) and the time of every step of
each run, taken from analyze's progress callback.

    python benchmarks/bench_analyze.py [--runs N] [--keep DIR]

Each run is a fresh Python process calling `corpus_tools.jobs.analyze.analyze(out=OUT, progress=...)` with the
defaults of `corpus-tools analyze --out OUT --quiet` (the CLI is a thin wrapper over that call); the total
is the wall time of the whole process, interpreter start and imports included.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# run in the child process: analyze with a progress callback that timestamps the start of every step
CHILD = """
import json, sys, time
from corpus_tools.jobs.analyze import STEPS, analyze

starts = {}
def progress(message, step, total):
    starts.setdefault(step, time.perf_counter())
res = analyze(out=sys.argv[1], progress=progress)
order = sorted(starts)
steps = {STEPS[s - 1]: starts[n] - starts[s] for s, n in zip(order, order[1:]) if s <= len(STEPS)}
print(json.dumps({"steps": steps, "documents": res.n_documents, "entries": res.n_entries,
                  "charts": sum(1 for k in res.files if k.startswith("chart_")),
                  "coded": res.suggestions.n_coded if res.suggestions else 0}))
"""


def _run(out: Path) -> tuple[float, dict[str, Any]]:
    """Wall time of one analyze process, and what it reported (step times, counts)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out)], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return seconds, dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Time a cold and a cached `analyze` (fresh output folder and cache each repetition)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="repetitions (cold + cached each); the fastest is shown")
    parser.add_argument("--keep", type=Path, default=None, help="write the analysis here instead of a temp dir")
    args = parser.parse_args()
    colds: list[tuple[float, dict[str, Any]]] = []
    warms: list[tuple[float, dict[str, Any]]] = []
    for _ in range(args.runs):
        base = Path(tempfile.mkdtemp(prefix="bench-analyze-"))
        out = args.keep or base / "analysis"
        if args.keep and out.exists():
            shutil.rmtree(out)
        colds.append(_run(out))
        warms.append(_run(out))
        shutil.rmtree(base, ignore_errors=True)
    (cold, info), (warm, winfo) = min(colds, key=lambda r: r[0]), min(warms, key=lambda r: r[0])
    print(f"command: python {' '.join(sys.argv)}")
    print("timed:   corpus_tools.jobs.analyze.analyze(out=OUT) in a fresh process, the defaults of "
          "`corpus-tools analyze --out OUT --quiet`")
    print(f"corpus:  bundled Junpu corpus, {info['documents']} documents, {info['entries']:,} entries, "
          f"{info['coded']} coded passages; {info['charts']} charts")
    print(f"cold run (no cache):       {cold:7.2f} s")
    print(f"second run (cache reused): {warm:7.2f} s")
    print(f"ratio cold / cached:       {cold / warm:7.1f}x  (target >= 5x)")
    print("\nstep (from the progress callback)   cold s   cached s")
    for step in info["steps"]:
        print(f"  {step:33} {info['steps'][step]:7.2f}   {winfo['steps'].get(step, float('nan')):7.2f}")
    rest_c, rest_w = cold - sum(info["steps"].values()), warm - sum(winfo["steps"].values())
    print(f"  {'start-up, imports and exit':33} {rest_c:7.2f}   {rest_w:7.2f}")


if __name__ == "__main__":
    main()
