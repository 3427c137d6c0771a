"""Match lexicon terms against token streams: exact words, multi-word phrases and glob patterns.

Within one lexicon, overlapping matches are resolved leftmost-longest, so a longer term (营销成本,
"business opportunities") takes precedence over a shorter one it contains (成本, "opportunity").
A match inside an exclusion phrase of the same variable is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..text.tokenize import Tokenizer, Tokens
from .model import Lexicon


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


@dataclass(frozen=True)
class Match:
    """A pattern matched over tokens [i, j)."""

    pattern: Pattern
    i: int
    j: int


def compile_term(lexicon: str, variable_id: str, term: str, tokenizer: Tokenizer,
                 exclusion: bool = False) -> Pattern | None:
    """Tokenize a term the way texts are tokenized; a `*` at the start or end of any of its words makes
    that word's first or last token a glob. None if nothing word-like is left."""
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
    construct = variable_id.split(".", 1)[0]
    return Pattern(lexicon, construct, variable_id, term, tuple(parts), tuple(globs), exclusion)


class Matcher:
    """Compiled patterns of one lexicon, with a per-token-type candidate cache."""

    def __init__(self, lexicon: Lexicon, tokenizer: Tokenizer) -> None:
        self.lexicon = lexicon
        self.patterns: list[Pattern] = []
        self.uncompilable: list[tuple[str, str]] = []
        for v in lexicon.variables:
            for is_excl, source in ((False, v.terms), (True, v.exclude)):
                for terms in source.values():
                    for t in terms:
                        p = compile_term(lexicon.name, v.id, t, tokenizer, is_excl)
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
        self._cache: dict[str, list[Pattern]] = {}

    def _candidates(self, word: str) -> list[Pattern]:
        cands = self._cache.get(word)
        if cands is None:
            cands = self._exact.get(word, []) + [p for p in self._glob if p.part_matches(0, word)]
            if len(self._cache) < 500_000:
                self._cache[word] = cands
        return cands

    def raw_matches(self, words: list[str]) -> list[Match]:
        """Every pattern occurrence, overlaps and exclusions included."""
        out: list[Match] = []
        cache = self._cache
        n = len(words)
        for i, w in enumerate(words):
            cands = cache.get(w)
            if cands is None:
                cands = self._candidates(w)
            if not cands:
                continue
            for p in cands:
                k = len(p.parts)
                if k == 1:
                    out.append(Match(p, i, i + 1))
                elif i + k <= n and all(p.part_matches(m, words[i + m]) for m in range(1, k)):
                    out.append(Match(p, i, i + k))
        return out

    def matches(self, words: list[str]) -> list[Match]:
        """Term matches after exclusions and leftmost-longest overlap resolution."""
        found = self.raw_matches(words)
        if not found:
            return found
        excl = [m for m in found if m.pattern.exclusion]
        terms = [m for m in found if not m.pattern.exclusion]
        if excl:
            terms = [m for m in terms if not any(x.pattern.variable == m.pattern.variable and x.i <= m.i
                                                 and m.j <= x.j for x in excl)]
        terms.sort(key=lambda m: (m.i, -(m.j - m.i), -len(m.pattern.term)))
        kept: list[Match] = []
        covered_to = -1
        for m in terms:
            if m.i >= covered_to:
                kept.append(m)
                covered_to = m.j
        return kept


def spans(tokens: Tokens, m: Match) -> tuple[int, int]:
    """Character span [start, end) of a match in the original text."""
    return tokens.starts[m.i], tokens.starts[m.j - 1] + len(tokens.words[m.j - 1])


def all_terms(lexicons: Iterable[Lexicon]) -> list[str]:
    """Every term and exclusion phrase (glob markers removed), for injection into a tokenizer."""
    out: list[str] = []
    for lex in lexicons:
        for v in lex.variables:
            for source in (v.terms, v.exclude):
                for terms in source.values():
                    out.extend(t.replace("*", "").strip() for t in terms)
    return out
