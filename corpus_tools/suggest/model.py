"""The suggestion model: one class-weighted logistic regression per variable, Platt-calibrated on
out-of-fold scores when there are enough examples, with a per-variable threshold chosen on them.

Options (chosen by grouped cross-validation, see docs/suggest.md): `label_model="stacked"` adds a second
stage that sees every variable's out-of-fold probability (stacked binary relevance, Godbole & Sarawagi
2004), so correlated codes inform each other; `target_precision` opens a per-variable "not sure" band
(between the F1 threshold and the lowest score whose held-out precision reaches the target) where the
model abstains instead of suggesting a likely wrong code (selective classification, Chow 1970).
Inner folds (calibration, thresholds, the band, the second stage) respect the passages' groups.
"""

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
    from scipy import sparse

    from corpus_tools.suggest.features import WordVectors
    from corpus_tools.suggest.quality import QualityRecord

MIN_CALIBRATION = 8  # positives and negatives a variable needs before its probabilities are calibrated
MIN_THRESHOLD = 5  # positives needed before the threshold is tuned (else 0.5)
LABEL_MODELS = ("independent", "stacked")
NEVER = 1.01  # a threshold no probability reaches


def constructs_of(lexicons: Sequence[Lexicon], codes: Sequence[str]) -> dict[str, str]:
    """Variable id -> construct id for `codes` (construct = text before the first dot when unknown)."""
    known = {v.id: v.construct for lex in lexicons for v in lex.variables}
    return {c: known.get(c, c.split(".", 1)[0]) for c in codes}


def training_hash(ids: Sequence[str], texts: Sequence[str], Y: np.ndarray, mask: np.ndarray | None = None) -> str:
    """SHA-256 over (id, text, labels[, coded-scope mask]) rows in id order: the identity of a training set."""
    h = hashlib.sha256()
    for i in sorted(range(len(ids)), key=lambda k: ids[k]):
        scope = "" if mask is None else "\t" + "".join(str(int(x)) for x in mask[i])
        h.update(f"{ids[i]}\t{texts[i]}\t{''.join(str(int(x)) for x in Y[i])}{scope}\n".encode())
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
    confident: float = 0.0  # scores in [threshold, confident) are "not sure" (confident == threshold: no band)


