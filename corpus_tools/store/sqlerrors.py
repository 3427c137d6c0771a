"""SQLite errors as the store's own errors: busy, read-only, damaged, or another failure, each with what to do.

The store opens its connection with `StoreConnection`, whose cursors translate every sqlite3 error (raised
when a statement runs or while rows are fetched), so no caller ever sees a bare sqlite3 exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from corpus_tools.errors import StoreBusyError, StoreDamagedError, StoreError, StoreReadOnlyError
from corpus_tools.store.backups import restore_hint

_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """The StoreError subclass (with a hint) for a sqlite3 error raised on the store at `path`."""
    code = int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(exc)
    low = text.lower()
    if code in (_BUSY, _LOCKED) or "database is locked" in low or "database is busy" in low:
        return StoreBusyError(f"coding store {path} is busy: another process holds its write lock; "
                              "nothing was written", hint="try again in a moment")
    if code == _READONLY or "readonly" in low or "read-only" in low:
        return StoreReadOnlyError(f"coding store {path} cannot be written ({text}); nothing was recorded",
                                  hint="check the permissions of the file and of its folder, or pass --store "
                                       "with a writable copy")
    if code in (_CORRUPT, _NOTADB) or "malformed" in low or "not a database" in low:
        return StoreDamagedError(f"coding store {path} is damaged ({text})", hint=restore_hint(path))
    if code == _FULL:
        return StoreError(f"coding store {path}: the disk is full; nothing was recorded",
                          hint="free some space and try again")
    if code in (_IOERR, _CANTOPEN):
        return StoreError(f"coding store {path}: cannot read or write the file ({text})",
                          hint="check the disk and the file; " + restore_hint(path))
    return StoreError(f"coding store {path}: {text}")


class StoreCursor(sqlite3.Cursor):
    """A cursor whose statements and fetches raise StoreError subclasses instead of sqlite3 errors."""

    def _path(self) -> Path:
        return getattr(self.connection, "store_path", Path("?"))

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        try:
            super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise translate(exc, self._path()) from exc
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> StoreCursor:
        try:
            super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as exc:
            raise translate(exc, self._path()) from exc
        return self

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise translate(exc, self._path()) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise translate(exc, self._path()) from exc

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size if size is not None else self.arraysize)
        except sqlite3.Error as exc:
            raise translate(exc, self._path()) from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            raise translate(exc, self._path()) from exc


class StoreConnection(sqlite3.Connection):
    """sqlite3.Connection whose execute/executemany use StoreCursor (set `store_path` after connecting)."""

    store_path: Path = Path("?")

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        return self.cursor(StoreCursor).execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> StoreCursor:
        return self.cursor(StoreCursor).executemany(sql, parameters)
