"""Negation scope: is a lexicon hit negated in its clause (不赚钱, 配套服务跟不上, "did not get support")?

A NegEx-style rule set (Chapman et al. 2001): trigger words ("cues") with a window of word tokens before
the hit (不, 没有, not, n't) and, for Chinese post-verbal patterns, after it (跟不上, 不高), bounded by the
clause (punctuation and contrast words such as 但是 / but), with pseudo-triggers that look like negation
but are not (不仅, "not only", 如果没有 counterfactuals). Rules live in a YAML file (the default ships in
corpus_tools/lexicon/data/negation.yaml). The check runs after matching, over the hits only: a regular
expression pass per text finds where cues could be, and only hits with a cue nearby are tokenized again
(the window alone), so the compiled matcher stays as it is and matching keeps its speed.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from corpus_tools.errors import ConfigError, LexiconError
from corpus_tools.text.tokenize import Tokenizer

DEFAULT_RULES = Path(__file__).resolve().parent / "data" / "negation.yaml"
_LANGS = ("zh", "en")
_KEYS = {"window_before", "window_after", "before", "after", "pseudo", "breaks"}
# a clause ends at these (a full stop only before a space or the end, so 3.5 and e.g. stay whole)
_CLAUSE_RE = re.compile(r"[，。！？；：,;:!?\n…]|\.(?=\s|$)")
_CHARS_PER_TOKEN = {"zh": 3, "en": 12}  # how far (in characters) the cheap pre-check looks per window token
_MAX_JOIN = 3  # a Chinese word cue may be spelt by up to this many consecutive tokens (跟/不/上)


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


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

    def stems(self, lang: str) -> list[str]:
        """Regular expressions that find every place this cue could occur in raw text (a superset)."""
        out = []
        for kind, value in self.parts:
            if kind == "regex":
                out.append(value.pattern)
                continue
            lit = re.escape(value).replace("'", "['’]")
            if lang == "en":
                lit = (r"\b" if kind != "suffix" else "") + lit + (r"\b" if kind != "prefix" else "")
            out.append(lit)
        return out


def _fold(word: str) -> str:
    return word.replace("’", "'")


def compile_cue(raw: object, where: str) -> Cue:
    """A cue as written in a rule file → Cue; LexiconError naming the rule when it is empty or a bad regex."""
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
    import yaml

    p = Path(path) if path is not None else DEFAULT_RULES
    if not p.is_file():
        raise ConfigError(f"negation rule file {p} not found")
    raw = p.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid YAML ({exc})") from exc
    return rules_from_dict(data, "default" if path is None else str(p), hashlib.sha1(raw).hexdigest()[:12])


class NegationScope:
    """Applies NegationRules to the hits of a text, re-tokenizing only the windows around candidate hits."""

    def __init__(self, rules: NegationRules, tokenizer: Tokenizer) -> None:
        self.rules = rules
        self.tokenizer = tokenizer
        self._pre: dict[tuple[str, str], re.Pattern[str] | None] = {}
        self._chars: dict[tuple[str, str], int] = {}
        for lang, r in rules.langs.items():
            for side, cues, window in (("before", r.before, r.window_before), ("after", r.after, r.window_after)):
                stems = sorted({s for c in cues for s in c.stems(lang)}, key=len, reverse=True)
                self._pre[(lang, side)] = (re.compile("|".join(stems), re.IGNORECASE)
                                           if stems and window else None)
                self._chars[(lang, side)] = window * _CHARS_PER_TOKEN[lang]

    def _positions(self, norm: str) -> dict[tuple[str, str], list[int]]:
        out: dict[tuple[str, str], list[int]] = {}
        for key, rx in self._pre.items():
            if rx is not None:
                pos = [m.end() for m in rx.finditer(norm)] if key[1] == "before" else \
                      [m.start() for m in rx.finditer(norm)]
                if pos:
                    out[key] = pos
        return out

    def cues(self, norm: str, hits: Sequence[_Span]) -> list[str] | None:
        """Per hit, the cue that negates it ('' when none); None when no hit is negated. `norm` is the
        normalised text the hits' offsets point into (case may be left as is)."""
        if not hits:
            return None
        where = self._positions(norm)
        if not where:
            return None
        out: list[str] | None = None
        for k, h in enumerate(hits):
            s, e = h.start, h.end
            lang = "zh" if ord(norm[s]) > 0x2E7F else "en"
            cue = ""
            pos = where.get((lang, "before"))
            if pos is not None:
                i = bisect_right(pos, s) - 1
                if i >= 0 and s - pos[i] <= self._chars[(lang, "before")]:
                    cue = self._before(norm, s, lang)
            if not cue:
                pos = where.get((lang, "after"))
                if pos is not None:
                    i = bisect_left(pos, e)
                    if i < len(pos) and pos[i] - e <= self._chars[(lang, "after")]:
                        cue = self._after(norm, e, lang)
            if cue:
                if out is None:
                    out = [""] * len(hits)
                out[k] = cue
        return out

    def negated(self, text: str, start: int, end: int) -> str:
        """The cue negating text[start:end] ('' when none); for one-off checks and tests."""
        res = self.cues(self.tokenizer.normalize(text), [_At(start, end)])
        return res[0] if res else ""

    def _words(self, seg: str) -> list[str]:
        return [_fold(w) for w in self.tokenizer.tokenize_normalized(seg.lower()).words]

    def _before(self, norm: str, s: int, lang: str) -> str:
        r = self.rules.langs[lang]
        lo = max(0, s - self._chars[(lang, "before")] - 8)
        seg = norm[lo:s]
        cut = 0
        for m in _CLAUSE_RE.finditer(seg):
            cut = m.end()
        toks = self._words(seg[cut:])
        if lo > 0 and cut == 0 and toks:
            toks = toks[1:]  # the window may start inside a word
        toks = toks[-r.window_before:]
        for j in range(len(toks) - 1, -1, -1):
            if toks[j] in r.breaks:
                toks = toks[j + 1:]
                break
        return _find(r.before, r.pseudo, toks)

    def _after(self, norm: str, e: int, lang: str) -> str:
        r = self.rules.langs[lang]
        hi = e + self._chars[(lang, "after")] + 8
        seg = norm[e:hi]
        m = _CLAUSE_RE.search(seg)
        toks = self._words(seg[:m.start()] if m else seg)
        if m is None and hi < len(norm) and toks:
            toks = toks[:-1]  # the window may end inside a word
        toks = toks[:r.window_after]
        for j, t in enumerate(toks):
            if t in r.breaks:
                toks = toks[:j]
                break
        return _find(r.after, r.pseudo, toks)


def _find(cues: Sequence[Cue], pseudo: Sequence[Cue], toks: Sequence[str]) -> str:
    """The first cue found in `toks` that no pseudo-trigger covers ('' when none)."""
    for i in range(len(toks)):
        for cue in cues:
            j = cue.match(toks, i)
            if j < 0:
                continue
            if not any(p.match(toks, k) >= j for p in pseudo for k in range(max(0, i - _MAX_JOIN), i + 1)):
                return cue.text
    return ""
