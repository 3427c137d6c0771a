"""Draw the government-support coding sample of the bundled Junpu corpus (reproducible: fixed seed).

Design (issue 11, item 3): the pool is every entry of at least 12 characters that is not a near-duplicate
copy (the same pool rule as `draw_sample.py`). It is split into strata by source type x language x stage
(12 strata); each stratum gets its proportional share of `TOTAL` entries, raised to a floor of `FLOOR`
(or the whole stratum when it is smaller), so the sample is a little larger than `TOTAL`; drawn by
simple random sampling without replacement. The lexicon is
NOT consulted: entries with and without lexicon hits are drawn with the same probability inside a stratum,
so precision and recall of the lexicon can both be estimated. `weight` is the stratum's inverse sampling
fraction (N_h / n_h) for anyone who wants corpus-level estimates.

A random subset of `DOUBLE` entries, allocated to strata in proportion to the sample, is marked
`double_coded=1`: the second coder codes those blind (from `brief_gov.md` and this list only).

A coverage supplement (`part = supplement`, drawn after the main sample with its own seed and never
double-coded) adds `SUPPLEMENT_GOV` further entries of the government documents and `SUPPLEMENT_OFFICIALS`
further turns of the two officials interviewed (speakers O1, O2), at random and again without consulting
the lexicon: the main sample holds few passages on government measures (66 of 317 with a code), and these
are the sources that report them. The supplement is not representative of the corpus (`weight` empty);
its purpose is more positive codes for per-variable precision and recall.

Writes `gov_sample.csv` next to this script. Run from the repository root:

    python corpora/junpu/coding/draw_gov_sample.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corpus_tools.corpus.loader import load_corpus

SEED = 20141030  # fixed and recorded; chosen before drawing, never changed after looking
TOTAL = 300
FLOOR = 10
DOUBLE = 110
SUPPLEMENT_SEED = 20141031
SUPPLEMENT_GOV = 50
SUPPLEMENT_OFFICIALS = 25
COLUMNS = ["entry_id", "doc_id", "start", "end", "source_type", "lang", "stage", "speaker", "stratum", "weight",
           "double_coded", "part", "text"]


def allocate(sizes: pd.Series, total: int, floor: int) -> pd.Series:
    """Proportional allocation with a floor (capped at the stratum size), largest remainders first."""
    share = sizes / sizes.sum() * total
    alloc = np.minimum(np.maximum(np.floor(share), floor), sizes).astype(int)
    rest = total - int(alloc.sum())
    order = (share - np.floor(share)).sort_values(ascending=False).index
    for key in order:
        if rest <= 0:
            break
        if alloc[key] < sizes[key]:
            alloc[key] += 1
            rest -= 1
    return alloc


def draw(root: Path) -> pd.DataFrame:
    """The sample as a frame (columns COLUMNS), sorted by document and position."""
    corpus = load_corpus(root)
    e = corpus.entries_with_meta()
    e = e[(e["text"].str.len() >= 12) & (e["dup_of"] == "")].copy()
    e["stratum"] = e["source_type"] + "/" + e["lang"] + "/" + e["stage"]
    sizes = e.groupby("stratum").size()
    alloc = allocate(sizes, TOTAL, FLOOR)
    rng = np.random.default_rng(SEED)
    parts = []
    for stratum in sorted(alloc.index):
        pool = e[e["stratum"] == stratum].sort_values("entry_id")
        pick = rng.choice(len(pool), size=int(alloc[stratum]), replace=False)
        part = pool.iloc[np.sort(pick)].copy()
        part["weight"] = round(len(pool) / len(part), 4)
        parts.append(part)
    sample = pd.concat(parts)
    sample["double_coded"] = 0
    dbl = allocate(sample.groupby("stratum").size(), DOUBLE, 1)
    for stratum in sorted(dbl.index):
        idx = sample.index[sample["stratum"] == stratum]
        chosen = rng.choice(idx.to_numpy(), size=int(dbl[stratum]), replace=False)
        sample.loc[chosen, "double_coded"] = 1
    sample["part"] = "main"
    rest = e[~e["entry_id"].isin(sample["entry_id"])].sort_values("entry_id")
    rng2 = np.random.default_rng(SUPPLEMENT_SEED)
    extra = []
    for pool, n in ((rest[rest["source_type"] == "government"], SUPPLEMENT_GOV),
                    (rest[rest["speaker"].isin(["O1", "O2"])], SUPPLEMENT_OFFICIALS)):
        pick = rng2.choice(len(pool), size=min(n, len(pool)), replace=False)
        extra.append(pool.iloc[np.sort(pick)].assign(weight="", double_coded=0, part="supplement"))
    sample = pd.concat([sample, *extra]).sort_values(["doc_id", "start"])
    return sample[COLUMNS].reset_index(drop=True)


def main() -> None:
    here = Path(__file__).resolve().parent
    sample = draw(here.parent)
    sample.to_csv(here / "gov_sample.csv", index=False)
    print(f"{len(sample)} entries ({(sample['part'] == 'supplement').sum()} supplement), "
          f"{int(sample['double_coded'].sum())} double-coded")
    print(sample.groupby("stratum").agg(n=("entry_id", "size"), double=("double_coded", "sum")).to_string())


if __name__ == "__main__":
    main()
