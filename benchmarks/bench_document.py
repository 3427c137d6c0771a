"""Full-document view of the review web app, against a page request that does no document work.

Run from the repository root:

    python benchmarks/bench_document.py --docs 5 --repeat 5

With Flask's test client on the bundled corpus (lexicon suggestions, a fresh store), it measures in the same run:
  1. baseline: the coder-name page (a template, no store, no model);
  2. the first view of the longest documents (scores every entry with every lexicon, suggestions for every entry);
  3. repeated views of the same documents (evidence cached per document; store read every time);
  4. saving a span coding (POST, committed to SQLite) and the redirect's GET of the document.
It prints medians and their ratio to the baseline; there is no target.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def timed(fn: Any) -> float:
    """Seconds one call takes."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5, help="how many of the longest documents")
    parser.add_argument("--repeat", type=int, default=5, help="views per document after the first")
    args = parser.parse_args()

    from corpus_tools.web import close_app, create_app

    folder = Path(tempfile.mkdtemp())
    app = create_app(None, folder / "coding.sqlite", warm=False)
    try:
        client = app.test_client()
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True))
        assert token
        client.post("/login", data={"csrf": token.group(1), "coder": "bench", "next": "/queue"})
        ws = app.extensions["corpus_tools"]
        docs = ws.corpus.docs.assign(n=ws.corpus.docs["text"].str.len()).sort_values("n", ascending=False)
        chosen = list(docs["doc_id"].astype(str))[: args.docs]
        base = statistics.median(timed(lambda: client.get("/login")) for _ in range(20))
        first = [timed(lambda d=d: client.get(f"/document/{d}")) for d in chosen]
        again = [timed(lambda d=d: client.get(f"/document/{d}")) for d in chosen for _ in range(args.repeat)]
        e = ws.corpus.entries
        saves = []
        for d in chosen:
            row = e[e["doc_id"] == d].iloc[-1]
            start = int(row["start"])
            data = {"csrf": token.group(1), "start": str(start), "end": str(start + 2), "code": ws.codes[0],
                    "quote": str(row["text"])[:2], "state": ""}
            saves.append(timed(lambda d=d, data=data: client.get(client.post(f"/document/{d}/span", data=data)
                                                                .headers["Location"])))
        print(f"bundled corpus, {len(chosen)} longest documents ({int(docs['n'].iloc[0])} to "
              f"{int(docs['n'].iloc[len(chosen) - 1])} characters), lexicon suggestions")
        for name, values in (("first view", first), ("later views", again), ("save span + view", saves)):
            med = statistics.median(values)
            print(f"{name:>18}: median {1000 * med:7.1f} ms, max {1000 * max(values):7.1f} ms, "
                  f"{med / base:6.1f}x the coder-name page ({1000 * base:.1f} ms)")
    finally:
        close_app(app)


if __name__ == "__main__":
    main()
