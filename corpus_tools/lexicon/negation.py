"""Negation scope: is a lexicon hit negated in its clause (不赚钱, 配套服务跟不上, "did not get support")?

A NegEx-style rule set (Chapman et al. 2001): trigger words ("cues") with a window of word tokens before
the hit (不, 没有, not, n't) and, for Chinese post-verbal patterns, after it (跟不上, 不高), bounded by the
clause (punctuation and contrast words such as 但是 / but), with pseudo-triggers that look like negation
but are not (不仅, "not only", 如果没有 counterfactuals). Rules live in a YAML file (the default ships in
corpus_tools/lexicon/data/negation.yaml).

Two ways to apply them, same rules and (tested) same planted results:
- in the matcher (`lexicon()` + `split()`, used whenever no cue is a `re:` regex): the cues, pseudo-triggers
  and contrast words become one more lexicon that the lexicon matcher (compiled or Python, unchanged)
  finds in the same scan as the terms, as whole tokens of the text's own segmentation; the post-pass over
  the hits then checks each cue's gap to the hits near it (same clause, no contrast word, fewer tokens
  than the window). This keeps matching at nearly its speed (benchmarks/bench_score.py).
- windowed (`cues()`): a regular-expression pass finds where cues could be, and the clause window around
  each hit within reach is tokenized on its own and tested cue by cue (regex cues need this).
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import yaml

from corpus_tools.errors import ConfigError, LexiconError
from corpus_tools.lexicon.match import compile_term
from corpus_tools.lexicon.model import Construct, Lexicon, Variable
from corpus_tools.text.tokenize import WORD_RE, Tokenizer, has_cjk

DEFAULT_RULES = Path(__file__).resolve().parent / "data" / "negation.yaml"
_LANGS = ("zh", "en")
_KEYS = {"window_before", "window_after", "before", "after", "pseudo", "breaks"}
# a clause ends at these (a full stop only before a space or the end, so 3.5 and e.g. stay whole)
_CLAUSE_RE = re.compile(r"[，。！？；：,;:!?\n…]|\.(?=\s|$)")
_LAST_CLAUSE_RE = re.compile(r".*(?:[，。！？；：,;:!?\n…]|\.(?=\s|$))", re.S)
_NON_CJK_RE = re.compile(r"[A-Za-z\u0080-\u2e7f]")  # a Latin letter (or other non-CJK script) in a window
_CHARS_PER_TOKEN = {"zh": 3, "en": 12}  # how far (in characters) the cheap pre-check looks per window token
_MAX_JOIN = 3  # a Chinese word cue may be spelt by up to this many consecutive tokens (跟/不/上)


NEGATION_LEXICON = "~negation"  # the name of the rules as a lexicon inside the matcher (never scored)


def _cue_term(c: Cue) -> str:
    """A cue as a lexicon term (glob syntax: `*n't`, `lack*`, words separated by spaces)."""
    out = []
    for kind, value in c.parts:
        out.append({"word": value, "prefix": f"{value}*", "suffix": f"*{value}"}.get(kind, value))
    return " ".join(out)


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_START = attrgetter("start")


class _At(NamedTuple):
    start: int
    end: int


@dataclass(frozen=True)
class Cue:
    """One rule: a sequence of token tests, each ('word' | 'prefix' | 'suffix' | 'regex', value)."""

    text: str
    parts: tuple[tuple[str, Any], ...]

    def match(self, toks: Sequence[str], i: int) -> int:
        """End index (exclusive) when the cue matches starting at token i, else -1."""
        for kind, value in self.parts:
            if i >= len(toks):
                return -1
            tok = toks[i]
            if kind == "word":
                if tok == value:
                    i += 1
                    continue
                joined, j = tok, i + 1
                while j < len(toks) and j - i < _MAX_JOIN and len(joined) < len(value):
                    joined += toks[j]
                    j += 1
                    if joined == value:
                        break
                if joined != value:
                    return -1
                i = j
            elif kind == "prefix":
                if not tok.startswith(value):
                    return -1
                i += 1
            elif kind == "suffix":
                if not tok.endswith(value):
                    return -1
                i += 1
            else:
                if value.fullmatch(tok) is None:
                    return -1
                i += 1
        return i

    def stems(self) -> tuple[list[str], list[str]]:
        """(literal strings, regular expressions) that find every place this cue could occur in the
        normalised text: a superset (no word boundaries; Latin stems in lower, Capitalised and UPPER case,
        since case may not be folded yet; straight and curly apostrophes)."""
        lits: list[str] = []
        rxs: list[str] = []
        for kind, value in self.parts:
            if kind == "regex":
                rxs.append(f"(?i:{value.pattern})")
                continue
            for form in dict.fromkeys((value, value.capitalize(), value.upper())):
                lits.extend(dict.fromkeys((form, form.replace("'", "’"))))
        return lits, rxs


def _fold(word: str) -> str:
    return word.replace("’", "'")


def compile_cue(raw: object, where: str) -> Cue:
    """A cue as written in a rule file → Cue; LexiconError naming the rule when it is empty or a bad regex."""
    if isinstance(raw, bool):
        raise LexiconError(f"{where}: YAML read a negation rule as {raw} (bare no/yes/on/off are true/false)",
                           hint="put the word in quotes: \"no\"")
    if not isinstance(raw, str | int | float) or not str(raw).strip():
        raise LexiconError(f"{where}: a negation rule must be a non-empty string, got {raw!r}")
    text = str(raw).strip()
    if text.startswith("re:"):
        try:
            return Cue(text, (("regex", re.compile(text[3:], re.IGNORECASE)),))
        except re.error as exc:
            raise LexiconError(f"{where}: negation rule {text!r} does not compile: {exc}",
                               hint="write a Python regular expression after `re:`, e.g. re:\\w+n't") from exc
    parts: list[tuple[str, Any]] = []
    for word in text.lower().split():
        word = _fold(word)
        core = word.strip("*")
        if not core or "*" in core:
            raise LexiconError(f"{where}: negation rule {text!r} does not compile: `*` is allowed only at the "
                               "start or end of a word")
        if word.startswith("*") and word.endswith("*") and len(word) > 1:
            parts.append(("regex", re.compile(".*" + re.escape(core) + ".*")))
        elif word.startswith("*"):
            parts.append(("suffix", core))
        elif word.endswith("*"):
            parts.append(("prefix", core))
        else:
            parts.append(("word", core))
    return Cue(text, tuple(parts))


@dataclass(frozen=True)
class LangRules:
    """The rules of one language (zh covers Simplified and Traditional: text is matched in Simplified)."""

    window_before: int
    window_after: int
    before: tuple[Cue, ...]
    after: tuple[Cue, ...]
    pseudo: tuple[Cue, ...]
    breaks: frozenset[str]


@dataclass(frozen=True)
class NegationRules:
    """A whole rule file: per-language cues and windows."""

    langs: dict[str, LangRules]
    source: str
    sha1: str

    def manifest(self) -> dict[str, object]:
        """What a run manifest records about the rules."""
        return {"source": self.source, "sha1": self.sha1,
                **{f"{k}_cues": len(r.before) + len(r.after) for k, r in self.langs.items()}}


def _window(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
        raise ConfigError(f"{where}: must be a whole number from 0 to 20, got {value!r}")
    return value


def rules_from_dict(data: Any, source: str = "rules", sha1: str = "") -> NegationRules:
    """Validate parsed rule data (the YAML layout of the default file)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a negation rule file is a mapping with `zh` and/or `en` sections")
    unknown = set(data) - {*_LANGS, "version"}
    if unknown:
        raise ConfigError(f"{source}: unknown section(s) {sorted(unknown)}", hint="sections: zh, en, version")
    langs: dict[str, LangRules] = {}
    for lang in _LANGS:
        sec = data.get(lang) or {}
        if not isinstance(sec, dict):
            raise ConfigError(f"{source}: section {lang} must be a mapping")
        bad = set(sec) - _KEYS
        if bad:
            raise ConfigError(f"{source}: {lang}: unknown key(s) {sorted(bad)}",
                              hint=f"keys: {', '.join(sorted(_KEYS))}")
        lists: dict[str, tuple[Cue, ...]] = {}
        for key in ("before", "after", "pseudo"):
            items = sec.get(key) or []
            if not isinstance(items, list):
                raise ConfigError(f"{source}: {lang}.{key} must be a list")
            lists[key] = tuple(compile_cue(x, f"{source}: {lang}.{key}") for x in items)
        breaks = sec.get("breaks") or []
        if not isinstance(breaks, list):
            raise ConfigError(f"{source}: {lang}.breaks must be a list")
        langs[lang] = LangRules(_window(sec.get("window_before", 4), f"{source}: {lang}.window_before"),
                                _window(sec.get("window_after", 0), f"{source}: {lang}.window_after"),
                                lists["before"], lists["after"], lists["pseudo"],
                                frozenset(_fold(str(b).lower()) for b in breaks))
    return NegationRules(langs, source, sha1)


