"""Versioned schema of the coding store: ordered migrations, each run after a backup of the old file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

from corpus_tools.errors import StoreError
from corpus_tools.store.chain import build

_DECISION_CHECK = "decision IN ('accept', 'reject', 'add', 'remove', 'none-applies')"
_MODE_CHECK = "mode IN ('blind', 'assisted', 'imported', 'adjudicated')"


# each migration is a list of statements run inside one transaction (executescript would commit early)
V1 = (  # coders and the append-only decision log (UPDATE and DELETE are refused by triggers)
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE coders (coder TEXT PRIMARY KEY CHECK (length(coder) > 0), created TEXT NOT NULL)",
    f"""CREATE TABLE events (
            event_id INTEGER PRIMARY KEY AUTOINCREMENT,
            entry_id TEXT NOT NULL CHECK (length(entry_id) > 0),
            text_hash TEXT NOT NULL,
            code TEXT NOT NULL CHECK (length(code) > 0),
            decision TEXT NOT NULL CHECK ({_DECISION_CHECK}),
            coder TEXT NOT NULL REFERENCES coders(coder),
            timestamp TEXT NOT NULL,
            source TEXT NOT NULL,
            model_version TEXT NOT NULL DEFAULT '',
            score REAL,
            mode TEXT NOT NULL CHECK ({_MODE_CHECK}),
            note TEXT NOT NULL DEFAULT '',
            undoes INTEGER REFERENCES events(event_id)
    )""",
    "CREATE INDEX events_entry ON events(entry_id, coder)",
    """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END""",
    """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END""",
)
V2 = (  # passage texts (imported tables can be trained on without their corpus) and import records
    """CREATE TABLE passages (
        entry_id TEXT NOT NULL, text_hash TEXT NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (entry_id, text_hash)
    )""",
    """CREATE TABLE imports (
        import_id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, sha1 TEXT NOT NULL,
        rows INTEGER NOT NULL, coder TEXT NOT NULL, timestamp TEXT NOT NULL
    )""",
    "CREATE INDEX events_coder ON events(coder, event_id)",
)
Step = tuple[str | Callable[[sqlite3.Connection], object], ...]  # SQL statements or Python steps, one transaction
V3: Step = (
    # the hash chain over the log (store check finds events changed or deleted behind the triggers' back);
    # existing events are linked in log order, nothing is rewritten
    """CREATE TABLE event_chain (
        event_id INTEGER PRIMARY KEY REFERENCES events(event_id), hash TEXT NOT NULL
    )""",
    """CREATE TRIGGER event_chain_append_only_update BEFORE UPDATE ON event_chain
        BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END""",
    """CREATE TRIGGER event_chain_append_only_delete BEFORE DELETE ON event_chain
        BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END""",
    build,
)



def _append_only(table: str, what: str) -> tuple[str, str]:
    """The two triggers that refuse UPDATE and DELETE on a log table."""
    update, delete = (f"""CREATE TRIGGER {table}_append_only_{op} BEFORE {op.upper()} ON {table}
        BEGIN SELECT RAISE(ABORT, '{what} is append-only'); END""" for op in ("update", "delete"))
    return update, delete


V4: Step = (
    # span codings (issue 15): a coder's code on any stretch of text inside one entry, with document offsets
    # (`start_pos`/`end_pos` index the document text as the corpus reads it, like entries and evidence) and
    # the quoted text; a removal is a later row naming the row it removes. Memos per document or code: an
    # edit is a new version. Both append-only, like the decision log.
    """CREATE TABLE spans (
        span_event INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL CHECK (action IN ('code', 'remove')),
        removes INTEGER REFERENCES spans(span_event),
        doc_id TEXT NOT NULL CHECK (length(doc_id) > 0),
        entry_id TEXT NOT NULL CHECK (length(entry_id) > 0),
        start_pos INTEGER NOT NULL CHECK (start_pos >= 0),
        end_pos INTEGER NOT NULL CHECK (end_pos > start_pos),
        code TEXT NOT NULL CHECK (length(code) > 0),
        coder TEXT NOT NULL REFERENCES coders(coder),
        quote TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        source TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        CHECK ((action = 'code') = (removes IS NULL))
    )""",
    "CREATE INDEX spans_doc ON spans(doc_id, entry_id)",
    *_append_only("spans", "the span coding log"),
    """CREATE TABLE memos (
        memo_event INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('document', 'code')),
        target TEXT NOT NULL CHECK (length(target) > 0),
        version INTEGER NOT NULL CHECK (version >= 1),
        text TEXT NOT NULL CHECK (length(trim(text)) > 0),
        coder TEXT NOT NULL REFERENCES coders(coder),
        timestamp TEXT NOT NULL,
        source TEXT NOT NULL,
        UNIQUE (kind, target, version)
    )""",
    *_append_only("memos", "the memo log"),
    # hash chains over both logs, like the decision log's (store check finds rows changed or deleted)
    "CREATE TABLE span_chain (span_event INTEGER PRIMARY KEY REFERENCES spans(span_event), hash TEXT NOT NULL)",
    *_append_only("span_chain", "the span coding log"),
    "CREATE TABLE memo_chain (memo_event INTEGER PRIMARY KEY REFERENCES memos(memo_event), hash TEXT NOT NULL)",
    *_append_only("memo_chain", "the memo log"),
)
MIGRATIONS: tuple[Step, ...] = (V1, V2, V3, V4)
APPEND_ONLY_TRIGGERS = {1: ("events_append_only_update", "events_append_only_delete"),
                        3: ("event_chain_append_only_update", "event_chain_append_only_delete"),
                        4: tuple(f"{t}_append_only_{op}" for t in ("spans", "memos", "span_chain", "memo_chain")
                                 for op in ("update", "delete"))}
LATEST = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The store's schema version (0 for a new, empty file)."""
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
    if not has:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        if tables:
            raise StoreError("this SQLite file is not a corpus-tools coding store (no schema_version table)",
                             hint="pass --store with a new file name")
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the live database with the SQLite backup API to `<name>.v<version>-<UTC time>.bak`."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def migrate(conn: sqlite3.Connection, path: Path | None, target: int = LATEST) -> Path | None:
    """Bring the schema to `target`, one transaction per step; back the file up first when it has data.

    Returns the backup path (None when nothing was backed up). Refuses stores newer than this code.
    """
    refused: Exception | None = None
    try:  # serialise concurrent openers; re-read the version under the lock
        conn.execute("BEGIN IMMEDIATE")
    except (sqlite3.OperationalError, StoreError) as exc:  # read-only or busy: reading is still possible
        refused = exc
    try:
        version = schema_version(conn)
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    if version > LATEST:
        raise StoreError(f"the coding store has schema version {version}, newer than this corpus-tools "
                         f"understands ({LATEST})", hint="upgrade corpus-tools")
    if version >= target:
        return None
    if refused is not None:  # a migration must write
        raise refused
    saved = backup(conn, path, version) if (path is not None and version > 0) else None
    for step in range(version + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= step:  # another process migrated meanwhile
                conn.execute("ROLLBACK")
                continue
            if step == 1:
                conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
            for statement in MIGRATIONS[step - 1]:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?)",
                         (step, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return saved
