"""Which suggestion model for small coded samples? Grouped cross-validation on the bundled coded sample.

Every variant is scored on the same grouped folds (documents with their near-duplicate reprints held out
together; calibration, thresholds, the second stage and the "not sure" band chosen inside the training folds)
and compared with the default by a paired bootstrap over the same document groups: macro F1 difference with
its 95% interval, overall and per language. A variant should replace the default only when the whole
interval lies above zero.

    PYTHONPATH=. python benchmarks/bench_models.py        # 5 folds, all variants (minutes on a busy machine)
    PYTHONPATH=. python benchmarks/bench_models.py --variants default,stacked

Variants: default (independent logistic regressions), stacked (second stage on every variable's
out-of-fold probability, kept per variable only where its inner-fold F1 beats the first stage),
stacked-always (the second stage wherever it shows skill), w2v (word2vec vectors trained on the corpus's
own entries, mean passage vector appended; w2v-x3 with the vector block weighted 3x), stacked+w2v, abstain
(default with a "not sure" band at held-out precision 0.6). With a `validation_split.csv` (the bundled corpus
has one) the figures are on its test half, as everywhere else.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--variants", default="default,stacked,w2v,stacked+w2v,abstain")
    args = ap.parse_args()

    from corpus_tools.jobs.suggest import open_corpus, project_lexicons, scored_passages, training_data
    from corpus_tools.suggest.distributional import train_word_vectors
    from corpus_tools.suggest.evaluation import out_of_fold, paired_difference, summarize
    from corpus_tools.suggest.features import TextAnalyzer

    corpus = open_corpus(None)
    lex = project_lexicons(corpus, ())
    data = training_data(corpus, None, lex)
    analyzer = TextAnalyzer(lex)
    docs = analyzer.analyze_many(data.texts)
    t = time.perf_counter()
    # the project's own text, coded or not (no labels are used): the whole bundled corpus
    all_docs = analyzer.analyze_many(list(corpus.entries["text"]))
    vectors = train_word_vectors(all_docs, random_state=args.seed)
    print(f"word2vec on {len(all_docs)} corpus entries: {len(vectors.words)} words x {vectors.dim} "
          f"in {time.perf_counter() - t:.1f}s")
    variants: dict[str, dict[str, Any]] = {
        "default": {}, "stacked": {"label_model": "stacked"},
        "stacked-always": {"label_model": "stacked", "stack_gate": False}, "w2v": {"word_vectors": vectors},
        "w2v-x3": {"word_vectors": vectors, "vector_weight": 3.0},
        "stacked+w2v": {"label_model": "stacked", "word_vectors": vectors},
        "abstain": {"target_precision": 0.6},
    }
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    groups = data.groups
    langs = np.asarray(data.langs, dtype=object)
    flags, note = scored_passages(corpus, data)  # the test half when the corpus has validation_split.csv
    scored = np.flatnonzero(flags) if flags is not None else np.arange(len(data))
    sub = data.take(scored)
    print(f"{len(data)} coded passages ({len(data.codes)} variables), {len(set(groups))} document groups, "
          f"{args.folds} grouped folds, seed {args.seed}, {args.boot} bootstrap resamples of the groups"
          + (f"; {note}" if note else ""))
    preds: dict[str, np.ndarray] = {}
    unsure: dict[str, np.ndarray] = {}
    for name in chosen:
        t = time.perf_counter()
        params = {"random_state": args.seed, **variants[name]}
        pred, uns, thr, _f = out_of_fold(data, analyzer, args.folds, args.seed, params, docs)
        preds[name], unsure[name] = pred, uns
        table, by_lang = summarize(sub, pred[scored], uns[scored], sub.groups, analyzer, thr, args.seed, args.boot)
        m = table[table["variable"] == "macro"].iloc[0]
        langs_txt = "  ".join(f"{r['lang']} {r['macro_f1']:.3f} [{r['f1_low']:.2f}, {r['f1_high']:.2f}]"
                              for r in by_lang.to_dict("records") if r["lang"] != "all")
        print(f"{name:12} macro F1 {m['f1']:.3f} [{m['f1_low']:.3f}, {m['f1_high']:.3f}]  P {m['precision']:.3f} "
              f"R {m['recall']:.3f}  kappa {m['kappa']:.3f}  ({time.perf_counter() - t:.1f}s)  | {langs_txt}")
        uns = uns[scored]
        if uns.any():
            scope = sub.scope()
            shown = pred[scored].astype(bool) & scope
            wrong_avoided = int((uns & scope & (sub.Y == 0)).sum())
            right_withheld = int((uns & scope & (sub.Y == 1)).sum())
            prec_shown = float((sub.Y[shown] == 1).mean()) if shown.any() else float("nan")
            print(f"{'':12} not sure on {int((uns & scope).sum())} code-passage pairs: "
                  f"{wrong_avoided} wrong codes avoided, "
                  f"{right_withheld} right codes withheld; precision of the codes still suggested {prec_shown:.3f}")
    if "default" in preds:
        print("paired difference to default (macro F1, 95% interval over the same resampled groups):")
        for name in chosen:
            if name == "default":
                continue
            d, lo, hi = paired_difference(data, preds["default"], preds[name], groups, args.boot, args.seed, scored)
            per = []
            for lang in sorted(set(langs[scored])):
                rows = np.intersect1d(np.flatnonzero(langs == lang), scored)
                dl, ll, hl = paired_difference(data, preds["default"], preds[name], groups, args.boot, args.seed,
                                               rows)
                per.append(f"{lang} {dl:+.3f} [{ll:+.3f}, {hl:+.3f}]")
            verdict = "BEATS default" if lo > 0 else ("worse" if hi < 0 else "no clear difference")
            print(f"  {name:12} {d:+.3f} [{lo:+.3f}, {hi:+.3f}] {verdict}  | " + "  ".join(per))


if __name__ == "__main__":
    main()