def load_rules(path: str | Path | None = None) -> NegationRules:
    """Read a rule file (the shipped default when `path` is None); ConfigError/LexiconError when invalid."""
    p = Path(path) if path is not None else DEFAULT_RULES
    if not p.is_file():
        raise ConfigError(f"negation rule file {p} not found")
    raw = p.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid YAML ({exc})") from exc
    return rules_from_dict(data, "default" if path is None else str(p), hashlib.sha1(raw).hexdigest()[:12])


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
                while j < n and j - i < _MAX_JOIN and len(joined) < self.maxlen:
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
        for k in range(max(0, i - _MAX_JOIN), i + 1):
            for p in self.pseudo_by_prefix.get(toks[k], ()):
                if p.match(toks, k) >= j:
                    return True
            for p in self.pseudo_any:
                if p.match(toks, k) >= j:
                    return True
        return False


class NegationScope:
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
            words = _plain_words([*r.pseudo, *(compile_cue(b, "breaks") for b in r.breaks)])
            for k, (side, cues, window) in enumerate((("before", r.before, r.window_before),
                                                      ("after", r.after, r.window_after))):
                self._chars[(lang, side)] = window * _CHARS_PER_TOKEN[lang]
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
        # where a contrast word could be (a superset: the gap is then tokenized to be sure)
        self._break_rx = {lang: re.compile(_trie_regex({f: "" for b in r.breaks
                                                        for f in (b, b.capitalize(), b.upper())}))
                          for lang, r in rules.langs.items() if r.breaks}

    def cues(self, norm: str, hits: Sequence[_Span]) -> list[str] | None:
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
        clause = _CLAUSE_RE.search
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

    # --- the fast path: cues found by the lexicon matcher itself ------------------------------------
    @property
    def in_matcher(self) -> bool:
        """True when every cue, pseudo-trigger and break word is a word, a glob or a sequence of them, so
        the lexicon matcher (compiled or not) can find them in the same scan as the terms; rule files with
        `re:` cues take the windowed path (`cues`)."""
        return all(k != "regex" for r in self.rules.langs.values()
                   for c in (*r.before, *r.after, *r.pseudo, *(compile_cue(b, "breaks") for b in r.breaks))
                   for k, _ in c.parts)

    def lexicon(self) -> Lexicon:
        """The rules as a lexicon for the matcher (named NEGATION_LEXICON): variable `negation.b` holds
        cues that negate what follows, `negation.a` what precedes, `negation.ba` both, `negation.pseudo`
        pseudo-triggers (contrast words are looked for in the few gaps that need it). Matched in the same
        token sequence as the terms, a cue is a whole token (不 never fires inside 不断), and leftmost-longest
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

    def split(self, norm: str, hits: list[Any]) -> tuple[list[Any], list[str] | None]:
        """(the term hits, the cue negating each of them or None when none is negated) from the hits of a
        matcher built with `lexicon()`; `norm` is the normalised text their offsets point into."""
        neg = [h for h in hits if h[0] == NEGATION_LEXICON]
        if not neg:
            return hits, None
        terms = [h for h in hits if h[0] != NEGATION_LEXICON]
        if not terms:
            return terms, None
        starts = list(map(_START, terms))
        n = len(terms)
        found: dict[int, str] = {}
        chars = self._chars
        for c in neg:
            kind = c[2]
            if kind == "negation.pseudo":
                continue
            zh = ord(norm[c[4]]) > 0x2E7F
            lang = "zh" if zh else "en"
            r = self.rules.langs[lang]
            if kind != "negation.a":  # negates what follows
                p = c[5]
                i = bisect_left(starts, p)
                while i < n and starts[i] - p <= chars[(lang, "before")] + 16:
                    s = starts[i]
                    if i not in found and (ord(norm[s]) > 0x2E7F) == zh \
                            and self._in_scope(norm, p, s, r.window_before, lang):
                        found[i] = c[3]
                    i += 1
            if kind != "negation.b":  # negates what precedes (配套服务跟不上)
                p = c[4]
                i = bisect_right(starts, p) - 1
                while i >= 0 and p - starts[i] <= chars[(lang, "after")] + 80:
                    e = terms[i][5]
                    if i not in found and e <= p and (ord(norm[starts[i]]) > 0x2E7F) == zh \
                            and self._in_scope(norm, e, p, r.window_after, lang):
                        found[i] = c[3]
                    i -= 1
        if not found:
            return terms, None
        out = [""] * n
        for i, cue in found.items():
            out[i] = cue
        return terms, out

    def _in_scope(self, norm: str, a: int, b: int, window: int, lang: str) -> bool:
        """Is the gap norm[a:b] between a cue and a hit inside one clause (no punctuation, no contrast
        word) and shorter than the window (fewer than `window` word tokens: the cue's own token is the
        window's last or first)?"""
        if b < a or _CLAUSE_RE.search(norm, a, b):
            return False
        gap = norm[a:b].strip()
        rx = self._break_rx.get(lang)
        words: list[str] | None = None
        if rx is not None and rx.search(gap):
            words = self._words(gap, lang)
            if not self.rules.langs[lang].breaks.isdisjoint(words):
                return False
        if len(gap) < window:  # every word token has a character at least
            return True
        return len(words if words is not None else self._words(gap, lang)) < window

    def negated(self, text: str, start: int, end: int) -> str:
        """The cue negating text[start:end] ('' when none); for one-off checks and tests."""
        res = self.cues(self.tokenizer.normalize(text), [_At(start, end)])
        return res[0] if res else ""

    def _words(self, seg: str, lang: str) -> list[str]:
        """Word tokens of a short window: the engine's cut for Chinese (non-words dropped), the word
        pattern for other text; curly apostrophes folded."""
        if lang == "zh" and _NON_CJK_RE.search(seg) is None:
            is_word = self.tokenizer.is_word
            return [t for t in self._cut(seg, self._hmm) if is_word[t]]
        if lang == "en" and not has_cjk(seg):
            return WORD_RE.findall(seg.lower().replace("’", "'"))
        return [_fold(w) for w in self.tokenizer.tokenize_normalized(seg.lower()).words]

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
        m = _CLAUSE_RE.search(seg)
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
