"""Span codings: a coder's code on any stretch of text the coder selects, kept in the store's append-only span log.

Offsets are character offsets (Python string indices, i.e. Unicode code points) into the DOCUMENT text as the
corpus reads it, the coordinates entries (`start`/`end`) and lexicon evidence already use, and the ones a
REFI-QDA export writes as `startPosition`/`endPosition` (its sources hold exactly that text). A span lies
inside one entry (paragraph or sentence unit); the entry and its text hash are stored with it, with the quoted
text, so a span whose text changed is recognised as stale instead of pointing at other words.

Rules (each breach is a CodingError with a clear message; nothing is stored): the document exists, `start <
end`, both inside the text, the span inside one entry, the quote (when given) equal to the text at the offsets,
the code a variable of one of the project's lexicons, a human coder, and no live span of the same coder and code
overlapping it. A removal is a later row naming the span it removes (the log is never rewritten).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import CodingError, ConflictError, did_you_mean
from corpus_tools.store.chain import SPAN_CHAIN, append_row
from corpus_tools.store.store import CodingStore, now
from corpus_tools.store.vocabulary import NONE_CODE, is_machine

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus

_COLS = ("span_event", "doc_id", "entry_id", "start_pos", "end_pos", "code", "coder", "quote", "text_hash",
         "timestamp", "source", "note")
MAX_QUOTE_SHOWN = 40
MAX_NOTE = 2_000


def span_id(doc_id: str, start: int, end: int, code: str, coder: str) -> str:
    """A stable id for a span coding, derived from what it is (document, offsets, code, coder)."""
    digest = hashlib.sha1(f"{doc_id}\x1f{start}\x1f{end}\x1f{code}\x1f{coder}".encode()).hexdigest()
    return f"span-{digest[:12]}"


@dataclass(frozen=True)
class SpanCoding:
    """One live span coding (the row that coded it; `span_event` identifies it for a removal)."""

    span_event: int
    doc_id: str
    entry_id: str
    start: int
    end: int
    code: str
    coder: str
    quote: str
    text_hash: str
    timestamp: str
    source: str
    note: str = ""

    @property
    def span_id(self) -> str:
        """Stable id (the same span coded again has the same id)."""
        return span_id(self.doc_id, self.start, self.end, self.code, self.coder)


@dataclass(frozen=True)
class SpanPlace:
    """Where a span sits: document, entry, offsets, the quoted text and the entry's text hash."""

    doc_id: str
    entry_id: str
    start: int
    end: int
    quote: str
    text_hash: str


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE_SHOWN else text[:MAX_QUOTE_SHOWN - 1] + "…"


def locate_span(corpus: Corpus, doc_id: str, start: int, end: int, quote: str | None = None) -> SpanPlace:
    """Check a selection against the corpus and find its entry; CodingError (saying what is wrong) otherwise."""
    docs = corpus.docs
    found = docs.index[docs["doc_id"].astype(str) == doc_id]
    if not len(found):
        raise CodingError(f"document {doc_id!r} is not in the corpus{did_you_mean(doc_id, docs['doc_id'].astype(str))}"
                          "; nothing was stored")
    text = str(docs.at[found[0], "text"])
    if start >= end:
        raise CodingError(f"the span {start}-{end} is empty or reversed (start must be before end); nothing was "
                          "stored", hint="select some text first")
    if start < 0 or end > len(text):
        raise CodingError(f"the span {start}-{end} lies outside document {doc_id}, whose text has {len(text)} "
                          f"characters (offsets 0 to {len(text)}); nothing was stored",
                          hint="reload the document: its text may have changed")
    e = corpus.entries
    mine = e[e["doc_id"].astype(str) == doc_id]
    touched = [(str(i), int(s), int(t)) for i, s, t in zip(mine["entry_id"], mine["start"], mine["end"], strict=True)
               if s < end and t > start]
    inside = [x for x in touched if x[1] <= start and end <= x[2]]
    if not inside:
        if len(touched) > 1:
            raise CodingError(f"the span {start}-{end} crosses {len(touched)} entries of {doc_id} "
                              f"({', '.join(x[0] for x in touched[:4])}{' …' if len(touched) > 4 else ''}): a span "
                              "must lie inside one paragraph or sentence unit; nothing was stored",
                              hint="select within one entry, and code each entry's part separately")
        if touched:
            eid, s, t = touched[0]
            raise CodingError(f"the span {start}-{end} reaches beyond entry {eid} ({s}-{t}) into the space between "
                              "entries; nothing was stored", hint=f"select only text of the entry ({s}-{t})")
        raise CodingError(f"the span {start}-{end} ({_short(text[start:end])!r}) lies outside every entry of "
                          f"{doc_id} (blank space or a speaker label); nothing was stored",
                          hint="select text inside a paragraph")
    eid, s, t = inside[0]
    said = text[start:end]
    if quote is not None and quote != said:
        raise CodingError(f"the quoted text {_short(quote)!r} is not the text at {start}-{end} of {doc_id} "
                          f"({_short(said)!r}); nothing was stored",
                          hint="the document may have changed since the page was loaded: reload it and select again")
    row = mine[mine["entry_id"].astype(str) == eid].iloc[0]
    return SpanPlace(doc_id, eid, start, end, said, str(row["text_hash"]))


