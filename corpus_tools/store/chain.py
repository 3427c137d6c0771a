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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class LogChain:
    """The hash chain of another append-only log of the store (span codings, memos): the same links as the
    decision log's, over the log's own columns, kept in its own chain table."""

    table: str
    key: str
    columns: tuple[str, ...]  # the hashed columns, in this order, forever (the key first)
    chain_table: str
    what: str  # how a row is named in messages

    def select(self) -> str:
        """SELECT of the hashed columns."""
        return f"SELECT {', '.join(self.columns)} FROM {self.table}"


SPAN_CHAIN = LogChain("spans", "span_event", ("span_event", "action", "removes", "doc_id", "entry_id", "start_pos",
                                              "end_pos", "code", "coder", "quote", "text_hash", "timestamp", "source",
                                              "note"), "span_chain", "span coding row")
MEMO_CHAIN = LogChain("memos", "memo_event", ("memo_event", "kind", "target", "version", "text", "coder", "timestamp",
                                              "source"), "memo_chain", "memo row")
LOG_CHAINS = (SPAN_CHAIN, MEMO_CHAIN)


def append_row(conn: sqlite3.Connection, log: LogChain, row_id: int) -> str:
    """Add the link of a just-inserted row of `log` (inside the writer's transaction); returns it."""
    row = conn.execute(f"{log.select()} WHERE {log.key} = ?", (row_id,)).fetchone()
    top = conn.execute(f"SELECT hash FROM {log.chain_table} ORDER BY {log.key} DESC LIMIT 1").fetchone()
    value = link(str(top[0]) if top else GENESIS, row)
    conn.execute(f"INSERT INTO {log.chain_table} ({log.key}, hash) VALUES (?, ?)", (row_id, value))
    return value


def check_links(conn: sqlite3.Connection, select: str, stored: dict[int, str], what: str,
                before: str) -> tuple[int, list[str], list[int]]:
    """Recompute the link of every row `select` returns (key first, in key order) against the `stored` links:
    (rows verified, one message per broken link, keys of stored links whose row is gone). `what` names a row
    in the messages, `before` a row before it ("an event")."""
    previous, ok, seen = GENESIS, 0, set()
    broken: list[str] = []
    for row in conn.execute(select):
        key = int(row[0])
        seen.add(key)
        value = link(previous, row)
        if key not in stored:
            broken.append(f"{what} {key} has no chain link (written around corpus-tools)")
        elif stored[key] != value:
            broken.append(f"{what} {key} does not match its chain link (it, or {before} before it, was changed "
                          "or removed)")
        else:
            ok += 1
        previous = stored.get(key, value)
    return ok, broken, sorted(set(stored) - seen)


def verify_log(conn: sqlite3.Connection, log: LogChain, limit: int = 10) -> tuple[int, list[str]]:
    """(rows whose link was verified, problems): rows changed, slipped in or deleted since they were written."""
    stored = dict(conn.execute(f"SELECT {log.key}, hash FROM {log.chain_table} ORDER BY {log.key}").fetchall())
    ok, problems, missing = check_links(conn, f"{log.select()} ORDER BY {log.key}", stored, log.what, "a row")
    out = problems[:limit] + ([f"... and {len(problems) - limit} more broken {log.what} link(s)"]
                              if len(problems) > limit else [])
    if missing:
        out.insert(0, f"{len(missing)} {log.what}(s) were deleted from the {log.table} log (ids "
                      f"{', '.join(map(str, missing[:limit]))}{' ...' if len(missing) > limit else ''})")
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (log.table,)).fetchone()
    top = conn.execute(f"SELECT coalesce(max({log.key}), 0) FROM {log.table}").fetchone()[0]
    if seq is not None and int(seq[0]) > int(top) and not missing:
        out.append(f"the last {int(seq[0]) - int(top)} {log.what}(s) of the {log.table} log were deleted")
    return ok, out
