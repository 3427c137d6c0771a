"""Reading the files in a forked process: the same corpus, its errors as they were, nothing left behind."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.corpus import loader
from corpus_tools.corpus.batches import EntryBatches
from corpus_tools.corpus.handoff import ReadFiles, read_in_process
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.errors import CorpusError, WorkerError
from corpus_tools.io.mapped import is_mapped
from tests.conftest import MakeCorpus


def _docs(n: int) -> list[dict[str, str]]:
    return [{"doc_id": f"D{i}", "date": "" if i % 7 == 0 else f"{2009 + i % 8}-05-01",
             "text": f"第{i}段：村里租金便宜，门槛低。\n\nRents are low, {i} shops opened.\n\n"
                     + ("Menu | Home | News\n\n" if i % 3 == 0 else "") + "政府提供培训和贷款。" * (i % 4 + 1)}
            for i in range(n)]


def test_the_forked_read_gives_the_corpus_read_here(make_corpus: MakeCorpus, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers inside the reading process too; every frame and problem equal; the frames' strings mapped."""
    monkeypatch.setattr(loader, "_PARALLEL_MIN_ROWS", 0)
    root = make_corpus(_docs(30))
    (root / "texts" / "stray.txt").write_text("未列出的文件。", encoding="utf-8")
    here = load_corpus(root, workers=2)
    spill = tmp_path / "spill"
    forked = load_corpus(root, workers=2, spill=spill)
    for name in ("docs", "entries", "problems"):
        pd.testing.assert_frame_equal(getattr(forked, name), getattr(here, name))
    assert forked.problem_list == here.problem_list
    assert any(p.code == "unlisted-file" for p in forked.problem_list)
    assert is_mapped(forked.entries["doc_id"]) and is_mapped(forked.entries["text"])
    assert list(spill.iterdir()) == []


def _fails(batches: EntryBatches) -> ReadFiles:
    raise CorpusError("documents.csv is odd", hint="fix it")


def _buggy(batches: EntryBatches) -> ReadFiles:
    raise KeyError("missing")


def _killed(batches: EntryBatches) -> ReadFiles:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("not reached")


def _interrupted(batches: EntryBatches) -> ReadFiles:
    raise KeyboardInterrupt


def test_an_error_in_the_reading_process_comes_back_as_it_was(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as caught:
        read_in_process(_fails, tmp_path)
    assert caught.value.message == "documents.csv is odd" and caught.value.hint == "fix it"
    with pytest.raises(RuntimeError, match="KeyError: 'missing'"):  # a bug: its traceback
        read_in_process(_buggy, tmp_path)
    with pytest.raises(KeyboardInterrupt):
        read_in_process(_interrupted, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_killed_reading_process_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(WorkerError, match="exit code -9"):
        read_in_process(_killed, tmp_path)
    assert list(tmp_path.iterdir()) == []
