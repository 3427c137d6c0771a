"""REFI-QDA export/import and agreement bootstrap on a large generated project, as ratios to baselines.

Run from the repository root:

    python benchmarks/bench_exchange.py --docs 2000 --coded 20000

It builds a project in memory: `--docs` documents, each made of 5-15 random entries of the bundled corpus
(seeded), and two coders A and B. A codes `--coded` entries and B double-codes a quarter of them, with
codes drawn from the nine variables. In the same run it measures:
  1. baseline: a zip with the same source texts plus the codings as JSON (what any export must do at least),
  2. `write_qdpx` (XML building, Project.xsd validation, zip) and `read_qdpx` (safe unzip, defusedxml parse,
     schema validation, offset mapping), and checks that the round trip gives identical codings,
  3. agreement between A and B: point estimates only (n_boot=0, the baseline) vs 1,000 bootstrap resamples.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def build(n_docs: int, n_coded: int, seed: int = 11) -> tuple[object, object, list[object]]:
    """(corpus, coding state, lexicons) of a generated project."""
    import pandas as pd

    from corpus_tools import schema
    from corpus_tools.corpus.config import CorpusConfig
    from corpus_tools.corpus.entries import split_entries
    from corpus_tools.corpus.loader import Corpus, load_corpus
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.lexicon.formats import load_lexicon

    source = list(load_corpus(default_corpus()).entries["text"])
    rng = random.Random(seed)
    docs, entries = [], []
    for i in range(n_docs):
        text = "\n\n".join(rng.choice(source) for _ in range(rng.randint(5, 15)))
        did = f"G{i:05d}"
        docs.append({"doc_id": did, "title": f"generated {i}", "text": text, "date": f"{2008 + i % 10}-0{1 + i % 9}",
                     "date_start": f"{2008 + i % 10}-0{1 + i % 9}-01", "year": 2008 + i % 10, "stage": "growth",
                     "source_type": "media", "outlet": "bench", "lang": "zh-Hans"})
        entries += [e.__dict__ for e in split_entries(did, text)]
    docs_frame = pd.DataFrame(docs).reindex(columns=list(schema.DOCS), fill_value="")
    entries_frame = pd.DataFrame(entries).reindex(columns=list(schema.ENTRIES), fill_value="")
    lex = load_lexicon("mass_entrepreneurship")
    coded = rng.sample(list(entries_frame["entry_id"]), min(n_coded, len(entries_frame)))
    doc_of = dict(zip(entries_frame["entry_id"], entries_frame["doc_id"], strict=True))
    rows = []
    for k, eid in enumerate(coded):
        truth = [v for v in lex.variable_ids if rng.random() < 0.12]
        for coder in ("A", "B") if k % 4 == 0 else ("A",):
            codes = [v for v in lex.variable_ids if (v in truth) ^ (rng.random() < 0.03)] or ["none"]
            rows += [(eid, doc_of[eid], coder, c, "imported") for c in codes]
    state = pd.DataFrame(rows, columns=list(schema.CODING_STATE))
    corpus = Corpus(CorpusConfig(Path("."), "bench"), docs_frame, entries_frame, pd.DataFrame())
    return corpus, state, [lex]


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """(result, seconds)."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--coded", type=int, default=20000)
    args = parser.parse_args()
    from corpus_tools.agreement import compute_agreement
    from corpus_tools.exchange import read_qdpx, write_qdpx

    print(f"command: python benchmarks/bench_exchange.py --docs {args.docs} --coded {args.coded}")
    (corpus, state, lexicons), t_build = timed(build, args.docs, args.coded)
    n_chars = int(corpus.docs["text"].str.len().sum())  # type: ignore[attr-defined]
    print(f"project: {len(corpus.docs)} docs, {len(corpus.entries)} entries, {n_chars:,} chars, "  # type: ignore[attr-defined]
          f"{len(state)} codings ({state['entry_id'].nunique()} coded entries) built in {t_build:.1f} s")  # type: ignore[index]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline.zip"

        def baseline() -> None:
            with zipfile.ZipFile(base, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for did, text in zip(corpus.docs["doc_id"], corpus.docs["text"], strict=True):  # type: ignore[attr-defined]
                    zf.writestr(f"sources/{did}.txt", text.encode("utf-8"))
                zf.writestr("codings.json", json.dumps(state.to_dict("records"), ensure_ascii=False))  # type: ignore[attr-defined]

        _, t_base = timed(baseline)
        out = Path(tmp) / "p.qdpx"
        summary, t_export = timed(write_qdpx, out, corpus, state, lexicons)
        back, t_import = timed(read_qdpx, out, corpus, lexicons)
        cols = ["entry_id", "doc_id", "coder", "code", "mode"]
        same = back.codings[cols].sort_values(cols).reset_index(drop=True).equals(
            state[cols].sort_values(cols).reset_index(drop=True))  # type: ignore[index]
        size = out.stat().st_size / 1e6
    print(f"baseline zip of texts + JSON codings : {t_base:6.2f} s")
    print(f"write_qdpx ({summary.n_selections} selections, {size:.1f} MB): {t_export:6.2f} s  "
          f"ratio {t_export / t_base:.1f}x baseline")
    print(f"read_qdpx  ({back.n_matched} matched)            : {t_import:6.2f} s  "
          f"ratio {t_import / t_base:.1f}x baseline")
    print(f"round trip identical: {same}")
    compute_agreement(state.head(200), lexicons, n_boot=0)  # type: ignore[attr-defined]  # load the libraries first
    _, t_point = timed(compute_agreement, state, lexicons, n_boot=0)
    _, t_boot = timed(compute_agreement, state, lexicons, n_boot=1000)
    print(f"agreement A vs B, point estimates     : {t_point:6.2f} s")
    print(f"agreement A vs B, 1,000 resamples     : {t_boot:6.2f} s  ratio {t_boot / t_point:.0f}x point estimates")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
