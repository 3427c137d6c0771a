"""Negation scope by re-tokenized windows: the path for rule files with `re:` cues, which the matcher cannot find.

A regular-expression pass finds where cues could be; the clause window around each hit within reach of one
is tokenized on its own and tested cue by cue. Rule files without `re:` cues take the faster path in
corpus_tools.lexicon.negation (cues found by the matcher in the same scan as the terms); both find the same
planted negations (tests/lexicon/test_negation.py).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Protocol

from corpus_tools.lexicon.negation_rules import CHARS_PER_TOKEN, CLAUSE_RE, MAX_JOIN, Cue, NegationRules, fold
from corpus_tools.text.tokenize import WORD_RE, Tokenizer, has_cjk

_LAST_CLAUSE_RE = re.compile(r".*(?:[，。！？；：,;:!?\n…]|\.(?=\s|$))", re.S)
_NON_CJK_RE = re.compile(r"[A-Za-z\u0080-\u2e7f]")  # a Latin letter (or other non-CJK script) in a window


class Span(Protocol):
    """Anything with a [start, end) span (a Hit, a Found)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_START = attrgetter("start")


def _plain_words(cues: Sequence[Cue]) -> list[str]:
    """Pseudo-triggers and break words made only of words, as one string each (如果 没有 -> 如果没有)."""
    return ["".join(v for _, v in c.parts) for c in cues if all(k == "word" for k, _ in c.parts)]


def _trie_regex(tails: dict[str, str]) -> str:
    """One regex for many literals (each followed by its tail regex), as a character trie: the regex
    engine then tries one branch per character instead of every literal at every position."""
    root: dict[str, Any] = {}
    for lit, tail in tails.items():
        node = root
        for ch in lit:
            node = node.setdefault(ch, {})
        node.setdefault("", set()).add(tail)

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in node.items() if ch]
        ends = sorted(node.get("", ()), key=len, reverse=True)
        alts += [t for t in ends if t] + ([""] if "" in ends else [])
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return build(root)


def _excluding(stem: str, words: Sequence[str]) -> str:
    """The tail regex of a Chinese cue stem that skips the places where it is part of a pseudo-trigger or
    break word (不 in 不少, 差不多, 不过): those never negate, so they need not be checked on tokens. One
    negative lookahead right after the stem, so every alternative of the whole pattern still starts with a
    literal (the regex engine then skips ahead by first character instead of trying each position)."""
    alts: set[str] = set()
    for w in words:
        k = w.find(stem)
        while k >= 0:
            a, b = w[:k], w[k + len(stem):]
            alts.add((f"(?<={re.escape(a + stem)})" if a else "") + re.escape(b))
            k = w.find(stem, k + 1)
    alts.discard("")  # the stem itself as a pseudo-trigger would rule out every occurrence: keep it
    return "(?!" + "|".join(sorted(alts, key=len, reverse=True)) + ")" if alts else ""


