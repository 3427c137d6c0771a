"""Whole chunks scored in workers (texts, entry rows, evidence rows, document counts) give the files of one
process; the pipeline keeps only a few chunks out at once; a worker that dies stops the run with a clear
error and leaves no file that looks complete."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.errors import WorkerError
from corpus_tools.io.parquet_parts import read_frame
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring import chunked
from corpus_tools.scoring.chunk_pool import ChunkJob, ChunkRunner, score_chunk_tables
from corpus_tools.scoring.chunked import score_to_parquet
from corpus_tools.scoring.rows import ChunkScores, EntryChunk
from corpus_tools.scoring.score import LevelScoring, Scorer, score_levels
from corpus_tools.text.tokenize import Tokenizer
from tests.conftest import MakeCorpus
from tests.scoring.test_chunked import messy_corpus


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")], Tokenizer("rjieba"))


def _files(folder: Path) -> tuple[bytes, bytes]:
    return (folder / "scores_entries.parquet").read_bytes(), (folder / "evidence.parquet").read_bytes()


def test_one_and_two_workers_give_identical_files_and_document_scores(make_corpus: MakeCorpus, scorer: Scorer,
                                                                      tmp_path: Path) -> None:
    corpus = messy_corpus(make_corpus, n=40, seed=11)
    one = score_to_parquet(corpus, scorer, tmp_path / "one", dedupe=True, chunk_entries=6)
    two = score_to_parquet(corpus, scorer, tmp_path / "two", dedupe=True, chunk_entries=6, workers=2)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    pd.testing.assert_frame_equal(one.documents.scores, two.documents.scores)
    assert one.documents.summary == two.documents.summary and one.chunks == two.chunks > 5
    docs, entries = score_levels(corpus, scorer, dedupe=True)  # and both are the in-memory pass
    pd.testing.assert_frame_equal(two.documents.scores, docs.scores)
    pd.testing.assert_frame_equal(read_frame(two.evidence), entries.evidence)
    assert len(entries.evidence) > 20 and entries.scores["total"].sum() > 0


@pytest.mark.slow
def test_a_dask_local_cluster_gives_the_same_files(make_corpus: MakeCorpus, scorer: Scorer, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    corpus = messy_corpus(make_corpus, n=30, seed=2)
    one = score_to_parquet(corpus, scorer, tmp_path / "one", chunk_entries=8)
    on_dask = score_to_parquet(corpus, scorer, tmp_path / "dask", chunk_entries=8, workers=2, dask="local")
    assert _files(tmp_path / "one") == _files(tmp_path / "dask")  # Dask workers rebuild the scorer from its spec
    pd.testing.assert_frame_equal(one.documents.scores, on_dask.documents.scores)
    assert one.documents.summary == on_dask.documents.summary


def test_the_pipeline_keeps_at_most_prefetch_chunks_out(make_corpus: MakeCorpus, scorer: Scorer,
                                                        tmp_path: Path) -> None:
    corpus = messy_corpus(make_corpus, n=30, seed=6)
    score_to_parquet(corpus, scorer, tmp_path / "one", chunk_entries=3)
    with ChunkRunner(scorer, workers=2, prefetch=3) as runner:
        two = score_to_parquet(corpus, scorer, tmp_path / "two", chunk_entries=3, runner=runner)
        assert runner._pool is not None  # the caller's runner stays open until the caller closes it
    assert two.chunks > 6 and runner.max_out == 3  # never more than `prefetch` chunks out at once
    assert _files(tmp_path / "one") == _files(tmp_path / "two") and runner._pool is None


def test_chunks_cut_in_the_parent_give_the_same_rows(make_corpus: MakeCorpus, scorer: Scorer) -> None:
    corpus = messy_corpus(make_corpus, n=20, seed=7)
    levels = LevelScoring(corpus, scorer)
    job = ChunkJob.of(scorer, levels.settings)
    here = [score_chunk_tables(job, levels.chunk(lo, min(len(levels), lo + 5), i))
            for i, lo in enumerate(range(0, len(levels), 5))]
    with ChunkRunner(scorer, workers=2, inherit=False) as shipped:  # each chunk's data travels with its task
        got = list(shipped.map(score_chunk_tables, job, levels, [(lo, min(len(levels), lo + 5))
                                                                 for lo in range(0, len(levels), 5)]))
    assert [g.entries.equals(h.entries) for g, h in zip(got, here, strict=True)] == [True] * len(here)
    assert all((g.doc_counts == h.doc_counts).all() and g.doc_ids == h.doc_ids for g, h in zip(got, here, strict=True))


_PARENT = os.getpid()


def _dying(job: ChunkJob, chunk: EntryChunk) -> ChunkScores:
    """The chunk task, except that a worker process dies on its first chunk (as when the OS kills it)."""
    if os.getpid() != _PARENT:
        os._exit(9)
    return score_chunk_tables(job, chunk)


def test_a_worker_that_dies_stops_the_run_and_leaves_no_file(make_corpus: MakeCorpus, scorer: Scorer,
                                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = messy_corpus(make_corpus, n=30, seed=8)
    monkeypatch.setattr(chunked, "score_chunk_tables", _dying)  # forked workers see the patched task
    out = tmp_path / "out"
    spools = set(Path(tempfile.gettempdir()).glob("corpus-tools-chunks-*")) | set(
        Path("/dev/shm").glob("corpus-tools-chunks-*"))
    with pytest.raises(WorkerError, match=r"worker stopped before chunk \d+ \(entries \d+-\d+\) was scored"):
        score_to_parquet(corpus, scorer, out, chunk_entries=4, workers=2)
    assert not out.exists() or list(out.iterdir()) == []  # neither the files nor their partial versions
    left = set(Path(tempfile.gettempdir()).glob("corpus-tools-chunks-*")) | set(
        Path("/dev/shm").glob("corpus-tools-chunks-*"))
    assert left <= spools  # nor the results the workers handed over
    monkeypatch.undo()
    score_to_parquet(corpus, scorer, out, chunk_entries=4, workers=2)  # a new run is not disturbed
    assert sorted(p.name for p in out.iterdir()) == ["evidence.parquet", "scores_entries.parquet"]
