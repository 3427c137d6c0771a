"""Match lexicon terms in text: exact words, multi-word phrases and glob patterns, at token boundaries.

Within one lexicon, overlapping matches are resolved leftmost-longest, so a longer term (营销成本,
"business opportunities") takes precedence over a shorter one it contains (成本, "opportunity").
A match inside an exclusion phrase of the same variable is dropped. Phrases may cross a change of script
(`O2O模式`, `淘宝 app`): the text is one sequence of tokens, Chinese and Latin alike.

Each token is classified once per distinct token type (non-word / word / first token of some term), so
scanning a stretch is one dict lookup per token plus work at candidates. When the compiled speedups are
built (corpus_tools._speedups), the same scan runs in C over the same caches and compiled patterns; the
Python code below stays the reference, and tests compare the two on every bundled entry.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import compress
from typing import Any, NamedTuple

from corpus_tools._native import speedups
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.text.charclass import ALNUM, CJK, STRETCH, class_table, lower_tables
from corpus_tools.text.tokenize import Tokenizer, Tokens

_CACHE_LIMIT = 1_000_000


@dataclass(frozen=True)
class Pattern:
    """One term compiled to token-level parts; each part's glob is '', 'prefix' (x*), 'suffix' (*x) or 'both'."""

    lexicon: str
    construct: str
    variable: str
    term: str
    parts: tuple[str, ...]
    globs: tuple[str, ...]
    exclusion: bool = False

    def part_matches(self, k: int, word: str) -> bool:
        """Does token `word` satisfy part k of the pattern?"""
        part, glob = self.parts[k], self.globs[k]
        if not glob:
            return word == part
        if glob == "prefix":
            return word.startswith(part)
        if glob == "suffix":
            return word.endswith(part)
        return part in word


class Found(NamedTuple):
    """A term match: the pattern and its [start, end) span in the original text."""

    pattern: Pattern
    start: int
    end: int


def compile_term(lexicon: str, variable_id: str, term: str, tokenizer: Tokenizer,
                 exclusion: bool = False, inside: bool = False) -> Pattern | None:
    """Tokenize a term the way texts are tokenized; a `*` at the start or end of any of its words makes
    that word's first or last token a glob. `inside`: the term also matches inside longer tokens (its first
    token as a suffix, its last as a prefix: 利润 in 纯利润). None if nothing word-like is left."""
    parts: list[str] = []
    globs: list[str] = []
    for word in term.split():
        lead, trail = word.startswith("*"), word.endswith("*") and len(word) > 1
        toks = tokenizer.tokenize_normalized(tokenizer.normalize(word.strip("*"))).words
        if not toks:
            continue
        kinds = [""] * len(toks)
        if lead:
            kinds[0] = "suffix"
        if trail:
            kinds[-1] = "both" if kinds[-1] else "prefix"
        parts.extend(toks)
        globs.extend(kinds)
    if not parts:
        return None
    if inside:
        globs[0] = "both" if globs[0] in ("prefix", "both") else "suffix"
        globs[-1] = "both" if globs[-1] in ("suffix", "both") else "prefix"
    construct = variable_id.split(".", 1)[0]
    return Pattern(lexicon, construct, variable_id, term, tuple(parts), tuple(globs), exclusion)


class _Codes(dict[str, int]):
    """token -> 0 (not a word), 1 (a word), 2 (a word that can start a pattern); filled on first sight."""

    def __init__(self, matcher: Matcher) -> None:
        super().__init__()
        self._m = matcher

    def __missing__(self, tok: str) -> int:
        v = (2 if self._m.candidates(tok) else 1) if self._m.tokenizer.is_word[tok] else 0
        if len(self) < _CACHE_LIMIT:
            self[tok] = v
        return v