class _CueSet:
    """Cues of one side indexed for speed: one-word cues by word (also spelt by 2-3 joined tokens), the
    rest (globs, regexes, sequences) tried in turn."""

    def __init__(self, cues: Sequence[Cue], pseudo: Sequence[Cue]) -> None:
        self.words = {c.parts[0][1]: c.text for c in reversed(cues) if len(c.parts) == 1 and c.parts[0][0] == "word"}
        self.maxlen = max(map(len, self.words), default=0)
        single = [c for c in cues if len(c.parts) == 1]
        self.prefixes = {c.parts[0][1]: c.text for c in reversed(single) if c.parts[0][0] == "prefix"}
        self.suffixes = {c.parts[0][1]: c.text for c in reversed(single) if c.parts[0][0] == "suffix"}
        self._pre_t, self._suf_t = tuple(self.prefixes), tuple(self.suffixes)
        self.others = [c for c in cues if len(c.parts) > 1 or c.parts[0][0] == "regex"]
        # pseudo-triggers by every prefix of their first word (a token can only start a word pseudo-trigger
        # it is a prefix of: 不 for 不仅 spelt 不/仅); glob and regex ones are always tried
        self.pseudo_by_prefix: dict[str, list[Cue]] = {}
        self.pseudo_any: list[Cue] = []
        for p in pseudo:
            kind, value = p.parts[0]
            if kind == "word":
                for n in range(1, len(value) + 1):
                    self.pseudo_by_prefix.setdefault(value[:n], []).append(p)
            else:
                self.pseudo_any.append(p)

    def find(self, toks: Sequence[str]) -> str:
        """The first cue found in `toks` that no pseudo-trigger covers ('' when none)."""
        words, n = self.words, len(toks)
        for i in range(n):
            tok = toks[i]
            hit, j = words.get(tok), i + 1
            if hit is None and words:
                joined = tok
                while j < n and j - i < MAX_JOIN and len(joined) < self.maxlen:
                    joined += toks[j]
                    j += 1
                    hit = words.get(joined)
                    if hit is not None:
                        break
            if hit is None and self._suf_t and tok.endswith(self._suf_t):
                hit, j = next(t for k, t in self.suffixes.items() if tok.endswith(k)), i + 1
            if hit is None and self._pre_t and tok.startswith(self._pre_t):
                hit, j = next(t for k, t in self.prefixes.items() if tok.startswith(k)), i + 1
            if hit is None:
                for cue in self.others:
                    j = cue.match(toks, i)
                    if j >= 0:
                        hit = cue.text
                        break
            if hit is not None and not self._covered(toks, i, j):
                return hit
        return ""

    def _covered(self, toks: Sequence[str], i: int, j: int) -> bool:
        """Does a pseudo-trigger starting at or a little before token i cover the cue's tokens [i, j)?"""
        for k in range(max(0, i - MAX_JOIN), i + 1):
            for p in self.pseudo_by_prefix.get(toks[k], ()):
                if p.match(toks, k) >= j:
                    return True
            for p in self.pseudo_any:
                if p.match(toks, k) >= j:
                    return True
        return False


