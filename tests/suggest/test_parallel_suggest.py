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
