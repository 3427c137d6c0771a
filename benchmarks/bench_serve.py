"""Next-passage latency of the review web app, against page requests that do no review work.

Run from the repository root:

    python benchmarks/bench_serve.py --n 300               # trains a model on the bundled corpus first
    python benchmarks/bench_serve.py --n 300 --model DIR   # reuses a model from `corpus-tools train`

With Flask's test client on the bundled corpus (about 2,200 entries) and a trained suggestion model, it
measures in the same run:
  1. baselines: a packaged static file, and the coder-name page (a template, no store, no model);
  2. next passage: what a coder waits for after a decision: POST "no code applies" (committed to SQLite)
     and the redirect's GET of the next passage (suggestions, explanation, highlights, context);
  3. reload: GET of the open passage alone.
Target: next passage p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def line(name: str, ms: list[float]) -> str:
    """One result row in milliseconds."""
    return (f"{name:32} n={len(ms):4d}  p50 {statistics.median(ms):7.2f} ms  p95 {pct(ms, 0.95):7.2f} ms  "
            f"max {max(ms):7.2f} ms")


def timed(fn: Any, n: int) -> list[float]:
    """Milliseconds of n calls."""
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300, help="passages to decide (and baseline requests)")
    parser.add_argument("--model", type=Path, help="saved model folder (default: train one now)")
    args = parser.parse_args()
    print("command: python benchmarks/bench_serve.py " + " ".join(sys.argv[1:]))

    from corpus_tools.jobs.suggest import train
    from corpus_tools.project import open_corpus
    from corpus_tools.web import close_app, create_app

    with tempfile.TemporaryDirectory() as tmp:
        corpus = open_corpus(None)
        model = args.model
        if model is None:
            t = time.perf_counter()
            model = train(None, None, Path(tmp) / "model").path.parent
            print(f"trained a model on the bundled corpus in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        app = create_app(corpus, Path(tmp) / "coding.sqlite", model)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"csrf": token, "coder": "bench", "next": "/queue"})
        first = client.get("/queue").get_data(as_text=True)
        print(f"app ready and first passage shown in {time.perf_counter() - t:.2f} s "
              f"({len(corpus.entries)} entries scored once, then cached)")
        assert "suggestions model" in first, "the model did not load"

        static = timed(lambda: client.get("/static/app.css"), args.n)
        login = timed(lambda: client.get("/login"), args.n)
        reload = timed(lambda: client.get("/queue"), min(args.n, 100))

        def decide() -> None:
            html = client.get("/queue").get_data(as_text=True)
            entry = re.search(r'name="entry_id" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
            t0 = time.perf_counter()
            resp = client.post("/queue/act", data={"csrf": token, "entry_id": entry, "do": "none"})
            nxt = client.get(resp.headers["Location"])
            next_ms.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 303 and nxt.status_code == 200

        next_ms: list[float] = []
        for _ in range(args.n):
            decide()
        ws = app.extensions["corpus_tools"]
        n_events = ws.call(ws.store.count)
        close_app(app)

    print(line("baseline: static file", static))
    print(line("baseline: coder-name page", login))
    print(line("reload open passage", reload))
    print(line("next passage (POST + GET)", next_ms))
    print(f"decisions committed: {n_events}")
    ratio = statistics.median(next_ms) / statistics.median(login)
    print(f"next passage p50 / coder-name page p50: {ratio:.1f}x")
    verdict = "met" if pct(next_ms, 0.95) < 100 else "NOT met"
    print(f"target next passage p95 < 100 ms: {verdict} ({pct(next_ms, 0.95):.1f} ms)")


if __name__ == "__main__":
    main()
