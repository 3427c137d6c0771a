"""Length-preserving normalisation (width folding, typographic quotes, Traditional→Simplified, lower case).

Every normalised string has exactly the length of its original, character for character, so an
offset into the normalised text is the same offset into the original text: evidence spans and
highlights always point into the document as read.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import tempfile
from array import array
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from types import ModuleType
from typing import Any

import opencc

from corpus_tools._native import speedups
from corpus_tools.text.charclass import lower_tables

# full-width ASCII variants (U+FF01..U+FF5E) to ASCII, ideographic space to space
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
# typographic apostrophes and quotes fold to ASCII (one character each, so offsets are unchanged): `don’t`
# matches `don't` and the stop word, `“rent”` the term `rent`
_QUOTES = {0x2018: 0x27, 0x2019: 0x27, 0x201B: 0x27, 0x02BC: 0x27, 0x2032: 0x27, 0x201C: 0x22, 0x201D: 0x22,
           0x201F: 0x22}
_ID_WIDTH_TABLE = str.maketrans(_WIDTH)  # content hashes (entry ids) predate quote folding: they keep ’ “ ”
_WIDTH.update(_QUOTES)
_WIDTH_TABLE = str.maketrans(_WIDTH)
_CHUNK_RE = re.compile(r"[^\n。！？；，、]*[\n。！？；，、]?")
_WS_RE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> Any:

    return opencc.OpenCC("t2s")


def fold_width(text: str) -> str:
    """Full-width Latin letters, digits, punctuation and the ideographic space become half-width; curly
    apostrophes and quotes become ' and "."""
    return text.translate(_WIDTH_TABLE)


def to_simplified(text: str) -> str:
    """OpenCC t2s with phrase rules, falling back chunk- then character-wise wherever a conversion
    would change the length (rare), so that offsets stay valid."""
    conv = _t2s().convert
    out = conv(text)
    if len(out) == len(text):
        return str(out)
    parts: list[str] = []
    for chunk in _CHUNK_RE.findall(text):
        c = conv(chunk)
        if len(c) != len(chunk):
            c = "".join(x if len(x := conv(ch)) == 1 else ch for ch in chunk)
        parts.append(c)
    return "".join(parts)


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(x if len(x := ch.lower()) == 1 else ch for ch in text)


def normalize(text: str, *, t2s: bool = True, lower: bool = True) -> str:
    """The matching/modelling form of `text`: same length, same offsets."""
    out = fold_width(text)
    if t2s:
        out = to_simplified(out)
    if lower:
        out = _lower(out)
    return out


def fold_whitespace(text: str) -> str:
    """Collapse whitespace runs to one space and strip the ends (used for hashing and display)."""
    return _WS_RE.sub(" ", text).strip()


def text_hash(text: str, n: int = 10) -> str:
    """Content hash of a passage, robust to width, script and whitespace differences."""
    # the same form as `normalize` except that typographic quotes stay: ids and stored codings keep pointing
    # at the passages they were made for
    key = fold_whitespace(_lower(to_simplified(text.translate(_ID_WIDTH_TABLE))))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:n]


# --- fast path for tokenization ------------------------------------------------------------------
# Chinese text is full of full-width punctuation (，。！？) that segmentation treats the same either way,
# so only full-width letters, digits and word joiners trigger width folding; OpenCC runs only when the
# text holds a character that t2s changes. The result has the same words as `normalize` (tested).
_FW_ONLY = "".join(chr(c) for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B),
                                    0xFF06, 0xFF07, 0xFF0B, 0xFF0D, 0xFF0E])
_QUOTE_CHARS = "".join(chr(c) for c in _QUOTES)
_FW_ONLY_RE = re.compile("[" + re.escape(_FW_ONLY) + "]")
_NEEDS_WIDTH, _NEEDS_T2S, _NEEDS_LOWER, _NEEDS_HARD_LOWER, _NEEDS_QUOTES = 1, 2, 4, 8, 16
_QUOTE_PAIRS = tuple((chr(a), chr(b)) for a, b in _QUOTES.items())


@lru_cache(maxsize=1)
def _traditional_chars() -> str:
    """Characters that OpenCC t2s changes when they stand alone (probed once, in one call)."""
    chars = [chr(c) for c in range(0x3400, 0xA000)] + [chr(c) for c in range(0xF900, 0xFB00)]
    converted = str(_t2s().convert("\n".join(chars))).split("\n")
    return "".join(c for c, t in zip(chars, converted, strict=False) if t != c)


@lru_cache(maxsize=1)
def _traditional_re() -> re.Pattern[str]:
    return re.compile("[" + re.escape(_traditional_chars()) + "]")


