"""Memos on a document or a code, kept in the store's append-only memo log: an edit is a new version.

One memo per document (target = doc_id) and per code (target = variable id), shared by the project's coders as
in QDA programs; every version records who wrote it and when, so nothing written is ever lost. An empty memo is
refused (CodingError); a save made on an older version than the store holds (someone edited it after the page
was loaded) is refused with ConflictError, the other version named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import CodingError, ConflictError
from corpus_tools.store.chain import MEMO_CHAIN, append_row
from corpus_tools.store.store import CodingStore, now
from corpus_tools.store.vocabulary import is_machine

KINDS = ("document", "code")
MAX_MEMO = 20_000
_COLS = "kind, target, version, text, coder, timestamp, source"


@dataclass(frozen=True)
class Memo:
    """One version of a memo."""

    kind: str
    target: str
    version: int
    text: str
    coder: str
    timestamp: str
    source: str


def _row(r: Sequence[object]) -> Memo:
    return Memo(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]))  # type: ignore[call-overload]


def memo_version(store: CodingStore, kind: str, target: str) -> int:
    """The latest version number of a memo (0 when none was written)."""
    row = store.conn.execute("SELECT max(version) FROM memos WHERE kind = ? AND target = ?", (kind, target)).fetchone()
    return int(row[0] or 0)


def write_memo(store: CodingStore, kind: str, target: str, text: str, coder: str, *, expect: int | None = None,
               source: str = "manual", timestamp: str | None = None, known: Sequence[str] | None = None) -> Memo:
    """Save a new version of the memo on `target` (a doc_id or a code); committed before returning.

    `expect` is the version the page showed (0: no memo yet): when the store holds a later one, ConflictError
    and nothing is saved. `known` (optional) lists the valid targets. A memo equal to the current text is not
    saved again (returns the current version).
    """
    if kind not in KINDS:
        raise CodingError(f"unknown memo kind {kind!r}", hint=f"one of {', '.join(KINDS)}")
    if not target.strip():
        raise CodingError(f"a {kind} memo needs the {kind} it is about; nothing was saved")
    if known is not None and target not in known:
        raise CodingError(f"{kind} {target!r} is not in this project; the memo was not saved")
    body = (text or "").replace("\r\n", "\n").strip()
    if not body:
        raise CodingError(f"the memo on {kind} {target} is empty: nothing was saved",
                          hint="write something, or leave the page to keep the memo as it is (memos are never "
                               "deleted; every version stays in the store)")
    if len(body) > MAX_MEMO:
        raise CodingError(f"the memo has {len(body)} characters, more than {MAX_MEMO}; nothing was saved",
                          hint="split it, or keep long notes in a file")
    who = (coder or "").strip()
    if not who or is_machine(who):
        raise CodingError("a memo needs a person's coder name; nothing was saved")
    stamp = timestamp or now()
    with store.transaction() as conn:
        current = conn.execute(f"SELECT {_COLS} FROM memos WHERE kind = ? AND target = ? ORDER BY version DESC "
                               "LIMIT 1", (kind, target)).fetchone()
        latest = int(current[2]) if current else 0
        if expect is not None and latest != expect:
            by = f" by {current[4]} at {str(current[5])[:19].replace('T', ' ')} UTC" if current else ""
            raise ConflictError(f"the memo on {kind} {target} was changed after this page was loaded (version "
                                f"{latest}{by}; you edited version {expect}): your text was NOT saved",
                                hint="your text is kept in the form below; merge it with the current memo and "
                                     "save again", entry_id=target, coder=who, expected=expect, found=latest)
        if current and str(current[3]) == body:
            return _row(current)
        conn.execute("INSERT OR IGNORE INTO coders VALUES (?, ?)", (who, stamp))
        cur = conn.execute("INSERT INTO memos (kind, target, version, text, coder, timestamp, source) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?)", (kind, target, latest + 1, body, who, stamp, source))
        append_row(conn, MEMO_CHAIN, int(cur.lastrowid or 0))
        return Memo(kind, target, latest + 1, body, who, stamp, source)


def current_memos(store: CodingStore, kind: str | None = None, target: str | None = None) -> list[Memo]:
    """The latest version of every memo (optionally of one kind and/or target), by kind and target."""
    clauses, params = [], []
    if kind is not None:
        clauses.append("m.kind = ?")
        params.append(kind)
    if target is not None:
        clauses.append("m.target = ?")
        params.append(target)
    where = ("AND " + " AND ".join(clauses)) if clauses else ""
    sql = (f"SELECT {', '.join('m.' + c.strip() for c in _COLS.split(','))} FROM memos m WHERE m.version = "
           f"(SELECT max(version) FROM memos x WHERE x.kind = m.kind AND x.target = m.target) {where} "
           "ORDER BY m.kind, m.target")
    return [_row(r) for r in store.conn.execute(sql, tuple(params))]


def memo_history(store: CodingStore, kind: str, target: str) -> list[Memo]:
    """Every version of one memo, oldest first."""
    return [_row(r) for r in store.conn.execute(f"SELECT {_COLS} FROM memos WHERE kind = ? AND target = ? ORDER BY "
                                                "version", (kind, target))]


def memos_frame(memos: Sequence[Memo]) -> pd.DataFrame:
    """Memos as a schema.MEMOS frame."""
    return pd.DataFrame([(m.kind, m.target, m.version, m.text, m.coder, m.timestamp, m.source) for m in memos],
                        columns=list(schema.MEMOS))


__all__ = ["KINDS", "Memo", "current_memos", "memo_history", "memo_version", "memos_frame", "write_memo"]
