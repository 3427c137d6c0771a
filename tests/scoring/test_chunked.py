"""Scoring chunk by chunk into Parquet gives exactly the in-memory result, and what is read back from the files
(term counts, the report's evidence sample) equals what the in-memory evidence gives."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.io.parquet_parts import ParquetParts, iter_frames, parquet_to_table, read_frame
from corpus_tools.io.tables import write_table
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.report.evidence import top_passages
from corpus_tools.scoring.chunked import score_to_parquet
from corpus_tools.scoring.evidence_queries import term_counts, top_entry_evidence
from corpus_tools.scoring.parallel import texts_scorer
from corpus_tools.scoring.score import Scorer, score_levels
from corpus_tools.text.tokenize import Tokenizer
from tests.conftest import MakeCorpus

PARAS = ["村里租金便宜，门槛低，很多年轻人开网店。", "政府组织电商培训班，还给小额贷款。", "利润不高，也不便宜。",
         "Rents are low and profits high; the government offered training.", "The shop is not cheap.",
         "快递公司在村里设点，物流方便了。", "Nothing to see here.", "網店的利潤很高，政府補貼。"]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")], Tokenizer("rjieba"))


def messy_corpus(make_corpus: MakeCorpus, n: int = 30, seed: int = 3) -> Corpus:
    """Mixed zh/en documents of 1-5 paragraphs, some repeated (duplicates), some without outlet or date, one
    empty line only, one with a missing-valued column in whole stretches of documents."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        text = "\n\n".join(rng.choice(PARAS) for _ in range(rng.randrange(1, 6)))
        if i % 11 == 5:
            text = docs[i - 1]["text"]  # a near-duplicate document
        docs.append({"doc_id": f"M{i:03d}", "text": text, "lang": "en" if "e" in text[:3] else "zh-Hans",
                     "date": "" if i % 7 == 3 else f"{2009 + i % 9}-0{1 + i % 9}-15",
                     "outlet": "" if i < 12 else rng.choice(["A", "B"]),
                     "source_type": rng.choice(["media", "interview", "government"])})
    return load_corpus(make_corpus(docs))


@pytest.mark.parametrize("chunk", [1, 4, 1000])
def test_chunked_files_equal_the_in_memory_frames(make_corpus: MakeCorpus, scorer: Scorer, tmp_path: Path,
                                                  chunk: int) -> None:
    corpus = messy_corpus(make_corpus)
    docs, entries = score_levels(corpus, scorer, dedupe=True)
    res = score_to_parquet(corpus, scorer, tmp_path, dedupe=True, chunk_entries=chunk)
    assert res.chunks == -(-len(corpus.entries) // chunk)  # one row group per chunk: many chunks with a tiny size
    pd.testing.assert_frame_equal(res.documents.scores, docs.scores)
    assert res.documents.summary == docs.summary and len(entries.evidence) > 20
    pd.testing.assert_frame_equal(read_frame(res.entry_scores), entries.scores)
    pd.testing.assert_frame_equal(read_frame(res.evidence), entries.evidence)
    for name, frame, path in (("s", entries.scores, res.entry_scores), ("e", entries.evidence, res.evidence)):
        # the CSV written batch by batch from the file is byte for byte the CSV of the whole frame
        a = write_table(frame, tmp_path / f"{name}_mem.csv")
        b = parquet_to_table(path, tmp_path / f"{name}_file.csv", batch_rows=7)
        assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.glob(".*part*"))


def test_chunked_with_two_workers_is_identical(make_corpus: MakeCorpus, scorer: Scorer, tmp_path: Path) -> None:
    corpus = messy_corpus(make_corpus, n=24, seed=5)
    one = score_to_parquet(corpus, scorer, tmp_path / "one", chunk_entries=5)
    two = score_to_parquet(corpus, scorer, tmp_path / "two", chunk_entries=5,
                           score_many=texts_scorer(scorer, workers=2))
    assert one.evidence.read_bytes() == two.evidence.read_bytes()
    assert one.entry_scores.read_bytes() == two.entry_scores.read_bytes()


