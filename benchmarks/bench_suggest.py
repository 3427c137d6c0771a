"""Suggestion model at scale on a large generated corpus: `suggest` over 100,000 entries, `train` on 5,000
coded entries, and single-entry latency in the review loop (target p95 < 50 ms): the suggestion alone
(probabilities + explanation) and a full `ReviewSession.item()` (entry lookup, suggestion, explanation,
document context) on a generated corpus folder of --review-corpus-n entries.

Each phase runs in its own process (peak memory = that process's max RSS) and is compared with a baseline
measured in the same run: bare tokenization of the same texts (rjieba, the project tokenizer).

    python benchmarks/bench_suggest.py [--suggest-n 100000] [--train-n 5000] [--latency-n 500]
                                       [--review-corpus-n 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILLER_EN = ["the", "village", "families", "online", "shop", "started", "selling", "goods", "last", "year", "many",
             "young", "people", "came", "back", "from", "cities", "to", "open", "stores", "and", "town", "built",
             "new", "roads", "for", "delivery", "trucks"]
# common characters the pseudo-words are made of
CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
         "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都"
         "两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重"
         "新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
         "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知"
         "较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研")


def generate(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    """n passages (40-160 characters): pseudo-words from common characters plus lexicon terms of 0-3
    variables; returns texts and the variables whose terms were put in (the synthetic codes)."""
    from corpus_tools.lexicon.formats import load_lexicon

    rng = random.Random(seed)
    lex = load_lexicon("mass_entrepreneurship")
    terms = {v.id: [t for lang in ("zh", "en") for t in v.terms.get(lang, ()) if "*" not in t] for v in lex.variables}
    chars = CHARS
    labels, texts = [], []
    variables = list(terms)
    vocab_rng = random.Random(12345)  # one vocabulary for every phase: 20,000 pseudo-words, Zipf-distributed
    vocab = ["".join(vocab_rng.choice(chars) for _ in range(vocab_rng.choice((2, 2, 3)))) for _ in range(20_000)]
    cum = list(itertools.accumulate(1 / (r + 1) for r in range(len(vocab))))
    for _ in range(n):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(10, 40))
        chosen = rng.sample(variables, rng.choice((0, 1, 1, 2, 3)))
        for vid in chosen:
            words.insert(rng.randrange(len(words) + 1), rng.choice(terms[vid]))
        if rng.random() < 0.2:
            words += rng.sample(FILLER_EN, 6)
        texts.append("，".join(words[:8]) + "".join(words[8:]) + "。")
        labels.append([v for v in chosen if rng.random() > 0.1])  # 10% of codes missed, as coders do
    return texts, labels


def peak_mb() -> float:
    """This process's peak resident memory (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, args: argparse.Namespace) -> dict[str, float]:
    """Run one phase in this process and return its measurements."""
    import numpy as np

    from corpus_tools.text.tokenize import Tokenizer

    work = Path(args.work)
    if name == "tokenize":  # baseline: bare tokenization of the suggest input
        texts, _ = generate(args.suggest_n, args.seed + 1)
        tok = Tokenizer("rjieba")
        t = time.perf_counter()
        for x in texts:
            tok.tokenize(x)
        return {"seconds": time.perf_counter() - t, "n": len(texts)}
    if name == "train":
        from corpus_tools.lexicon.formats import load_lexicon
        from corpus_tools.suggest.model import SuggestionModel
        from corpus_tools.suggest.persistence import save_model

        texts, labels = generate(args.train_n, args.seed)
        lex = load_lexicon("mass_entrepreneurship")
        Y = np.array([[int(c in ls) for c in lex.variable_ids] for ls in labels])
        t = time.perf_counter()
        # retraining from the store: passages come in documents (10 each here), so the inner calibration folds
        # are grouped by document, as in `train` and the review loop
        model = SuggestionModel([lex], random_state=args.seed).fit(texts, Y, lex.variable_ids,
                                                                   [f"t{i}" for i in range(len(texts))],
                                                                   groups=[f"doc{i // 10}" for i in range(len(texts))])
        fit = time.perf_counter() - t
        save_model(model, work / "model")
        return {"seconds": fit, "n": len(texts), "features": float(model.features_.n_features)}
    if name == "suggest":
        import pandas as pd

        from corpus_tools.suggest.apply import suggest_table_file
        from corpus_tools.suggest.persistence import load_model

        texts, _ = generate(args.suggest_n, args.seed + 1)
        src = work / "input.csv"
        pd.DataFrame({"id": [f"s{i}" for i in range(len(texts))], "text": texts}).to_csv(src, index=False)
        del texts
        model = load_model(work / "model")
        t = time.perf_counter()
        n = suggest_table_file(model, src, work / "suggestions.csv")
        return {"seconds": time.perf_counter() - t, "n": n}
    if name == "latency":
        from corpus_tools.review.session import suggest_entry
        from corpus_tools.suggest.persistence import load_model
        from corpus_tools.text.tokenize import Tokenizer

        texts, _ = generate(args.latency_n, args.seed + 2)
        model = load_model(work / "model")
        tok = Tokenizer("rjieba")
        suggest_entry(model, texts[0])  # warm-up (first call builds caches)
        lat, base = [], []
        for x in texts:
            t = time.perf_counter()
            suggest_entry(model, x)  # probabilities + explanation (terms, features, nearest coded passage)
            lat.append(time.perf_counter() - t)
            t = time.perf_counter()
            tok.tokenize(x)
            base.append(time.perf_counter() - t)
        item_lat = review_item_latency(model, work, args)
        return {"p50_ms": 1000 * float(np.percentile(lat, 50)), "p95_ms": 1000 * float(np.percentile(lat, 95)),
                "tok_p50_ms": 1000 * float(np.percentile(base, 50)), "n": len(texts),
                "item_p50_ms": 1000 * float(np.percentile(item_lat, 50)),
                "item_p95_ms": 1000 * float(np.percentile(item_lat, 95)), "item_n": len(item_lat)}
    raise SystemExit(f"unknown phase {name}")


