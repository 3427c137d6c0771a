"""Features of a passage for the suggestion model: word TF-IDF, character n-grams and lexicon hit counts.

Each text is tokenized once (project tokenizer, lexicon terms kept whole); the analysis gives the content
words, the normalised text for character n-grams, and the lexicon hits reused by the explanations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.lexicon.negation import NEGATION_LEXICON
from corpus_tools.scoring.score import Hit, Scorer
from corpus_tools.text.tokenize import Tokenizer

if TYPE_CHECKING:
    from scipy import sparse

WORD, CHAR, LEX, EMB = "w", "c", "lex", "emb"


@dataclass(frozen=True)
class Analyzed:
    """One tokenized passage: content words, normalised text (same offsets) and lexicon hits."""

    words: tuple[str, ...]
    norm: str
    hits: tuple[Hit, ...]


class TextAnalyzer:
    """Tokenize and match lexicons once per text (the expensive step, shared by features and evidence)."""

    def __init__(self, lexicons: Sequence[Lexicon | str], engine: str = "rjieba") -> None:
        self.lexicons = [lex if isinstance(lex, Lexicon) else load_lexicon(lex) for lex in lexicons]
        self.engine = engine
        self.scorer = Scorer(self.lexicons, Tokenizer(engine))
        self.tokenizer = self.scorer.tokenizer

    @property
    def variable_ids(self) -> list[str]:
        """Variable ids of the lexicons, in order."""
        return self.scorer.variable_ids

    def analyze(self, text: str) -> Analyzed:
        """Content words, normalised text and lexicon hits of `text`."""
        tok = self.tokenizer
        norm = tok.normalize(text)
        tokens = tok.tokenize_normalized(norm)
        found, _ = self.scorer.matcher.find_normalized(norm)
        hits = [Hit(f.pattern.lexicon, f.pattern.construct, f.pattern.variable, f.pattern.term, f.start, f.end)
                for f in found if f.pattern.lexicon != NEGATION_LEXICON]  # negation cues are no features
        return Analyzed(tuple(w for w in tokens.words if tok.is_content(w)), norm, tuple(hits))

    def analyze_many(self, texts: Sequence[str]) -> list[Analyzed]:
        """`analyze` for each text, in order."""
        return [self.analyze(t) for t in texts]


@dataclass
class WordVectors:
    """A vocabulary and its vectors (rows), plain data (saved as JSON + NumPy with a model)."""

    words: list[str]
    vectors: np.ndarray

    def __post_init__(self) -> None:
        self._index = {w: i for i, w in enumerate(self.words)}

    @property
    def dim(self) -> int:
        """Vector length."""
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def embed(self, docs: Sequence[Analyzed]) -> np.ndarray:
        """Mean vector of each passage's known content words, scaled to unit length (zeros when none is known)."""
        out = np.zeros((len(docs), self.dim))
        for i, d in enumerate(docs):
            rows = [self._index[w] for w in d.words if w in self._index]
            if rows:
                v = self.vectors[rows].mean(axis=0)
                n = float(np.linalg.norm(v))
                out[i] = v / n if n > 0 else v
        return out


def _identity(tokens: Sequence[str]) -> Sequence[str]:
    """Analyzer for already tokenized input."""
    return tokens


def _vectorizer(kind: str, vocabulary: dict[str, int] | None, max_features: int | None, min_df: int,
                ngrams: tuple[int, int]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if kind == WORD:
        return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, vocabulary=vocabulary,
                               max_features=max_features, min_df=min_df, dtype=np.float64)
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, lowercase=False, sublinear_tf=True,
                           vocabulary=vocabulary, max_features=max_features, min_df=min_df, dtype=np.float64)


