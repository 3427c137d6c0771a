"""The coding store: one SQLite file per project holding the append-only log of coding decisions.

Every decision is committed in its own transaction (WAL journal, synchronous=FULL), so a process killed
mid-review loses at most the decision being written; several processes may record at the same time.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import ConflictError, StoreError
from corpus_tools.store import chain
from corpus_tools.store.backups import restore_hint
from corpus_tools.store.log import NONE, EntryCoding, Event, apply_event, inverse, replay
from corpus_tools.store.migrations import LATEST, migrate, schema_version
from corpus_tools.store.sqlerrors import StoreConnection

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus

DEFAULT_NAME = "coding.sqlite"
BUSY_TIMEOUT_MS = 30_000
_COLUMNS = (*schema.DECISIONS, *schema.DECISION_LINK)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM events"


def default_store_path(out: str | Path = "analysis") -> Path:
    """Where a project's store lives unless --store says otherwise: `<analysis out>/coding.sqlite`."""
    return Path(out) / DEFAULT_NAME


def now() -> str:
    """UTC timestamp with microseconds (ISO 8601), the log's time format."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _check(entry_id: str, code: str, decision: str, coder: str, mode: str) -> None:
    if not entry_id or not code or not coder:
        raise StoreError("a decision needs an entry id, a code and a coder")
    if decision not in schema.DECISION_KINDS:
        raise StoreError(f"unknown decision {decision!r}", hint=f"one of {', '.join(schema.DECISION_KINDS)}")
    if mode not in schema.CODING_MODES:
        raise StoreError(f"unknown coding mode {mode!r}", hint=f"one of {', '.join(schema.CODING_MODES)}")
    if decision == "none-applies" and code != NONE:
        raise StoreError(f"decision none-applies must carry code {NONE!r}, not {code!r}")
    if code == NONE and decision not in ("none-applies", "remove", "reject"):
        raise StoreError(f"code {NONE!r} is recorded with none-applies (or removed), not {decision!r}")


@dataclass(frozen=True)
class Expect:
    """The state a decision was made on: the passage's version for one coder (None: for every coder)."""

    entry_id: str
    coder: str | None
    version: int


