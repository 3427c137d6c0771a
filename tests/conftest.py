"""Shared fixtures: the bundled corpus (loaded once) and a factory for tiny corpus folders."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.io.resources import default_corpus
from tests.support.corpus import HEADER, STAGES_TOML


@pytest.fixture(scope="session", autouse=True)
def table_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tables and DataFrames used as corpora are imported into a folder of the test session, not the
    user's temporary directory."""
    root = tmp_path_factory.mktemp("table-cache")
    old = os.environ.get("CORPUS_TOOLS_TABLE_CACHE")
    os.environ["CORPUS_TOOLS_TABLE_CACHE"] = str(root)
    yield root
    if old is None:
        os.environ.pop("CORPUS_TOOLS_TABLE_CACHE", None)
    else:
        os.environ["CORPUS_TOOLS_TABLE_CACHE"] = old


@pytest.fixture(scope="session")
def junpu() -> Corpus:
    """The bundled Junpu corpus, loaded once per test session."""
    return load_corpus(default_corpus())


MakeCorpus = Callable[..., Path]


@pytest.fixture
def make_corpus(tmp_path: Path) -> MakeCorpus:
    """Build a corpus folder: make_corpus([{"doc_id": "D1", "text": "...", ...}], stages=True).

    Each doc dict may give `text` (str, written UTF-8 unless `raw` bytes are given), `file` (name under
    texts/), and any documents.csv column; defaults: source_type media, title = doc_id.
    """
    counter = {"n": 0}

    def build(docs: list[dict[str, Any]], stages: bool = True, lexicons: str = '["mass_entrepreneurship"]',
              name: str = "tiny") -> Path:
        counter["n"] += 1
        root = tmp_path / f"{name}{counter['n']}"
        (root / "texts").mkdir(parents=True)
        toml = f'name = "{name}"\nlexicons = {lexicons}\n' + (STAGES_TOML if stages else "")
        (root / "corpus.toml").write_text(toml, encoding="utf-8")
        with (root / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=HEADER)
            w.writeheader()
            for d in docs:
                fname = d.get("file", f"{d['doc_id']}.txt")
                if "raw" in d:
                    (root / "texts" / fname).write_bytes(d["raw"])
                elif "text" in d:
                    (root / "texts" / fname).write_text(d["text"], encoding="utf-8")
                row = {k: d.get(k, "") for k in HEADER}
                row["path"] = d.get("path", f"texts/{fname}")
                row["title"] = d.get("title", d["doc_id"])
                row["source_type"] = d.get("source_type", "media")
                w.writerow(row)
        return root

    return build
