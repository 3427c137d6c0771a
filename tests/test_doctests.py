"""The examples in the public API's docstrings run (the notebook API is documented by them)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["corpus_tools.corpus.loader", "corpus_tools.corpus.junk",
           "corpus_tools.corpus.formats", "corpus_tools.text.lang", "corpus_tools.scoring.frames",
           "corpus_tools.scoring.kwic", "corpus_tools.jobs.analyze"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
