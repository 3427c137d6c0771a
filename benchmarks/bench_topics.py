"""Topic-model engines side by side: coherence (c_npmi, c_v), stability, reproducibility, time, memory.

Run from the repository root:

    python benchmarks/bench_topics.py

Two corpora, both tokenized by the project pipeline (`corpus_tools.topics.prepare`):
  1. the bundled Junpu corpus's entries (paragraphs),
  2. a large generated corpus: each text joins two random bundled entries of the same stage and
     language (seeded), `--large-docs` texts in all.
Every engine is fitted with the same K and `--seeds` seeds, each fit in a fresh process so its peak
RSS (resident memory polled during the fit, above the level after loading data and libraries) is
its own; gensim-multicore's worker processes are not counted. Coherence is computed by
ONE implementation for every engine (gensim CoherenceModel over the fitted corpus, top 10 words);
stability is the mean matched top-10 Jaccard overlap between seeds; reproducible means a second fit
with the first seed gave identical top words. Ratios are against gensim LdaModel measured in the same run.

Last, it times `run_topics` on the bundled corpus as `corpus-tools topics` and `analyze` run it (the
default engine, K range and seeds, tokenizing included), against the narrower sweep docs/topics.md
suggests (`-k 4,8 --n-seeds 2`) in the same run. `--only-run-topics` skips the engine comparison.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ENGINES = ("tomotopy", "gensim", "gensim-multicore", "sklearn")
BASELINE = "gensim"


def _fit_worker(docs_path: str, engine: str, k: int, seed: int) -> dict[str, Any]:
    """Run in a child process: one fit, its wall time and its own peak memory."""
    docs = json.loads(Path(docs_path).read_text(encoding="utf-8"))
    import gensim  # noqa: F401  (imports count as the baseline, not as the fit)
    import sklearn.decomposition  # noqa: F401
    import tomotopy  # noqa: F401

    from corpus_tools.topics.engines import make_estimator

    gc.collect()
    before = _rss_kb()
    peak = [before]
    done = threading.Event()

    def sample() -> None:  # ru_maxrss cannot be reset, so poll the resident set during the fit
        while not done.is_set():
            peak[0] = max(peak[0], _rss_kb())
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    if engine == "gensim-multicore":
        top = _multicore(docs, k, seed)
    else:
        top = make_estimator(engine, k, seed).fit(docs).top_words(10)
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    peak[0] = max(peak[0], _rss_kb())
    return {"seconds": seconds, "peak_mb": (peak[0] - before) / 1024, "top": top}


def _rss_kb() -> int:
    """Current resident set size in KiB (Linux /proc; 0 where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _multicore(docs: list[list[str]], k: int, seed: int) -> list[list[str]]:
    """gensim LdaMulticore (2 workers), same settings as the library's gensim engine."""
    import logging

    import numpy as np
    from gensim.corpora import Dictionary
    from gensim.models import LdaMulticore

    logging.getLogger("gensim").setLevel(logging.WARNING)
    d = Dictionary(docs)
    bow = [d.doc2bow(x) for x in docs]
    m = LdaMulticore(bow, id2word=d, num_topics=k, random_state=seed, passes=10, iterations=100, alpha=0.1,
                     eta=0.01, chunksize=2000, workers=2, eval_every=None)
    tw = m.get_topics()
    return [[d[j] for j in np.argsort(-row, kind="stable")[:10]] for row in tw]


def _fit(docs_path: Path, engine: str, k: int, seed: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", str(docs_path), engine, str(k), str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def bundled_docs() -> tuple[list[list[str]], list[str]]:
    """Token lists of the bundled corpus's entries (as run_topics sees them) and their stage+language."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics.prepare import prepare

    corpus = load_corpus(default_corpus())
    data = prepare(corpus, Tokenizer(), [load_lexicon(n, corpus.root) for n in corpus.config.lexicons])
    groups = [f"{s}|{lang}" for s, lang in zip(data.entries["stage"], data.entries["lang"], strict=True)]
    return data.docs, groups


def large_docs(docs: list[list[str]], groups: list[str], n: int, seed: int = 7) -> list[list[str]]:
    """n texts, each two random entries of the same stage and language joined (seeded)."""
    rng = random.Random(seed)
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    pools = [v for v in by_group.values() if len(v) >= 2]
    weights = [len(v) for v in pools]
    out = []
    for _ in range(n):
        pool = rng.choices(pools, weights)[0]
        a, b = rng.sample(pool, 2)
        out.append(docs[a] + docs[b])
    return out


def bench(name: str, docs: list[list[str]], k: int, seeds: list[int], engines: list[str],
          check_repro: bool) -> list[dict[str, Any]]:
    """Fit every engine with every seed on `docs`; return one result row per engine."""
    from corpus_tools.topics.quality import coherence, stability

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docs.json"
        path.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
        for engine in engines:
            fits = [_fit(path, engine, k, s) for s in seeds]
            cohs = [coherence(f["top"], docs) for f in fits]
            repro = ""
            if check_repro:
                repro = "yes" if _fit(path, engine, k, seeds[0])["top"] == fits[0]["top"] else "NO"
            rows.append({
                "corpus": name, "engine": engine, "k": k, "seeds": len(seeds),
                "c_npmi": sum(c[0] for c in cohs) / len(cohs), "c_v": sum(c[1] for c in cohs) / len(cohs),
                "stability": stability([f["top"] for f in fits]),
                "seconds": sum(f["seconds"] for f in fits) / len(fits),
                "peak_mb": max(f["peak_mb"] for f in fits), "reproducible": repro,
            })
            r = rows[-1]
            print(f"  {name:8} {engine:17} c_npmi {r['c_npmi']:+.3f}  c_v {r['c_v']:.3f}  "
                  f"stability {r['stability']:.3f}  {r['seconds']:7.2f} s/fit  peak {r['peak_mb']:7.1f} MB  "
                  f"reproducible {repro or '-'}", flush=True)
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    """Markdown table with ratios against the baseline engine of the same corpus."""
    print("\n| corpus | engine | K | c_npmi | c_v | stability | s/fit | × baseline time | peak MB | "
          "× baseline memory | same seed → same topics |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        base = next(b for b in rows if b["corpus"] == r["corpus"] and b["engine"] == BASELINE)
        t_ratio = r["seconds"] / base["seconds"] if base["seconds"] else float("nan")
        m_ratio = r["peak_mb"] / base["peak_mb"] if base["peak_mb"] else float("nan")
        print(f"| {r['corpus']} | {r['engine']} | {r['k']} | {r['c_npmi']:+.3f} | {r['c_v']:.3f} | "
              f"{r['stability']:.3f} | {r['seconds']:.2f} | {t_ratio:.2f} | {r['peak_mb']:.1f} | {m_ratio:.2f} | "
              f"{r['reproducible'] or '-'} |")


def time_run_topics(narrow_ks: list[int], narrow_seeds: int) -> None:
    """Wall time of run_topics with its defaults on the bundled corpus, and of a narrower sweep."""
    import tomotopy  # noqa: F401  (library imports are not part of the timed runs)

    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics import DEFAULT_ENGINE, run_topics
    from corpus_tools.topics.sweep import DEFAULT_K_RANGE

    corpus = load_corpus(default_corpus())
    lexicons = [load_lexicon(n, corpus.root) for n in corpus.config.lexicons]
    runs: dict[str, tuple[float, int, dict[str, int]]] = {}
    for name, ks, n_seeds in (("default", None, 3), ("narrow", narrow_ks, narrow_seeds)):
        messages: list[str] = []
        t0 = time.perf_counter()
        res = run_topics(corpus, Tokenizer(), lexicons, k_range=ks, n_seeds=n_seeds, progress=messages.append)
        runs[name] = (time.perf_counter() - t0, sum("(fit " in m for m in messages), res.k_by_scope)
    (d, d_fits, d_k), (n, n_fits, n_k) = runs["default"], runs["narrow"]
    print(f"\nrun_topics on the bundled corpus ({DEFAULT_ENGINE}; tokenizing included):")
    print(f"  default (K {','.join(map(str, DEFAULT_K_RANGE))}, 3 seeds): {d:7.2f} s  {d_fits} fits  chosen {d_k}")
    print(f"  narrow  (K {','.join(map(str, narrow_ks))}, {narrow_seeds} seeds): {n:7.2f} s  {n_fits} fits  "
          f"chosen {n_k}")
    print(f"  ratio default / narrow: {d / n:.1f}x")


def main() -> None:
    """Parse arguments, run both corpora, print rows, the ratio table and the command."""
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _, _, docs_path, engine, k, seed = sys.argv
        print(json.dumps(_fit_worker(docs_path, engine, int(k), int(seed)), ensure_ascii=False))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=10, help="topics for the bundled corpus")
    ap.add_argument("--k-large", type=int, default=20, help="topics for the large corpus")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per engine (stability)")
    ap.add_argument("--large-docs", type=int, default=20000, help="texts in the generated corpus (0: skip)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ", ".join(ENGINES))
    ap.add_argument("--only-run-topics", action="store_true", help="only time run_topics (default vs narrow sweep)")
    args = ap.parse_args()
    if args.only_run_topics:
        time_run_topics([4, 8], 2)
        print(f"\ncommand: python benchmarks/bench_topics.py {' '.join(sys.argv[1:])}".rstrip())
        return
    engines = [e for e in args.engines.split(",") if e]
    if BASELINE not in engines:
        engines.insert(0, BASELINE)
    seeds = list(range(args.seeds))
    docs, groups = bundled_docs()
    print(f"bundled: {len(docs)} entries, {sum(map(len, docs)):,} tokens; K={args.k}, seeds {seeds}", flush=True)
    rows = bench("bundled", docs, args.k, seeds, engines, check_repro=True)
    if args.large_docs:
        big = large_docs(docs, groups, args.large_docs)
        print(f"large: {len(big):,} texts, {sum(map(len, big)):,} tokens; K={args.k_large}, seeds {seeds}", flush=True)
        rows += bench("large", big, args.k_large, seeds, engines, check_repro=False)
    report(rows)
    time_run_topics([4, 8], 2)
    print(f"\ncommand: python benchmarks/bench_topics.py {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
