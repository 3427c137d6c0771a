"""Column contracts of every frame handed between stages, declared once and checked at stage entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SOURCE_TYPES = ("media", "interview", "government", "other")
LANGS = ("zh-Hans", "zh-Hant", "en", "mixed")

# documents.csv as written by people
DOCUMENTS_CSV_REQUIRED = ("doc_id", "path", "title", "source_type")
DOCUMENTS_CSV_OPTIONAL = ("outlet", "date", "lang", "author", "speaker", "role", "encoding", "notes")

# the docs frame: one row per readable document
DOCS = (
    "doc_id", "path", "title", "source_type", "outlet", "date", "date_start", "date_end", "year",
    "lang", "author", "speaker", "role", "encoding", "notes", "stage", "stage_overlap",
    "text", "n_chars", "sha1", "csv_line", "dup_of", "dup_score",
)

# the entries frame: one row per paragraph or sentence unit
ENTRIES = (
    "entry_id", "doc_id", "seq", "start", "end", "text", "speaker", "text_hash", "dup_of", "dup_score",
)

# lexicon matches, each pointing into the original document text
EVIDENCE = (
    "id", "doc_id", "entry_id", "lexicon", "construct", "variable", "term", "matched", "start", "end",
    "left", "right",
)

# problems found while reading a corpus
PROBLEMS = ("level", "code", "file", "line", "doc_id", "message")

# human coding decisions shipped with a corpus (codings.csv)
CODINGS = ("entry_id", "doc_id", "start", "end", "coder", "codes", "note")


class SchemaViolation(ValueError):
    """A frame handed to a stage lacks declared columns: a programming error, not a user error."""


def check(frame: pd.DataFrame, columns: Iterable[str], name: str) -> pd.DataFrame:
    """Raise when `frame` lacks any of `columns`; return it unchanged so calls can be chained."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaViolation(f"{name} frame lacks columns {missing}")
    return frame

# --- coding decisions (issue: draft codes for coders) -------------------------------------------
DECISION_KINDS = ("accept", "reject", "add", "remove", "none-applies")
CODING_MODES = ("blind", "assisted", "imported", "adjudicated")

# the append-only decision log as a frame (one row per event, oldest first)
DECISIONS = (
    "event_id", "entry_id", "text_hash", "code", "decision", "coder", "timestamp", "source",
    "model_version", "score", "mode", "note",
)

# current coding state derived from the log: one row per (entry, coder, code that applies);
# an explicit "no code applies" is one row with code == "none"
CODING_STATE = ("entry_id", "doc_id", "coder", "code", "mode")
