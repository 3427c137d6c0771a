"""Open a corpus from whatever a researcher has: a Corpus, a DataFrame, a corpus folder or a table file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from corpus_tools.corpus.from_table import Columns, frame_corpus_folder, table_corpus_folder
from corpus_tools.corpus.loader import Corpus, load_corpus

if TYPE_CHECKING:
    import pandas as pd


def open_corpus(source: Corpus | pd.DataFrame | str | Path | None, columns: Columns | None = None, *,
                lexicons: tuple[str, ...] = ("mass_entrepreneurship",)) -> Corpus:
    """A Corpus from a loaded Corpus (returned as is), a DataFrame of texts, a corpus folder or a table file
    (CSV/TSV/XLSX/JSONL/Parquet, imported once into a cache folder); None is the bundled corpus. A table's
    row problems (import.json) come first in the corpus's problems."""
    import pandas as pd

    columns = columns or Columns()
    if isinstance(source, Corpus):
        return source
    if source is None:
        return bundled_corpus()
    if isinstance(source, pd.DataFrame):
        imported = frame_corpus_folder(source, columns, lexicons=lexicons)
        return load_corpus(imported.root)
    path = Path(source).expanduser()
    if path.is_dir():
        return load_corpus(path)
    imported = table_corpus_folder(path, columns)
    return load_corpus(imported.root)


def bundled_corpus() -> Corpus:
    """The bundled Junpu corpus (invented texts; see its README), loaded.

    >>> import corpus_tools as ct
    >>> c = ct.bundled_corpus()
    >>> c.config.name, len(c.docs) > 100
    ('junpu', True)
    """
    from corpus_tools.io.resources import default_corpus

    return load_corpus(default_corpus())
