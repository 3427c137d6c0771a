"""Read .txt/.md (UTF-8, BOM, GB18030, Big5), .html (visible text, main content marked) and .docx
(paragraphs) as plain text.

The returned text is "the original text" for every offset in the project: decoded, line endings
turned into LF, nothing else changed (for HTML and Word files: the extracted paragraphs, joined by a
blank line).
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from charset_normalizer import from_bytes

from corpus_tools.errors import DecodeError

TEXT_SUFFIXES = (".txt", ".md", ".text")
HTML_SUFFIXES = (".html", ".htm")
DOCX_SUFFIXES = (".docx",)
SUPPORTED = TEXT_SUFFIXES + HTML_SUFFIXES + DOCX_SUFFIXES

# GBK-family names all decode as GB18030, its superset
_GB_ALIASES = {"gb2312", "gbk", "cp936", "gb18030", "euc_cn", "euc-cn", "hz", "x-gbk", "936"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class ReadText:
    """Decoded text plus how it was decoded."""

    text: str
    encoding: str
    detected: bool
    main: str | None = None  # HTML: the page's main content (html_main_text), when an extractor found it


def canonical_encoding(name: str) -> str:
    """Normalise an encoding name; GBK-family names become gb18030. Raises LookupError if unknown."""
    low = name.strip().lower().replace("_", "-")
    if low in _GB_ALIASES or low.replace("-", "_") in _GB_ALIASES:
        return "gb18030"
    return codecs.lookup(low).name


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"line {line}, byte {offset}"


def decode_bytes(data: bytes, encoding: str | None = None) -> ReadText:
    """Decode with the declared encoding, or detect: BOM, strict UTF-8, then GB18030 vs Big5."""
    if encoding:
        enc = canonical_encoding(encoding)
        try:
            return ReadText(normalize_newlines(data.decode(enc)), enc, False)
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"undecodable bytes as {enc} at {_position(data, exc.start)}",
                hint="fix the `encoding` column in documents.csv, or leave it empty to detect",
            ) from exc
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _strict(data, enc)
    try:
        return ReadText(normalize_newlines(data.decode("utf-8")), "utf-8", True)
    except UnicodeDecodeError as utf8_exc:
        first_bad = utf8_exc.start
    candidates: list[str] = []
    for enc in ("gb18030", "big5"):
        try:
            data.decode(enc)
            candidates.append(enc)
        except UnicodeDecodeError:
            continue
    if len(candidates) == 2:
        candidates = [_choose_chinese(data)]
    if not candidates:
        raise DecodeError(
            f"undecodable bytes: not UTF-8 (first bad byte at {_position(data, first_bad)}), GB18030 or Big5",
            hint="set the `encoding` column in documents.csv",
        )
    return ReadText(normalize_newlines(data.decode(candidates[0])), candidates[0], True)


def _strict(data: bytes, enc: str) -> ReadText:
    try:
        return ReadText(normalize_newlines(data.decode(enc)), enc, True)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"undecodable bytes as {enc} at {_position(data, exc.start)}") from exc


def _choose_chinese(data: bytes) -> str:
    """Both GB18030 and Big5 decode the bytes: ask charset-normalizer which reads as real text."""

    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        return "gb18030"
    return "big5" if "big5" in best.encoding.replace("_", "").lower() else "gb18030"


class _VisibleText(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
         "article", "header", "footer", "nav", "blockquote", "pre", "dd", "dt", "figcaption", "hr", "title",
         "main", "aside", "form"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        if text:
            self.blocks.append(text)
        self._buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK and not self._skip:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK and not self._skip:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buf.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page: one paragraph per block element, joined by a blank line."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    parser._flush()
    return "\n\n".join(parser.blocks)


def html_main_text(markup: str) -> tuple[str, str]:
    """The main content of a page (the article, not menus, sidebars and "Related Stories"), found by
    trafilatura (Barbaresi 2021, a maintained main-content extractor); all visible blocks (html_to_text)
    when it is not installed or finds nothing, so no page is silently emptied. Returns (text, method),
    method 'trafilatura' or 'visible-text'; paragraphs joined by a blank line.

    >>> page = ("<html><body><nav><a href='/'>Home</a> | <a href='/news'>News</a></nav><article>"
    ...         "<h1>Junpu's web shops</h1><p>Young people in Junpu village opened hundreds of online shops "
    ...         "selling clothes, and rents stayed low for years while the village grew.</p></article>"
    ...         "<aside><h3>Related Stories</h3><ul><li>Other story</li></ul></aside></body></html>")
    >>> text, method = html_main_text(page)
    >>> method, "Home" in text, "Related Stories" in text, "opened hundreds of online shops" in text
    ('trafilatura', False, False, True)
    """
    try:
        import trafilatura
    except ImportError:  # optional at run time: fall back to the visible text
        return html_to_text(markup), "visible-text"
    extracted = trafilatura.extract(markup, output_format="txt", include_comments=False, include_tables=True,
                                    include_images=False, include_links=False, deduplicate=False,
                                    with_metadata=False)
    if not extracted or not extracted.strip():
        return html_to_text(markup), "visible-text"
    lines = [ln.strip() for ln in extracted.replace("\r\n", "\n").split("\n")]
    return "\n\n".join(ln for ln in lines if ln), "trafilatura"


def docx_to_text(path: Path) -> str:
    """Non-empty paragraphs of a Word document, then table rows (cells joined by |), blank-line joined."""

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise DecodeError(f"not a readable .docx file ({exc})") from exc
    paras = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paras.append(" | ".join(c.text.strip() for c in row.cells))
    return normalize_newlines("\n\n".join(p for p in paras if p))


def read_text(path: Path, encoding: str | None = None) -> ReadText:
    """Read any supported file as text; DecodeError on bytes that cannot be decoded."""
    suffix = path.suffix.lower()
    if suffix in DOCX_SUFFIXES:
        return ReadText(docx_to_text(path), "docx", False)
    data = path.read_bytes()
    decoded = decode_bytes(data, encoding)
    if suffix in HTML_SUFFIXES:  # the text is every visible block (offsets, codings); `main` marks the article
        main, method = html_main_text(decoded.text)
        return ReadText(html_to_text(decoded.text), decoded.encoding, decoded.detected,
                        main if method == "trafilatura" else None)
    return decoded
