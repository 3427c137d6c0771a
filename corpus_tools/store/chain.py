"""The decision log's hash chain: each event's link hashes the previous link and the event's own fields.

Changing, removing or inserting an event anywhere in the log (after dropping the append-only triggers, or
with another SQLite tool) breaks every later link, so `corpus-tools store check` notices it; a checkpoint
kept beside the store (events and head link at the last successful check) also reveals a shortened tail.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence

GENESIS = "0" * 64
# the hashed fields, in this order, forever (a new column never changes the links of existing events)
CHAIN_COLUMNS = ("event_id", "entry_id", "text_hash", "code", "decision", "coder", "timestamp", "source",
                 "model_version", "score", "mode", "note", "undoes")
SELECT_CHAINED = f"SELECT {', '.join(CHAIN_COLUMNS)} FROM events"


def link(previous: str, row: Sequence[object]) -> str:
    """The chain link of one event row (CHAIN_COLUMNS values as SQLite returns them) after `previous`."""
    payload = json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\x1f{payload}".encode()).hexdigest()


def head(conn: sqlite3.Connection) -> str:
    """The latest link (GENESIS for an empty log)."""
    row = conn.execute("SELECT hash FROM event_chain ORDER BY event_id DESC LIMIT 1").fetchone()
    return str(row[0]) if row else GENESIS


def append(conn: sqlite3.Connection, event_id: int) -> str:
    """Add the link of a just-inserted event (inside the writer's transaction); returns it."""
    row = conn.execute(f"{SELECT_CHAINED} WHERE event_id = ?", (event_id,)).fetchone()
    value = link(head(conn), row)
    conn.execute("INSERT INTO event_chain (event_id, hash) VALUES (?, ?)", (event_id, value))
    return value


def build(conn: sqlite3.Connection) -> int:
    """Link every existing event in log order (the migration that introduces the chain); returns the count."""
    rows = conn.execute(f"{SELECT_CHAINED} ORDER BY event_id").fetchall()
    previous = GENESIS
    links = []
    for row in rows:
        previous = link(previous, row)
        links.append((int(row[0]), previous))
    conn.executemany("INSERT INTO event_chain (event_id, hash) VALUES (?, ?)", links)
    return len(links)