@lru_cache(maxsize=1)
def _needs_table() -> bytes:
    """Per BMP character, which normalisation steps it calls for (for the compiled check): 1 width
    folding, 2 t2s, 4 lower-casing, 8 lower-casing that cannot be left to the compiled scan."""
    lower_flags = lower_tables()[0]
    table = bytearray(c * _NEEDS_LOWER for c in lower_flags)  # lower flags 1, 2 -> 4, 8
    for ch in _FW_ONLY:
        table[ord(ch)] |= _NEEDS_WIDTH
    for ch in _QUOTE_CHARS:  # Chinese text is full of “ ”: str.replace beats a dict translate of the whole text
        table[ord(ch)] |= _NEEDS_QUOTES
    for ch in _traditional_chars():
        table[ord(ch)] |= _NEEDS_T2S
    return bytes(table)


def normalize_for_tokens(text: str, *, t2s: bool = True) -> str:
    """Same length and same words as `normalize`, but skips work the text does not need."""
    if _FAST is None:
        return _normalize_for_tokens_py(text, t2s)
    out, lower_words = scan_preparer(t2s)(text)
    return _lower(out) if lower_words else out


def normalize_for_scan(text: str, t2s: bool = True) -> tuple[str, bool]:
    """For the compiled scan: `normalize_for_tokens` except that, when that is exact, lower-casing is
    left to the scan, which lower-cases only the Latin words it looks at; the flag says whether it must."""
    return scan_preparer(t2s)(text)


@lru_cache(maxsize=2)
def scan_preparer(t2s: bool = True) -> Callable[[str], tuple[str, bool]]:
    """`normalize_for_scan` with its settings bound, for hot loops: with the extension built, the compiled
    call itself (no Python frame per text)."""
    if _FAST is None:
        return lambda text: (_normalize_for_tokens_py(text, t2s), False)
    return partial(_FAST.prepare, _needs_table(), _fold_table(), _t2s_converter() if t2s else None, _lower)


def _t2s_converter() -> object:
    """What the compiled normalisation converts with: OpenCC's tables when they check out, else OpenCC."""
    tables = _t2s_tables()
    return tables if tables is not None else to_simplified


def _opencc_phrases() -> list[str]:
    """The keys of every dictionary OpenCC's t2s configuration names (its phrases, and its characters, which
    the probe in `_t2s_tables` covers as well), dumped to text by the `opencc_dict` tool the package ships.
    Empty when the tool, the configuration or a dictionary is not there or cannot be read: then OpenCC
    converts everything."""
    root = Path(opencc.__file__).parent / "clib"
    share, tool = root / "share" / "opencc", root / "bin" / "opencc_dict"
    try:
        config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(config)
    try:
        return _dump_keys(files, share, tool, root / "lib64")
    except OSError:  # e.g. no writable temporary directory
        return []


def _dump_keys(files: list[str], share: Path, tool: Path, libs: Path) -> list[str]:
    """The keys of the dictionary files `files` (in `share`): .ocd2 through `tool`, .txt read as they are; empty
    when one cannot be read."""
    keys: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(files):
            src, out = share / name, Path(tmp) / f"{i}.txt"
            if name.endswith(".ocd2") and tool.is_file() and src.is_file():
                env = {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(
                    [str(libs), *filter(None, [os.environ.get("LD_LIBRARY_PATH")])])}
                try:
                    subprocess.run([str(tool), "-i", str(src), "-o", str(out), "-f", "ocd2", "-t", "text"], env=env,
                                   capture_output=True, timeout=30, check=True)
                except (OSError, subprocess.SubprocessError):
                    return []
            elif name.endswith(".txt") and src.is_file():
                out = src
            else:
                return []
            try:
                lines = out.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                return []
            keys.extend(line.split("\t", 1)[0] for line in lines if "\t" in line)
    return keys


# characters OpenCC 1.4 treats specially: compatibility ideographs (normalised first), ideographic description
# sequences, variation selectors (and NUL, surrogates); lines holding one are converted by OpenCC itself
_T2S_UNSAFE = [0, *range(0xF900, 0xFB00), *range(0x2FF0, 0x3000), 0x31EF, *range(0xFE00, 0xFE10),
               *range(0xD800, 0xE000)]


