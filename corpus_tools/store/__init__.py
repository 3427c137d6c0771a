"""SQLite coding store: the append-only decision log, its replayed current state, imports and stale checks."""

from corpus_tools.store.log import NONE, EntryCoding, Event
from corpus_tools.store.store import DEFAULT_NAME, CodingStore, default_store_path

__all__ = ["DEFAULT_NAME", "NONE", "CodingStore", "EntryCoding", "Event", "default_store_path"]
