"""The code behind `validate`: load a corpus and check what corpus.toml names (lexicons) as well."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from corpus_tools.corpus.loader import Corpus, load_corpus, open_corpus
from corpus_tools.corpus.problems import LEVELS, Problem
from corpus_tools.errors import ConfigError, LexiconError
from corpus_tools.io.limits import InputLimits
from corpus_tools.lexicon.formats import load_lexicon


def lexicon_problems(corpus: Corpus) -> list[Problem]:
    """An error for every lexicon corpus.toml names that cannot be found or read (`score` would fail)."""
    out = []
    try:
        refs = corpus.config.lexicon_refs()
    except ConfigError as exc:
        return [Problem("error", "missing-lexicon", "corpus.toml", None, "", exc.message)]
    for ref in refs:
        try:
            load_lexicon(ref, corpus.root)
        except ConfigError as exc:
            out.append(Problem("error", "missing-lexicon", "corpus.toml", None, "", f"{exc.message}"
                               + (f" ({exc.hint})" if exc.hint else "")))
        except LexiconError as exc:
            out.append(Problem("error", "bad-lexicon", "corpus.toml", None, "", f"lexicon {ref!r}: {exc.message}"))
    return out


def validate_corpus(path: str | Path | None = None, limits: InputLimits | None = None) -> Corpus:
    """The corpus (default: the bundled one) with every problem: its rows and files (load_corpus) and the
    lexicons it names."""
    corpus = open_corpus(path) if limits is None or path is None else load_corpus(path, limits)
    corpus.add_problems(lexicon_problems(corpus))
    return corpus


def ordered(problems: list[Problem]) -> list[Problem]:
    """Notes first, then warnings, errors last (each in file order), so errors stay on screen."""
    rank = {lvl: i for i, lvl in enumerate(reversed(LEVELS))}
    return sorted(problems, key=lambda p: rank.get(p.level, -1))


def summary(corpus: Corpus) -> str:
    """One line: documents and entries loaded, then problems per level with counts per code."""
    parts = []
    for level, word in (("error", "error"), ("warning", "warning"), ("note", "note")):
        codes = Counter(p.code for p in corpus.problem_list if p.level == level)
        n = sum(codes.values())
        detail = f" ({', '.join(f'{c} {k}' for c, k in codes.most_common())})" if n else ""
        parts.append(f"{n} {word}{'' if n == 1 else 's'}{detail}")
    return (f"{corpus.config.name}: {len(corpus.docs)} documents loaded, {len(corpus.entries)} entries; "
            + "; ".join(parts))
