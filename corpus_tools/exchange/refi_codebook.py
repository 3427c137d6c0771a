"""REFI-QDA codebooks (.qdc): write our lexicons as code trees, read code trees back into a lexicon.

Constructs become non-codable parent codes and variables codable child codes; each Description holds the
definition, labels per language, keywords per language, exclusions and our id, one per line, so a
codebook exported here and edited in NVivo, ATLAS.ti, MAXQDA or QualCoder comes back with its terms.
An explicit "No code applies (none)" code lets coders mark passages that fit no code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from corpus_tools._version import __version__
from corpus_tools.errors import ExchangeError, LexiconError
from corpus_tools.exchange.refi_common import (
    CODEBOOK_NS,
    NONE_CODE,
    NONE_COLOR,
    NONE_DESCRIPTION,
    NONE_NAME,
    PALETTE,
    CodeNode,
    children,
    describe,
    guid,
    local,
    read_codes,
    xml_text,
)
from corpus_tools.exchange.safety import DEFAULT_LIMITS, Limits, parse_xml, read_limited
from corpus_tools.exchange.validate import assert_valid, schema_errors
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.text.tokenize import has_cjk

if TYPE_CHECKING:
    from corpus_tools.lexicon.model import Lexicon

_SAFE_RE = re.compile(r"[^a-z0-9_]+")


def _name(label: dict[str, str], fallback: str) -> str:
    return label.get("en") or next(iter(label.values()), "") or fallback


def codes_element(parent: ET.Element, lexicons: Sequence[Lexicon], ns: str, include_none: bool = True,
                  note_refs: Mapping[str, Sequence[str]] | None = None) -> None:
    """Append <Codes> with one parent code per construct and one codable code per variable; `note_refs` (code id
    -> note GUIDs, project files only) adds a NoteRef per memo on a code."""
    refs = note_refs or {}
    codes = ET.SubElement(parent, f"{{{ns}}}Codes")
    seen: dict[str, str] = {}
    for lex in lexicons:
        for c in lex.constructs:
            if c.id in seen:
                raise ExchangeError(f"construct id {c.id!r} is in both {seen[c.id]} and {lex.name}",
                                    hint="export the lexicons one at a time")
            seen[c.id] = lex.name
            color = PALETTE[(len(seen) - 1) % len(PALETTE)]
            cel = ET.SubElement(codes, f"{{{ns}}}Code", guid=guid("code", c.id), name=xml_text(_name(c.label, c.id)),
                                isCodable="false", color=color)
            ET.SubElement(cel, f"{{{ns}}}Description").text = xml_text(describe(c.label, c.definition,
                                                                                  code_id=c.id))
            for note in refs.get(c.id, ()):
                ET.SubElement(cel, f"{{{ns}}}NoteRef", targetGUID=note)
            for v in c.variables:
                vel = ET.SubElement(cel, f"{{{ns}}}Code", guid=guid("code", v.id),
                                    name=xml_text(_name(v.label, v.name)), isCodable="true", color=color)
                ET.SubElement(vel, f"{{{ns}}}Description").text = xml_text(
                    describe(v.label, v.definition, v.terms, v.exclude, v.id))
                for note in refs.get(v.id, ()):
                    ET.SubElement(vel, f"{{{ns}}}NoteRef", targetGUID=note)
    if include_none:
        nel = ET.SubElement(codes, f"{{{ns}}}Code", guid=guid("code", NONE_CODE), name=NONE_NAME,
                            isCodable="true", color=NONE_COLOR)
        ET.SubElement(nel, f"{{{ns}}}Description").text = describe({}, NONE_DESCRIPTION, code_id=NONE_CODE)


def codebook_xml(lexicons: Sequence[Lexicon], include_none: bool = True) -> bytes:
    """A validated .qdc document for the lexicons."""
    ET.register_namespace("", CODEBOOK_NS)
    origin = f"corpus-tools {__version__}: " + ", ".join(f"{lex.name} {lex.version}" for lex in lexicons)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", origin=xml_text(origin))
    codes_element(root, lexicons, CODEBOOK_NS, include_none)
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert_valid(data, "codebook", "the exported codebook")
    return data


def write_qdc(lexicons: Sequence[Lexicon], path: Path, include_none: bool = True) -> Path:
    """Write the lexicons as a REFI-QDA codebook file (validated against Codebook.xsd first)."""
    data = codebook_xml(lexicons, include_none)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- reading ---------------------------------------------------------------------------------------------
@dataclass
class ImportedCodebook:
    """A lexicon rebuilt from a REFI codebook, plus what could not be carried over."""

    lexicon: Lexicon
    problems: list[str] = field(default_factory=list)


def _safe(name: str, fallback: str) -> str:
    s = _SAFE_RE.sub("_", name.strip().lower()).strip("_")
    if not s:
        return fallback
    return s if s[0].isalpha() else f"c_{s}"


def _unique(base: str, taken: set[str]) -> str:
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    taken.add(out)
    return out


def _labels(node: CodeNode) -> dict[str, str]:
    if node.described.label:
        return dict(node.described.label)

    return {"zh" if has_cjk(node.name) else "en": node.name}


def _variable(node: CodeNode, construct_id: str, taken: set[str], problems: list[str]) -> tuple[str, dict[str, Any]]:
    cid, _, vname = node.described.code_id.partition(".")
    if cid != construct_id or not vname:
        vname = "_".join(_safe(p, "code") for p in node.path[1:]) or _safe(node.name, "code")
        if node.described.code_id and node.described.code_id != NONE_CODE:
            problems.append(f"code {node.name!r}: id {node.described.code_id!r} does not sit under construct "
                            f"{construct_id!r}; named {construct_id}.{vname}")
    vname = _unique(_safe(vname, "code"), taken)
    d = node.described
    return vname, {"label": _labels(node), "definition": d.definition, "terms": dict(d.terms),
                   **({"exclude": d.exclude} if d.exclude else {})}


def lexicon_from_codes(nodes: list[CodeNode], name: str, problems: list[str]) -> Lexicon:
    """Top-level codes become constructs; codable codes below them (any depth) become variables."""
    constructs: dict[str, Any] = {}
    taken_c: set[str] = set()
    for top in nodes:
        if top.described.code_id == NONE_CODE or top.name == NONE_NAME:
            continue
        cid = _unique(_safe(top.described.code_id or top.name, "construct"), taken_c)
        below = [n for n in _descendants(top) if n.codable]
        if not below and top.codable:
            below = [CodeNode(top.guid, top.name, True, (top.name, top.name), top.described)]
        elif top.codable:
            problems.append(f"code {top.name!r} is codable and has child codes: kept as construct {cid}; codings "
                            "on the parent itself have no variable")
        if not below:
            problems.append(f"code {top.name!r} has no codable code: left out")
            taken_c.discard(cid)
            continue
        taken_v: set[str] = set()
        variables = dict(_variable(n, cid, taken_v, problems) for n in below)
        constructs[cid] = {"label": _labels(top), "definition": top.described.definition, "variables": variables}
    if not constructs:
        raise ExchangeError("the codebook holds no codable codes", hint="a REFI codebook needs <Code isCodable=true>")
    try:
        return lexicon_from_dict({"name": name, "version": "imported", "constructs": constructs})
    except LexiconError as exc:
        raise ExchangeError(f"the codebook cannot become a lexicon: {exc.message}") from exc


def _descendants(node: CodeNode) -> list[CodeNode]:
    out: list[CodeNode] = []
    for c in node.children:
        out.append(c)
        out.extend(_descendants(c))
    return out


def read_qdc(path: Path, limits: Limits = DEFAULT_LIMITS) -> ImportedCodebook:
    """Read a .qdc codebook (or the codebook inside a project.qde) into a lexicon; terms come from the
    `Keywords` lines of the Descriptions where present."""
    data = read_limited(path, limits.max_xml_bytes)
    root = parse_xml(data, str(path), limits)
    problems: list[str] = []
    kind = {"CodeBook": "codebook", "Project": "project"}.get(local(root.tag))
    if kind is None:
        raise ExchangeError(f"{path}: not a REFI-QDA codebook (root element {local(root.tag)!r})",
                            hint="expected <CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">")
    problems += [f"{path.name}: schema: {e}" for e in schema_errors(data, kind, limit=5)]
    book = root if kind == "codebook" else next(iter(children(root, "CodeBook")), None)
    codes = children(book, "Codes") if book is not None else []
    if not codes:
        raise ExchangeError(f"{path}: the codebook has no <Codes> element")
    nodes = read_codes(codes[0], limits.max_depth, str(path))
    stem = _safe(path.stem, "codebook")
    return ImportedCodebook(lexicon_from_codes(nodes, stem, problems), problems)


__all__ = ["ImportedCodebook", "codebook_xml", "codes_element", "lexicon_from_codes", "read_qdc",
           "write_qdc"]
