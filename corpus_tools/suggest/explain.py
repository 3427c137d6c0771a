"""Why a code is suggested: the lexicon terms matched, the strongest model features, the nearest coded passage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from corpus_tools.suggest.features import CHAR, EMB, LEX, WORD, Analyzed
from corpus_tools.suggest.model import SuggestionModel, _row_normalize

if TYPE_CHECKING:
    from scipy import sparse

    from corpus_tools.suggest.coldstart import LexiconSuggester

    Suggester = SuggestionModel | LexiconSuggester

_KIND = {WORD: "word", CHAR: "chars", LEX: "lexicon hits", EMB: "word-vector"}


@dataclass(frozen=True)
class Evidence:
    """A matched lexicon term: variable, term and [start, end) offsets into the passage."""

    code: str
    term: str
    start: int
    end: int


@dataclass(frozen=True)
class Feature:
    """One model feature's contribution (coefficient x value) to a code's score."""

    code: str
    name: str
    weight: float

    def label(self) -> str:
        """Readable form, e.g. `word 利润 (+0.84)`."""
        kind, _, text = self.name.partition(":")
        return f"{_KIND.get(kind, kind)} {text} ({self.weight:+.2f})"


@dataclass
class Explanation:
    """Everything shown or written next to one passage's suggestions."""

    evidence: list[Evidence] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    similar_id: str = ""
    similar_codes: list[str] = field(default_factory=list)
    similar_score: float = 0.0
    similar_text: str = ""
    similar_origin: str = ""  # corpus | store | training corpus (see schema.SUGGESTION_WHY)

    def terms_text(self) -> str:
        """`variable: term, term | variable: term` (each term once)."""
        by: dict[str, dict[str, None]] = {}
        for e in self.evidence:
            by.setdefault(e.code, {})[e.term] = None
        return " | ".join(f"{c}: {', '.join(ts)}" for c, ts in by.items())

    def features_text(self) -> str:
        """`variable: feature (+w), ... | ...`."""
        by: dict[str, list[str]] = {}
        for f in self.features:
            by.setdefault(f.code, []).append(f.label())
        return " | ".join(f"{c}: {', '.join(ls)}" for c, ls in by.items())


def explain(suggester: Suggester, docs: Sequence[Analyzed], P: np.ndarray, X: sparse.csr_matrix | None = None,
            top_features: int = 3, codes_for: Sequence[Sequence[int]] | None = None,
            ids: Sequence[str] | None = None, local_ids: frozenset[str] | set[str] | None = None
            ) -> list[Explanation]:
    """One explanation per passage; features and similar passages only for a trained model.

    `codes_for[i]` lists the code columns to explain for passage i (default: those at or above threshold,
    else the most probable one). A passage is never its own most similar passage (same id in `ids`).
    The similar passage is taken from the user's own material first: training passages whose id is in
    `local_ids` (the corpus being coded) or that came from the coding store; only when none of them is
    similar at all is a passage of the model's training corpus shown, marked "training corpus".
    """

    known = {c: j for j, c in enumerate(suggester.codes_)}
    out: list[Explanation] = []
    model = suggester if isinstance(suggester, SuggestionModel) else None
    if model is not None and X is None:
        X = model.matrix(docs)
    local = _local_mask(model, local_ids) if model is not None else None
    sims = _nearest(model, X, ids, local=local) if model is not None and X is not None else None
    names = model.features_.feature_names_ if model is not None else []
    for i, d in enumerate(docs):
        if codes_for is not None:
            cols = list(codes_for[i])
        else:
            cols = [int(j) for j in np.flatnonzero(P[i] >= suggester.thresholds_)] or [int(np.argmax(P[i]))]
        exp = Explanation(evidence=[Evidence(h.variable, h.term, h.start, h.end) for h in d.hits
                                    if h.variable in known])
        if model is not None and X is not None:
            lo, hi = X.indptr[i], X.indptr[i + 1]
            indices, data = X.indices[lo:hi], X.data[lo:hi]
            for j in cols:
                if model.fallback_[j]:
                    continue
                contrib = data * model.coef_[j, indices]
                for k in np.argsort(-contrib, kind="stable")[:top_features]:
                    if contrib[k] > 0:
                        exp.features.append(Feature(model.codes_[j], names[indices[k]], float(contrib[k])))
        if sims is not None and model is not None and local is not None:
            k, score = sims[0][i], sims[1][i]
            if score > 0:
                origins = getattr(model, "exemplar_origins_", None) or []
                exp.similar_origin = ("training corpus" if not local[k]
                                      else "store" if k < len(origins) and origins[k] == "store"
                                      and str(model.exemplar_ids_[k]) not in (local_ids or ()) else "corpus")
                exp.similar_id = model.exemplar_ids_[k]
                exp.similar_score = round(float(score), 4)
                exp.similar_text = model.exemplar_texts_[k]
                exp.similar_codes = [c for c, y in zip(model.codes_, model.exemplar_labels_[k], strict=True) if y]
        out.append(exp)
    return out


def _local_mask(model: SuggestionModel, local_ids: frozenset[str] | set[str] | None) -> np.ndarray:
    """Training passages that are the user's own: in `local_ids` or imported from the coding store (cached
    per model and id set: the review loop asks once per passage)."""

    key = (id(model.exemplar_ids_), id(local_ids))
    cache = model.__dict__.setdefault("_local_cache", {})
    if key not in cache:
        origins = getattr(model, "exemplar_origins_", None) or []
        own = local_ids or frozenset()
        cache.clear()
        cache[key] = (local_ids, np.array([str(e) in own or (k < len(origins) and origins[k] == "store")
                                           for k, e in enumerate(model.exemplar_ids_)], dtype=bool))
    return cache[key][1]


def _nearest(model: SuggestionModel, X: sparse.csr_matrix, ids: Sequence[str] | None = None,
             chunk: int = 512, local: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index and cosine similarity of the most similar training passage for each row of X; with `local`
    (a mask over training passages), the most similar local one whenever any local one is similar."""


    Xn = _row_normalize(X)
    best = np.zeros(X.shape[0], dtype=int)
    score = np.zeros(X.shape[0])
    ET, own = model.exemplar_index()
    for s in range(0, X.shape[0], chunk):
        S = (Xn[s:s + chunk] @ ET).toarray()
        if ids is not None:
            for r, rid in enumerate(ids[s:s + chunk]):
                k = own.get(rid)
                if k is not None:
                    S[r, k] = -1.0
        b, v = S.argmax(axis=1), S.max(axis=1)
        if local is not None and local.any() and not local.all():
            L = np.where(local[None, :], S, -1.0)
            lb, lv = L.argmax(axis=1), L.max(axis=1)
            use = lv > 0
            b, v = np.where(use, lb, b), np.where(use, lv, v)
        best[s:s + chunk] = b
        score[s:s + chunk] = v
    return best, score
