"""How long the framing comparisons take with 999 vs 9,999 permutations on the bundled corpus (score once,
then time compare_groups for stage and source type at both settings). Prints seconds and the ratio.

    PYTHONPATH=. python benchmarks/bench_permutations.py
"""

from __future__ import annotations

import time

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.framing.compare import compare_groups
from corpus_tools.framing.matrix import doc_matrix
from corpus_tools.framing.periods import doc_periods, period_order
from corpus_tools.io.resources import default_corpus
from corpus_tools.project import project_lexicons
from corpus_tools.scoring.score import Scorer, score_corpus
from corpus_tools.text.tokenize import Tokenizer


def main() -> None:
    corpus = load_corpus(default_corpus())
    scores = score_corpus(corpus, Scorer(project_lexicons(corpus), Tokenizer()), "document")
    matrix = doc_matrix(scores, corpus.docs)
    stages = list(doc_periods(corpus.docs, "stage"))
    sources = list(doc_periods(corpus.docs, "source_type"))
    times = {}
    for n_perm in (999, 9999):
        t0 = time.perf_counter()
        compare_groups(matrix, stages, corpus.config.stage_ids, "stage", n_boot=1000, n_perm=n_perm, min_docs=5)
        compare_groups(matrix, sources, period_order(sources, "source_type"), "source_type", n_boot=1000,
                       n_perm=n_perm, min_docs=5)
        times[n_perm] = time.perf_counter() - t0
        print(f"n_perm={n_perm}: {times[n_perm]:.2f} s (stage + source comparisons, {len(matrix.doc_ids)} documents)")
    print(f"ratio 9999 / 999: {times[9999] / times[999]:.1f}x")


if __name__ == "__main__":
    main()
