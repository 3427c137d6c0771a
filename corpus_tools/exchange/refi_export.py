"""Write a whole coding project as a REFI-QDA `.qdpx` (zip: project.qde + sources/<guid>.txt).

Each document is a plain-text source whose text is the document text exactly as the corpus reads it, so
the character offsets of our entries are the selection offsets. Each coded entry is one
PlainTextSelection; inside it, one Coding per coder and code (the coder is a User; a model coder such as
`model:v1` is a User of its own, its mode recorded as "model", never "blind"). An explicit "no code" is a
Coding of the "No code applies" code. A span coding (any stretch a coder selected inside an entry) is a
PlainTextSelection of its own with its exact document offsets, its coder as creatingUser and the coding time,
marked in its Description (`corpus-tools span coding`) so an import keeps it a span. Memos are Notes (text
inline), referenced by a NoteRef from the document's TextSource or from the code.
Document date, stage, source type and other metadata are Variables with typed values.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from corpus_tools import schema
from corpus_tools._version import __version__
from corpus_tools.errors import ExchangeError
from corpus_tools.exchange.refi_codebook import codes_element
from corpus_tools.exchange.refi_common import NONE_CODE, PROJECT_NS, guid, xml_text
from corpus_tools.exchange.validate import assert_valid
from corpus_tools.store.vocabulary import is_machine

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon

MODE_PREFIX = "corpus-tools modes:"
SPAN_PREFIX = "corpus-tools span coding"
MEMO_PREFIX = "corpus-tools memo on"
# (variable name, type, docs column): the document metadata written as REFI Variables
DOC_VARIABLES = (("date", "Date", "date_start"), ("date_as_written", "Text", "date"), ("year", "Integer", "year"),
                 ("stage", "Text", "stage"), ("source_type", "Text", "source_type"), ("outlet", "Text", "outlet"),
                 ("lang", "Text", "lang"), ("title", "Text", "title"))
_VALUE_TAG = {"Text": "TextValue", "Integer": "IntegerValue", "Date": "DateValue"}
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass
class QdpxExport:
    """What was written: counts, and codings that could not be written (with reasons)."""

    path: Path
    n_sources: int = 0
    n_selections: int = 0
    n_codings: int = 0
    n_spans: int = 0
    n_memos: int = 0
    users: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _n(tag: str) -> str:
    return f"{{{PROJECT_NS}}}{tag}"


def _stamp(created: dt.datetime | None) -> str:
    when = created or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(kind: str, raw: Any) -> str | None:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = str(raw).strip()
    if not text or text in ("<NA>", "nan", "None"):
        return None
    if kind == "Integer":
        try:
            return str(int(float(text)))
        except ValueError:
            return None
    if kind == "Date":
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            return None
    return xml_text(text)


def _coding_index(state: pd.DataFrame, known: set[str], problems: list[str]) -> dict[str, dict[str, Any]]:
    """entry_id -> {"codes": {coder: sorted codes}, "modes": {coder: mode}}; unknown codes reported.

    A machine coder's (`model:...`) mode is always "model", never blind: no person coded those passages.
    """
    out: dict[str, dict[str, Any]] = {}
    unknown: dict[str, int] = {}
    for eid, coder, code, mode in state[["entry_id", "coder", "code", "mode"]].itertuples(index=False):
        eid, coder, code, mode = str(eid), str(coder), str(code), str(mode)
        if code != NONE_CODE and code not in known:
            unknown[code] = unknown.get(code, 0) + 1
            continue
        rec = out.setdefault(eid, {"codes": {}, "modes": {}})
        rec["codes"].setdefault(coder, set()).add(code)
        rec["modes"].setdefault(coder, schema.MACHINE_MODE if is_machine(coder) else mode)
    if unknown:
        problems.append("codes not in the exported codebook were left out: "
                        + ", ".join(f"{c} ({n})" for c, n in sorted(unknown.items())))
    return out


def _xsd_time(stamp: str, fallback: str) -> str:
    """A stored ISO timestamp as xsd:dateTime in UTC with its microseconds (so an import gets the same time back);
    `fallback` when it cannot be read."""
    try:
        when = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _span_rows(spans: pd.DataFrame | None, known: set[str], docs: set[str],
               problems: list[str]) -> dict[str, list[dict[str, Any]]]:
    """doc_id -> span codings to write (schema.SPAN_CODINGS rows), in document order; others reported."""
    if spans is None or not len(spans):
        return {}
    schema.check(spans, schema.SPAN_CODINGS, "span codings")
    out: dict[str, list[dict[str, Any]]] = {}
    unknown, missing = 0, 0
    for row in spans.to_dict("records"):
        if str(row["code"]) not in known:
            unknown += 1
        elif str(row["doc_id"]) not in docs:
            missing += 1
        else:
            out.setdefault(str(row["doc_id"]), []).append(row)
    if unknown:
        problems.append(f"{unknown} span coding(s) with codes not in the exported codebook were left out")
    if missing:
        problems.append(f"{missing} span coding(s) of documents not in the corpus were left out")
    for rows in out.values():
        rows.sort(key=lambda r: (int(r["start"]), int(r["end"]), str(r["code"]), str(r["coder"])))
    return out


def _memo_refs(memos: pd.DataFrame | None, known: set[str], docs: set[str],
               problems: list[str]) -> tuple[list[dict[str, Any]], dict[str, list[str]], dict[str, list[str]]]:
    """Memos to write, and note GUIDs per document and per code; memos on unknown targets reported."""
    if memos is None or not len(memos):
        return [], {}, {}
    schema.check(memos, schema.MEMOS, "memos")
    rows: list[dict[str, Any]] = []
    by_doc: dict[str, list[str]] = {}
    by_code: dict[str, list[str]] = {}
    left_out = 0
    for row in memos.to_dict("records"):
        kind, target = str(row["kind"]), str(row["target"])
        where = by_doc if kind == "document" and target in docs else by_code if kind == "code" and target in known \
            else None
        if where is None:
            left_out += 1
            continue
        where.setdefault(target, []).append(guid("memo", kind, target))
        rows.append(row)
    if left_out:
        problems.append(f"{left_out} memo(s) on documents or codes not in this export were left out")
    return rows, by_doc, by_code


def project_xml(corpus: Corpus, state: pd.DataFrame, lexicons: Sequence[Lexicon], *,
                created: dt.datetime | None = None, name: str | None = None, spans: pd.DataFrame | None = None,
                memos: pd.DataFrame | None = None) -> tuple[bytes, QdpxExport]:
    """The project.qde document (validated against Project.xsd) and a summary of what it holds.

    `spans` (schema.SPAN_CODINGS) and `memos` (schema.MEMOS) are written as selections and notes when given.
    """
    schema.check(state, schema.CODING_STATE, "coding state")
    summary = QdpxExport(Path())
    known = {v.id for lex in lexicons for v in lex.variables}
    codings = _coding_index(state, known, summary.problems)
    doc_ids = set(corpus.docs["doc_id"].astype(str))
    span_rows = _span_rows(spans, known, doc_ids, summary.problems)
    memo_rows, doc_notes, code_notes = _memo_refs(memos, known, doc_ids, summary.problems)
    e = corpus.entries
    span = {str(i): (int(s), int(t)) for i, s, t in zip(e["entry_id"], e["start"], e["end"], strict=True)}
    doc_of = dict(zip(e["entry_id"].astype(str), e["doc_id"].astype(str), strict=True))
    missing = sorted(e for e in codings if e not in span)
    if missing:
        summary.problems.append(f"{len(missing)} coded entr{'y is' if len(missing) == 1 else 'ies are'} not in the "
                                f"corpus (text changed?) and were left out: {', '.join(missing[:5])}"
                                + (" ..." if len(missing) > 5 else ""))
    stamp = _stamp(created)
    ET.register_namespace("", PROJECT_NS)
    root = ET.Element(_n("Project"), name=xml_text(name or corpus.config.name),
                      origin=f"corpus-tools {__version__}", creationDateTime=stamp)
    coders = sorted({c for rec in codings.values() for c in rec["codes"]}
                    | {str(r["coder"]) for rows in span_rows.values() for r in rows}
                    | {str(r["coder"]) for r in memo_rows})
    summary.users = coders
    if coders:
        users = ET.SubElement(root, _n("Users"))
        for c in coders:
            ET.SubElement(users, _n("User"), guid=guid("user", c), name=xml_text(c), id=xml_text(c))
    codes_element(ET.SubElement(root, _n("CodeBook")), lexicons, PROJECT_NS, note_refs=code_notes)
    variables = ET.SubElement(root, _n("Variables"))
    for vname, kind, _col in DOC_VARIABLES:
        ET.SubElement(variables, _n("Variable"), guid=guid("variable", vname), name=vname, typeOfVariable=kind)
    sources = ET.SubElement(root, _n("Sources"))
    by_doc: dict[str, list[str]] = {}
    for eid in codings:
        if eid in span:
            by_doc.setdefault(doc_of[eid], []).append(eid)
    for doc in corpus.docs.to_dict("records"):
        did = str(doc["doc_id"])
        sguid = guid("source", corpus.config.name, did)
        src = ET.SubElement(sources, _n("TextSource"), guid=sguid, name=xml_text(did),
                            plainTextPath=f"internal://{sguid}.txt", creationDateTime=stamp)
        if doc.get("title"):
            ET.SubElement(src, _n("Description")).text = xml_text(doc["title"])
        summary.n_sources += 1
        for eid in sorted(by_doc.get(did, []), key=lambda x: (span[x], x)):
            rec = codings[eid]
            sel = ET.SubElement(src, _n("PlainTextSelection"), guid=guid("selection", eid), name=xml_text(eid),
                                startPosition=str(span[eid][0]), endPosition=str(span[eid][1]),
                                creationDateTime=stamp)
            modes = "; ".join(f"{c}={rec['modes'][c]}" for c in sorted(rec["modes"]))
            ET.SubElement(sel, _n("Description")).text = xml_text(f"{MODE_PREFIX} {modes}")
            summary.n_selections += 1
            for coder in sorted(rec["codes"]):
                for code in sorted(rec["codes"][coder]):
                    cod = ET.SubElement(sel, _n("Coding"), guid=guid("coding", eid, coder, code),
                                        creatingUser=guid("user", coder), creationDateTime=stamp)
                    ET.SubElement(cod, _n("CodeRef"), targetGUID=guid("code", code))
                    summary.n_codings += 1
        for r in span_rows.get(did, []):
            _span_selection(src, r, stamp)
            summary.n_spans += 1
        for note in doc_notes.get(did, []):
            ET.SubElement(src, _n("NoteRef"), targetGUID=note)
        for vname, kind, col in DOC_VARIABLES:
            value = _value(kind, doc.get(col))
            if value is None:
                continue
            vv = ET.SubElement(src, _n("VariableValue"))
            ET.SubElement(vv, _n("VariableRef"), targetGUID=guid("variable", vname))
            ET.SubElement(vv, _n(_VALUE_TAG[kind])).text = value
    if memo_rows:
        notes = ET.SubElement(root, _n("Notes"))
        for r in memo_rows:
            kind, target = str(r["kind"]), str(r["target"])
            nel = ET.SubElement(notes, _n("Note"), guid=guid("memo", kind, target), name=xml_text(f"{kind} {target}"),
                                creatingUser=guid("user", str(r["coder"])),
                                creationDateTime=_xsd_time(str(r["timestamp"]), stamp))
            ET.SubElement(nel, _n("Description")).text = xml_text(f"{MEMO_PREFIX} {kind} {target} (version "
                                                                   f"{int(r['version'])})")
            ET.SubElement(nel, _n("PlainTextContent")).text = xml_text(r["text"])
            summary.n_memos += 1
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert_valid(data, "project", "the exported project")
    return data, summary


def _span_selection(src: ET.Element, r: dict[str, Any], stamp: str) -> None:
    """One span coding as a PlainTextSelection with its exact document offsets and one Coding."""
    sid, coder, when = str(r["span_id"]), str(r["coder"]), _xsd_time(str(r["timestamp"]), stamp)
    sel = ET.SubElement(src, _n("PlainTextSelection"), guid=guid("span", sid), name=xml_text(sid),
                        startPosition=str(int(r["start"])), endPosition=str(int(r["end"])),
                        creatingUser=guid("user", coder), creationDateTime=when)
    note = str(r.get("note") or "").strip()
    ET.SubElement(sel, _n("Description")).text = xml_text(f"{SPAN_PREFIX} by {coder}" + (f"\nnote: {note}" if note
                                                                                           else ""))
    cod = ET.SubElement(sel, _n("Coding"), guid=guid("span-coding", sid), creatingUser=guid("user", coder),
                        creationDateTime=when)
    ET.SubElement(cod, _n("CodeRef"), targetGUID=guid("code", str(r["code"])))


def write_qdpx(path: Path, corpus: Corpus, state: pd.DataFrame, lexicons: Sequence[Lexicon], *,
               created: dt.datetime | None = None, name: str | None = None, spans: pd.DataFrame | None = None,
               memos: pd.DataFrame | None = None) -> QdpxExport:
    """Write the .qdpx archive (same inputs and `created`, same bytes)."""
    if path.suffix.lower() != ".qdpx":
        raise ExchangeError(f"{path}: a REFI-QDA project file must end in .qdpx")
    data, summary = project_xml(corpus, state, lexicons, created=created, name=name, spans=spans, memos=memos)
    summary.path = path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("project.qde", ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
        for did, text in zip(corpus.docs["doc_id"], corpus.docs["text"], strict=True):
            member = f"sources/{guid('source', corpus.config.name, str(did))}.txt"
            zf.writestr(zipfile.ZipInfo(member, ZIP_TIME), str(text).encode("utf-8"),
                        compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(path)
    return summary
