"""How large a sweep sample (issue 17): the joint sweep (DMR with stage, K 4..15, 3 seeds) on stratified samples
of several sizes and run seeds of one corpus, against the first configuration as reference.

    python benchmarks/bench_sweep_sample.py /path/to/corpus-10000 --runs 20000:0,10000:0,5000:0,5000:1 [--workers 2]

A run is SIZE:SEED: the sample is drawn with SEED and the fits use SEED, SEED+1, SEED+2 (as `run_topics --seed`).
Prints one JSON line per run: the chosen K, the score of every K, seconds, and (after the first) the reported
model's topics matched one to one to the reference's by cosine similarity of their word distributions, and the
mean top-10-word overlap after matching (`quality.topic_set_similarity`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.parallel import run_tasks
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics.align import topic_similarity
from corpus_tools.topics.bilingual import build_concept_map, resolve_dictionary
from corpus_tools.topics.prepare import prepare
from corpus_tools.topics.quality import topic_set_similarity
from corpus_tools.topics.sample import strata_of, stratified_sample
from corpus_tools.topics.sweep import DEFAULT_K_RANGE, criteria_score, sweep


def main() -> None:
    from scipy.optimize import linear_sum_assignment

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--runs", default="20000:0,10000:0,5000:0,5000:1")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    lex = [load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")]
    data = prepare(corpus, Tokenizer("rjieba"), lex)
    table, how = resolve_dictionary("auto", None)
    freq: dict[str, int] = {}
    for d in data.docs:
        for w in d:
            freq[w] = freq.get(w, 0) + 1
    concepts = build_concept_map(data.vocabulary, table, how, freq) if table is not None else None
    strata = strata_of(data.entries)
    groups = list(data.entries["stage"].astype(str))
    n_src = int(data.entries["doc_id"].nunique())
    ref = None
    for spec in args.runs.split(","):
        size, seed = (int(x) for x in spec.split(":"))
        t = time.perf_counter()
        res = sweep("joint", data.docs, k_range=DEFAULT_K_RANGE, seeds=[seed, seed + 1, seed + 2], engine="tomotopy",
                    groups=groups, n_documents=n_src, concepts=concepts, run=partial(run_tasks, workers=args.workers),
                    sample=stratified_sample(strata, size, seed), all_seed_shares=False)
        out: dict[str, object] = {"size": size, "seed": seed, "k": res.k, "seconds": round(time.perf_counter() - t, 1),
                                  "score_by_k": {k: round(criteria_score(c), 4) for k, c in res.criteria.items()}}
        if ref is None:
            ref = res.model
        else:
            sim = topic_similarity(ref.topic_word_, ref.vocabulary_, res.model.topic_word_, res.model.vocabulary_)
            rows, cols = linear_sum_assignment(-sim)
            out["matched_cosine"] = [round(float(sim[i, j]), 3) for i, j in zip(rows, cols, strict=True)]
            out["top10_overlap"] = round(topic_set_similarity(ref.top_words(10), res.model.top_words(10)), 3)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
