"""The suggestion model: one class-weighted logistic regression per variable, Platt-calibrated on
out-of-fold scores when there are enough examples, with a per-variable threshold chosen on them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools.errors import ModelError
from corpus_tools.io.resources import DEFAULT_LEXICON
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.suggest.calibration import DEFAULT_THRESHOLD, platt, sigmoid, tune_threshold
from corpus_tools.suggest.features import Analyzed, FeatureBuilder, TextAnalyzer

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

MIN_CALIBRATION = 8  # positives and negatives a variable needs before its probabilities are calibrated
MIN_THRESHOLD = 5  # positives needed before the threshold is tuned (else 0.5)


def constructs_of(lexicons: Sequence[Lexicon], codes: Sequence[str]) -> dict[str, str]:
    """Variable id -> construct id for `codes` (construct = text before the first dot when unknown)."""
    known = {v.id: v.construct for lex in lexicons for v in lex.variables}
    return {c: known.get(c, c.split(".", 1)[0]) for c in codes}


def training_hash(ids: Sequence[str], texts: Sequence[str], Y: np.ndarray) -> str:
    """SHA-256 over (id, text, labels) rows in id order: the identity of a training set."""
    h = hashlib.sha256()
    for i in sorted(range(len(ids)), key=lambda k: ids[k]):
        h.update(f"{ids[i]}\t{texts[i]}\t{''.join(str(int(x)) for x in Y[i])}\n".encode())
    return h.hexdigest()


@dataclass
class VariableFit:
    """How one variable was fitted: examples, calibration, threshold and out-of-fold quality."""

    code: str
    positives: int
    negatives: int
    calibrated: bool
    threshold: float
    note: str = ""
    oof: dict[str, float] = field(default_factory=dict)
    fallback: bool = False  # suggested from lexicon hits (the model shows no held-out skill yet)
    lexicon_f1: float = 0.0  # F1 of "suggest on any lexicon hit" on the training passages


class SuggestionModel:
    """Multi-label classifier over the codebook variables (scikit-learn style: fit returns self)."""

    source = "model"

    def __init__(self, lexicons: Sequence[Lexicon | str] = (DEFAULT_LEXICON,), engine: str = "rjieba",
                 C: float = 16.0, calibrate: bool = True, cv: int = 5, random_state: int = 0,
                 word_max_features: int = 20000, char_max_features: int = 20000,
                 char_ngrams: tuple[int, int] = (2, 3), min_df: int = 2) -> None:
        self.lexicons = lexicons
        self.engine = engine
        self.C = C
        self.calibrate = calibrate
        self.cv = cv
        self.random_state = random_state
        self.word_max_features = word_max_features
        self.char_max_features = char_max_features
        self.char_ngrams = char_ngrams
        self.min_df = min_df

    # -- fitting ------------------------------------------------------------------------------------
    def resolved_lexicons(self) -> list[Lexicon]:
        """The lexicons as objects (names are loaded from the bundled set)."""
        return [lex if isinstance(lex, Lexicon) else load_lexicon(lex) for lex in self.lexicons]

    def _new_lr(self, shape: tuple[int, int]) -> Any:
        """Class-weighted L2 logistic regression; liblinear's dual solver when passages < features (much
        faster there, and deterministic given random_state)."""
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", dual=shape[0] < shape[1],
                                  random_state=self.random_state, max_iter=2000)

    def fit(self, texts: Sequence[str], Y: np.ndarray, codes: Sequence[str] | None = None,
            ids: Sequence[str] | None = None, analyzer: TextAnalyzer | None = None,
            docs: Sequence[Analyzed] | None = None) -> SuggestionModel:
        """Learn from passages and their 0/1 label matrix (rows = texts, columns = codes)."""

        lexicons = self.resolved_lexicons()
        self.analyzer_ = analyzer or TextAnalyzer(lexicons, self.engine)
        self.codes_ = list(codes) if codes is not None else list(lexicons[0].variable_ids)
        Y = np.asarray(Y, dtype=np.int8)
        if Y.shape != (len(texts), len(self.codes_)):
            raise ModelError(f"label matrix shape {Y.shape} does not match {len(texts)} texts x "
                             f"{len(self.codes_)} codes")
        if len(texts) < 4:
            raise ModelError(f"only {len(texts)} coded passage(s): too few to train a model",
                             hint="code more passages, or use lexicon suggestions (suggest without --model)")
        self.constructs_ = constructs_of(lexicons, self.codes_)
        ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
        docs = list(docs) if docs is not None else self.analyzer_.analyze_many(texts)
        self.features_ = FeatureBuilder(self.analyzer_.variable_ids, self.word_max_features,
                                        self.char_max_features, self.char_ngrams, self.min_df).fit(docs)
        X = self.features_.transform(docs)
        k, d = len(self.codes_), X.shape[1]
        self.coef_ = np.zeros((k, d))
        self.intercept_ = np.zeros(k)
        self.calibration_ = np.tile([1.0, 0.0], (k, 1))
        self.thresholds_ = np.full(k, DEFAULT_THRESHOLD)
        self.fallback_ = np.zeros(k, dtype=bool)
        self.fits_: list[VariableFit] = []
        lex_vars = self.features_.variable_ids
        hits = self.features_.lexicon_counts(docs)
        for j, code in enumerate(self.codes_):
            fit = self._fit_variable(j, code, X, Y[:, j])
            if code in lex_vars:
                fit.lexicon_f1 = _f1(Y[:, j], hits[:, lex_vars.index(code)] > 0)
                if not fit.oof.get("skill", 0.0) or fit.oof.get("f1", 0.0) <= fit.lexicon_f1:
                    self.fallback_[j] = fit.fallback = True
                    self.thresholds_[j] = fit.threshold = DEFAULT_THRESHOLD
                    fit.note = (fit.note + "; " if fit.note else "") + \
                        "lexicon hits suggest it (the model does not beat them on held-out passages yet)"
            self.fits_.append(fit)
        self.exemplars_ = _row_normalize(X)
        self.exemplar_ids_ = ids
        self.exemplar_texts_ = list(texts)
        self.exemplar_labels_ = Y
        self.training_hash_ = training_hash(ids, list(texts), Y)
        self.n_train_ = len(texts)
        return self

    def _fit_variable(self, j: int, code: str, X: sparse.csr_matrix, y: np.ndarray) -> VariableFit:

        n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
        fit = VariableFit(code, n_pos, n_neg, False, DEFAULT_THRESHOLD)
        if n_pos == 0 or n_neg == 0:
            prior = (n_pos + 0.5) / (len(y) + 1.0)
            self.intercept_[j] = float(np.log(prior / (1 - prior)))
            self.thresholds_[j] = 1.01 if n_pos == 0 else 0.0
            fit.threshold = float(self.thresholds_[j])
            fit.note = "no positive examples: never suggested" if n_pos == 0 else "every example positive"
            return fit
        lr = self._new_lr(X.shape).fit(X, y)
        self.coef_[j] = lr.coef_[0]
        self.intercept_[j] = float(lr.intercept_[0])
        folds = min(self.cv, n_pos, n_neg)
        if folds < 2:
            fit.note = "too few examples for held-out calibration: raw probabilities, threshold 0.5"
            return fit
        oof = self._oof_decision(X, y, folds)
        a, b = platt(oof, y) if self.calibrate and min(n_pos, n_neg) >= MIN_CALIBRATION else (0.0, 0.0)
        if a > 0:
            self.calibration_[j] = (a, b)
            fit.calibrated = True
        elif self.calibrate and min(n_pos, n_neg) >= MIN_CALIBRATION:
            fit.note = "held-out scores do not separate the classes: uncalibrated probabilities"
        else:
            fit.note = f"fewer than {MIN_CALIBRATION} positives or negatives: uncalibrated probabilities"
        proba = sigmoid(self.calibration_[j, 0] * oof + self.calibration_[j, 1])
        threshold, skill = tune_threshold(proba, y)
        if n_pos >= MIN_THRESHOLD:
            self.thresholds_[j] = threshold
        else:
            fit.note = f"fewer than {MIN_THRESHOLD} positives"
            skill = False
        fit.threshold = float(self.thresholds_[j])
        pred = proba >= fit.threshold
        tp = float(np.sum(pred & (y > 0)))
        fit.oof = {"precision": tp / pred.sum() if pred.sum() else 0.0, "recall": tp / n_pos,
                   "f1": 2 * tp / (pred.sum() + n_pos), "skill": float(skill)}
        return fit

    def _oof_decision(self, X: sparse.csr_matrix, y: np.ndarray, folds: int) -> np.ndarray:
        from sklearn.model_selection import StratifiedKFold

        out = np.zeros(len(y))
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=self.random_state).split(X, y):
            lr = self._new_lr(X.shape).fit(X[train], y[train])
            out[test] = lr.decision_function(X[test])
        return out

    # -- predicting ---------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ModelError("the suggestion model is not trained", hint="run `corpus-tools train` first")

    def matrix(self, docs: Sequence[Analyzed]) -> sparse.csr_matrix:
        """Feature matrix of analysed passages."""
        self._check_fitted()
        return self.features_.transform(docs)

    def proba_matrix(self, X: sparse.csr_matrix) -> np.ndarray:
        """Calibrated probability per passage (row) and code (column) from a feature matrix; variables on
        lexicon fallback get the lexicon score 1 - 0.5**hits instead."""

        decision = np.asarray(X @ self.coef_.T) + self.intercept_
        P = sigmoid(decision * self.calibration_[:, 0] + self.calibration_[:, 1])
        if self.fallback_.any():
            f = self.features_
            base = len(f.word_vocab_) + len(f.char_vocab_)
            for j in np.flatnonzero(self.fallback_):
                col = base + f.variable_ids.index(self.codes_[j])
                hits = np.expm1(X[:, col].toarray().ravel() / f.lexicon_weight)
                P[:, j] = 1.0 - 0.5 ** np.round(hits)
        return P

    def proba_docs(self, docs: Sequence[Analyzed]) -> np.ndarray:
        """Probabilities for analysed passages."""
        return self.proba_matrix(self.matrix(docs))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities for raw texts."""
        self._check_fitted()
        return self.proba_docs(self.analyzer_.analyze_many(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """0/1 suggestions per code, using the per-variable thresholds."""
        return (self.predict_proba(texts) >= self.thresholds_).astype(int)

    def exemplar_index(self) -> tuple[sparse.csr_matrix, dict[str, int]]:
        """Transposed unit-length training rows and id -> row, built once (the review loop's nearest-passage
        lookup must not transpose the matrix per passage)."""
        cache = self.__dict__.get("_exemplar_cache")
        if cache is None or cache[0] is not self.exemplars_:
            cache = (self.exemplars_, self.exemplars_.T.tocsr(), {e: k for k, e in enumerate(self.exemplar_ids_)})
            self._exemplar_cache = cache
        return cache[1], cache[2]

    def training_sets(self) -> tuple[frozenset[str], frozenset[str]]:
        """Ids and texts of the passages the model was trained on (built once), to flag in-sample suggestions."""
        cache = self.__dict__.get("_training_cache")
        if cache is None or cache[0] is not self.exemplar_ids_:
            cache = (self.exemplar_ids_, frozenset(map(str, self.exemplar_ids_)),
                     frozenset(map(str, self.exemplar_texts_)))
            self._training_cache = cache
        return cache[1], cache[2]

    @property
    def version(self) -> str:
        """Content identity of the fitted model (same data and seed -> same version)."""

        self._check_fitted()
        h = hashlib.sha256(self.training_hash_.encode())
        for arr in (self.coef_, self.intercept_, self.calibration_, self.thresholds_, self.fallback_):
            h.update(np.ascontiguousarray(np.round(np.asarray(arr, dtype=float), 10)).tobytes())
        h.update("\n".join(self.features_.word_vocab_ + self.features_.char_vocab_).encode())
        return "sm-" + h.hexdigest()[:12]

    def metrics(self) -> dict[str, object]:
        """Per-variable fit summary (positives, calibration, threshold, out-of-fold quality)."""
        return {f.code: {"positives": f.positives, "negatives": f.negatives, "calibrated": f.calibrated,
                         "threshold": f.threshold, "note": f.note, "oof": f.oof, "fallback": f.fallback,
                         "lexicon_f1": f.lexicon_f1}
                for f in self.fits_}


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    """F1 of 0/1 predictions (0 when nothing is positive on either side)."""

    tp = float(np.sum((pred > 0) & (y > 0)))
    denom = float(np.sum(pred > 0) + np.sum(y > 0))
    return 2 * tp / denom if denom else 0.0


def _row_normalize(X: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    from scipy import sparse

    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ X)
