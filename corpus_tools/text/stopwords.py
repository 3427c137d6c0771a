"""Versioned, shipped Chinese and English stop-word lists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class StopWords:
    """A named, versioned stop-word set; `sha1` identifies the exact list in run manifests."""

    name: str
    version: str
    sha1: str
    words: frozenset[str]

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def manifest(self) -> dict[str, str | int]:
        """What a run manifest records about this list."""
        return {"name": self.name, "version": self.version, "sha1": self.sha1, "n": len(self.words)}


def parse_stopwords(text: str, default_name: str) -> StopWords:
    """Parse the shipped format: `# key: value` header comments, then one word per line."""
    meta: dict[str, str] = {}
    words: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if value:
                meta[key.strip()] = value.strip()
        elif line:
            words.add(line.lower())
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return StopWords(meta.get("name", default_name), meta.get("version", "unversioned"), digest, frozenset(words))


def load_stopwords(lang: str) -> StopWords:
    """The shipped list for 'zh' or 'en'."""
    text = resources.files("corpus_tools.text").joinpath(f"data/stopwords-{lang}.txt").read_text("utf-8")
    return parse_stopwords(text, f"stopwords-{lang}")


def read_stopwords(path: Path) -> StopWords:
    """A user-supplied list in the same format."""
    return parse_stopwords(path.read_text(encoding="utf-8-sig"), path.stem)


def default_stopwords() -> tuple[StopWords, StopWords]:
    """(Chinese, English) shipped lists."""
    return load_stopwords("zh"), load_stopwords("en")