def write_corpus_folder(root: Path, texts: list[str], per_doc: int = 10) -> Path:
    """A corpus folder (corpus.toml, documents.csv, texts/) with `per_doc` paragraphs per document."""
    import csv

    (root / "texts").mkdir(parents=True)
    (root / "corpus.toml").write_text('name = "bench"\nlexicons = ["mass_entrepreneurship"]\n', encoding="utf-8")
    with (root / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["doc_id", "path", "title", "source_type", "date"])
        for d in range(0, len(texts), per_doc):
            did = f"B{d // per_doc:05d}"
            (root / "texts" / f"{did}.txt").write_text("\n\n".join(texts[d:d + per_doc]), encoding="utf-8")
            w.writerow([did, f"texts/{did}.txt", did, ("media", "interview", "government")[d % 3], "2014-05-01"])
    return root


def review_item_latency(model: object, work: Path, args: argparse.Namespace) -> list[float]:
    """Seconds per full ReviewSession.item() for --latency-n entries of a --review-corpus-n entry corpus."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.review.session import ReviewSession
    from corpus_tools.store import CodingStore

    texts, _ = generate(args.review_corpus_n, args.seed + 3)
    corpus = load_corpus(write_corpus_folder(work / "review-corpus", texts))
    store = CodingStore(work / "review.sqlite")
    session = ReviewSession(store, corpus, model, "bench", "document")  # type: ignore[arg-type]
    ids = list(corpus.entries["entry_id"])
    chosen = random.Random(args.seed).sample(ids, min(args.latency_n, len(ids)))
    session.item(chosen[0])  # warm-up
    out = []
    for eid in chosen:
        t = time.perf_counter()
        session.item(eid)
        out.append(time.perf_counter() - t)
    store.close()
    return out


def run_phase(name: str, args: argparse.Namespace) -> dict[str, float]:
    """Run a phase in a fresh interpreter; its JSON result plus peak memory."""
    cmd = [sys.executable, __file__, "--phase", name, "--work", args.work, "--suggest-n", str(args.suggest_n),
           "--train-n", str(args.train_n), "--latency-n", str(args.latency_n),
           "--review-corpus-n", str(args.review_corpus_n), "--seed", str(args.seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Run every phase (or with --train-only: the tokenization baseline and the retrain) and print rates,
    memory and ratios against the tokenization baseline."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suggest-n", type=int, default=100_000)
    parser.add_argument("--train-n", type=int, default=5_000)
    parser.add_argument("--latency-n", type=int, default=500)
    parser.add_argument("--review-corpus-n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-only", action="store_true", help="Only the baseline and the 5,000-passage retrain.")
    parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
    parser.add_argument("--work", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        res = phase(args.phase, args)
        res["peak_mb"] = peak_mb()
        print(json.dumps(res))
        return
    args.work = tempfile.mkdtemp(prefix="bench-suggest-")
    import os

    tok = run_phase("tokenize", args)
    train = run_phase("train", args)
    tok_rate = tok["n"] / tok["seconds"]
    print(f"command: python {' '.join(sys.argv)}")
    print(f"baseline  tokenize {tok['n']:>7} entries: {tok_rate:9.0f} entries/s   peak {tok['peak_mb']:6.0f} MiB")
    tr_rate = train["n"] / train["seconds"]
    print(f"train     {train['n']:>7} coded entries: {train['seconds']:6.1f} s = {tr_rate:7.0f} entries/s   "
          f"peak {train['peak_mb']:6.0f} MiB   ({int(train['features'])} features)   "
          f"{tok_rate / tr_rate:5.0f}x slower than tokenizing; retrain target < 30 s on {os.cpu_count()} cores: "
          f"{'met' if train['seconds'] < 30 else 'NOT met'} ({train['seconds'] / 30:.2f} of the budget)")
    if args.train_only:
        return
    sugg = run_phase("suggest", args)
    lat = run_phase("latency", args)
    s_rate = sugg["n"] / sugg["seconds"]
    print(f"suggest   {sugg['n']:>7} entries (with WHY): {sugg['seconds']:6.1f} s = {s_rate:7.0f} entries/s   "
          f"peak {sugg['peak_mb']:6.0f} MiB   {tok_rate / s_rate:5.1f}x slower than tokenizing")
    print(f"review    one entry (probabilities + why): p50 {lat['p50_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms "
          f"(target p95 < 50 ms: {'met' if lat['p95_ms'] < 50 else 'NOT met'}); "
          f"{lat['p50_ms'] / lat['tok_p50_ms']:.0f}x a bare tokenization ({lat['tok_p50_ms']:.2f} ms)")
    print(f"review    full ReviewSession.item() ({lat['item_n']} entries of a {args.review_corpus_n}-entry corpus): "
          f"p50 {lat['item_p50_ms']:.1f} ms, p95 {lat['item_p95_ms']:.1f} ms "
          f"(target p95 < 50 ms: {'met' if lat['item_p95_ms'] < 50 else 'NOT met'}); "
          f"{lat['item_p50_ms'] / lat['tok_p50_ms']:.0f}x a bare tokenization")


if __name__ == "__main__":
    main()
