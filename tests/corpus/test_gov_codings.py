"""The bundled government-support coded sample: every row resolves, the design's sizes hold, the split is fixed."""

from __future__ import annotations

import pandas as pd

from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.store.codings import read_codings


def test_government_support_codes_resolve(junpu: Corpus) -> None:
    gs = load_lexicon("government_support")
    cod = read_codings(junpu, gs.variable_ids, "codings_government_support.csv")
    assert cod.problems == []
    coded = cod.long.groupby("coder")["entry_id"].nunique()
    assert coded["A"] >= 300
    assert set(cod.long["code"]) - {"none"} <= set(gs.variable_ids)
    sample = pd.read_csv(junpu.root / "coding" / "gov_sample.csv", dtype=str, keep_default_na=False)
    main = sample[sample["part"] == "main"]
    assert len(main) >= 300 and int(main["double_coded"].astype(int).sum()) >= 100
    assert set(sample["entry_id"]) == set(cod.long.loc[cod.long["coder"] == "A", "entry_id"])
    if "B" in coded:  # the blind second coder codes only the marked entries
        b = set(cod.long.loc[cod.long["coder"] == "B", "entry_id"])
        assert b <= set(main.loc[main["double_coded"] == "1", "entry_id"])


def test_validation_split_covers_every_document(junpu: Corpus) -> None:
    split = pd.read_csv(junpu.root / "validation_split.csv", dtype=str)
    assert set(split["doc_id"]) == set(junpu.docs["doc_id"])
    assert set(split["split"]) == {"dev", "test"}
    counts = split["split"].value_counts()
    assert abs(counts["dev"] - counts["test"]) <= len(split.groupby(["source_type", "lang"]))