class _CandIds(dict[str, bytes]):
    """token -> indices (into Matcher.patterns) of the patterns it can start, in `candidates` order, packed
    as 32-bit integers for the compiled scan."""

    def __init__(self, matcher: Matcher) -> None:
        super().__init__()
        self._m = matcher

    def __missing__(self, tok: str) -> bytes:
        index = self._m._index
        v = array(I32, [index[id(p)] for p in self._m.candidates(tok)]).tobytes()
        if len(self) < _CACHE_LIMIT:
            self[tok] = v
        return v


_GLOB_CODES = {"": 0, "prefix": 1, "suffix": 2, "both": 3}
I32 = "i" if array("i").itemsize == 4 else "l"  # the compiled scan reads int32


def _fnv(s: str, bits: int, probe: int = 1) -> int:
    """Bit index of a string in the compiled scan's filters (`bits` wide): FNV-1a over code points (as in C);
    `probe` 2 is the second bit of the exact filter (the hash times 0x9E3779B1)."""
    h = 2166136261
    for ch in s:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    if probe == 2:
        h = (h * 0x9E3779B1) & 0xFFFFFFFF
    return h >> (32 - bits)


def _ideographs_uniform(cls: bytes) -> bool:
    """True when every character of U+4E00..U+9FFF has the class of a CJK ideograph (a letter that starts and
    continues CJK stretches): the compiled scan may then tell them by range instead of reading the table."""
    want = ALNUM | STRETCH | CJK
    return all(c == want for c in cls[0x4E00:0xA000])


