"""Read codings back from a REFI-QDA `.qdpx` project (ours after a trip through a QDA program, or another's).

Sources map to corpus documents by GUID, then by name (= doc_id), then by identical text; selections map
to entries by their exact character offsets (a text that differs from the corpus only in CRLF line ends
is mapped back). A selection that is a part of one entry (a span coding written by corpus-tools, or a
passage a coder selected in a QDA program) comes back as a span coding with the same offsets (`spans`);
Notes referenced from a source or a code come back as memos on that document or code (`memos`). Codings
map to our codes by the `Code id` line of the code's Description, by GUID, then by name. Whatever does not
map (a selection across entries, an unknown code, a PDF source) is reported, never guessed.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import ExchangeError
from corpus_tools.exchange.refi_common import (
    NONE_CODE,
    child_text,
    children,
    code_index,
    guid,
    iter_nodes,
    local,
    map_code,
    read_codes,
)
from corpus_tools.exchange.refi_export import MODE_PREFIX, SPAN_PREFIX
from corpus_tools.exchange.safety import DEFAULT_LIMITS, Limits, SafeZip, parse_xml
from corpus_tools.exchange.validate import schema_errors
from corpus_tools.store.spans import span_id
from corpus_tools.store.vocabulary import is_machine

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon

IMPORT_MODE = "imported"
MEDIA_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


@dataclass
class QdpxImport:
    """Codings read from a .qdpx (schema.CODING_STATE), the problems met, and counts."""

    codings: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    n_selections: int = 0
    n_matched: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    spans: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(schema.SPAN_CODINGS)))
    memos: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(schema.MEMOS)))


class _Offsets:
    """Map offsets in a source text with CRLF line ends to offsets in the same text with LF line ends."""

    def __init__(self, text: str) -> None:
        self.crs = [i for i in range(len(text) - 1) if text[i] == "\r" and text[i + 1] == "\n"]

    def __call__(self, pos: int) -> int:
        return pos - bisect.bisect_left(self.crs, pos)


def _default_mode(coder: str) -> str:
    """Mode of a coding whose selection does not record one: "model" for machine coders, else imported."""
    return schema.MACHINE_MODE if is_machine(coder) else IMPORT_MODE


def _modes(selection: Element) -> dict[str, str]:
    text = child_text(selection, "Description")
    if MODE_PREFIX not in text:
        return {}
    out = {}
    for part in text.split(MODE_PREFIX, 1)[1].split(";"):
        coder, _, mode = part.strip().rpartition("=")
        if coder and mode in schema.STATE_MODES:
            out[coder] = mode
    return out


def _source_text(src: Element, archive: SafeZip, problems: list[str]) -> str | None:
    inline = children(src, "PlainTextContent")
    if inline:
        return inline[0].text or ""
    path = src.get("plainTextPath", "")
    if not path:
        return None
    if not path.lower().startswith("internal://"):
        problems.append(f"source {src.get('name', '')!r}: text is outside the archive ({path}); not read")
        return None
    base = path[len("internal://"):].lstrip("/")
    member = next((m for m in (archive.find(f"sources/{base}"), archive.find(base)) if m), None)
    if member is None:
        problems.append(f"source {src.get('name', '')!r}: {path} is missing from the archive")
        return None
    raw = archive.read(member)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"source {src.get('name', '')!r}: {member} is not UTF-8; its text was not compared")
        return None


class _DocMatcher:
    """Find the corpus document of a REFI source."""

    def __init__(self, corpus: Corpus) -> None:
        docs = corpus.docs
        self.by_guid = {guid("source", corpus.config.name, str(d)): str(d) for d in docs["doc_id"]}
        self.ids = set(map(str, docs["doc_id"]))
        self.by_text = {str(t): str(d) for d, t in zip(docs["doc_id"], docs["text"], strict=True)}
        self.text = {str(d): str(t) for d, t in zip(docs["doc_id"], docs["text"], strict=True)}

    def match(self, src: Element, text: str | None) -> str | None:
        g = src.get("guid", "").strip("{}").lower()
        name = src.get("name", "").strip()
        if g in self.by_guid:
            return self.by_guid[g]
        if name in self.ids:
            return name
        if text is not None:
            return self.by_text.get(text) or self.by_text.get(text.replace("\r\n", "\n"))
        return None


def read_qdpx(path: Path, corpus: Corpus, lexicons: Sequence[Lexicon], *,
              limits: Limits = DEFAULT_LIMITS) -> QdpxImport:
    """Codings from a .qdpx mapped onto the corpus entries (schema.CODING_STATE, mode from the file or
    "imported"), plus every selection, code or source that could not be mapped."""
    problems: list[str] = []
    with SafeZip(path, limits) as archive:
        member = archive.find("project.qde")
        if member is None:
            raise ExchangeError(f"{path}: project.qde is missing", hint="is this a REFI-QDA .qdpx file?")
        data = archive.read(member)
        root = parse_xml(data, f"{path.name}/project.qde", limits)
        if local(root.tag) != "Project":
            raise ExchangeError(f"{path}: project.qde has root element {local(root.tag)!r}, not Project")
        problems += [f"project.qde: schema: {e}" for e in schema_errors(data, "project", limit=5)]
        users = {u.get("guid", "").strip("{}").lower(): (u.get("name") or u.get("id") or u.get("guid") or "")
                 for us in children(root, "Users") for u in children(us, "User")}
        index = code_index(lexicons)
        code_of: dict[str, str | None] = {}
        unmapped_codes: dict[str, str] = {}
        for book in children(root, "CodeBook"):
            for codes in children(book, "Codes"):
                for node in iter_nodes(read_codes(codes, limits.max_depth, f"{path.name}/project.qde")):
                    key = node.guid.strip("{}").lower()
                    code_of[key] = map_code(node, index) if node.codable else None
                    if code_of[key] is None:
                        unmapped_codes[key] = node.name
        refs: dict[str, list[tuple[str, str]]] = {}  # note guid -> [(kind, target)]
        rows, result = _read_sources(root, archive, corpus, users, code_of, unmapped_codes, problems, refs)
        for book in children(root, "CodeBook"):
            for code_el in book.iter():
                if local(code_el.tag) == "Code":
                    for ref in children(code_el, "NoteRef"):
                        target = code_of.get(code_el.get("guid", "").strip("{}").lower())
                        if target is not None:
                            refs.setdefault(_key(ref.get("targetGUID", "")), []).append(("code", target))
        result.memos = _read_notes(root, users, refs, problems)
    frame = pd.DataFrame(rows, columns=list(schema.CODING_STATE)).drop_duplicates()
    result.codings = _consolidate(frame, problems).reset_index(drop=True)
    result.problems = problems
    return result


def _key(value: str) -> str:
    return value.strip().strip("{}").lower()


def _read_notes(root: Element, users: dict[str, str], refs: dict[str, list[tuple[str, str]]],
                problems: list[str]) -> pd.DataFrame:
    """Notes referenced from a source or a code, as memos (schema.MEMOS; version 0 = as read from the file)."""
    rows: list[tuple[str, str, int, str, str, str, str]] = []
    loose = 0
    for notes in children(root, "Notes"):
        for note in children(notes, "Note"):
            text = child_text(note, "PlainTextContent").strip()
            targets = refs.get(_key(note.get("guid", "")), [])
            if not targets or not text:
                loose += 1
                continue
            user = _key(note.get("creatingUser", ""))
            coder = users.get(user, user) or "unknown"
            when = _time(note.get("modifiedDateTime") or note.get("creationDateTime") or "")
            rows += [(kind, target, 0, text, coder, when, "qdpx") for kind, target in targets]
    if loose:
        problems.append(f"{loose} note(s) not attached to a document or code (or without text) were not imported "
                        "(memos belong to a document or a code)")
    return pd.DataFrame(rows, columns=list(schema.MEMOS)).drop_duplicates(["kind", "target", "text"])


def _time(value: str) -> str:
    """An xsd:dateTime from a file as the store's time format (UTC, microseconds); "" when absent or unreadable."""
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _read_sources(root: Element, archive: SafeZip, corpus: Corpus, users: dict[str, str],
                  code_of: dict[str, str | None], unmapped_codes: dict[str, str],
                  problems: list[str], note_refs: dict[str, list[tuple[str, str]]]
                  ) -> tuple[list[tuple[str, str, str, str, str]], QdpxImport]:

    result = QdpxImport(pd.DataFrame())
    matcher = _DocMatcher(corpus)
    spans: dict[str, dict[tuple[int, int], str]] = {}
    for eid, did, s, e in corpus.entries[["entry_id", "doc_id", "start", "end"]].itertuples(index=False):
        spans.setdefault(str(did), {})[(int(s), int(e))] = str(eid)
    rows: list[tuple[str, str, str, str, str]] = []
    span_rows: list[dict[str, Any]] = []
    skipped_codes: dict[str, int] = {}
    for sources in children(root, "Sources"):
        media = [s for s in sources if local(s.tag) in MEDIA_SOURCES]
        if media:
            problems.append(f"{len(media)} non-text source(s) (PDF, picture, audio, video) ignored")
        for src in children(sources, "TextSource"):
            name = src.get("name", "")
            if children(src, "Coding"):
                problems.append(f"source {name!r}: codings of the whole document ignored (only passages map "
                                "to entries)")
            text = _source_text(src, archive, problems)
            did = matcher.match(src, text)
            selections = children(src, "PlainTextSelection")
            if did is not None:
                for ref in children(src, "NoteRef"):
                    note_refs.setdefault(_key(ref.get("targetGUID", "")), []).append(("document", did))
            if did is None:
                if selections:
                    problems.append(f"source {name!r} matches no corpus document: {len(selections)} "
                                    "selection(s) not imported")
                continue
            fix = None
            if text is not None and text != matcher.text[did]:
                if text.replace("\r\n", "\n") == matcher.text[did]:
                    fix = _Offsets(text)
                else:
                    problems.append(f"source {name!r} ({did}): text differs from the corpus document; only "
                                    "selections whose text still equals an entry are imported")
            for sel in selections:
                result.n_selections += 1
                ours = child_text(sel, "Description").startswith(SPAN_PREFIX)
                part = _span_for(sel, did, spans, fix, text, matcher.text[did], result, ours)
                if part is not None:
                    span_rows += _span_codings(sel, did, part, matcher.text[did], users, code_of, unmapped_codes,
                                               skipped_codes, problems)
                if part is not None or ours:
                    continue
                eid = _entry_for(sel, did, spans, fix, text, matcher.text[did], result)
                if eid is None:
                    continue
                result.n_matched += 1
                modes = _modes(sel)
                for cod in children(sel, "Coding"):
                    code = _code_of_coding(cod, code_of, unmapped_codes, skipped_codes)
                    if code is None:
                        continue
                    user = (cod.get("creatingUser") or sel.get("creatingUser") or "").strip("{}").lower()
                    coder = users.get(user, user) or "unknown"
                    if coder == "unknown":
                        problems.append(f"selection {sel.get('name', '')!r}: coding without a user; coder "
                                        "'unknown'")
                    rows.append((eid, did, coder, code, modes.get(coder) or _default_mode(coder)))
    if skipped_codes:
        problems.append("codings of codes that are not lexicon variables were skipped: "
                        + ", ".join(f"{c} ({n})" for c, n in sorted(skipped_codes.items()))
                        + " (add them to the lexicon, e.g. via `corpus-tools import qdc`)")
    if result.unmatched:
        problems.append(f"{len(result.unmatched)} selection(s) do not match an entry exactly and were not "
                        "imported (listed in the unmatched table)")
    frame = pd.DataFrame(span_rows, columns=list(schema.SPAN_CODINGS))
    result.spans = frame.drop_duplicates(["doc_id", "start", "end", "code", "coder"]).reset_index(drop=True)
    if len(result.spans):
        problems.append(f"{len(result.spans)} span coding(s) (selections inside one entry) read with their offsets: "
                        "recorded in the store with --store, not written to the codings.csv layout")
    return rows, result


