"""Exception types whose messages tell a researcher what went wrong and what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CorpusToolsError(Exception):
    """Base class: the CLI prints the message and exits non-zero, without a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class CorpusError(CorpusToolsError):
    """A corpus folder cannot be read at all (missing corpus.toml or documents.csv, bad TOML)."""


class ConfigError(CorpusToolsError):
    """A configuration value is invalid (stage dates, lexicon reference, option value)."""


class LexiconError(CorpusToolsError):
    """A lexicon file is malformed or refers to unknown constructs/variables."""


class InputTableError(CorpusToolsError):
    """An input table (CSV/JSONL/XLSX) is unreadable or lacks the requested columns."""


class DecodeError(CorpusToolsError):
    """A text file's bytes cannot be decoded with the declared or detected encoding."""


class OutputError(CorpusToolsError):
    """An output path has an unsupported suffix or cannot be written."""


class WorkerError(CorpusToolsError):
    """A worker process (or Dask worker) died while running a task: killed, or out of memory."""


class StoreError(CorpusToolsError):
    """The coding store cannot be opened, migrated or written (locked, corrupt, newer schema)."""


class StoreBusyError(StoreError):
    """Another process holds the store's write lock longer than this one waits: nothing was written."""


class StoreReadOnlyError(StoreError):
    """The store's file (or its folder) cannot be written: nothing was recorded."""


class StoreDamagedError(StoreError):
    """The store's file is damaged (corrupt pages, not a database, a broken or shortened decision log)."""


class ConflictError(StoreError):
    """A decision was refused because the passage's state changed since it was shown (another tab or
    process decided first, or the same form was sent twice); nothing was recorded."""

    def __init__(self, message: str, *, hint: str | None = None, entry_id: str = "", coder: str = "",
                 expected: int = 0, found: int = 0) -> None:
        super().__init__(message, hint=hint)
        self.entry_id, self.coder, self.expected, self.found = entry_id, coder, expected, found


class CodingError(CorpusToolsError):
    """A span coding or memo is not valid (a span across entries, outside the text, overlapping the coder's
    span of the same code, an unknown code, an empty memo); nothing was stored."""


class ModelError(CorpusToolsError):
    """A suggestion model cannot be trained, or a saved model is invalid, tampered with or incompatible."""


class ReviewError(CorpusToolsError):
    """A review action is not possible (nothing to undo, unknown code, no current passage)."""


class ExchangeError(CorpusToolsError):
    """An exchange file (REFI-QDA .qdc/.qdpx, coding table) is malformed or does not fit the corpus."""


class UnsafeFileError(ExchangeError):
    """An input file (.qdpx/.qdc, .docx, .xlsx, a text or table) was refused for safety: XML with a DTD or
    entities, a zip member outside the archive (`..`, absolute path, symlink), or an input limit exceeded
    (members, uncompressed bytes, XML size, nesting, paragraphs, cells, field size; docs/corpus-format.md)."""


class AgreementError(CorpusToolsError):
    """Agreement cannot be computed at all (no codings, bad option); data edge cases are notes, not errors."""


def did_you_mean(word: str, options: Iterable[str], n: int = 3) -> str:
    """' (did you mean X?)' for the closest of `options` to `word`, or '' when none is close."""
    opts = [str(o) for o in options]
    close = difflib.get_close_matches(word, opts, n=n, cutoff=0.6)
    if not close:
        lower = {o.lower(): o for o in opts}
        close = [lower[c] for c in difflib.get_close_matches(word.lower(), list(lower), n=n, cutoff=0.6)]
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