class CodingStore:
    """Open (or create, migrating after a backup) the store at `path`; a context manager."""

    def __init__(self, path: Path | str, *, timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=timeout_ms / 1000, isolation_level=None,
                                        factory=StoreConnection)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open coding store {self.path}: {exc}") from exc
        self.conn.store_path = self.path
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch the store to WAL journaling (got {mode})")
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.backup_path = migrate(self.conn, self.path)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StoreError(f"{self.path} is not a usable coding store: {exc}",
                             hint="pass --store with another file; " + restore_hint(self.path)) from exc
        except BaseException:
            self.conn.close()
            raise

    # -- life cycle -----------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (every decision is already committed)."""
        self.conn.close()

    def __enter__(self) -> CodingStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error); lock waits up to the busy timeout."""
        self.conn.execute("BEGIN IMMEDIATE")  # StoreBusyError / StoreReadOnlyError when refused
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:  # SQLite may have rolled back already (disk full, I/O error)
                self.conn.execute("ROLLBACK")
            raise

    @property
    def version(self) -> int:
        """Schema version of the open store."""
        return schema_version(self.conn)

    def integrity_check(self) -> str:
        """SQLite's PRAGMA integrity_check result ("ok" when the file is sound)."""
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    # -- writing --------------------------------------------------------------------------------
    def _insert(self, conn: sqlite3.Connection, row: Mapping[str, object]) -> int:
        entry_id, code, coder = str(row["entry_id"]), str(row["code"]), str(row["coder"])
        decision = str(row["decision"])
        mode = str(row.get("mode") or "assisted")
        _check(entry_id, code, decision, coder, mode)
        stamp = str(row.get("timestamp") or now())
        conn.execute("INSERT OR IGNORE INTO coders VALUES (?, ?)", (coder, stamp))
        score = row.get("score")
        undoes = row.get("undoes")
        cur = conn.execute(
            "INSERT INTO events (entry_id, text_hash, code, decision, coder, timestamp, source, model_version,"
            " score, mode, note, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, str(row.get("text_hash") or ""), code, decision, coder, stamp,
             str(row.get("source") or "manual"), str(row.get("model_version") or ""),
             None if score is None or math.isnan(float(score)) else float(score),  # type: ignore[arg-type]
             mode, str(row.get("note") or ""), None if undoes is None else int(undoes)))  # type: ignore[call-overload]
        event_id = int(cur.lastrowid or 0)
        chain.append(conn, event_id)
        text = row.get("text")
        if text:  # REPLACE: a re-imported text becomes the latest (rowid order) version of its id
            conn.execute("INSERT OR REPLACE INTO passages VALUES (?, ?, ?)",
                         (entry_id, str(row.get("text_hash") or ""), str(text)))
        return event_id

    def record(self, entry_id: str, text_hash: str, code: str, decision: str, coder: str, *,
               source: str = "manual", model_version: str = "", score: float | None = None,
               mode: str = "assisted", note: str = "") -> int:
        """Append one decision in its own transaction (committed before returning); returns its event_id."""
        row = {"entry_id": entry_id, "text_hash": text_hash, "code": code, "decision": decision,
               "coder": coder, "source": source, "model_version": model_version, "score": score,
               "mode": mode, "note": note}
        with self.transaction() as conn:
            return self._insert(conn, row)

    def record_many(self, rows: Iterable[Mapping[str, object]]) -> int:
        """Append many decisions in one transaction (all or nothing); keys are schema.DECISIONS names
        (event_id is assigned by the store; an optional `text` key stores the passage text)."""
        return len(self.record_rows(rows))

    def record_rows(self, rows: Iterable[Mapping[str, object]], *, expect: Expect | None = None) -> list[int]:
        """Like record_many, but returns the new event ids in order (one transaction, all or nothing).

        With `expect`, the rows are written only while the passage is still in the state the decision was
        made on (checked under the write lock): ConflictError, nothing written, otherwise.
        """
        with self.transaction() as conn:
            if expect is not None:
                found = self._entry_version(conn, expect.entry_id, expect.coder)
                if found != expect.version:
                    who = f"coder {expect.coder}" if expect.coder else "any coder"
                    raise ConflictError(
                        f"passage {expect.entry_id} changed since it was shown (state {expect.version}, now "
                        f"{found}, by {who}): nothing was recorded", entry_id=expect.entry_id,
                        coder=expect.coder or "", expected=expect.version, found=found)
            return [self._insert(conn, row) for row in rows]

    @staticmethod
    def _entry_version(conn: sqlite3.Connection, entry_id: str, coder: str | None) -> int:
        if coder is None:
            row = conn.execute("SELECT max(event_id) FROM events WHERE entry_id = ?", (entry_id,)).fetchone()
        else:
            row = conn.execute("SELECT max(event_id) FROM events WHERE entry_id = ? AND coder = ?",
                               (entry_id, coder)).fetchone()
        return int(row[0] or 0)

    def entry_version(self, entry_id: str, coder: str | None = None) -> int:
        """The passage's state version: the id of the latest event on it (of one coder, or of any coder when
        `coder` is None; undos count), 0 before the first. Decisions carry it to detect stale views."""
        return self._entry_version(self.conn, entry_id, coder)

    def undo(self, event_ids: Iterable[int], coder: str, note: str = "") -> list[int]:
        """Cancel the given events (one coder's latest on their entries) with new, linked events."""
        ids = sorted(set(event_ids))
        if not ids:
            return []
        with self.transaction() as conn:
            targets = [self._event(conn, i) for i in ids]
            out: list[int] = []
            for key in dict.fromkeys((t.entry_id, t.coder) for t in targets):
                group = [t for t in targets if (t.entry_id, t.coder) == key]
                if any(t.coder != coder for t in group):
                    raise StoreError(f"coder {coder} cannot undo decisions of coder {key[1]}")
                history = self._events(conn, "WHERE entry_id = ? AND coder = ?", key)
                undone = {e.undoes for e in history if e.undoes is not None}
                later = [e for e in history if e.event_id > group[0].event_id and e.event_id not in ids
                         and e.undoes is None and e.event_id not in undone]
                if later or any(t.event_id in undone or t.undoes is not None for t in group):
                    raise StoreError(f"events {ids} are not the latest live decisions on entry {key[0]}",
                                     hint="only the most recent decisions can be undone")
                current = replay(history).get(key, EntryCoding())
                before = replay(e for e in history if e.event_id not in ids).get(key, EntryCoding())
                steps = inverse(set(current.applied), before.applied, group[-1])
                for k, (decision, code) in enumerate(steps):
                    link = group[min(k, len(group) - 1)].event_id
                    out.append(self._insert(conn, {
                        "entry_id": key[0], "text_hash": group[-1].text_hash, "code": code, "decision": decision,
                        "coder": coder, "source": "manual", "mode": group[-1].mode,
                        "note": note or f"undo of event {link}", "undoes": link}))
                for t in group[len(steps):]:  # more undone events than steps: link each one
                    out.append(self._insert(conn, {
                        "entry_id": key[0], "text_hash": t.text_hash, "code": steps[-1][1],
                        "decision": steps[-1][0], "coder": coder, "source": "manual", "mode": t.mode,
                        "note": note or f"undo of event {t.event_id}", "undoes": t.event_id}))
            return out

    def add_passages(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Remember (entry_id, text_hash, text) of passages coded outside any corpus."""
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO passages VALUES (?, ?, ?)", list(rows))

    def record_import(self, source: str, sha1: str, rows: int, coder: str) -> None:
        """Note that a file was imported (so a second import of the same bytes can be refused)."""
        with self.transaction() as conn:
            self._insert_import(conn, source, sha1, rows, coder)

    @staticmethod
    def _insert_import(conn: sqlite3.Connection, source: str, sha1: str, rows: int, coder: str) -> None:
        conn.execute("INSERT INTO imports (source, sha1, rows, coder, timestamp) VALUES (?, ?, ?, ?, ?)",
                     (source, sha1, rows, coder, now()))

    def import_decisions(self, rows: Iterable[Mapping[str, object]], source: str, sha1: str, coder: str,
                         force: bool = False) -> int | None:
        """Append imported decisions and the import record in ONE transaction (a crash leaves both or
        neither); returns the number of events, or None (nothing written) when these bytes were imported
        before and `force` is off (checked again under the write lock)."""
        with self.transaction() as conn:
            if not force and conn.execute("SELECT 1 FROM imports WHERE sha1 = ?", (sha1,)).fetchone():
                return None
            n = 0
            for row in rows:
                self._insert(conn, row)
                n += 1
            self._insert_import(conn, source, sha1, n, coder)
            return n

    def imported(self, sha1: str) -> bool:
        """True when a file with these bytes was imported before."""
        return self.conn.execute("SELECT 1 FROM imports WHERE sha1 = ?", (sha1,)).fetchone() is not None

    # -- reading --------------------------------------------------------------------------------
    @staticmethod
    def _events(conn: sqlite3.Connection, where: str = "", params: tuple[object, ...] = ()) -> list[Event]:
        return [Event(*r) for r in conn.execute(f"{_SELECT} {where} ORDER BY event_id", params)]

    def _event(self, conn: sqlite3.Connection, event_id: int) -> Event:
        found = self._events(conn, "WHERE event_id = ?", (event_id,))
        if not found:
            raise StoreError(f"no decision with event id {event_id}")
        return found[0]

    def events(self, coder: str | None = None, entry_id: str | None = None) -> list[Event]:
        """Log rows (with the undo link), oldest first, optionally for one coder and/or entry."""
        clauses, params = [], []
        if coder is not None:
            clauses.append("coder = ?")
            params.append(coder)
        if entry_id is not None:
            clauses.append("entry_id = ?")
            params.append(entry_id)
        return self._events(self.conn, ("WHERE " + " AND ".join(clauses)) if clauses else "", tuple(params))

    def decisions(self) -> pd.DataFrame:
        """The whole log, oldest first: schema.DECISIONS columns plus schema.DECISION_LINK (`undoes`, the
        event an undo cancels; empty otherwise), so exported logs keep undo links."""
        rows = list(self._events(self.conn))
        frame = pd.DataFrame(rows, columns=list(_COLUMNS))
        frame["score"] = frame["score"].astype(float)
        frame["event_id"] = frame["event_id"].astype("int64")
        frame["undoes"] = frame["undoes"].astype("Int64")
        return frame

    def codings(self, coder: str | None = None) -> dict[tuple[str, str], EntryCoding]:
        """Current coding per (entry_id, coder), replayed from the log."""
        return replay(self.events(coder=coder))

    def state(self, corpus: Corpus | None = None) -> pd.DataFrame:
        """Current coding (schema.CODING_STATE). With a corpus: doc_id filled, stale decisions left out
        (passages imported from tables with their own text are kept, with an empty doc_id)."""
        current = self._current_hashes(corpus)
        events = self.events()
        if current is not None:  # replay only decisions made on the current text (never reattach stale ones)
            events = [e for e in events if current.get(e.entry_id, (None, ""))[0] == e.text_hash]
        rows: list[tuple[str, str, str, str, str]] = []
        for (eid, coder), coding in replay(events).items():
            doc = current[eid][1] if current is not None else ""
            rows.extend((eid, doc, coder, code, mode) for code, mode in coding.applied.items())
        return pd.DataFrame(rows, columns=list(schema.CODING_STATE))

    def stale(self, corpus: Corpus) -> pd.DataFrame:
        """Decisions whose entry vanished from the corpus or whose text changed (schema.STALE_DECISIONS).

        Passages imported from tables with their own text are not corpus entries and are never stale.
        """
        current = self._current_hashes(corpus) or {}
        frame = self.decisions()
        found = frame["entry_id"].map(lambda e: current.get(e, (None, ""))[0])
        reason = pd.Series("", index=frame.index)
        reason[found.isna()] = "entry-missing"
        reason[found.notna() & (found != frame["text_hash"])] = "text-changed"
        out = frame.assign(reason=reason, current_hash=found.fillna(""))[reason != ""]
        return out.reset_index(drop=True)[list(schema.STALE_DECISIONS)]

    def _current_hashes(self, corpus: Corpus | None) -> dict[str, tuple[str, str]] | None:
        """entry_id -> (text_hash, doc_id) of the corpus, plus passages stored with imported tables."""
        if corpus is None:
            return None
        out: dict[str, tuple[str, str]] = {str(eid): (str(h), "") for eid, h in
                                           self.conn.execute("SELECT entry_id, text_hash FROM passages "
                                                             "ORDER BY rowid")}  # the latest import wins
        e = corpus.entries
        out.update({eid: (h, d) for eid, h, d in zip(e["entry_id"], e["text_hash"], e["doc_id"], strict=True)})
        return out

    def passages(self) -> pd.DataFrame:
        """Passage texts stored with imported decisions (entry_id, text_hash, text), in import order (an id
        imported again with another text appears twice; its last row is the current text)."""
        rows = self.conn.execute("SELECT entry_id, text_hash, text FROM passages ORDER BY rowid").fetchall()
        return pd.DataFrame(rows, columns=["entry_id", "text_hash", "text"])

    def coders(self) -> list[str]:
        """Coder ids in order of first decision."""
        return [r[0] for r in self.conn.execute("SELECT coder FROM coders ORDER BY created, coder")]

    def count(self) -> int:
        """Number of events in the log."""
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def summary(self) -> dict[str, object]:
        """Path, schema version, events, coders, coded entries, live span codings and memos, for `store info` and
        manifests."""
        state = self.codings()
        spans = memos = 0
        if self.version >= 4:  # span codings and memos (issue 15); an old store opened read-only has neither
            spans = int(self.conn.execute("SELECT count(*) FROM spans s WHERE action = 'code' AND NOT EXISTS "
                                          "(SELECT 1 FROM spans r WHERE r.removes = s.span_event)").fetchone()[0])
            memos = int(self.conn.execute("SELECT count(*) FROM (SELECT DISTINCT kind, target FROM memos)")
                        .fetchone()[0])
        return {"path": str(self.path), "schema_version": self.version, "latest_schema": LATEST,
                "events": self.count(), "coders": self.coders(),
                "coded_entries": len({e for (e, _c), v in state.items() if v.coded}),
                "span_codings": spans, "memos": memos}


__all__ = ["CodingStore", "EntryCoding", "Event", "apply_event", "default_store_path"]