def _offsets(sel: Element, fix: _Offsets | None) -> tuple[int, int] | None:
    try:
        start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
    except ValueError:
        return None
    return (fix(start), fix(end)) if fix is not None else (start, end)


def _span_for(sel: Element, did: str, spans: dict[str, dict[tuple[int, int], str]], fix: _Offsets | None,
              text: str | None, doc_text: str, result: QdpxImport, ours: bool) -> tuple[int, int, str] | None:
    """(start, end, entry) of a selection that is a span coding: `ours` (marked by our export), or a part of one
    entry (never a whole entry, which is an entry coding); None otherwise. A span of ours that no longer fits
    is reported as unmatched here."""
    pos = _offsets(sel, fix)
    if pos is None:
        if ours:
            result.unmatched.append({"doc_id": did, "selection": sel.get("name", ""), "start": sel.get("startPosition"),
                                     "end": sel.get("endPosition"), "reason": "offsets are not integers",
                                     "overlapping": ""})
        return None
    start, end = pos
    entries = spans.get(did, {})
    if not ours and (start, end) in entries:
        return None
    inside = [e for (s, t), e in entries.items() if s <= start and end <= t]
    same_text = text is None or fix is not None or text[start:end] == doc_text[start:end]
    if 0 <= start < end <= len(doc_text) and inside and same_text:
        return start, end, inside[0]
    if not ours:
        return None  # _entry_for reports it
    overlapping = [e for (s, t), e in entries.items() if s < end and t > start]
    reason = ("the text at these offsets differs from the corpus" if inside and not same_text else
              "a span coding must lie inside one entry" if 0 <= start < end else "empty or negative span")
    result.unmatched.append({"doc_id": did, "selection": sel.get("name", ""), "start": start, "end": end,
                             "reason": reason, "overlapping": ";".join(sorted(overlapping))})
    return None


