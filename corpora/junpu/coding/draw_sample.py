"""Draw the coding sample of the bundled Junpu corpus (reproducible: fixed seed).

Writes, into the folder given as argument, one pool and one sample file per primary-coding part
(A1: media M001-M051, A2: media M052-M104, A3: interviews and government documents) and the list of
entries for the independent second coder (B). Run from the repository root:

    python corpora/junpu/coding/draw_sample.py /tmp/coding
"""

from __future__ import annotations

import sys
from pathlib import Path

from corpus_tools.corpus.loader import load_corpus

SEED = 20150108
SIZES = {"A1": 200, "A2": 200, "A3": 220}
SECOND_CODER = 170


def main(out: Path) -> None:
    corpus = load_corpus(Path(__file__).resolve().parents[1])
    e = corpus.entries_with_meta()
    e = e[(e["text"].str.len() >= 12) & (e["dup_of"] == "")]
    num = e["doc_id"].str[1:].astype(int)
    parts = {
        "A1": e[(e["source_type"] == "media") & (num <= 51)],
        "A2": e[(e["source_type"] == "media") & (num >= 52)],
        "A3": e[e["source_type"] != "media"],
    }
    out.mkdir(parents=True, exist_ok=True)
    samples = []
    cols = ["entry_id", "doc_id", "start", "end", "source_type", "stage", "date", "title", "speaker", "text"]
    for name, pool in parts.items():
        pool[cols].to_csv(out / f"pool_{name}.csv", index=False)
        sample = pool.groupby("doc_id", group_keys=False).sample(frac=1.0, random_state=SEED)
        sample = sample.sample(n=min(SIZES[name], len(sample)), random_state=SEED).sort_values(["doc_id", "start"])
        sample[cols].to_csv(out / f"sample_{name}.csv", index=False)
        samples.append(sample)
        print(name, len(pool), len(sample))
    second = [s.sample(n=SECOND_CODER // 3 + (1 if i == 0 else 0), random_state=SEED + 1) for i, s in enumerate(samples)]
    import pandas as pd

    b = pd.concat(second).sort_values(["doc_id", "start"])
    b[cols].to_csv(out / "sample_B.csv", index=False)
    print("B", len(b))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