def _read(conn: sqlite3.Connection, where: str = "", params: tuple[object, ...] = ()) -> list[SpanCoding]:
    """Live span codings (coded and not removed), in log order."""
    sql = (f"SELECT {', '.join('s.' + c for c in _COLS)} FROM spans s WHERE s.action = 'code' AND NOT EXISTS "
           f"(SELECT 1 FROM spans r WHERE r.removes = s.span_event) {where} ORDER BY s.span_event")
    return [SpanCoding(int(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), *map(str, r[5:])) for r in
            conn.execute(sql, params)]


def item_state(conn: sqlite3.Connection, entry_id: str) -> str:
    """The state of an entry as a page showed it: the latest decision (any coder) and the latest span row (any
    coder) on it, as `"<event>.<span event>"`; a save made on an older state is refused."""
    ev = conn.execute("SELECT max(event_id) FROM events WHERE entry_id = ?", (entry_id,)).fetchone()[0]
    sp = conn.execute("SELECT max(span_event) FROM spans WHERE entry_id = ?", (entry_id,)).fetchone()[0]
    return f"{int(ev or 0)}.{int(sp or 0)}"


def _check_state(conn: sqlite3.Connection, entry_id: str, expect: str | None, what: str) -> None:
    if expect is None:
        return
    found = item_state(conn, entry_id)
    if found != expect:
        rows = conn.execute("SELECT coder, timestamp FROM (SELECT coder, timestamp, event_id AS k FROM events WHERE "
                            "entry_id = ? UNION ALL SELECT coder, timestamp, span_event AS k FROM spans WHERE "
                            "entry_id = ?) ORDER BY timestamp DESC LIMIT 1", (entry_id, entry_id)).fetchone()
        who = f" (last by {rows[0]} at {str(rows[1])[:19].replace('T', ' ')} UTC)" if rows else ""
        raise ConflictError(f"entry {entry_id} was coded or decided after this page was loaded{who}: {what} was "
                            "NOT saved", hint="your selection and code are kept below; look at the entry as it is "
                            "now and save again", entry_id=entry_id)


def _known(code: str, codes: Collection[str]) -> None:
    if code == NONE_CODE:
        raise CodingError("a span is coded with a code of the codebook, not with 'none'; nothing was stored",
                          hint="to say no code applies to a whole entry, use the review queue")
    if code not in codes:
        raise CodingError(f"unknown code {code!r}{did_you_mean(code, codes)}; nothing was stored",
                          hint="codes are the variable ids of the project's lexicons (see the codebook page)")


def _coder(coder: str) -> str:
    coder = (coder or "").strip()
    if not coder:
        raise CodingError("a span coding needs a coder name; nothing was stored")
    if is_machine(coder):
        raise CodingError(f"{coder!r} is a machine coder: the store holds people's codings only; nothing was stored")
    return coder


def code_span(store: CodingStore, corpus: Corpus, doc_id: str, start: int, end: int, code: str, coder: str, *,
              codes: Collection[str], quote: str | None = None, note: str = "", source: str = "manual",
              timestamp: str | None = None, expect: str | None = None) -> SpanCoding:
    """Code the text at `start`-`end` of `doc_id` with `code` for `coder` (committed before returning).

    `codes` are the codable codes (every variable of the project's lexicons); `quote` the text the coder saw
    (checked against the document); `expect` the entry's state (`item_state`) when the page was loaded: a span
    saved after someone else decided or coded on the entry is refused (ConflictError, nothing stored). The
    overlap rule is checked under the store's write lock, so two tabs cannot both store overlapping spans.
    """
    place = locate_span(corpus, doc_id, int(start), int(end), quote)
    _known(code, codes)
    if len(note) > MAX_NOTE:
        raise CodingError(f"the note has {len(note)} characters, more than {MAX_NOTE}; nothing was stored",
                          hint="keep longer thoughts in the document's or the code's memo")
    coder = _coder(coder)
    stamp = timestamp or now()
    with store.transaction() as conn:
        _check_state(conn, place.entry_id, expect, f"the span {_short(place.quote)!r} ({code})")
        clash = _read(conn, "AND s.doc_id = ? AND s.code = ? AND s.coder = ? AND s.start_pos < ? AND s.end_pos > ?",
                      (doc_id, code, coder, place.end, place.start))
        if clash:
            c = clash[0]
            same = (c.start, c.end) == (place.start, place.end)
            raise CodingError(
                f"{coder} already coded {'this span' if same else 'an overlapping span'} "
                f"{c.start}-{c.end} ({_short(c.quote)!r}) with {code}; nothing was stored",
                hint="remove that span first, or select text that does not overlap it")
        conn.execute("INSERT OR IGNORE INTO coders VALUES (?, ?)", (coder, stamp))
        cur = conn.execute(
            "INSERT INTO spans (action, removes, doc_id, entry_id, start_pos, end_pos, code, coder, quote, text_hash,"
            " timestamp, source, note) VALUES ('code', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, place.entry_id, place.start, place.end, code, coder, place.quote, place.text_hash, stamp,
             source, note.strip()))
        append_row(conn, SPAN_CHAIN, int(cur.lastrowid or 0))
        return SpanCoding(int(cur.lastrowid or 0), doc_id, place.entry_id, place.start, place.end, code, coder,
                          place.quote, place.text_hash, stamp, source, note.strip())


