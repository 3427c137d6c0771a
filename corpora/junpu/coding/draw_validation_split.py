"""Fix the development/test split of the coded samples by DOCUMENT (issue 11; reproducible: fixed seed).

Every document of the corpus is assigned to `dev` or `test`, half and half inside each source type x
language stratum (odd strata give the extra document to `test`), by a seeded random permutation. Lexicon
revisions may look only at `dev` entries; the published figures are the `test` ones. Splitting by document
keeps the entries of one article or interview together, so near-identical sentences cannot sit on both
sides. Drawn once, before any lexicon revision, and never redrawn. Run from the repository root:

    python corpora/junpu/coding/draw_validation_split.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corpus_tools.corpus.loader import load_corpus

SEED = 20150301


def draw(root: Path) -> pd.DataFrame:
    """doc_id, source_type, lang, split (dev/test) for every document, sorted by doc_id."""
    docs = load_corpus(root).docs[["doc_id", "source_type", "lang"]].sort_values("doc_id").reset_index(drop=True)
    rng = np.random.default_rng(SEED)
    split = pd.Series("", index=docs.index)
    for _key, group in docs.groupby(["source_type", "lang"], sort=True):
        order = rng.permutation(group.index.to_numpy())
        n_dev = len(order) // 2
        split[order[:n_dev]] = "dev"
        split[order[n_dev:]] = "test"
    return docs.assign(split=split)


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    table = draw(root)
    table.to_csv(root / "validation_split.csv", index=False)
    print(table.groupby(["source_type", "lang", "split"]).size().to_string())


if __name__ == "__main__":
    main()
