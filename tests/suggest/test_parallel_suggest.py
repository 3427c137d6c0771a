"""Suggesting in chunks, in worker processes or as Dask tasks gives exactly the one-process table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.suggest.apply import suggest_corpus
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.parallel import SuggesterSpec, suggest_corpus_parallel
from corpus_tools.suggest.persistence import load_model, save_model
from corpus_tools.suggest.training import collect
from tests.support.coding import coded_corpus

LEX = ["mass_entrepreneurship"]


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return coded_corpus(tmp_path_factory.mktemp("psuggest") / "corpus", 6, 8, n_a=40, n_b=0)


@pytest.fixture(scope="module")
def saved(coded: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = collect(coded, None, load_lexicon("mass_entrepreneurship").variable_ids)
    model = SuggestionModel(LEX, random_state=3).fit(data.texts, data.Y, data.codes, data.ids)
    folder = tmp_path_factory.mktemp("model") / "m"
    save_model(model, folder)
    return folder


def test_lexicon_suggestions_in_two_workers_equal_one_process(coded: Corpus) -> None:
    spec = SuggesterSpec((load_lexicon("mass_entrepreneurship"),), "rjieba")
    whole = suggest_corpus(spec.build(), coded)
    assert whole["codes"].str.len().gt(0).sum() > 5  # the lexicon really suggests codes here
    pd.testing.assert_frame_equal(suggest_corpus_parallel(spec, coded, workers=1, chunk_entries=7), whole)
    pd.testing.assert_frame_equal(suggest_corpus_parallel(spec, coded, workers=2, chunk_entries=7), whole)


def test_model_suggestions_in_two_workers_equal_one_process(coded: Corpus, saved: Path) -> None:
    spec = SuggesterSpec.saved(saved)
    whole = suggest_corpus(load_model(saved), coded)
    assert (whole["similar_id"] != "").any() and (whole["in_training"] == 1).any()  # explanations exercised
    pd.testing.assert_frame_equal(suggest_corpus_parallel(spec, coded, workers=1, chunk_entries=9), whole)
    pd.testing.assert_frame_equal(suggest_corpus_parallel(spec, coded, workers=2, chunk_entries=9), whole)


def test_a_retrained_model_in_the_same_folder_is_a_new_spec(saved: Path) -> None:
    before = SuggesterSpec.saved(saved)
    meta = saved / "model.json"
    text = meta.read_text(encoding="utf-8")
    try:
        meta.write_text(text.replace("{", "{ ", 1), encoding="utf-8")
        assert SuggesterSpec.saved(saved).key != before.key
    finally:
        meta.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_suggestions_on_a_dask_local_cluster_equal_one_process(coded: Corpus) -> None:
    pytest.importorskip("distributed")
    spec = SuggesterSpec((load_lexicon("mass_entrepreneurship"),), "rjieba")
    whole = suggest_corpus(spec.build(), coded)
    on_dask = suggest_corpus_parallel(spec, coded, workers=2, dask="local", chunk_entries=10)
    pd.testing.assert_frame_equal(on_dask, whole)


@pytest.mark.parametrize(("kind", "workers", "size"), [("model", 1, 1), ("model", 2, 5), ("lexicon", 1, 4),
                                                    ("lexicon", 2, 10_000)])
def test_suggestions_written_chunk_by_chunk_equal_the_whole_table(coded: Corpus, saved: Path, tmp_path: Path,
                                                                   kind: str, workers: int, size: int) -> None:
    from corpus_tools.io.parquet_parts import read_frame
    from corpus_tools.suggest.parallel import iter_suggestions, suggest_to_parquet

    spec = SuggesterSpec.saved(saved) if kind == "model" else SuggesterSpec((load_lexicon(LEX[0]),), "rjieba")
    whole = suggest_corpus(spec.build(), coded)  # one entry per chunk, a few, all at once
    parts = list(iter_suggestions(spec, coded, workers=workers, chunk_entries=size))
    assert len(parts) == -(-len(coded.entries) // size)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    out = suggest_to_parquet(spec, coded, tmp_path / "s.parquet", workers=workers, chunk_entries=size)
    pd.testing.assert_frame_equal(read_frame(out.path), whole)
    assert out.n_entries == len(whole) and out.n_with_codes == int((whole["codes"] != "").sum()) > 0
    assert out.chunks == len(parts) and [p.name for p in tmp_path.iterdir()] == ["s.parquet"]


def test_an_empty_corpus_gives_a_table_with_its_columns(coded: Corpus, tmp_path: Path) -> None:
    import dataclasses

    from corpus_tools.io.parquet_parts import read_frame
    from corpus_tools.suggest.apply import columns
    from corpus_tools.suggest.parallel import suggest_to_parquet

    spec = SuggesterSpec((load_lexicon("mass_entrepreneurship"),), "rjieba")
    empty = dataclasses.replace(coded, entries=coded.entries.iloc[:0])
    out = suggest_to_parquet(spec, empty, tmp_path / "s.parquet", workers=2)
    cols = columns(spec.build())
    assert (out.n_entries, out.n_with_codes) == (0, 0)
    assert list(read_frame(out.path).columns) == [cols[0], "doc_id", *cols[1:]]
    assert list(suggest_corpus_parallel(spec, empty).columns) == [cols[0], "doc_id", *cols[1:]]
