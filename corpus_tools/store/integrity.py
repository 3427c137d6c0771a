"""`corpus-tools store check`: is the coding store sound, and is its decision log complete and unchanged?

Checks, in order: SQLite's own `PRAGMA integrity_check`, the schema version, the append-only triggers, the
hash chain over every event (an event changed, removed or slipped in breaks it), the autoincrement counter
(events removed from the end), and the checkpoint left by the last successful check (a log shorter than
then, or rewritten up to that point). A sound store gets a fresh checkpoint and a rolling copy
(`<name>.last-good.bak`); every failure names the newest automatic copy to restore.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from corpus_tools.errors import StoreDamagedError, StoreError
from corpus_tools.store.backups import known_backups, last_good_path, restore_hint, save_copy
from corpus_tools.store.chain import GENESIS, LOG_CHAINS, SELECT_CHAINED, check_links, verify_log
from corpus_tools.store.migrations import APPEND_ONLY_TRIGGERS, LATEST, schema_version
from corpus_tools.store.sqlerrors import StoreConnection

CHECKPOINT = ".checkpoint.json"
MAX_REPORTED = 10


def checkpoint_path(path: Path) -> Path:
    """The checkpoint file beside the store (events and head link at the last successful check)."""
    return path.with_name(path.name + CHECKPOINT)


@dataclass
class StoreCheck:
    """What `store check` found: ok, the problems (one line each), and what was verified."""

    path: Path
    schema_version: int = 0
    latest_schema: int = LATEST
    events: int = 0
    chained: int = 0  # events whose chain link was verified
    chained_rows: dict[str, int] = field(default_factory=dict)  # other logs (spans, memos): rows verified
    checkpoint: str = ""  # what the checkpoint comparison said
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backup: Path | None = None  # the copy made after a successful check

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def hint(self) -> str:
        """What to do about the problems (the newest automatic copy to restore)."""
        return restore_hint(self.path)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, factory=StoreConnection, timeout=5)
    conn.store_path = path
    return conn


def _verify_chain(conn: sqlite3.Connection, report: StoreCheck) -> dict[int, str]:
    """Recompute every link; returns event_id -> stored link (for the checkpoint comparison)."""
    stored = dict(conn.execute("SELECT event_id, hash FROM event_chain ORDER BY event_id").fetchall())
    ok, broken, missing = check_links(conn, f"{SELECT_CHAINED} ORDER BY event_id", stored, "event", "an event")
    report.chained += ok
    if missing:
        shown = ", ".join(map(str, missing[:MAX_REPORTED])) + (" ..." if len(missing) > MAX_REPORTED else "")
        report.problems.append(f"{len(missing)} event(s) were deleted from the decision log (event ids {shown})")
    report.problems.extend(broken[:MAX_REPORTED])
    if len(broken) > MAX_REPORTED:
        report.problems.append(f"... and {len(broken) - MAX_REPORTED} more broken chain link(s)")
    return stored


def _compare_checkpoint(path: Path, conn: sqlite3.Connection, stored: dict[int, str], report: StoreCheck) -> None:
    file = checkpoint_path(path)
    if not file.is_file():
        report.checkpoint = "no checkpoint yet (the first successful check writes one)"
        return
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        event_id, value, events = int(data["event_id"]), str(data["hash"]), int(data["events"])
    except (ValueError, KeyError, TypeError, OSError) as exc:
        report.problems.append(f"checkpoint {file} is unreadable ({exc}); delete it to start a new one")
        return
    upto = int(conn.execute("SELECT count(*) FROM events WHERE event_id <= ?", (event_id,)).fetchone()[0])
    if (event_id and stored.get(event_id) != value) or upto != events:
        report.problems.append(
            f"the decision log no longer holds event {event_id} as it was at the check of {data.get('checked')} "
            f"({events} events then, {report.events} now): events were removed or rewritten since")
    else:
        report.checkpoint = f"the log extends the checkpoint of {data.get('checked')} ({events} events then)"


def _write_checkpoint(path: Path, conn: sqlite3.Connection, events: int) -> None:
    row = conn.execute("SELECT event_id, hash FROM event_chain ORDER BY event_id DESC LIMIT 1").fetchone()
    data = {"events": events, "event_id": int(row[0]) if row else 0, "hash": str(row[1]) if row else GENESIS,
            "checked": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    file = checkpoint_path(path)
    tmp = file.with_name(file.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, file)


def check_store(path: Path | str, *, save: bool = True) -> StoreCheck:
    """Check the store at `path` (nothing is changed in it). When sound and `save` is on, refresh the
    checkpoint and the rolling copy beside it (skipped with a note when the folder cannot be written)."""
    path = Path(path)
    report = StoreCheck(path)
    if not path.is_file():
        raise StoreError(f"coding store {path} does not exist")
    conn = _connect(path)
    try:
        try:
            problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(20)").fetchall()]
        except StoreDamagedError as exc:  # not a database at all; busy or unreadable files are raised as they are
            report.problems.append(exc.message)
            return report
        if problems != ["ok"]:
            report.problems.extend(f"SQLite integrity check: {p}" for p in problems)
            return report  # the rest would read damaged pages
        try:
            report.schema_version = schema_version(conn)
        except StoreError as exc:
            report.problems.append(exc.message)
            return report
        if report.schema_version > LATEST:
            report.problems.append(f"schema version {report.schema_version} is newer than this corpus-tools "
                                   f"understands ({LATEST}); upgrade corpus-tools")
            return report
        if report.schema_version == 0:
            report.notes.append("the store is empty (no schema yet)")
            return report
        triggers = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        for since, names in APPEND_ONLY_TRIGGERS.items():
            if report.schema_version >= since:
                report.problems.extend(f"the append-only guard {n} was removed (events can be changed or "
                                       "deleted)" for n in names if n not in triggers)
        report.events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        top = conn.execute("SELECT coalesce(max(event_id), 0) FROM events").fetchone()[0]
        if seq is not None and int(seq[0]) > int(top):
            report.problems.append(f"the last {int(seq[0]) - int(top)} event(s) of the decision log were deleted "
                                   f"(ids up to {int(seq[0])} were assigned, the log ends at {int(top)})")
        if report.schema_version < 3:
            report.notes.append(f"schema v{report.schema_version}: no hash chain yet (added, after a backup, the "
                                f"next time corpus-tools opens the store to write; latest is v{LATEST})")
            return report
        stored = _verify_chain(conn, report)
        if report.schema_version >= 4:  # the span coding and memo logs have chains of their own
            for log in LOG_CHAINS:
                verified, problems = verify_log(conn, log)
                report.chained_rows[log.table] = verified
                report.problems.extend(problems)
        _compare_checkpoint(path, conn, stored, report)
        if report.ok and save:
            try:
                _write_checkpoint(path, conn, report.events)
                report.backup = save_copy(conn, last_good_path(path))
            except (OSError, sqlite3.Error, StoreError) as exc:
                report.notes.append(f"the checkpoint and copy beside the store were not written ({exc})")
        return report
    finally:
        conn.close()


def require_sound(path: Path | str, *, save: bool = True) -> StoreCheck | None:
    """Check the store before serving or importing: StoreDamagedError (with the copy to restore) when it is
    not sound; None when no store exists yet (it will be created)."""
    path = Path(path)
    if not path.is_file():
        return None
    report = check_store(path, save=save)
    if not report.ok:
        listed = "; ".join(report.problems[:3]) + (" ..." if len(report.problems) > 3 else "")
        raise StoreDamagedError(f"coding store {path} failed its check: {listed}",
                                hint=f"run `corpus-tools store check --store {path}` for details; {report.hint()}")
    return report


__all__ = ["StoreCheck", "check_store", "checkpoint_path", "known_backups", "require_sound"]
