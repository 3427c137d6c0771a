"""Topic models at archive scale (issue 17): what a sampled scope costs, measured on one corpus in one run.

Run from the repository root on a corpus folder, e.g. one kept by `bench_scale.py --keep DIR`:

    python benchmarks/bench_topics_scale.py /path/to/corpus-10000            # sample of 20,000 entries
    python benchmarks/bench_topics_scale.py /path/to/corpus-10000 --sample 5000 --k-check

Prints, for the corpus's usable topic entries:
  prepare     time, and bytes per token of the token lists (list slots plus the str objects they point to:
              one shared str per word since issue 17) with the RSS growth of the process;
  fits        one fit of K=10 on a stratified sample (stage x language x source type) for plain LDA and for the
              joint model (DMR, stage as covariate) with its covariate weights re-estimated every 10 iterations
              (tomotopy's default) and every 50 (DMR_OPTIM_INTERVAL), as ratios to the LDA fit;
  fold-in     every entry's topic shares under three of those LDA models (TopicEstimator.transform_many),
              microseconds per entry and model, against the per-document EM (fold_in_reference) on 2,000
              entries, with the largest difference between the two;
  --k-check   the joint sweep (K 4..15, 3 seeds) on the sample at both DMR intervals: the chosen K and scores.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def main() -> None:
    import numpy as np

    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics import engines
    from corpus_tools.topics.prepare import prepare
    from corpus_tools.topics.quality import fold_in_reference
    from corpus_tools.topics.sample import strata_of, stratified_sample
    from corpus_tools.topics.sweep import criteria_score, sweep

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sample", type=int, default=20_000, help="entries in the stratified sample")
    parser.add_argument("--k-check", action="store_true", help="also sweep the joint model at both intervals")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    corpus = load_corpus(args.corpus)
    tokenizer = Tokenizer("rjieba")
    tokenizer.content_words("预热 warm up")
    lexicons = [load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")]
    gc.collect()
    rss0, t = _rss_mb(), time.perf_counter()
    data = prepare(corpus, tokenizer, lexicons)
    t_prep = time.perf_counter() - t
    gc.collect()
    docs = data.docs
    n_tok = sum(len(d) for d in docs)
    strs = {id(w): sys.getsizeof(w) for d in docs for w in d}
    held = sum(sys.getsizeof(d) for d in docs) + sum(strs.values())
    print(f"prepare: {len(corpus.entries)} entries, {len(docs)} usable, {n_tok} tokens, {len(strs)} str objects; "
          f"{t_prep:.1f} s; token lists {held / 2**20:.1f} MB = {held / max(1, n_tok):.1f} bytes per token; "
          f"RSS +{_rss_mb() - rss0:.0f} MB")

    pick = stratified_sample(strata_of(data.entries), args.sample, 0)
    sample = [docs[i] for i in pick]
    stages = list(data.entries["stage"].astype(str))
    groups = [stages[i] for i in pick]
    times: dict[str, float] = {}
    lda = []
    for name, interval, grp in (("LDA", None, None), ("DMR interval 10", 10, groups),
                                ("DMR interval 50", 50, groups)):
        t = time.perf_counter()
        m = engines.TomotopyLDA(10, 0, dmr_optim_interval=interval).fit(sample, grp)
        times[name] = time.perf_counter() - t
        if grp is None:
            lda.append(m)
        print(f"fit K=10 on {len(sample)} entries: {name:16s} {times[name]:6.1f} s  "
              f"ratio to LDA {times[name] / times['LDA']:.2f}  log-likelihood per word {m.log_likelihood_:.3f}",
              flush=True)
    lda += [engines.TomotopyLDA(10, s).fit(sample) for s in (1, 2)]
    t = time.perf_counter()
    shares = engines.transform_many(lda, docs)
    t_many = time.perf_counter() - t
    n_ref = min(2000, len(docs))
    t = time.perf_counter()
    ref = fold_in_reference(lda[0].topic_word_, lda[0].vocabulary_, docs[:n_ref], alpha=lda[0].doc_prior())
    t_ref = time.perf_counter() - t
    per_entry = t_many / len(docs) / len(lda) * 1e6
    print(f"fold-in: {len(docs)} entries x {len(lda)} models {t_many:.1f} s = {per_entry:.0f} us per entry and model; "
          f"per-document EM {t_ref / n_ref * 1e6:.0f} us per entry (ratio {t_ref / n_ref * 1e6 / per_entry:.1f}); "
          f"largest difference {np.abs(ref - shares[0][:n_ref]).max():.1e}")
    if args.k_check:
        for interval in (10, 50):
            engines.DMR_OPTIM_INTERVAL = interval
            t = time.perf_counter()
            res = sweep("joint", sample, k_range=[4, 6, 8, 10, 12, 15], seeds=[0, 1, 2], engine="tomotopy",
                        groups=groups)
            scores = " ".join(f"K{k}:{criteria_score(c):.3f}" for k, c in res.criteria.items())
            print(f"joint sweep, DMR interval {interval}: chosen K={res.k} ({time.perf_counter() - t:.0f} s) {scores}",
                  flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
