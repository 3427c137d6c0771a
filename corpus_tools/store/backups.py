"""Automatic copies of the coding store, and the pointer to them that every store failure message carries.

Copies are made with SQLite's backup API (a consistent snapshot even while coders are recording): before
each schema migration (`<name>.v<version>-<UTC time>.bak`) and after each successful `store check` (one
rolling `<name>.last-good.bak`, replaced atomically).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

LAST_GOOD = ".last-good.bak"


def last_good_path(path: Path) -> Path:
    """Where the copy made after the last successful check lives."""
    return path.with_name(path.name + LAST_GOOD)


def known_backups(path: Path) -> list[Path]:
    """Automatic copies next to the store, newest first."""
    try:
        found = [p for p in path.parent.glob(f"{path.name}.*.bak") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def restore_hint(path: Path) -> str:
    """What to do when the store is damaged: which automatic copy to restore, or that there is none."""
    found = known_backups(path)
    if not found:
        return (f"no automatic copy of {path.name} exists yet (copies are made before schema migrations and "
                "after each successful `corpus-tools store check`); restore the file from your own backup")
    newest = found[0]
    when = dt.datetime.fromtimestamp(newest.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"keep the damaged file for inspection and restore the newest automatic copy, {newest} "
            f"(made {when}): stop every corpus-tools process using the store, then copy it over {path}; "
            "decisions recorded after that copy must be re-entered")


def save_copy(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the live database to `target` with the backup API, atomically (a temporary file, then rename)."""
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    dest = sqlite3.connect(tmp)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    os.replace(tmp, target)
    return target
