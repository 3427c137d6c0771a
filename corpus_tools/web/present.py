"""Plain view data for the templates: highlighted text segments, code labels and passage metadata.

Everything here is data, never markup: templates escape every string, so corpus text containing HTML or
`<script>` is shown as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from corpus_tools.web.workspace import Workspace


@dataclass(frozen=True)
class Segment:
    """A run of passage text; `codes` names the codes whose evidence terms cover it (empty: plain text)."""

    text: str
    codes: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()


def segments(text: str, spans: Iterable[tuple[int, int, str, str]]) -> list[Segment]:
    """Split text at evidence spans (start, end, code, term); overlapping spans merge into one mark."""
    marks: list[tuple[int, int, list[str], list[str]]] = []
    for start, end, code, term in sorted(spans, key=lambda s: (s[0], -s[1])):
        start, end = max(0, start), min(len(text), end)
        if end <= start:
            continue
        if marks and start < marks[-1][1]:
            first, last, codes, terms = marks[-1]
            codes.extend([code] if code not in codes else [])
            terms.extend([term] if term not in terms else [])
            marks[-1] = (first, max(last, end), codes, terms)
        else:
            marks.append((start, end, [code], [term]))
    out: list[Segment] = []
    pos = 0
    for start, end, codes, terms in marks:
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], tuple(codes), tuple(terms)))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


@dataclass(frozen=True)
class CodeChoice:
    """A codebook code as offered in the picker."""

    code: str
    label: str
    label_zh: str
    construct: str
    definition: str
    color: int  # palette index (the same colour for the code's evidence marks)
    applied: bool = False
    codebook: str = ""  # the lexicon's title (the picker groups codes by it)
    keywords: str = ""  # the variable's terms, searched by the picker but not shown


def code_choices(ws: Workspace, applied: Sequence[str] = ()) -> list[CodeChoice]:
    """Every code of every codebook (lexicon) in order, marking those that apply."""
    out = []
    for i, code in enumerate(ws.codes):
        v = ws.variables.get(code)
        lex = ws.codebook_of.get(code)
        en, zh = ws.code_label(code)
        keywords = " ".join(t for ts in v.terms.values() for t in ts) if v is not None else ""
        out.append(CodeChoice(code, en, zh, v.construct if v else code.split(".", 1)[0],
                              v.definition if v else "", i % 9, code in applied,
                              (lex.title or lex.name) if lex is not None else "other codes", keywords))
    return out


def color_of(ws: Workspace, code: str) -> int:
    """Palette index of a code (its position in the codebook)."""
    return ws.codes.index(code) % 9 if code in ws.codes else 9


def lang_attr(lang: str) -> str:
    """An HTML lang value for a corpus language (zh-Hans, zh-Hant, en; mixed: unspecified)."""
    return lang if lang in ("zh-Hans", "zh-Hant", "en") else ""