class WindowedScope:
    """Applies NegationRules to the hits of a text, re-tokenizing only the windows around candidate hits.

    The cheap pre-check: one regular-expression pass over the stretch of text that holds the hits (a
    character trie of every cue's literal forms, both languages and both sides) finds every place a cue
    could be; only hits with such a place within reach, in the same clause, are tokenized again (their
    clause window alone)."""

    def __init__(self, rules: NegationRules, tokenizer: Tokenizer) -> None:
        self.rules = rules
        self.tokenizer = tokenizer
        self._chars: dict[tuple[str, str], int] = {}
        self._sets: dict[tuple[str, str], _CueSet] = {}
        self._cut, self._hmm = tokenizer.cutter(), tokenizer.hmm
        tails: dict[str, str] = {}
        sides: dict[str, list[bool]] = {}  # literal -> [can end a before-cue, can start an after-cue]
        regexes: dict[str, list[str]] = {"before": [], "after": []}
        for lang, r in rules.langs.items():
            words = _plain_words([*r.pseudo, *r.break_cues()])
            for k, (side, cues, window) in enumerate((("before", r.before, r.window_before),
                                                      ("after", r.after, r.window_after))):
                self._chars[(lang, side)] = window * CHARS_PER_TOKEN[lang]
                self._sets[(lang, side)] = _CueSet(cues, r.pseudo)
                if not window:
                    continue
                for c in cues:
                    lits, rxs = c.stems()
                    regexes[side].extend(rxs)
                    for x in lits:
                        # Chinese: 不 inside 不少 / 差不多 / 不过 is ruled out before any tokenizing
                        tails.setdefault(x, _excluding(x, words) if lang == "zh" else "")
                        sides.setdefault(x, [False, False])[k] = True
        for x, v in sides.items():  # the trie reports the longest literal: it stands for its prefixes too
            for n in range(1, len(x)):
                if x[:n] in sides:
                    v[:] = [a or b for a, b in zip(v, sides[x[:n]], strict=True)]
        self._sides = {x: (v[0], v[1]) for x, v in sides.items()}
        alts = [_trie_regex(tails)] if tails else []
        alts += [f"(?P<before>{'|'.join(regexes['before'])})"] if regexes["before"] else []
        alts += [f"(?P<after>{'|'.join(regexes['after'])})"] if regexes["after"] else []
        self._pre = re.compile("|".join(alts)) if alts else None
        self._reach = max(self._chars.values(), default=0)

    def cues(self, norm: str, hits: Sequence[Span]) -> list[str] | None:
        """Per hit, the cue that negates it ('' when none); None when no hit is negated. `norm` is the
        normalised text the hits' offsets point into (case may be left as is); hits are in start order.

        One regular-expression pass over the text (from the first hit to the last) finds every place a cue
        could be; the loop runs over those places, not over the hits, and only hits within reach of one
        are checked on their clause's tokens."""
        rx = self._pre
        if not hits or rx is None:
            return None
        starts = list(map(_START, hits))
        n = len(starts)
        clause = CLAUSE_RE.search
        chars, sides = self._chars, self._sides
        reach = self._reach
        found: dict[int, str] = {}
        checked: set[int] = set()  # hits whose before-window was tokenized (it sees every cue in it)
        lo = starts[0] - reach
        for m in rx.finditer(norm, lo if lo > 0 else 0, starts[-1] + 64 + reach):
            g = m.group()
            zh = ord(g[0]) > 0x2E7F
            lang = "zh" if zh else "en"
            before, after = sides.get(g) or (m.lastgroup == "before", m.lastgroup == "after")
            if before:
                p, cb = m.end(), chars[(lang, "before")]
                i = bisect_left(starts, p)  # hits starting at or after the cue's end, within reach
                while i < n and starts[i] - p <= cb:
                    s = starts[i]
                    if i not in checked and (ord(norm[s]) > 0x2E7F) == zh and not clause(norm, p, s):
                        checked.add(i)  # (a cue in an earlier clause is no reason to look)
                        cue = self._before(norm, s, lang)
                        if cue:
                            found[i] = cue
                    i += 1
            if after:
                p, ca = m.start(), chars[(lang, "after")]
                i = bisect_right(starts, p) - 1  # hits starting before the cue, ending within reach
                while i >= 0 and p - starts[i] <= ca + 64:
                    h = hits[i]
                    e = h.end
                    if i not in found and e <= p and p - e <= ca and (ord(norm[starts[i]]) > 0x2E7F) == zh \
                            and not clause(norm, e, p):
                        cue = self._after(norm, e, lang)
                        if cue:
                            found[i] = cue
                    i -= 1
        if not found:
            return None
        out = [""] * n
        for i, cue in found.items():
            out[i] = cue
        return out

    def _words(self, seg: str, lang: str) -> list[str]:
        """Word tokens of a short window: the engine's cut for Chinese (non-words dropped), the word
        pattern for other text; curly apostrophes folded."""
        if lang == "zh" and _NON_CJK_RE.search(seg) is None:
            is_word = self.tokenizer.is_word
            return [t for t in self._cut(seg, self._hmm) if is_word[t]]
        if lang == "en" and not has_cjk(seg):
            return WORD_RE.findall(fold(seg.lower()))
        return [fold(w) for w in self.tokenizer.tokenize_normalized(seg.lower()).words]

    def _before(self, norm: str, s: int, lang: str) -> str:
        r = self.rules.langs[lang]
        lo = max(0, s - self._chars[(lang, "before")] - 8)
        seg = norm[lo:s]
        m = _LAST_CLAUSE_RE.match(seg)
        cut = m.end() if m else 0
        toks = self._words(seg[cut:], lang)
        if lo > 0 and cut == 0 and toks:
            toks = toks[1:]  # the window may start inside a word
        toks = toks[-r.window_before:]
        if r.breaks and not r.breaks.isdisjoint(toks):
            for j in range(len(toks) - 1, -1, -1):
                if toks[j] in r.breaks:
                    toks = toks[j + 1:]
                    break
        return self._sets[(lang, "before")].find(toks)

    def _after(self, norm: str, e: int, lang: str) -> str:
        r = self.rules.langs[lang]
        hi = e + self._chars[(lang, "after")] + 8
        seg = norm[e:hi]
        m = CLAUSE_RE.search(seg)
        toks = self._words(seg[:m.start()] if m else seg, lang)
        if m is None and hi < len(norm) and toks:
            toks = toks[:-1]  # the window may end inside a word
        toks = toks[:r.window_after]
        if r.breaks and not r.breaks.isdisjoint(toks):
            for j, t in enumerate(toks):
                if t in r.breaks:
                    toks = toks[:j]
                    break
        return self._sets[(lang, "after")].find(toks)
