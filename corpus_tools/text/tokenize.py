"""Bilingual tokenizer: jieba-dictionary segmentation for Chinese, a word pattern for other scripts.

Chinese runs are segmented by `rjieba` (jieba-rs, the default) or by the reference `jieba` engine;
both get the same pre-split runs, so their output is comparable token for token. Each Tokenizer owns
its own engine instance: words injected for one lexicon never leak into another tokenizer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from .normalize import normalize
from .stopwords import StopWords, default_stopwords

ENGINES = ("rjieba", "jieba")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_RUN_RE = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+(?:['’\-.&+][^\W_{_CJK}]+)*)")
_CJK_RE = re.compile(rf"[{_CJK}]")
_DIGITS_RE = re.compile(r"^[\d.\-+]+$")


def has_cjk(text: str) -> bool:
    """True when `text` contains a CJK ideograph."""
    return _CJK_RE.search(text) is not None


@dataclass
class Tokens:
    """Parallel lists: normalised token strings and their [start, end) offsets in the original text."""

    words: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)

    def spans(self) -> Iterator[tuple[str, int, int]]:
        """(word, start, end) triples."""
        for w, s in zip(self.words, self.starts, strict=True):
            yield w, s, s + len(w)


def _make_engine(engine: str) -> Any:
    if engine == "rjieba":
        import rjieba

        return rjieba.Jieba()
    if engine == "jieba":
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        return tok
    raise ConfigError(f"unknown tokenizer engine {engine!r}", hint=f"choose one of {', '.join(ENGINES)}")


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
        self._stop: frozenset[str] = frozenset().union(*(s.words for s in self.stopwords))
        self.user_words: list[str] = []
        self.add_words(user_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Inject words (e.g. lexicon terms) so segmentation keeps each of them as one token."""
        for w in words:
            w = normalize(w.strip(), t2s=self.t2s)
            if w and has_cjk(w) and w not in self.user_words:
                self._engine.add_word(w, None, None)
                self.user_words.append(w)

    def segment_cjk(self, run: str) -> list[str]:
        """Segment a run of CJK characters with the chosen engine."""
        if self.engine == "rjieba":
            return list(self._engine.cut(run, self.hmm))
        return list(self._engine.cut(run, HMM=self.hmm))

    def tokenize_normalized(self, norm: str) -> Tokens:
        """Tokenize text already normalised with this tokenizer's settings."""
        words: list[str] = []
        starts: list[int] = []
        cut = self._engine.cut
        rj = self.engine == "rjieba"
        for m in _RUN_RE.finditer(norm):
            run = m.group(1)
            if run is None:
                words.append(m.group(2))
                starts.append(m.start())
                continue
            pos = m.start()
            for w in cut(run, self.hmm) if rj else cut(run, HMM=self.hmm):
                words.append(w)
                starts.append(pos)
                pos += len(w)
        return Tokens(words, starts)

    def normalize(self, text: str) -> str:
        """The normalised (same-length) form this tokenizer works on."""
        return normalize(text, t2s=self.t2s)

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