class FeatureBuilder:
    """Word TF-IDF + character n-gram TF-IDF + log(1 + lexicon hits per variable) (+ optionally the mean word
    vector of locally trained word2vec, see corpus_tools.suggest.distributional), as one sparse matrix."""

    def __init__(self, variable_ids: Sequence[str], word_max_features: int = 20000, char_max_features: int = 20000,
                 char_ngrams: tuple[int, int] = (2, 3), min_df: int = 1, lexicon_weight: float = 1.0,
                 vectors: WordVectors | None = None, vector_weight: float = 1.0) -> None:
        self.vectors = vectors
        self.vector_weight = vector_weight
        self.variable_ids = list(variable_ids)
        self.word_max_features = word_max_features
        self.char_max_features = char_max_features
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.lexicon_weight = lexicon_weight

    def fit(self, docs: Sequence[Analyzed]) -> FeatureBuilder:
        """Learn the word and character vocabularies and their IDF weights."""
        min_df = self.min_df if len(docs) >= 2 * self.min_df else 1
        w = _vectorizer(WORD, None, self.word_max_features, min_df, self.char_ngrams).fit([d.words for d in docs])
        c = _vectorizer(CHAR, None, self.char_max_features, min_df, self.char_ngrams).fit([d.norm for d in docs])
        self.word_vocab_ = sorted(w.vocabulary_, key=w.vocabulary_.get)
        self.word_idf_ = w.idf_
        self.char_vocab_ = sorted(c.vocabulary_, key=c.vocabulary_.get)
        self.char_idf_ = c.idf_
        self._build()
        return self

    def set_state(self, word_vocab: list[str], word_idf: np.ndarray, char_vocab: list[str],
                  char_idf: np.ndarray) -> FeatureBuilder:
        """Restore a fitted state (from a saved model) without refitting."""
        self.word_vocab_, self.word_idf_ = list(word_vocab), word_idf
        self.char_vocab_, self.char_idf_ = list(char_vocab), char_idf
        self._build()
        return self

    def _build(self) -> None:
        self._word = _vectorizer(WORD, {t: i for i, t in enumerate(self.word_vocab_)}, None, 1, self.char_ngrams)
        self._word.idf_ = self.word_idf_
        self._char = _vectorizer(CHAR, {t: i for i, t in enumerate(self.char_vocab_)}, None, 1, self.char_ngrams)
        self._char.idf_ = self.char_idf_
        self._var_index = {v: i for i, v in enumerate(self.variable_ids)}
        self._names = ([f"{WORD}:{t}" for t in self.word_vocab_] + [f"{CHAR}:{t}" for t in self.char_vocab_]
                       + [f"{LEX}:{v}" for v in self.variable_ids]
                       + [f"{EMB}:dim {k}" for k in range(self._dim)])

    @property
    def _dim(self) -> int:
        return self.vectors.dim if self.vectors is not None else 0

    @property
    def n_features(self) -> int:
        """Width of the feature matrix."""
        return len(self.word_vocab_) + len(self.char_vocab_) + len(self.variable_ids) + self._dim

    @property
    def feature_names_(self) -> list[str]:
        """Readable names: `w:word`, `c:ngram`, `lex:variable id` (built once per fitted state)."""
        return self._names

    def lexicon_counts(self, docs: Sequence[Analyzed]) -> np.ndarray:
        """Hit counts per variable (n_docs x n_variables)."""
        out = np.zeros((len(docs), len(self.variable_ids)))
        index = self._var_index
        for i, d in enumerate(docs):
            for h in d.hits:
                j = index.get(h.variable)
                if j is not None:
                    out[i, j] += 1
        return out

    def transform(self, docs: Sequence[Analyzed]) -> sparse.csr_matrix:
        """The feature matrix of analysed passages (rows in order)."""
        from scipy import sparse

        words = self._word.transform([d.words for d in docs])
        chars = self._char.transform([d.norm for d in docs])
        lex = sparse.csr_matrix(np.log1p(self.lexicon_counts(docs)) * self.lexicon_weight)
        blocks = [words, chars, lex]
        if self.vectors is not None and self._dim:
            blocks.append(sparse.csr_matrix(self.vectors.embed(docs) * self.vector_weight))
        return sparse.hstack(blocks, format="csr", dtype=float)

    def params(self) -> dict[str, object]:
        """Constructor parameters (saved with the model)."""
        return {"word_max_features": self.word_max_features, "char_max_features": self.char_max_features,
                "char_ngrams": list(self.char_ngrams), "min_df": self.min_df, "lexicon_weight": self.lexicon_weight,
                "vector_weight": self.vector_weight}
