"""The framing inputs `analyze` reads from the Parquet files batch by batch equal the whole-frame ones: Fig. 2 from
presence columns read a few rows at a time gives the same table as from all entry scores at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.framing import FIG2_LEXICONS, _measures
from corpus_tools.io.tables import write_table
from corpus_tools.jobs.analyze import _entries_table, _fig2_entries, lexicon_of
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.chunked import score_to_parquet
from corpus_tools.scoring.score import Scorer
from corpus_tools.text.tokenize import Tokenizer

GOV = ["政府组织电商培训，年轻人开网店。", "政府提供免费场地和贷款。", "培训班很受欢迎，快递也方便。",
       "村里的网店利润很高。"]


def test_fig2_from_batches_equals_whole_frame(make_corpus: Any, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [{"doc_id": f"D{i}", "date": f"{2010 + (i % 2) * 4}-0{1 + i % 9}-01",
             "text": "\n\n".join(GOV[(i + k) % 4] for k in range(1 + i % 4))} for i in range(12)]
    corpus = load_corpus(make_corpus(docs, lexicons='["government_support", "mass_entrepreneurship"]'))
    lex = [load_lexicon(n) for n in FIG2_LEXICONS]
    scored = score_to_parquet(corpus, Scorer(lex, Tokenizer()), tmp_path, chunk_entries=3)
    owners = lexicon_of(lex)
    d = scored.documents
    whole = scored.entries(["doc_id", *d.variable_ids, *d.construct_ids, "total", "n_tokens"])
    batched = _fig2_entries(scored, owners, batch_rows=2)
    assert len(batched.scores) == len(whole.scores) and set(batched.scores.columns) < set(whole.scores.columns)
    kwargs: dict[str, Any] = {"n_boot": 30, "n_perm": 49, "ci": 0.95, "seed": 1, "min_docs": 2}
    want, want_notes = _measures(corpus, whole, owners, FIG2_LEXICONS, **kwargs)
    got, got_notes = _measures(corpus, batched, owners, FIG2_LEXICONS, **kwargs)
    assert want is not None and got is not None and int(want["n_both"].sum()) > 0
    pd.testing.assert_frame_equal(got, want)
    assert got_notes == want_notes
    # the documents coded a batch at a time equal factorizing the whole column (the fallback when an entry names
    # a document that was not scored)
    from corpus_tools.jobs import analyze

    whole_codes = analyze._fig2_entries(scored, owners, batch_rows=100)
    monkeypatch.setattr(analyze, "_entry_doc_codes", lambda *a: None)
    factorized = analyze._fig2_entries(scored, owners, batch_rows=2)
    pd.testing.assert_frame_equal(whole_codes.scores, factorized.scores)
    assert whole_codes.scores["doc_id"].cat.codes.dtype == factorized.scores["doc_id"].cat.codes.dtype


def test_entries_table_in_slices_equals_the_merged_frame(make_corpus: Any, tmp_path: Path) -> None:
    docs = [{"doc_id": f"D{i}", "date": f"201{i % 6}-0{1 + i % 9}-01", "outlet": ["=A1", "人民日报", ""][i % 3],
             "text": "\n\n".join(GOV[(i + k) % 4] for k in range(1 + i % 4))} for i in range(9)]
    corpus = load_corpus(make_corpus(docs))
    want = write_table(corpus.entries_with_meta(), tmp_path / "whole.csv").read_bytes()
    for rows in (1, 2, 5, 10_000):
        assert _entries_table(corpus, tmp_path / f"sliced{rows}.csv", rows=rows).read_bytes() == want