class SuggestionModel:
    """Multi-label classifier over the codebook variables (scikit-learn style: fit returns self)."""

    source = "model"

    def __init__(self, lexicons: Sequence[Lexicon | str] = (DEFAULT_LEXICON,), engine: str = "rjieba",
                 C: float = 16.0, calibrate: bool = True, cv: int = 5, random_state: int = 0,
                 word_max_features: int = 20000, char_max_features: int = 20000,
                 char_ngrams: tuple[int, int] = (2, 3), min_df: int = 2, label_model: str = "independent",
                 target_precision: float | None = None, word_vectors: WordVectors | None = None,
                 vector_weight: float = 1.0, stack_gate: bool = True) -> None:
        self.stack_gate = stack_gate
        self.word_vectors = word_vectors
        self.vector_weight = vector_weight
        if label_model not in LABEL_MODELS:
            raise ModelError(f"unknown label model {label_model!r}", hint=f"one of {', '.join(LABEL_MODELS)}")
        if target_precision is not None and not 0 < target_precision < 1:
            raise ModelError(f"target precision {target_precision} is not between 0 and 1")
        self.label_model = label_model
        self.target_precision = target_precision
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
            docs: Sequence[Analyzed] | None = None, mask: np.ndarray | None = None,
            groups: Sequence[str] | None = None, origins: Sequence[str] | None = None) -> SuggestionModel:
        """Learn from passages and their 0/1 label matrix (rows = texts, columns = codes).

        `mask[i, j]` False: passage i was not coded under code j's codebook (left out of that variable's fit).
        `groups`: passages of one group (a document and its reprints) stay together in the inner folds.
        `origins`: where each passage came from ("corpus", "store"), kept to mark similar passages.
        """
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
        M = np.ones(Y.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        if M.shape != Y.shape:
            raise ModelError(f"coded-scope mask shape {M.shape} does not match the labels {Y.shape}")
        self._groups = np.asarray(list(groups) if groups is not None else ids, dtype=object)
        if len(self._groups) != len(texts):
            raise ModelError(f"{len(self._groups)} groups for {len(texts)} passages")
        docs = list(docs) if docs is not None else self.analyzer_.analyze_many(texts)
        self.features_ = FeatureBuilder(self.analyzer_.variable_ids, self.word_max_features,
                                        self.char_max_features, self.char_ngrams, self.min_df,
                                        vectors=self.word_vectors, vector_weight=self.vector_weight).fit(docs)
        X = self.features_.transform(docs)
        k, d = len(self.codes_), X.shape[1]
        self.coef_ = np.zeros((k, d))
        self.intercept_ = np.zeros(k)
        self.calibration_ = np.tile([1.0, 0.0], (k, 1))
        self.thresholds_ = np.full(k, DEFAULT_THRESHOLD)
        self.fallback_ = np.zeros(k, dtype=bool)
        self.confident_ = np.full(k, DEFAULT_THRESHOLD)
        self.meta_coef_ = np.zeros((k, k))
        self.meta_intercept_ = np.zeros(k)
        self.meta_calibration_ = np.tile([1.0, 0.0], (k, 1))
        self.stacked_ = np.zeros(k, dtype=bool)
        self.fits_: list[VariableFit] = []
        self._oof_proba = np.full(Y.shape, np.nan)
        lex_vars = self.features_.variable_ids
        hits = self.features_.lexicon_counts(docs)
        for j, code in enumerate(self.codes_):
            rows = np.flatnonzero(M[:, j])
            fit = self._fit_variable(j, code, X[rows], Y[rows, j], rows)
            if code in lex_vars:
                lex_hit = hits[rows, lex_vars.index(code)] > 0
                fit.lexicon_f1 = _f1(Y[rows, j], lex_hit)
                if not fit.oof.get("skill", 0.0) or fit.oof.get("f1", 0.0) <= fit.lexicon_f1:
                    self.fallback_[j] = fit.fallback = True
                    self.thresholds_[j] = fit.threshold = DEFAULT_THRESHOLD
                    self._oof_proba[rows, j] = 1.0 - 0.5 ** hits[rows, lex_vars.index(code)]
                    fit.note = (fit.note + "; " if fit.note else "") + \
                        "lexicon hits suggest it (the model does not beat them on held-out passages yet)"
            self.fits_.append(fit)
        if self.label_model == "stacked":
            self._fit_stacked(Y, M)
        for j, fit in enumerate(self.fits_):
            self.confident_[j] = fit.confident = self._band(j, Y[:, j], M[:, j])
        del self._oof_proba
        self.exemplars_ = _row_normalize(X)
        self.exemplar_ids_ = ids
        self.exemplar_texts_ = list(texts)
        self.exemplar_origins_ = [str(o) for o in origins] if origins is not None else []
        self.exemplar_labels_ = Y
        self.training_hash_ = training_hash(ids, list(texts), Y, None if mask is None or M.all() else M)
        self.n_train_ = len(texts)
        self.evaluation_: dict[str, Any] = {}  # summary of the grouped cross-validation (set by jobs.suggest)
        self.quality_: QualityRecord | None = None  # per-code quality record (set when saved or loaded)
        return self

    def _fit_variable(self, j: int, code: str, X: sparse.csr_matrix, y: np.ndarray,
                      rows: np.ndarray) -> VariableFit:

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
        oof = self._oof_decision(X, y, folds, self._groups[rows])
        a, b = platt(oof, y) if self.calibrate and min(n_pos, n_neg) >= MIN_CALIBRATION else (0.0, 0.0)
        if a > 0:
            self.calibration_[j] = (a, b)
            fit.calibrated = True
        elif self.calibrate and min(n_pos, n_neg) >= MIN_CALIBRATION:
            fit.note = "held-out scores do not separate the classes: uncalibrated probabilities"
        else:
            fit.note = f"fewer than {MIN_CALIBRATION} positives or negatives: uncalibrated probabilities"
        proba = sigmoid(self.calibration_[j, 0] * oof + self.calibration_[j, 1])
        self._oof_proba[rows, j] = proba
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

    def _inner_folds(self, y: np.ndarray, folds: int, groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Stratified inner folds that keep each group (document and reprints) on one side."""
        from sklearn.model_selection import StratifiedKFold

        folds = min(folds, len(set(groups))) if len(groups) else folds
        if folds < 2:
            return []
        if len(set(groups)) == len(groups):
            return list(StratifiedKFold(folds, shuffle=True, random_state=self.random_state).split(y, y))
        return grouped_stratified_folds(y, groups, folds, self.random_state)

    def _oof_decision(self, X: sparse.csr_matrix, y: np.ndarray, folds: int,
                      groups: np.ndarray | None = None) -> np.ndarray:

        out = np.zeros(len(y))
        g = groups if groups is not None else np.arange(len(y))
        for train, test in self._inner_folds(y, folds, np.asarray(g)):
            if y[train].min() == y[train].max():  # a training fold with one class only: its prior
                out[test] = 10.0 if y[train][0] else -10.0
                continue
            lr = self._new_lr(X.shape).fit(X[train], y[train])
            out[test] = lr.decision_function(X[test])
        return out

    def _band(self, j: int, y: np.ndarray, in_scope: np.ndarray) -> float:
        """Lowest score at or above the threshold whose held-out precision reaches `target_precision`
        (scores between the threshold and it are "not sure"); the threshold itself when abstention is off
        or the variable has no held-out scores."""
        t = float(self.thresholds_[j])
        if self.target_precision is None or self.fallback_[j] or t > 1.0:
            return t
        p = self._oof_proba[in_scope, j]
        yy = y[in_scope]
        ok = ~np.isnan(p)
        p, yy = p[ok], yy[ok]
        if not len(p) or yy.sum() < MIN_THRESHOLD:
            return t
        for cut in np.round(np.arange(round(t, 2), 1.0, 0.01), 2):
            pred = p >= cut
            if pred.sum() >= 3 and float(yy[pred].mean()) >= self.target_precision:
                return float(max(cut, t))
        return NEVER

    def _fit_stacked(self, Y: np.ndarray, M: np.ndarray) -> None:
        """Second stage: per variable, a small logistic regression on the logits of every variable's
        out-of-fold probability, calibrated and thresholded on its own inner folds."""
        from sklearn.linear_model import LogisticRegression

        Z = _logit(np.nan_to_num(self._oof_proba, nan=0.5))
        for j, fit in enumerate(self.fits_):
            rows = np.flatnonzero(M[:, j])
            y = Y[rows, j]
            n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
            if self.fallback_[j] or min(n_pos, n_neg) < MIN_CALIBRATION:
                continue
            groups = self._groups[rows]

            def new() -> Any:
                return LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear",
                                          random_state=self.random_state)

            oof = np.zeros(len(rows))
            for train, test in self._inner_folds(y, self.cv, groups):
                if y[train].min() == y[train].max():
                    oof[test] = 10.0 if y[train][0] else -10.0
                    continue
                oof[test] = new().fit(Z[rows[train]], y[train]).decision_function(Z[rows[test]])
            a, b = platt(oof, y)
            if a <= 0:
                continue
            proba = sigmoid(a * oof + b)
            threshold, skill = tune_threshold(proba, y)
            if not skill:
                continue
            pred = proba >= threshold
            tp = float(np.sum(pred & (y > 0)))
            f1 = 2 * tp / (pred.sum() + n_pos)
            if self.stack_gate and f1 <= fit.oof.get("f1", 0.0):  # must beat the first stage on held-out passages
                continue
            lr = new().fit(Z[rows], y)
            self.meta_coef_[j], self.meta_intercept_[j] = lr.coef_[0], float(lr.intercept_[0])
            self.meta_calibration_[j] = (a, b)
            self.stacked_[j] = True
            self.thresholds_[j] = fit.threshold = threshold
            fit.oof = {"precision": tp / pred.sum() if pred.sum() else 0.0, "recall": tp / n_pos, "f1": f1,
                       "skill": 1.0}
            fit.note = (fit.note + "; " if fit.note else "") + "second stage (other codes' scores) used"
            self._oof_proba[rows, j] = proba

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
        if self.stacked_.any():
            Z = _logit(P)
            for j in np.flatnonzero(self.stacked_):
                d = Z @ self.meta_coef_[j] + self.meta_intercept_[j]
                P[:, j] = sigmoid(d * self.meta_calibration_[j, 0] + self.meta_calibration_[j, 1])
        return P

    def unsure_matrix(self, P: np.ndarray) -> np.ndarray:
        """True where a probability is in its variable's "not sure" band (at or above the threshold, below
        the confident score): the model abstains there instead of suggesting the code."""
        return (self.thresholds_ <= P) & (self.confident_ > P)

    def suggested_matrix(self, P: np.ndarray) -> np.ndarray:
        """True where a code is suggested: at or above both the threshold and the confident score."""
        return np.maximum(self.thresholds_, self.confident_) <= P

    def proba_docs(self, docs: Sequence[Analyzed]) -> np.ndarray:
        """Probabilities for analysed passages."""
        return self.proba_matrix(self.matrix(docs))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities for raw texts."""
        self._check_fitted()
        return self.proba_docs(self.analyzer_.analyze_many(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """0/1 suggestions per code: at or above the threshold and outside the "not sure" band."""
        return self.suggested_matrix(self.predict_proba(texts)).astype(int)

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
        for arr in (self.coef_, self.intercept_, self.calibration_, self.thresholds_, self.fallback_,
                    *((self.confident_,) if (self.confident_ != self.thresholds_).any() else ()),
                    *((self.meta_coef_, self.meta_intercept_, self.meta_calibration_, self.stacked_)
                      if self.stacked_.any() else ())):
            h.update(np.ascontiguousarray(np.round(np.asarray(arr, dtype=float), 10)).tobytes())
        h.update("\n".join(self.features_.word_vocab_ + self.features_.char_vocab_).encode())
        return "sm-" + h.hexdigest()[:12]

    def metrics(self) -> dict[str, object]:
        """Per-variable fit summary (positives, calibration, threshold, out-of-fold quality)."""
        return {f.code: {"positives": f.positives, "negatives": f.negatives, "calibrated": f.calibrated,
                         "threshold": f.threshold, "note": f.note, "oof": f.oof, "fallback": f.fallback,
                         "lexicon_f1": f.lexicon_f1, "confident": f.confident}
                for f in self.fits_}


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    """F1 of 0/1 predictions (0 when nothing is positive on either side)."""
    tp = float(np.sum((pred > 0) & (y > 0)))
    denom = float(np.sum(pred > 0) + np.sum(y > 0))
    return 2 * tp / denom if denom else 0.0


def grouped_stratified_folds(y: np.ndarray, groups: np.ndarray, folds: int, random_state: int = 0
                             ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds of whole groups with about the same number of positives and of passages each: groups in random
    order, those with most positives first, each to the fold with the fewest positives so far (then fewest
    passages). Linear in the number of groups (scikit-learn's StratifiedGroupKFold is quadratic-ish and
    dominated retraining time on 5,000 passages)."""
    names, gidx = np.unique(np.asarray(groups, dtype=object), return_inverse=True)
    pos = np.bincount(gidx, weights=(y > 0).astype(float), minlength=len(names))
    size = np.bincount(gidx, minlength=len(names)).astype(float)
    order = np.random.default_rng(random_state).permutation(len(names))
    order = order[np.argsort(-pos[order], kind="stable")]
    fold_pos, fold_size = np.zeros(folds), np.zeros(folds)
    fold_of = np.zeros(len(names), dtype=int)
    for g in order:
        f = int(np.lexsort((fold_size, fold_pos))[0])
        fold_of[g] = f
        fold_pos[f] += pos[g]
        fold_size[f] += size[g]
    where = fold_of[gidx]
    idx = np.arange(len(y))
    return [(idx[where != f], idx[where == f]) for f in range(folds) if (where == f).any()]


def _logit(P: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)) with p clipped to [1e-4, 1 - 1e-4]."""
    Q = np.clip(P, 1e-4, 1 - 1e-4)
    return np.log(Q / (1 - Q))


def _row_normalize(X: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    from scipy import sparse

    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ X)
