"""Where `analyze`'s memory goes: the main process's resident size (RSS) during every step and sub-step.

    python benchmarks/bench_memory_steps.py CORPUS [--workers 2] [--out DIR] [--no-topics]

Runs `analyze` on CORPUS (a corpus folder, e.g. one that `bench_scale.py --keep DIR` generated) with the defaults
and no cache, samples the process's VmRSS every 0.1 s in a thread, and prints, per progress message (messages
that differ only in their numbers, such as chunk and fit counters, are merged), the seconds from the start, the
RSS when the message came and the highest RSS until the next one; then per step its RSS at the start, its peak
and the rise, and the run's VmHWM and its worker processes' largest peak (`bench_scale.py` reports the
larger of the two). Linux only (/proc/self/status).
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path


def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary one)")
    parser.add_argument("--no-topics", action="store_true")
    args = parser.parse_args()
    if not Path("/proc/self/status").is_file():
        sys.exit("needs Linux (/proc/self/status)")
    from corpus_tools.jobs.analyze import STEPS, analyze

    order: list[str] = []
    first: dict[str, tuple[float, float]] = {}  # message -> (seconds, RSS when it first came)
    peaks: dict[str, float] = {}
    current = ["start"]
    t0 = time.perf_counter()
    lock = threading.Lock()

    def sample() -> None:
        while True:
            rss = _status("VmRSS")
            with lock:
                key = current[0]
                peaks[key] = max(peaks.get(key, 0.0), rss)
            time.sleep(0.1)

    def progress(message: str, step: int, total: int) -> None:
        name = STEPS[step - 1] if step <= len(STEPS) else "done"
        key = f"{name}: {re.sub(r'[0-9][0-9,]*', '#', message)}"
        rss = _status("VmRSS")
        with lock:
            if key not in first:
                first[key] = (time.perf_counter() - t0, rss)
                order.append(key)
            peaks[key] = max(peaks.get(key, 0.0), rss)
            current[0] = key

    threading.Thread(target=sample, daemon=True).start()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    res = analyze(args.corpus, out=out, progress=progress, workers=args.workers, use_cache=False,
                  topics=not args.no_topics)
    print(f"{res.n_documents} documents, {res.n_entries} entries, {args.workers} workers, output in {out}")
    print(f"{'seconds':>8} {'RSS_MB':>7} {'peak_MB':>7}  message")
    for key in order:
        sec, rss = first[key]
        print(f"{sec:8.1f} {rss:7.0f} {peaks.get(key, rss):7.0f}  {key}")
    print(f"\n{'step':12} {'start_MB':>8} {'peak_MB':>8} {'rise_MB':>8}")
    for name in STEPS:
        keys = [k for k in order if k.startswith(name + ":")]
        if keys:
            start = first[keys[0]][1]
            peak = max(peaks.get(k, 0.0) for k in keys)
            print(f"{name:12} {start:8.0f} {peak:8.0f} {peak - start:8.0f}")
    print(f"\nVmHWM (the run's main-process peak): {_status('VmHWM'):.0f} MB")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # bench_scale's peak takes it too
    print(f"largest worker process's peak (ru_maxrss, counts pages shared with this process at the fork): "
          f"{children:.0f} MB")


if __name__ == "__main__":
    main()
