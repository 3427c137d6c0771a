"""Negation rule files: cues (words, globs, `re:` regexes, sequences), windows, pseudo-triggers and contrast
words per language, read from YAML and checked (the shipped default is corpus_tools/lexicon/data/negation.yaml).

The rules are data; applying them to hits is corpus_tools.lexicon.negation (in the matcher, the default) or
corpus_tools.lexicon.negation_window (re-tokenized windows, for rule files with `re:` cues).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from corpus_tools.errors import ConfigError, LexiconError

DEFAULT_RULES = Path(__file__).resolve().parent / "data" / "negation.yaml"
_LANGS = ("zh", "en")
_KEYS = {"window_before", "window_after", "before", "after", "pseudo", "breaks"}
# a clause ends at these (a full stop only before a space or the end, so 3.5 and e.g. stay whole)
CLAUSE_RE = re.compile(r"[，。！？；：,;:!?\n…]|\.(?=\s|$)")
CHARS_PER_TOKEN = {"zh": 3, "en": 12}  # how far (in characters) a window token is taken to reach
MAX_JOIN = 3  # a Chinese word cue may be spelt by up to this many consecutive tokens (跟/不/上)


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
                while j < len(toks) and j - i < MAX_JOIN and len(joined) < len(value):
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

    @property
    def is_regex(self) -> bool:
        """True when some part is a `re:` regular expression (the matcher cannot find those)."""
        return any(k == "regex" for k, _ in self.parts)


def fold(word: str) -> str:
    """A curly apostrophe as the straight one (the normalised text has only those)."""
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
        word = fold(word)
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

    def break_cues(self) -> list[Cue]:
        """The contrast words as cues (to find them in text the way cues are found)."""
        return [compile_cue(b, "breaks") for b in sorted(self.breaks)]


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
                                frozenset(fold(str(b).lower()) for b in breaks))
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
