"""Cold start: with no human codes yet, suggest the variables whose lexicon terms occur (source "lexicon")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from corpus_tools.io.resources import DEFAULT_LEXICON
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.suggest.calibration import DEFAULT_THRESHOLD
from corpus_tools.suggest.features import Analyzed, TextAnalyzer
from corpus_tools.suggest.model import constructs_of


class LexiconSuggester:
    """Scores 1 - 0.5**hits per variable, so one matched term reaches the 0.5 threshold."""

    source = "lexicon"

    def __init__(self, lexicons: Sequence[Lexicon | str] = (DEFAULT_LEXICON,), engine: str = "rjieba",
                 codes: Sequence[str] | None = None) -> None:
        self.lexicons = lexicons
        self.engine = engine
        self.codes = codes

    def fit(self, analyzer: TextAnalyzer | None = None) -> LexiconSuggester:
        """Build the matcher (nothing is learned); returns self."""
        lexicons = [lex if isinstance(lex, Lexicon) else load_lexicon(lex) for lex in self.lexicons]
        self.lexicons_ = lexicons
        self.analyzer_ = analyzer or TextAnalyzer(lexicons, self.engine)
        self.codes_ = list(self.codes) if self.codes is not None else list(lexicons[0].variable_ids)
        self.constructs_ = constructs_of(lexicons, self.codes_)
        self.thresholds_ = np.full(len(self.codes_), DEFAULT_THRESHOLD)
        self._index = {c: j for j, c in enumerate(self.codes_)}
        return self

    @property
    def version(self) -> str:
        """`lexicon:name@version+...`, recorded as the model version of lexicon suggestions."""
        return "lexicon:" + "+".join(f"{lex.name}@{lex.version}" for lex in self.lexicons_)

    def counts(self, docs: Sequence[Analyzed]) -> np.ndarray:
        """Hits per passage and code."""
        out = np.zeros((len(docs), len(self.codes_)))
        for i, d in enumerate(docs):
            for h in d.hits:
                j = self._index.get(h.variable)
                if j is not None:
                    out[i, j] += 1
        return out

    def proba_docs(self, docs: Sequence[Analyzed]) -> np.ndarray:
        """A monotone score in [0, 1) per passage and code (not a calibrated probability)."""
        return 1.0 - 0.5 ** self.counts(docs)