def test_an_interrupted_chunked_run_leaves_no_file(make_corpus: MakeCorpus, scorer: Scorer, tmp_path: Path) -> None:
    corpus = messy_corpus(make_corpus)
    calls = {"n": 0}

    def failing(texts: list[str]) -> list[object]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return [scorer.score_text(t) for t in texts]

    with pytest.raises(KeyboardInterrupt):
        score_to_parquet(corpus, scorer, tmp_path / "out", chunk_entries=3, score_many=failing)  # type: ignore[arg-type]
    assert list((tmp_path / "out").iterdir()) == []  # neither the files nor their partial versions


def test_parts_cast_all_missing_columns_to_the_declared_type(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with ParquetParts(tmp_path / "x.parquet", {"outlet": pa.string()}) as parts:
        parts.write(pd.DataFrame({"id": ["a"], "outlet": [None]}))
        parts.write(pd.DataFrame({"id": ["b", "c"], "outlet": ["X", None]}))
    back = read_frame(tmp_path / "x.parquet")
    assert list(back["id"]) == ["a", "b", "c"] and back["outlet"].iloc[1] == "X"
    assert pq.ParquetFile(tmp_path / "x.parquet").num_row_groups == 2  # one row group per chunk
    assert [len(f) for f in iter_frames(tmp_path / "x.parquet", batch_rows=2)] == [2, 1]


def test_queries_on_the_file_equal_queries_on_the_frame(make_corpus: MakeCorpus, scorer: Scorer,
                                                        tmp_path: Path) -> None:
    corpus = messy_corpus(make_corpus, n=40, seed=9)
    _, entries = score_levels(corpus, scorer)
    res = score_to_parquet(corpus, scorer, tmp_path, chunk_entries=6)
    langs = dict(zip(corpus.docs["doc_id"], corpus.docs["lang"], strict=True))
    pd.testing.assert_frame_equal(term_counts(res.evidence, langs), term_counts(entries.evidence, langs))
    counted = entries.counted_evidence()
    planted = counted[counted["variable"] == counted["variable"].iloc[0]]
    assert term_counts(entries.evidence, langs).query(f"variable == '{planted['variable'].iloc[0]}'")["n"].sum() \
        == len(planted)
    sample = top_entry_evidence(res.evidence)
    assert 0 < len(sample) < len(counted)  # a sample, not the whole evidence
    full = top_passages(counted, corpus.entries, corpus.docs)
    assert top_passages(sample, corpus.entries, corpus.docs) == full
    for rows in (1, 2, 5, 17):  # batches that cut entries apart: the running top list still finds the same
        pd.testing.assert_frame_equal(top_entry_evidence(res.evidence, batch_rows=rows), sample)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(res.evidence).metadata.num_row_groups > 1  # rows picked out of several row groups
    whole = pq.read_table(res.evidence).to_pandas()  # the chosen entries' counted rows, every column, in file order
    want = whole[whole["counted"].astype(bool) & whole["entry_id"].astype(str).isin(set(sample["entry_id"]))]
    pd.testing.assert_frame_equal(sample, want.reset_index(drop=True))
    assert top_passages(top_entry_evidence(entries.evidence), corpus.entries, corpus.docs) == full


@pytest.mark.parametrize("max_rows", [7, 40, 100_000])
def test_the_explorer_built_from_the_file_equals_the_one_from_the_whole_evidence(
        make_corpus: MakeCorpus, scorer: Scorer, tmp_path: Path, max_rows: int) -> None:
    from corpus_tools.report.explorer import explorer_data
    from corpus_tools.scoring.evidence_queries import evidence_overview

    corpus = messy_corpus(make_corpus, n=30, seed=4)
    _, entries = score_levels(corpus, scorer)
    res = score_to_parquet(corpus, scorer, tmp_path, chunk_entries=5)
    full = explorer_data(entries.evidence, corpus.entries, corpus.docs, {}, {}, max_rows=max_rows)
    ov = evidence_overview(res.evidence, max_rows, batch_rows=3)
    assert len(ov.sample) == min(max_rows, len(entries.evidence)) and ov.n_rows == len(entries.evidence)
    got = explorer_data(ov.sample, corpus.entries, corpus.docs, {}, {}, max_rows=max_rows, n_rows=ov.n_rows,
                        per_doc_hits=ov.per_doc, variables=ov.variables)
    assert got.payload == full.payload and got.n_shown == full.n_shown and got.capped == full.capped
