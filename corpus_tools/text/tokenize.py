"""Bilingual tokenizer: jieba-dictionary segmentation for Chinese, a word pattern for other scripts.

The normalised text is cut into stretches: CJK stretches (ideographs plus the digits, punctuation and
spaces between them, never a Latin letter) go to `rjieba` (jieba-rs, the default) or to the reference
`jieba` engine; Latin stretches are split by a word pattern that keeps `e-commerce` and `don't` whole.
Both engines see the same stretches, so their output is comparable token for token. Each Tokenizer
owns its own engine instance: words injected for one lexicon never leak into another tokenizer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, compress
from typing import Any

import rjieba

from corpus_tools.errors import ConfigError
from corpus_tools.text.charclass import CJK_CHARS
from corpus_tools.text.engines import ENGINES
from corpus_tools.text.normalize import normalize, normalize_for_tokens
from corpus_tools.text.stopwords import StopWords, default_stopwords

_CJK = CJK_CHARS
WORD_RE = re.compile(rf"[^\W_{_CJK}]+(?:['’\-.&+][^\W_{_CJK}]+)*")
# a CJK stretch: an ideograph, then ideographs, digits, punctuation and spaces (never a Latin letter)
_STRETCH_RE = re.compile(rf"[{_CJK}][{_CJK}\W\d_]*")
_CJK_RE = re.compile(rf"[{_CJK}]")
_ISWORD_RE = re.compile(r"[^\W_]")
_DIGITS_RE = re.compile(r"^[\d.\-+]+$")
_WORD_CACHE_LIMIT = 1_000_000


def has_cjk(text: str) -> bool:
    """True when `text` contains a CJK ideograph."""
    return _CJK_RE.search(text) is not None


@dataclass
class Tokens:
    """Parallel lists: normalised word tokens and their start offsets in the original text."""

    words: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)

    def spans(self) -> Iterator[tuple[str, int, int]]:
        """(word, start, end) triples."""
        for w, s in zip(self.words, self.starts, strict=True):
            yield w, s, s + len(w)


@dataclass(frozen=True)
class Stretch:
    """A run of the normalised text and its tokens; in CJK stretches tokens cover every character
    (punctuation and spaces included), in Latin stretches only the words (see `gaps`)."""

    offset: int
    text: str
    tokens: list[str]
    cjk: bool

    def starts(self) -> list[int]:
        """Start offset (in the whole text) of every token."""
        if self.cjk:
            return list(accumulate(map(len, self.tokens[:-1]), initial=self.offset)) if self.tokens else []
        return [self.offset + m.start() for m in WORD_RE.finditer(self.text)]


class _IsWord(dict[str, bool]):
    """token -> contains a letter, digit or ideograph; filled on first sight (C-speed lookups after)."""

    def __missing__(self, tok: str) -> bool:
        v = _ISWORD_RE.search(tok) is not None
        if len(self) < _WORD_CACHE_LIMIT:
            self[tok] = v
        return v


def _make_engine(engine: str) -> Any:
    if engine == "rjieba":
        return rjieba.Jieba()
    if engine == "jieba":
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        return tok
    raise ConfigError(f"unknown tokenizer engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")


def _cut_function(engine: str, instance: Any) -> Callable[[str, bool], list[str]]:
    """The engine's segmentation as one signature, f(run, hmm) -> list of tokens."""
    if engine == "rjieba":
        return instance.cut
    return lambda run, hmm: list(instance.cut(run, HMM=hmm))


class Tokenizer:
    """Chinese (Simplified and Traditional) and English tokenizer with offsets into the original text."""

    def __init__(
        self,
        engine: str = "rjieba",
        user_words: Iterable[str] = (),
        stopwords: tuple[StopWords, ...] | None = None,
        t2s: bool = True,
        hmm: bool = True,
    ) -> None:
        self.engine = engine
        self.t2s = t2s
        self.hmm = hmm
        self.stopwords = stopwords if stopwords is not None else default_stopwords()
        self._engine = _make_engine(engine)
        self._cut = _cut_function(engine, self._engine)
        self._stop: frozenset[str] = frozenset().union(*(s.words for s in self.stopwords))
        self.is_word = _IsWord()
        self.user_words: list[str] = []
        self.add_words(user_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Inject words (e.g. lexicon terms) so segmentation keeps each of them as one token."""
        for raw in words:
            w = normalize(raw.strip(), t2s=self.t2s)
            if w and has_cjk(w) and w not in self.user_words:
                self._engine.add_word(w, None, None)
                self.user_words.append(w)

    def segment_cjk(self, run: str) -> list[str]:
        """Segment a CJK stretch with the chosen engine (every character ends up in some token)."""
        return list(self._cut(run, self.hmm))

    def cutter(self) -> Callable[[str, bool], list[str]]:
        """The engine's segmentation as f(run, hmm) -> tokens (what the compiled matcher calls)."""
        return self._cut

    def stretches(self, norm: str) -> Iterator[Stretch]:
        """The normalised text as alternating Latin and CJK stretches with their tokens."""
        pos = 0
        cut, hmm = self._cut, self.hmm
        findall = WORD_RE.findall
        for m in _STRETCH_RE.finditer(norm):
            s = m.start()
            if s > pos:
                gap = norm[pos:s]
                yield Stretch(pos, gap, findall(gap), False)
            run = m.group()
            yield Stretch(s, run, cut(run, hmm), True)
            pos = m.end()
        if pos < len(norm):
            gap = norm[pos:]
            yield Stretch(pos, gap, findall(gap), False)

    def tokenize_normalized(self, norm: str) -> Tokens:
        """Word tokens (punctuation and spaces dropped) of text already normalised by this tokenizer."""
        words: list[str] = []
        starts: list[int] = []
        is_word = self.is_word.__getitem__
        for st in self.stretches(norm):
            if st.cjk:
                mask = list(map(is_word, st.tokens))
                words.extend(compress(st.tokens, mask))
                starts.extend(compress(st.starts(), mask))
            else:
                words.extend(st.tokens)
                starts.extend(st.starts())
        return Tokens(words, starts)

    def normalize(self, text: str) -> str:
        """The normalised (same-length) form this tokenizer works on."""
        return normalize_for_tokens(text, t2s=self.t2s)

    def tokenize(self, text: str) -> Tokens:
        """All word tokens (punctuation and spaces dropped) with offsets into `text`."""
        return self.tokenize_normalized(self.normalize(text))

    def words(self, text: str) -> list[str]:
        """All word tokens, normalised (lower case, Simplified)."""
        return self.tokenize(text).words

    def is_content(self, word: str) -> bool:
        """Not a stop word, not a number, longer than one character."""
        return len(word) > 1 and word not in self._stop and not _DIGITS_RE.match(word)

    def content_words(self, text: str) -> list[str]:
        """Tokens for topic models and expansion: stop words, numbers and single characters removed."""
        return [w for w in self.words(text) if self.is_content(w)]

    def keeps_whole(self, term: str) -> bool:
        """True when `term`, on its own, comes out of segmentation as exactly one token."""
        norm = self.normalize(term)
        return self.tokenize_normalized(norm).words == [norm] if " " not in norm else True

    def manifest(self) -> dict[str, object]:
        """What a run manifest records about this tokenizer."""
        return {
            "engine": self.engine,
            "t2s": self.t2s,
            "hmm": self.hmm,
            "user_words": len(self.user_words),
            "stopwords": [s.manifest() for s in self.stopwords],
        }
