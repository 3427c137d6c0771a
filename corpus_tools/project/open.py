"""Open a project (corpus + lexicons + coding store) the one way every command and the web app do.

Which lexicons apply follows one rule, `corpus_tools.corpus.config.lexicon_refs`: those named, else
corpus.toml's list, else the default codebook. The first lexicon is the project's codebook (review and
suggestions start from it); every lexicon is scored, and coders may apply the variables of every lexicon
(`codable_codes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus_tools.corpus.config import lexicon_refs
from corpus_tools.corpus.loader import Corpus, open_corpus
from corpus_tools.io.resources import default_corpus
from corpus_tools.lexicon.formats import load_lexicons
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.store.store import CodingStore, default_store_path


def project_lexicons(corpus: Corpus | None, named: Sequence[str | Path] = ()) -> list[Lexicon]:
    """The lexicons that apply (the one rule), loaded; relative paths resolve against the corpus folder."""
    config = corpus.config if corpus is not None else None
    return load_lexicons(lexicon_refs(named, config), corpus.root if corpus is not None else None)


def codable_codes(lexicons: Sequence[Lexicon], extra: Sequence[str] = ()) -> list[str]:
    """Every variable coders may apply: the variables of all lexicons that apply, lexicon by lexicon in their
    order (each id once), then any code of `extra` (e.g. a model's) that no lexicon defines."""
    codes = [v.id for lex in lexicons for v in lex.variables]
    return list(dict.fromkeys([*codes, *extra]))


@dataclass
class Project:
    """A loaded corpus, the lexicons that apply to it, and where its coding store lives."""

    corpus: Corpus
    lexicons: list[Lexicon]
    store_path: Path

    @classmethod
    def open(cls, corpus: str | Path | Corpus | None = None, lexicons: Sequence[str | Path] = (),
             store: str | Path | None = None) -> Project:
        """Open corpus (default: bundled), lexicons (default: the one rule) and the store path
        (default: analysis/coding.sqlite); the store itself is opened on demand."""
        corp = open_corpus(corpus)
        return cls(corp, project_lexicons(corp, lexicons), Path(store) if store is not None else default_store_path())

    @property
    def codebook(self) -> Lexicon:
        """The lexicon coders code with (the first that applies)."""
        return self.lexicons[0]

    @property
    def codes(self) -> list[str]:
        """Every variable of every lexicon that applies (what coders may apply; see `codable_codes`)."""
        return codable_codes(self.lexicons)

    @property
    def root(self) -> Path:
        """The corpus folder."""
        return self.corpus.root

    @property
    def is_bundled(self) -> bool:
        """True for the bundled Junpu corpus (commands then omit its path from hints)."""
        return self.corpus.root.resolve() == default_corpus().resolve()

    def open_store(self) -> CodingStore:
        """The coding store (created on first use); the caller closes it."""
        return CodingStore(self.store_path)
