"""Shared pieces of the REFI-QDA reader and writer: namespaces, stable GUIDs, code descriptions.

GUIDs are UUID-5 values derived from our ids (variable id, doc_id, entry_id, coder), so exporting the
same data twice gives the same file, and a file coming back from a QDA program maps onto our ids even
when names were edited there.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from corpus_tools.io.safezip import DEFAULT_LIMITS, check_depth
from corpus_tools.store.vocabulary import NONE_CODE
from corpus_tools.text.tokenize import has_cjk

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from corpus_tools.lexicon.model import Lexicon

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
GUID_NAMESPACE = uuid.UUID("6f0f7c1e-3a53-5c71-9d0b-5c0f2b7f4a10")
NONE_NAME = "No code applies (none)"
NONE_DESCRIPTION = ("Passages that were coded and fit none of the codes (an explicit 'no code', which is "
                    "not the same as not coded).")
ID_LINE = "Code id"
PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#17BECF", "#BCBD22")
NONE_COLOR = "#999999"
_INVALID_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LINE_RE = re.compile(r"^(Keywords|Exclude|Label)(?: \(([A-Za-z_-]+)\))?\s*[:：]\s*(.*)$"
                      r"|^(Code id)\s*[:：]\s*(\S+)\s*$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def guid(kind: str, *parts: str) -> str:
    """A stable GUID for one object (kind = code, source, user, selection, coding, variable)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join((kind, *parts))))


def xml_text(value: object) -> str:
    """Text safe for an XML 1.0 document (control characters removed)."""
    return _INVALID_XML_RE.sub("", str(value))


def local(tag: str) -> str:
    """Element name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def children(el: Element, name: str) -> list[Element]:
    """Direct children with this local name (any namespace)."""
    return [c for c in el if local(c.tag) == name]


def child_text(el: Element, name: str) -> str:
    """Text of the first direct child with this local name ("" when absent)."""
    found = children(el, name)
    return (found[0].text or "") if found else ""


def join_terms(terms: Iterable[str]) -> str:
    """Keywords as written in a Description line."""
    return "; ".join(terms)


def split_terms(text: str) -> list[str]:
    """Keywords from a Description line (`;`, `；` or `,` separated)."""
    sep = ";" if (";" in text or "；" in text) else ","
    return [t.strip() for t in text.replace("；", ";").split(sep) if t.strip()]


def describe(label: dict[str, str], definition: str, terms: dict[str, tuple[str, ...]] | None = None,
             exclude: dict[str, tuple[str, ...]] | None = None, code_id: str = "") -> str:
    """A code's Description: its definition, then one line each for labels, keywords, exclusions and id."""
    lines = [definition.strip()] if definition.strip() else []
    if lines:
        lines.append("")
    lines += [f"Label ({lang}): {text}" for lang, text in label.items()]
    lines += [f"Keywords ({lang}): {join_terms(t)}" for lang, t in (terms or {}).items() if t]
    lines += [f"Exclude ({lang}): {join_terms(t)}" for lang, t in (exclude or {}).items() if t]
    if code_id:
        lines.append(f"{ID_LINE}: {code_id}")
    return "\n".join(lines)


@dataclass
class Described:
    """What a Description says: definition, labels, keywords and exclusions per language, and our id."""

    definition: str = ""
    label: dict[str, str] = field(default_factory=dict)
    terms: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    code_id: str = ""


def _by_lang(items: list[str], lang: str | None) -> dict[str, list[str]]:
    if lang:
        return {lang.lower() if lang.lower() in ("zh", "en") else lang: items}
    out: dict[str, list[str]] = {}
    for t in items:
        out.setdefault("zh" if has_cjk(t) else "en", []).append(t)
    return out


def parse_description(text: str) -> Described:
    """Read a Description written by `describe` (or by a person: unlabelled lines are the definition;
    `Keywords:` without a language is split by script into zh and en)."""
    out = Described()
    definition: list[str] = []
    for line in (text or "").splitlines():
        m = _LINE_RE.match(line.strip())
        if not m:
            definition.append(line.rstrip())
            continue
        if m.group(4):
            out.code_id = m.group(5)
            continue
        kind, lang, value = m.group(1).lower(), m.group(2), m.group(3).strip()
        if kind == "label":
            out.label[lang or "en"] = value
        else:
            target = out.terms if kind == "keywords" else out.exclude
            for lg, items in _by_lang(split_terms(value), lang).items():
                target.setdefault(lg, []).extend(items)
    out.definition = "\n".join(definition).strip()
    return out


@dataclass
class CodeNode:
    """One Code element of a codebook, with its parent chain and what its Description says."""

    guid: str
    name: str
    codable: bool
    path: tuple[str, ...]  # names from the top-level code down to this one
    described: Described
    children: list[CodeNode] = field(default_factory=list)


def read_codes(codes_el: Element, max_depth: int = DEFAULT_LIMITS.max_depth, where: str = "codebook") -> list[CodeNode]:
    """The code tree under a <Codes> element (any namespace); UnsafeFileError when nested over max_depth."""
    check_depth(codes_el, max_depth, where)

    def walk(el: Element, path: tuple[str, ...]) -> CodeNode:
        name = el.get("name", "")
        node = CodeNode(el.get("guid", ""), name, el.get("isCodable", "true").strip().lower() in ("true", "1"),
                        (*path, name), parse_description(child_text(el, "Description")))
        node.children = [walk(c, node.path) for c in children(el, "Code")]
        return node

    return [walk(c, ()) for c in children(codes_el, "Code")]


def iter_nodes(nodes: Iterable[CodeNode]) -> Iterable[CodeNode]:
    """All nodes, depth first."""
    for n in nodes:
        yield n
        yield from iter_nodes(n.children)


def code_index(lexicons: Iterable[Lexicon]) -> dict[str, str]:
    """Lookup from GUIDs, ids and labels (case-folded) to our variable ids, plus `none`."""
    index: dict[str, str] = {guid("code", NONE_CODE): NONE_CODE, NONE_CODE: NONE_CODE,
                             NONE_NAME.casefold(): NONE_CODE}
    for lex in lexicons:
        for v in lex.variables:
            index[guid("code", v.id)] = v.id
            index[v.id.casefold()] = v.id
            for text in v.label.values():
                index.setdefault(text.casefold(), v.id)
    return index


def map_code(node: CodeNode, index: dict[str, str]) -> str | None:
    """Our code id for a Code from a REFI file: by its `Code id` line, its GUID, then its name."""
    for key in (node.described.code_id.casefold(), node.guid.strip("{}").lower(), node.name.casefold()):
        if key and key in index:
            return index[key]
    return None
