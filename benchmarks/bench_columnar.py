"""Which engine reads the evidence file for `analyze`'s aggregates: pandas per pyarrow batch (what
scoring/evidence_queries.py does), pyarrow's own group_by, DuckDB and Polars (the last two only when installed;
they are not dependencies of corpus_tools).

    python benchmarks/bench_columnar.py [--rows 1000000]

Builds a synthetic evidence Parquet file of `--rows` hits (40 variables, 600 terms, rows/10 entries,
rows/100 documents, 60-character contexts, one row group per 20,000 rows like the chunked writer) and times
the query the report needs most: counted hits per (variable, entry), then per (variable, document, term), in
each engine; `corpus_tools` runs what analyze runs (a running top list per variable, terms per language).
Prints seconds (best of 3) and the peak RSS growth of a fresh process per engine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
path, engine = sys.argv[1], sys.argv[2]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def run():
    if engine == "corpus_tools":  # what analyze runs: evidence_queries over the file, batch by batch
        from corpus_tools.scoring.evidence_queries import term_counts, top_entry_evidence
        import pyarrow.parquet as pq
        ids = pq.read_table(path, columns=["entry_id", "doc_id"]).to_pandas().drop_duplicates("entry_id")
        lang = {d: ("zh" if hash(d) % 2 else "en") for d in ids["doc_id"]}
        return len(top_entry_evidence(path)), len(term_counts(path, lang))
    if engine == "pandas-batches":
        import pandas as pd
        from corpus_tools.io.parquet_parts import iter_frames
        parts, terms = [], []
        for b in iter_frames(path, ["entry_id", "variable", "term", "doc_id", "counted"]):
            b = b[b["counted"]]
            parts.append(b.groupby(["variable", "entry_id"], sort=False).size().rename("n").reset_index())
            terms.append(b.groupby(["variable", "doc_id", "term"], sort=False).size().rename("n").reset_index())
        a = pd.concat(parts).groupby(["variable", "entry_id"], sort=False)["n"].sum()
        t = pd.concat(terms).groupby(["variable", "doc_id", "term"], sort=False)["n"].sum()
        return len(a), len(t)
    if engine == "pyarrow":
        import pyarrow.compute as pc, pyarrow.dataset as ds
        tbl = ds.dataset(path).to_table(columns=["entry_id", "variable", "term", "doc_id"],
                                        filter=pc.field("counted"))
        a = tbl.group_by(["variable", "entry_id"]).aggregate([([], "count_all")])
        t = tbl.group_by(["variable", "doc_id", "term"]).aggregate([([], "count_all")])
        return a.num_rows, t.num_rows
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect()
        a = con.execute(f"select variable, entry_id, count(*) from read_parquet('{path}') where counted "
                        "group by 1, 2").fetchall()
        t = con.execute(f"select variable, doc_id, term, count(*) from read_parquet('{path}') where counted "
                        "group by 1, 2, 3").fetchall()
        return len(a), len(t)
    if engine == "polars":
        import polars as pl
        lf = pl.scan_parquet(path).filter(pl.col("counted"))
        a = lf.group_by(["variable", "entry_id"]).len().collect()
        t = lf.group_by(["variable", "doc_id", "term"]).len().collect()
        return a.height, t.height
    raise SystemExit(f"unknown engine {engine}")

best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    out = run()
    best = min(best, time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": best, "rss_growth_mb": (peak - base) / 1024, "groups": out}))
"""


def make_file(path: Path, rows: int) -> None:
    """A synthetic evidence file shaped like analyze's (row groups of 20,000 rows)."""
    import numpy as np
    import pandas as pd

    from corpus_tools.io.parquet_parts import ParquetParts

    rng = np.random.default_rng(0)
    variables = np.array([f"c{i // 5}.v{i}" for i in range(40)])
    terms = np.array([f"term{i}" for i in range(600)])
    with ParquetParts(path) as parts:
        for lo in range(0, rows, 20_000):
            n = min(20_000, rows - lo)
            entry = np.sort(rng.integers(lo // 10, lo // 10 + 2_000, n))
            parts.write(pd.DataFrame({
                "id": [f"E{e}" for e in entry], "doc_id": [f"D{e // 10}" for e in entry],
                "entry_id": [f"E{e}" for e in entry], "variable": variables[rng.integers(0, 40, n)],
                "term": terms[rng.integers(0, 600, n)], "start": rng.integers(0, 5000, n), "left": ["左" * 30] * n,
                "right": ["右" * 30] * n, "counted": rng.random(n) > 0.1}))


def main() -> None:
    """Build the file once, then time each engine in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--python", default=sys.executable, help="interpreter for the engines (one with duckdb/polars)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "evidence.parquet"
        make_file(path, args.rows)
        print(f"evidence file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
        print("engine\tseconds\tRSS_growth_MB\tgroups")
        for engine in ("corpus_tools", "pandas-batches", "pyarrow", "duckdb", "polars"):
            proc = subprocess.run([args.python, "-c", CHILD, str(path), engine], capture_output=True, text=True,
                                  check=False)
            if proc.returncode:
                last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
                print(f"{engine}\t-\t-\t{last}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{engine}\t{r['seconds']:.2f}\t{r['rss_growth_mb']:.0f}\t{r['groups']}", flush=True)


if __name__ == "__main__":
    main()