@lru_cache(maxsize=1)
def _t2s_tables() -> tuple[object, ...] | None:
    """OpenCC's t2s as tables for the compiled converter (each character's own conversion, probed, and the
    phrases, converted one by one), or None when they cannot be built or do not give exactly OpenCC's output
    on a self-test: every phrase, every converted character, and shuffled runs of both."""
    conv = _t2s().convert
    chars = [chr(c) for c in range(1, 0xD800) if c != 10] + [chr(c) for c in range(0xE000, 0x10000)]  # the BMP
    converted = str(conv("\n".join(chars))).split("\n")
    if len(converted) != len(chars):
        return None
    table = array("I", range(65536))
    unsafe = bytearray(8192)
    for c in _T2S_UNSAFE:
        unsafe[c >> 3] |= 1 << (c & 7)
    changed = []
    for ch, out in zip(chars, converted, strict=True):
        if len(out) != 1:
            unsafe[ord(ch) >> 3] |= 1 << (ord(ch) & 7)
        elif out != ch:
            table[ord(ch)] = ord(out)
            changed.append(ch)
    phrases = sorted({p for p in _opencc_phrases() if len(p) >= 2 and all(ord(c) <= 0xFFFF for c in p)},
                     key=lambda p: (ord(p[0]), -len(p), p))
    if not phrases or max(map(len, phrases)) > 255:
        return None
    pstart = bytearray(8192)
    first, off, plen, blob = array("I"), array("I"), bytearray(), array("I")
    for p in phrases:
        value = str(conv(p))
        if len(value) != len(p):
            return None
        pstart[ord(p[0]) >> 3] |= 1 << (ord(p[0]) & 7)
        first.append(ord(p[0]))
        off.append(len(blob))
        plen.append(len(p))
        blob.extend(map(ord, p + value))
    tables = (table.tobytes(), bytes(pstart), bytes(unsafe), first.tobytes(), off.tobytes(), bytes(plen),
              blob.tobytes(), to_simplified)
    rng = random.Random(0)
    mark = changed[0]  # a character that converts on its own, so that t2s runs on each probe line
    probes = [f"{p}{mark}{p}" for p in phrases] + ["".join(changed)]
    for _ in range(20):
        pool = phrases + changed
        probes.append("".join(rng.choice(pool) for _ in range(400)))
    fast = speedups()
    if fast is None:
        return None
    table_needs, fold = _needs_table(), _fold_table()
    for text in probes:  # each probe as three lines, so that the converter sees it line by line
        probe = f"{text}\n电\n{text}"
        got = fast.prepare(table_needs, fold, tables, _lower, probe)[0]
        want = fast.prepare(table_needs, fold, to_simplified, _lower, probe)[0]
        if got != want:
            return None
    return tables


@lru_cache(maxsize=1)
def _fold_table() -> bytes:
    """`_WIDTH_TABLE` (full-width forms and typographic quotes) as 65536 16-bit code points, for the compiled
    folding (every mapping is one BMP character to one)."""
    table = array("H", range(65536))
    for src, dst in _WIDTH.items():
        table[src] = dst
    return table.tobytes()


def _normalize_for_scan(text: str, t2s: bool, fast: ModuleType) -> tuple[str, bool]:
    """`normalize_for_scan` through the given extension module (tests pass it explicitly)."""
    return fast.prepare(_needs_table(), _fold_table(), _t2s_converter() if t2s else None, _lower, text)


def _prepare_reference(text: str, t2s: bool, needs: Callable[[str, bytes], int]) -> tuple[str, bool]:
    """What the compiled `prepare` returns, in Python (the reference its tests compare against): the text
    folded (full-width forms when a full-width letter, digit or joiner calls for it, else the typographic
    quotes), t2s on the lines holding a Traditional character, then either lower-cased here or left to the
    scan (second item True) when that gives the same words."""
    table = _needs_table()
    flags = needs(text, table)  # which steps the text needs
    if flags & _NEEDS_WIDTH:
        out = text.translate(_WIDTH_TABLE)  # folds the quotes too
    elif flags & _NEEDS_QUOTES:
        out = _fold_quotes(text)
    else:
        out = text
    if t2s and flags & _NEEDS_T2S:
        out = _to_simplified_lines(out)
        flags = needs(out, table)
    if flags & _NEEDS_HARD_LOWER:
        return _lower(out), False
    return out, bool(flags & _NEEDS_LOWER)


def _fold_quotes(text: str) -> str:
    """The typographic quotes of `_WIDTH_TABLE` folded by str.replace (the same result as translate)."""
    for q, r in _QUOTE_PAIRS:
        if q in text:
            text = text.replace(q, r)
    return text


def _to_simplified_lines(text: str) -> str:
    """`to_simplified`, run only on the lines that hold a character t2s changes (OpenCC phrases never
    span a line break, so the other lines come out unchanged anyway)."""
    lines = text.split("\n")
    if len(lines) < 3:
        return to_simplified(text)
    has = _traditional_re().search
    return "\n".join([to_simplified(line) if has(line) else line for line in lines])


def _normalize_for_tokens_py(text: str, t2s: bool) -> str:
    # exactly what the compiled path does (tests/lexicon/test_native.py)
    out = text.translate(_WIDTH_TABLE) if _FW_ONLY_RE.search(text) else _fold_quotes(text)
    if t2s and _traditional_re().search(out):
        out = to_simplified(out)
    return _lower(out)


_FAST = speedups()
