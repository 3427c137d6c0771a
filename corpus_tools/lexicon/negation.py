"""Negation scope: is a lexicon hit negated in its clause (不赚钱, 配套服务跟不上, "did not get support")?

A NegEx-style rule set (Chapman et al. 2001): trigger words ("cues") with a window of word tokens before
the hit (不, 没有, not, n't) and, for Chinese post-verbal patterns, after it (跟不上, 不高), bounded by the
clause (punctuation and contrast words such as 但是 / but), with pseudo-triggers that look like negation
but are not (不仅, "not only", 如果没有 counterfactuals). Rules live in a YAML file
(corpus_tools.lexicon.negation_rules; the default ships in corpus_tools/lexicon/data/negation.yaml).

Two ways to apply them, same rules and (tested) same planted results:
- in the matcher (`lexicon()`, used whenever no cue is a `re:` regex): the cues, pseudo-triggers and
  contrast words become one more lexicon that the lexicon matcher finds in the same scan as the terms, as
  whole tokens of the text's own segmentation; then each cue's gap to the hits near it is checked (same
  clause, no contrast word among its word tokens, fewer word tokens than the window). The compiled scan
  does this check itself (`native_context`); `split` is its pure-Python reference and fallback, and
  tests/lexicon/test_native_negation.py checks that both give identical flags.
- windowed (`cues()`, corpus_tools.lexicon.negation_window): the clause window around each hit near a
  possible cue is tokenized on its own and tested cue by cue (regex cues need this).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import cached_property
from typing import Any, NamedTuple

from corpus_tools.lexicon.match import I32, Pattern, compile_term
from corpus_tools.lexicon.model import Construct, Lexicon, Variable
from corpus_tools.lexicon.negation_rules import (
    CHARS_PER_TOKEN,
    CLAUSE_RE,
    DEFAULT_RULES,
    Cue,
    LangRules,
    NegationRules,
    compile_cue,
    load_rules,
    rules_from_dict,
)
from corpus_tools.lexicon.negation_window import Span, WindowedScope
from corpus_tools.text.tokenize import Tokenizer, Tokens

__all__ = ["DEFAULT_RULES", "NEGATION_LEXICON", "Cue", "LangRules", "NegationRules", "NegationScope",
           "compile_cue", "load_rules", "rules_from_dict"]

NEGATION_LEXICON = "~negation"  # the name of the rules as a lexicon inside the matcher (never scored)
_KIND = {"negation.b": 1, "negation.a": 2, "negation.ba": 3, "negation.pseudo": 4}  # bit 1 before, bit 2 after
_LANG_INDEX = ("zh", "en")  # the order of per-language values in the compiled scan's context
_REACH_SLACK = {"before": 16, "after": 80}  # characters beyond window x CHARS_PER_TOKEN still looked at


def _cue_term(c: Cue) -> str:
    """A cue as a lexicon term (glob syntax: `*n't`, `lack*`, words separated by spaces)."""
    out = []
    for kind, value in c.parts:
        out.append({"word": value, "prefix": f"{value}*", "suffix": f"*{value}"}.get(kind, value))
    return " ".join(out)


class _At(NamedTuple):
    start: int
    end: int


class NegationScope:
    """NegationRules applied to the hits of a text: in the matcher when no cue is a regex, else windowed."""

    def __init__(self, rules: NegationRules, tokenizer: Tokenizer) -> None:
        self.rules = rules
        self.tokenizer = tokenizer
        # how far (characters) from a cue a hit may start (before-cues) or end (after-cues) to be looked at
        self._reach = {(lang, side): getattr(r, f"window_{side}") * CHARS_PER_TOKEN[lang] + _REACH_SLACK[side]
                       for lang, r in rules.langs.items() for side in ("before", "after")}

    @cached_property
    def _windowed(self) -> WindowedScope:
        return WindowedScope(self.rules, self.tokenizer)

    def cues(self, norm: str, hits: Sequence[Span]) -> list[str] | None:
        """Per hit, the cue that negates it ('' when none; None when no hit is), by re-tokenized windows
        (the path for rule files with `re:` cues); `norm` is the normalised text of the hits' offsets."""
        return self._windowed.cues(norm, hits)

    def negated(self, text: str, start: int, end: int) -> str:
        """The cue negating text[start:end] ('' when none), by the windowed path; for one-off checks."""
        res = self.cues(self.tokenizer.normalize(text), [_At(start, end)])
        return res[0] if res else ""

    # --- the fast path: cues found by the lexicon matcher itself ------------------------------------
    @property
    def in_matcher(self) -> bool:
        """True when every cue, pseudo-trigger and break word is a word, a glob or a sequence of them, so
        the lexicon matcher (compiled or not) can find them in the same scan as the terms; rule files with
        `re:` cues take the windowed path (`cues`)."""
        return not any(c.is_regex for r in self.rules.langs.values()
                       for c in (*r.before, *r.after, *r.pseudo, *r.break_cues()))

    def lexicon(self) -> Lexicon:
        """The rules as a lexicon for the matcher (named NEGATION_LEXICON): variable `negation.b` holds
        cues that negate what follows, `negation.a` what precedes, `negation.ba` both, `negation.pseudo`
        pseudo-triggers (contrast words are looked for among the gap's tokens). Matched in the same token
        sequence as the terms, a cue is a whole token (不 never fires inside 不断), and leftmost-longest
        resolution within this lexicon lets a pseudo-trigger (不仅 spelt 不/仅, 如果没有) or a longer cue
        (并不) win over 不."""
        sides: dict[str, set[str]] = {}
        for r in self.rules.langs.values():
            for key, cues, window in (("b", r.before, r.window_before), ("a", r.after, r.window_after)):
                if window:
                    for c in cues:
                        sides.setdefault(_cue_term(c), set()).add(key)
        groups: dict[str, list[str]] = {"b": [], "a": [], "ba": [], "pseudo": []}
        for term, keys in sides.items():
            groups["".join(k for k in "ba" if k in keys)].append(term)
        globs = [c for r in self.rules.langs.values() for c in (*r.before, *r.after)
                 if any(k != "word" for k, _ in c.parts)]
        for r in self.rules.langs.values():
            groups["pseudo"].extend(_cue_term(c) for c in r.pseudo if self._needed(c, globs))
        variables = []
        for name, terms in groups.items():
            forms = list(dict.fromkeys(f for t in terms for f in (t, t.replace("'", "’"))))
            variables.append(Variable("negation", name, {"en": name}, "", {"any": tuple(forms)}))
        return Lexicon(NEGATION_LEXICON, self.rules.sha1 or "0",
                       (Construct("negation", {"en": "negation"}, "", tuple(variables)),))

    def _needed(self, pseudo: Cue, globs: Sequence[Cue]) -> bool:
        """Does the matcher need this pseudo-trigger? One that is a single token (非常, 不少) never meets a
        word cue (cues match whole tokens), so only multi-token ones (不/仅, 如果 没有) and those a glob cue
        could match (lack* in lackluster) are worth finding."""
        p = compile_term("x", "negation.pseudo", _cue_term(pseudo), self.tokenizer)
        if p is None:
            return False
        return len(p.parts) > 1 or any(c.match([p.parts[0]], 0) >= 0 for c in globs)

    def native_context(self, patterns: Sequence[Pattern]) -> tuple[Any, ...]:
        """What the compiled scan needs to apply the rules itself (the C twin of `split`), for a matcher
        over `patterns` that includes `lexicon()`: per pattern its cue kind (0 a term, bits 1 before / 2
        after, 4 a pseudo-trigger) and cue text (None for terms); per language (zh, en) the windows and
        reaches; the contrast words per language."""
        kinds = bytes(_KIND[p.variable] if p.lexicon == NEGATION_LEXICON else 0 for p in patterns)
        terms = [p.term if p.lexicon == NEGATION_LEXICON else None for p in patterns]
        numbers = array(I32, [v for lang in _LANG_INDEX
                               for v in (self.rules.langs[lang].window_before, self.rules.langs[lang].window_after,
                                         self._reach[(lang, "before")], self._reach[(lang, "after")])])
        breaks = tuple(self.rules.langs[lang].breaks for lang in _LANG_INDEX)
        return kinds, terms, numbers.tobytes(), breaks

    def split(self, norm: str, hits: list[Any], words: Tokens) -> tuple[list[Any], list[str] | None]:
        """(the term hits, the cue negating each of them or None when none is negated) from the hits of a
        matcher built with `lexicon()`; `norm` is the normalised text their offsets point into and `words`
        its word tokens (as the matcher cut them). The pure-Python reference of the compiled scan's pass."""
        neg = [h for h in hits if h[0] == NEGATION_LEXICON]
        if not neg:
            return hits, None
        terms = [h for h in hits if h[0] != NEGATION_LEXICON]
        if not terms:
            return terms, None
        starts = [h[4] for h in terms]
        n = len(terms)
        found: dict[int, str] = {}
        reach = self._reach
        for c in neg:
            kind = _KIND[c[2]]
            if kind == 4:  # a pseudo-trigger: it only stops the cue it covers from matching
                continue
            zh = ord(norm[c[4]]) > 0x2E7F
            lang = "zh" if zh else "en"
            r = self.rules.langs[lang]
            if kind & 1:  # negates what follows
                p = c[5]
                i = bisect_left(starts, p)
                while i < n and starts[i] - p <= reach[(lang, "before")]:
                    s = starts[i]
                    if i not in found and (ord(norm[s]) > 0x2E7F) == zh \
                            and _in_scope(norm, words, p, s, r.window_before, r.breaks):
                        found[i] = c[3]
                    i += 1
            if kind & 2:  # negates what precedes (配套服务跟不上)
                p = c[4]
                i = bisect_right(starts, p) - 1
                while i >= 0 and p - starts[i] <= reach[(lang, "after")]:
                    e = terms[i][5]
                    if i not in found and e <= p and (ord(norm[starts[i]]) > 0x2E7F) == zh \
                            and _in_scope(norm, words, e, p, r.window_after, r.breaks):
                        found[i] = c[3]
                    i -= 1
        if not found:
            return terms, None
        out = [""] * n
        for i, cue in found.items():
            out[i] = cue
        return terms, out


def _in_scope(norm: str, words: Tokens, a: int, b: int, window: int, breaks: frozenset[str]) -> bool:
    """Is the gap norm[a:b] between a cue and a hit inside one clause (no clause punctuation) with fewer
    than `window` word tokens, none of them a contrast word? (the cue's own token is the window's last or
    first; the gap's tokens are those of the text, as the matcher cut it)"""
    if b < a or CLAUSE_RE.search(norm, a, b):
        return False
    lo = bisect_left(words.starts, a)
    hi = bisect_left(words.starts, b, lo)
    return hi - lo < window and breaks.isdisjoint(words.words[lo:hi])
