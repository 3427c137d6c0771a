"""Read .txt/.md (UTF-8, BOM, UTF-16, GB18030, Big5), .html (visible text, main content marked) and .docx
(paragraphs) as plain text.

The returned text is "the original text" for every offset in the project: decoded, line endings
turned into LF, NUL characters removed (counted in `nul_removed`, reported by the loader), nothing else
changed (for HTML and Word files: the extracted paragraphs, joined by a blank line).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from charset_normalizer import from_bytes

from corpus_tools.errors import CorpusToolsError, DecodeError, UnsafeFileError
from corpus_tools.io.limits import DEFAULT_INPUT_LIMITS, InputLimits
from corpus_tools.io.office import check_docx

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
    nul_removed: int = 0  # NUL characters taken out of the decoded text
    main: str | None = None  # HTML: the page's main content (html_main_text), when an extractor found it


def canonical_encoding(name: str) -> str:
    """Normalise an encoding name; GBK-family names become gb18030.

    LookupError if unknown or not a text encoding (rot13, hex, base64, zlib are byte transforms).
    """
    low = name.strip().lower().replace("_", "-")
    if low in _GB_ALIASES or low.replace("-", "_") in _GB_ALIASES:
        return "gb18030"
    info = codecs.lookup(low)
    if not getattr(info, "_is_text_encoding", True):
        raise LookupError(f"{name!r} is not a text encoding")
    return info.name


_PLAUSIBLE_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef\u2000-\u206f"
                           r"\u00a0-\u00ff\x20-\x7e\t\n\r]")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes read as UTF-16 without a byte-order mark, else None.

    NUL bytes at only one parity (ASCII as UTF-16) are the strong sign; Chinese UTF-16 has few of them, so
    it also counts when UTF-8 fails and the decoded text is almost all CJK, punctuation and ASCII.
    """
    sample = data[:65536]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if (even == 0) == (odd == 0):  # none at all, or at both parities (real NULs, binary)
        return None
    enc = "utf-16-le" if odd else "utf-16-be"
    share = max(even, odd) / (len(sample) // 2)
    if share < 0.3:
        try:
            data.decode("utf-8")
            return None  # valid UTF-8 with a few stray NULs
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        return None
    head = text[:20000]
    plausible = len(_PLAUSIBLE_RE.findall(head)) / max(len(head), 1)
    return enc if plausible >= 0.95 else None


def _strip_nul(read: ReadText) -> ReadText:
    n = read.text.count("\x00")
    if not n:
        return read
    return ReadText(read.text.replace("\x00", ""), read.encoding, read.detected, n)


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"line {line}, byte {offset}"


def decode_bytes(data: bytes, encoding: str | None = None) -> ReadText:
    """Decode with the declared encoding, or detect: BOM, UTF-16 without BOM, strict UTF-8, then GB18030
    vs Big5. NUL characters are removed and counted (ReadText.nul_removed)."""
    return _strip_nul(_decode(data, encoding))


def _decode(data: bytes, encoding: str | None) -> ReadText:
    if encoding:
        try:
            enc = canonical_encoding(encoding)
        except LookupError as exc:
            raise DecodeError(f"unknown or non-text encoding {encoding!r} ({exc})",
                              hint="use a text encoding such as utf-8, gb18030, big5 or utf-16") from exc
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
    utf16 = _utf16_without_bom(data)
    if utf16:
        return ReadText(normalize_newlines(data.decode(utf16)), utf16, True)
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


def docx_to_text(path: Path, limits: InputLimits = DEFAULT_INPUT_LIMITS) -> str:
    """Non-empty paragraphs of a Word document, then table rows (cells joined by |), blank-line joined.

    The package is checked first (corpus_tools.io.office.check_docx: size, entity and paragraph limits,
    well-formed XML); DecodeError for a broken file, UnsafeFileError for one over a limit.
    """
    import docx

    check_docx(path, limits)
    try:
        document = docx.Document(str(path))
        paras = [p.text.strip() for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                paras.append(" | ".join(c.text.strip() for c in row.cells))
    except Exception as exc:  # python-docx/lxml raise many types on broken parts: one clear problem, no traceback
        if isinstance(exc, CorpusToolsError):
            raise
        raise DecodeError(f"not a readable .docx file ({type(exc).__name__}: {exc})",
                          hint="open and save the document again in Word") from exc
    return normalize_newlines("\n\n".join(p for p in paras if p))


def read_text(path: Path, encoding: str | None = None, limits: InputLimits = DEFAULT_INPUT_LIMITS) -> ReadText:
    """Read any supported file as text; DecodeError on bytes that cannot be decoded, UnsafeFileError over a limit."""
    suffix = path.suffix.lower()
    if suffix in DOCX_SUFFIXES:
        return _strip_nul(ReadText(docx_to_text(path, limits), "docx", False))
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnsafeFileError(f"{path.name}: {size:,} bytes exceed the limit of max_file_bytes = "
                              f"{limits.max_file_bytes:,}", hint="split the file, or raise [limits] max_file_bytes")
    decoded = decode_bytes(path.read_bytes(), encoding)
    if suffix in HTML_SUFFIXES:  # the text is every visible block (offsets, codings); `main` marks the article
        main, method = html_main_text(decoded.text)
        return ReadText(html_to_text(decoded.text), decoded.encoding, decoded.detected, decoded.nul_removed,
                        main if method == "trafilatura" else None)
    return decoded