def _span_codings(sel: Element, did: str, part: tuple[int, int, str], doc_text: str, users: dict[str, str],
                  code_of: dict[str, str | None], unmapped_codes: dict[str, str], skipped_codes: dict[str, int],
                  problems: list[str]) -> list[dict[str, Any]]:
    """schema.SPAN_CODINGS rows of one span selection (one per Coding whose code maps)."""
    start, end, eid = part
    description = child_text(sel, "Description")
    note = description.split("\nnote: ", 1)[1].strip() if "\nnote: " in description else ""
    out = []
    for cod in children(sel, "Coding"):
        code = _code_of_coding(cod, code_of, unmapped_codes, skipped_codes)
        if code is None:
            continue
        user = _key(cod.get("creatingUser") or sel.get("creatingUser") or "")
        coder = users.get(user, user) or "unknown"
        if coder == "unknown":
            problems.append(f"selection {sel.get('name', '')!r}: span coding without a user; coder 'unknown'")
        when = _time(cod.get("creationDateTime") or sel.get("creationDateTime") or "")
        out.append({"span_id": span_id(did, start, end, code, coder), "doc_id": did, "entry_id": eid,
                    "start": start, "end": end, "code": code, "coder": coder, "quote": doc_text[start:end],
                    "timestamp": when, "source": "qdpx", "note": note})
    return out