def remove_span(store: CodingStore, span_event: int, coder: str, *, note: str = "", expect: str | None = None) -> int:
    """Remove a live span coding of `coder` (a new row naming it); returns the removal's row id. CodingError when
    the span is not live or is another coder's; ConflictError when the entry changed since `expect`."""
    coder = _coder(coder)
    with store.transaction() as conn:
        found = _read(conn, "AND s.span_event = ?", (int(span_event),))
        if not found:
            raise CodingError(f"span coding {span_event} does not exist or was removed already; nothing was changed")
        span = found[0]
        if span.coder != coder:
            raise CodingError(f"span coding {span_event} is {span.coder}'s: only its coder can remove it; nothing "
                              "was changed")
        _check_state(conn, span.entry_id, expect, f"the removal of {span.code} from {_short(span.quote)!r}")
        cur = conn.execute(
            "INSERT INTO spans (action, removes, doc_id, entry_id, start_pos, end_pos, code, coder, quote, text_hash,"
            " timestamp, source, note) VALUES ('remove', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'manual', ?)",
            (span.span_event, span.doc_id, span.entry_id, span.start, span.end, span.code, coder, span.quote,
             span.text_hash, now(), note.strip()))
        append_row(conn, SPAN_CHAIN, int(cur.lastrowid or 0))
        return int(cur.lastrowid or 0)


def live_spans(store: CodingStore, doc_id: str | None = None, coder: str | None = None) -> list[SpanCoding]:
    """Live span codings (coded, not removed), oldest first, optionally of one document and/or coder."""
    clauses, params = [], []
    if doc_id is not None:
        clauses.append("AND s.doc_id = ?")
        params.append(doc_id)
    if coder is not None:
        clauses.append("AND s.coder = ?")
        params.append(coder)
    return _read(store.conn, " ".join(clauses), tuple(params))


def current_spans(store: CodingStore, corpus: Corpus, doc_id: str | None = None) -> tuple[list[SpanCoding],
                                                                                           list[SpanCoding]]:
    """(current, stale): live spans whose entry still holds the same text and whose quote is still the text at
    their offsets, and the others (their document or entry changed since they were coded)."""
    texts = dict(zip(corpus.docs["doc_id"].astype(str), corpus.docs["text"].astype(str), strict=True))
    hashes = dict(zip(corpus.entries["entry_id"].astype(str), corpus.entries["text_hash"].astype(str), strict=True))
    good: list[SpanCoding] = []
    stale: list[SpanCoding] = []
    for s in live_spans(store, doc_id):
        ok = hashes.get(s.entry_id) == s.text_hash and texts.get(s.doc_id, "")[s.start:s.end] == s.quote
        (good if ok else stale).append(s)
    return good, stale


def spans_frame(spans: Sequence[SpanCoding]) -> pd.DataFrame:
    """Span codings as a schema.SPAN_CODINGS frame."""
    rows = [(s.span_id, s.doc_id, s.entry_id, s.start, s.end, s.code, s.coder, s.quote, s.timestamp, s.source,
             s.note) for s in spans]
    return pd.DataFrame(rows, columns=list(schema.SPAN_CODINGS))


def entry_states(store: CodingStore, entry_ids: Sequence[str]) -> dict[str, str]:
    """item_state of many entries (what a document page carries back with each save)."""
    return {e: item_state(store.conn, e) for e in entry_ids}


__all__ = ["SpanCoding", "SpanPlace", "code_span", "current_spans", "entry_states", "item_state", "live_spans",
           "locate_span", "remove_span", "span_id", "spans_frame"]