class Matcher:
    """Compiled patterns of one or more lexicons over one tokenizer.

    `native`: None uses the compiled scan when it is built, False forces the Python scan, True requires
    the compiled one (ImportError otherwise)."""

    def __init__(self, lexicons: Lexicon | Sequence[Lexicon], tokenizer: Tokenizer,
                 native: bool | None = None) -> None:
        self.lexicons = [lexicons] if isinstance(lexicons, Lexicon) else list(lexicons)
        self.tokenizer = tokenizer
        self.patterns: list[Pattern] = []
        self.uncompilable: list[tuple[str, str]] = []
        for lex in self.lexicons:
            for v in lex.variables:
                for is_excl, source in ((False, v.terms), (True, v.exclude)):
                    for terms in source.values():
                        for t in terms:
                            p = compile_term(lex.name, v.id, t, tokenizer, is_excl, not is_excl and t in v.inside)
                            if p is None:
                                self.uncompilable.append((v.id, t))
                            else:
                                self.patterns.append(p)
        self._exact: dict[str, list[Pattern]] = {}
        self._glob: list[Pattern] = []
        for p in self.patterns:
            if p.globs[0]:
                self._glob.append(p)
            else:
                self._exact.setdefault(p.parts[0], []).append(p)
        self._cands: dict[str, list[Pattern]] = {}
        self._codes = _Codes(self)
        self._index = {id(p): i for i, p in enumerate(self.patterns)}
        self._cand_ids = _CandIds(self)
        self._fast = speedups() if native is not False else None
        if native and self._fast is None:
            raise ImportError("corpus_tools._speedups is not built (or CORPUS_TOOLS_PURE is set)")

    @property
    def native(self) -> bool:
        """True when matching runs in the compiled extension."""
        return self._fast is not None

    def native_context(self, out_type: type[tuple[Any, ...]],
                       prefix: Callable[[Pattern], tuple[Any, ...]]) -> tuple[Any, ...] | None:
        """What the compiled scan needs to return `out_type(*prefix(pattern), start, end)` per match;
        None when the extension is not in use."""
        if self._fast is None:
            return None
        return (*self._compiled_patterns, out_type, [prefix(p) for p in self.patterns])

    @cached_property
    def _compiled_patterns(self) -> tuple[Any, ...]:
        """The part of every native context that does not depend on what the scan returns (built once)."""
        lex_rank = {name: i for i, name in enumerate(sorted({p.lexicon for p in self.patterns}))}
        var_index: dict[str, int] = {}
        info = array(I32)
        for p in self.patterns:
            info.extend((lex_rank[p.lexicon], var_index.setdefault(p.variable, len(var_index)), int(p.exclusion),
                         len(p.term), len(p.parts)))
        return (self.tokenizer.cutter(), self.tokenizer.hmm, self._start_filter(), self._cand_ids,
                [p.parts for p in self.patterns], [tuple(_GLOB_CODES[g] for g in p.globs) for p in self.patterns],
                info.tobytes())

    @cached_property
    def _found_ctx(self) -> tuple[Any, ...] | None:
        return self.native_context(Found, lambda p: (p,))

    def _start_filter(self) -> bytes:
        """What the compiled scan uses to rule tokens out as pattern starts without a lookup (false
        positives only cost a lookup): bitmaps over hashes of exact first parts, of prefix first parts and
        of suffix first parts (read backwards), over BMP characters for suffix parts (last character) and
        infix parts (first character), the character class and lower-case tables, the sets of prefix and
        suffix lengths, which glob kinds occur and whether ideographs may be told by range (flag 16)."""
        bits = getattr(self._fast, "HASH_BITS", 20)  # the compiled scan's filter width (kept small: cache)
        probes = getattr(self._fast, "EXACT_PROBES", 1)
        exact, prefix, suffix = (bytearray(1 << (bits - 3)) for _ in range(3))
        last, anywhere = bytearray(8192), bytearray(8192)
        lens = slens = flags = 0
        for p in self.patterns:
            part, glob = p.parts[0], p.globs[0]
            if glob in ("", "prefix"):
                h = _fnv(part, bits)
                (exact if glob == "" else prefix)[h >> 3] |= 1 << (h & 7)
                if glob == "" and probes == 2:
                    h = _fnv(part, bits, 2)
                    exact[h >> 3] |= 1 << (h & 7)
                if glob == "prefix":
                    if len(part) < 64:
                        lens |= 1 << len(part)
                    else:
                        flags |= 4
            elif glob == "suffix":
                flags |= 1
                h = _fnv(part[::-1], bits)
                suffix[h >> 3] |= 1 << (h & 7)
                if ord(part[-1]) <= 0xFFFF:
                    last[ord(part[-1]) >> 3] |= 1 << (ord(part[-1]) & 7)
                if len(part) < 64:
                    slens |= 1 << len(part)
                else:
                    flags |= 8
            else:
                flags |= 2
                if ord(part[0]) <= 0xFFFF:
                    anywhere[ord(part[0]) >> 3] |= 1 << (ord(part[0]) & 7)
        cls = class_table()
        if _ideographs_uniform(cls):
            flags |= 16
        return (bytes(exact + prefix + suffix + last + anywhere) + cls + lower_tables()[1]
                + lens.to_bytes(8, "little") + slens.to_bytes(8, "little") + bytes([flags]))

    def scan_native(self, norm: str, ctx: tuple[Any, ...], lower_words: bool = False,
                    negation: tuple[Any, ...] | None = None) -> Any:
        """The compiled scan of normalised text with a context from `native_context`: (matches, number of
        word tokens); `lower_words` when the text comes from `normalize_for_scan` with lower-casing left to
        the scan. With a `negation` context (NegationScope.native_context) the negation cues are taken out
        of the matches and a third item names the cue negating each match (None when none is negated)."""
        assert self._fast is not None
        if negation is None:
            return self._fast.scan(norm, ctx, lower_words)
        return self._fast.scan(norm, ctx, lower_words, negation)

    def compiled_scan(self) -> Callable[..., Any] | None:
        """The compiled scan function itself (`scan_native` without the Python frame, for hot loops); None
        when the extension is not in use."""
        return self._fast.scan if self._fast is not None else None

    def candidates(self, word: str) -> list[Pattern]:
        """Patterns whose first part matches `word`."""
        cands = self._cands.get(word)
        if cands is None:
            cands = self._exact.get(word, []) + [p for p in self._glob if p.part_matches(0, word)]
            if len(self._cands) < _CACHE_LIMIT:
                self._cands[word] = cands
        return cands

    def find_normalized(self, norm: str) -> tuple[list[Found], int]:
        """(resolved matches, number of word tokens) in text normalised by the tokenizer."""
        if self._found_ctx is not None:
            return self.scan_native(norm, self._found_ctx)
        found, n_words, _ = self.find_with_words(norm)
        return found, n_words

    def find_with_words(self, norm: str) -> tuple[list[Found], int, Tokens]:
        """(resolved matches, number of word tokens, the word tokens) in text normalised by the tokenizer,
        by the pure-Python scan (the negation reference needs the tokens the matches were found among)."""
        toks: list[str] = []
        starts: list[int] = []
        codes: list[int] = []
        code = self._codes.__getitem__
        for st in self.tokenizer.stretches(norm):  # one token sequence: phrases may cross a script change
            toks.extend(st.tokens)
            starts.extend(st.starts())
            codes.extend(map(code, st.tokens))
        n_words = len(codes) - codes.count(0)
        raw: list[Found] = []
        i = -1
        while True:
            try:
                i = codes.index(2, i + 1)
            except ValueError:
                break
            self._at(raw, toks, codes, starts, i)
        words = Tokens(list(compress(toks, codes)), list(compress(starts, codes)))
        return self._resolve(raw), n_words, words

    def _at(self, raw: list[Found], toks: list[str], codes: list[int], starts: list[int], i: int) -> None:
        """Record every pattern that matches starting at token i."""
        tok, pos = toks[i], starts[i]
        for p in self._cands.get(tok) or self.candidates(tok):
            j = i
            for k in range(1, len(p.parts)):
                j += 1
                while j < len(toks) and codes[j] == 0:  # spaces and punctuation inside CJK stretches
                    j += 1
                if j >= len(toks) or not p.part_matches(k, toks[j]):
                    break
            else:
                raw.append(Found(p, pos, starts[j] + len(toks[j])))

    @staticmethod
    def _resolve(found: list[Found]) -> list[Found]:
        if not found or (len(found) < 64 and _disjoint(found)):  # a lone exclusion is not disjoint: it is dropped
            return found
        excl = [f for f in found if f.pattern.exclusion]
        terms = [f for f in found if not f.pattern.exclusion]
        if excl:
            terms = [f for f in terms if not any(x.pattern.variable == f.pattern.variable and x.start <= f.start
                                                 and f.end <= x.end for x in excl)]
        terms.sort(key=lambda f: (f.pattern.lexicon, f.start, -(f.end - f.start), -len(f.pattern.term)))
        kept: list[Found] = []
        covered: dict[str, int] = {}
        for f in terms:
            if f.start >= covered.get(f.pattern.lexicon, -1):
                kept.append(f)
                covered[f.pattern.lexicon] = f.end
        kept.sort(key=lambda f: (f.start, f.pattern.lexicon))
        return kept

    def find(self, text: str) -> tuple[list[Found], int]:
        """(resolved matches with spans into `text`, number of word tokens)."""
        return self.find_normalized(self.tokenizer.normalize(text))


def _disjoint(found: list[Found]) -> bool:
    """True when matches (in scan order) neither overlap nor include exclusions: nothing to resolve."""
    end = -1
    for f in found:
        if f.start < end or f.pattern.exclusion:
            return False
        end = f.end
    return True


def all_terms(lexicons: Iterable[Lexicon]) -> list[str]:
    """Every term and exclusion phrase (glob markers removed), for injection into a tokenizer."""
    out: list[str] = []
    for lex in lexicons:
        for v in lex.variables:
            for source in (v.terms, v.exclude):
                for terms in source.values():
                    out.extend(t.replace("*", "").strip() for t in terms)
    return out