def _code_of_coding(cod: Element, code_of: dict[str, str | None], unmapped_codes: dict[str, str],
                    skipped_codes: dict[str, int]) -> str | None:
    """The lexicon code a Coding's CodeRef names; None when it names no lexicon variable (counted in
    `skipped_codes` under the code's name)."""
    refs = children(cod, "CodeRef")
    target = refs[0].get("targetGUID", "").strip("{}").lower() if refs else ""
    code = code_of.get(target)
    if code is None:
        label = unmapped_codes.get(target, target or "(no CodeRef)")
        skipped_codes[label] = skipped_codes.get(label, 0) + 1
    return code


def _entry_for(sel: Element, did: str, spans: dict[str, dict[tuple[int, int], str]], fix: _Offsets | None,
               text: str | None, doc_text: str, result: QdpxImport) -> str | None:
    try:
        start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
    except ValueError:
        result.unmatched.append({"doc_id": did, "selection": sel.get("name", ""), "start": sel.get("startPosition"),
                                 "end": sel.get("endPosition"), "reason": "offsets are not integers",
                                 "overlapping": ""})
        return None
    if fix is not None:
        start, end = fix(start), fix(end)
    eid = spans.get(did, {}).get((start, end))
    if eid is not None and text is not None and fix is None and text[start:end] != doc_text[start:end]:
        eid = None  # the source text changed here: the offsets no longer point at the entry
    if eid is None:
        overlapping = [e for (s, t), e in spans.get(did, {}).items() if s < end and t > start]
        reason = "no entry has exactly these offsets" if 0 <= start < end else "empty or negative span"
        result.unmatched.append({"doc_id": did, "selection": sel.get("name", ""), "start": start, "end": end,
                                 "reason": reason, "overlapping": ";".join(sorted(overlapping))})
    return eid


def _consolidate(frame: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    """An explicit `none` next to real codes of the same coder on the same entry: the codes win."""
    if frame.empty:
        return frame
    has_code = frame[frame["code"] != NONE_CODE].groupby(["entry_id", "coder"]).size()
    both = frame["code"].eq(NONE_CODE) & frame.set_index(["entry_id", "coder"]).index.isin(has_code.index)
    if both.any():
        problems.append(f"{int(both.sum())} 'none' coding(s) dropped because the same coder also applied codes "
                        "to the entry")
    return frame[~both].sort_values(["entry_id", "coder", "code"])
