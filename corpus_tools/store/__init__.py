"""SQLite coding store: the append-only decision log, its replayed current state, imports, stale checks and
integrity checks (hash chain, `store check`)."""

from corpus_tools.store.integrity import StoreCheck, check_store, require_sound
from corpus_tools.store.log import NONE, EntryCoding, Event
from corpus_tools.store.store import DEFAULT_NAME, CodingStore, Expect, default_store_path

__all__ = ["DEFAULT_NAME", "NONE", "CodingStore", "EntryCoding", "Event", "Expect", "StoreCheck", "check_store",
           "default_store_path", "require_sound"]
