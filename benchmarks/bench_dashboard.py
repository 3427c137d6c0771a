"""First load of the review dashboard right after `corpus-tools serve` starts, against trivial requests.

Run from the repository root:

    python benchmarks/bench_dashboard.py                 # trains a model on the bundled corpus first (~15 s)
    python benchmarks/bench_dashboard.py --model DIR     # reuses a model from `corpus-tools train`
    python benchmarks/bench_dashboard.py --no-model      # lexicon suggestions (cold start)

Each repeat builds a fresh app on the bundled corpus with an empty store (as `serve` does: the suggestion
scores of every entry start computing on the store's worker thread at once), logs a coder in and opens the
dashboard immediately, while that warm-up still runs. In the same run it times two baselines: a packaged
static file (no template, no store) and the coder-name page (a template and one store read). It prints the
dashboard's first and second load, the ratios against the baselines, and when the agreement section (the
bootstrap intervals, computed in the background) was ready. Target: first load < 1 s.
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


def ms(fn: Any) -> float:
    """Milliseconds of one call."""
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def one_run(corpus: Any, store: Path, model: Path | None) -> dict[str, float]:
    """Milliseconds of the baselines and the dashboard loads on one fresh app (warming up as `serve` does)."""
    from corpus_tools.web import close_app, create_app

    app = create_app(corpus, store, model)  # warm=True, as `serve`
    start = time.perf_counter()
    out: dict[str, float] = {}
    try:
        client = app.test_client()
        out["static"] = statistics.median(ms(lambda: client.get("/static/app.css")) for _ in range(20))
        t = time.perf_counter()
        page = client.get("/login").get_data(as_text=True)
        out["login page"] = (time.perf_counter() - t) * 1000
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"csrf": token, "coder": "bench", "next": "/queue"})
        t = time.perf_counter()
        first = client.get("/dashboard").get_data(as_text=True)
        out["dashboard first"] = (time.perf_counter() - t) * 1000
        assert "Agreement per variable" in first, "the dashboard did not render"
        out["dashboard again"] = ms(lambda: client.get("/dashboard"))
        while 'data-testid="agreement-pending"' in client.get("/dashboard").get_data(as_text=True):
            time.sleep(0.05)
        out["agreement ready"] = (time.perf_counter() - start) * 1000
    finally:
        close_app(app)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="saved model folder (default: train one now)")
    parser.add_argument("--no-model", action="store_true", help="lexicon suggestions, no model")
    parser.add_argument("--repeat", type=int, default=3, help="fresh apps to time (default 3)")
    args = parser.parse_args()
    print("command: python benchmarks/bench_dashboard.py " + " ".join(sys.argv[1:]))

    from corpus_tools.jobs.suggest import train
    from corpus_tools.project import open_corpus

    corpus = open_corpus(None)
    with tempfile.TemporaryDirectory() as tmp:
        model = None if args.no_model else args.model
        if model is None and not args.no_model:
            t = time.perf_counter()
            model = train(None, None, Path(tmp) / "model").path.parent
            print(f"trained a model on the bundled corpus in {time.perf_counter() - t:.1f} s")
        runs = [one_run(corpus, Path(tmp) / f"coding{k}.sqlite", model) for k in range(args.repeat)]
        print(f"bundled corpus: {len(corpus.entries)} entries; suggestions: {'lexicon' if model is None else 'model'}; "
              f"{args.repeat} fresh app(s), median ms (agreement ready: since the app was built):")
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for name, value in med.items():
            print(f"  {name:18} {value:9.1f} ms")
        print(f"dashboard first load / static file: {med['dashboard first'] / med['static']:.0f}x; "
              f"/ coder-name page: {med['dashboard first'] / med['login page']:.1f}x; "
              f"first load {'<' if med['dashboard first'] < 1000 else '>='} 1 s")


if __name__ == "__main__":
    main()
