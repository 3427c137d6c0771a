"""Why a code is suggested, in plain words: the lexicon terms matched (with the variable's label), the words that
weigh most for it (word features only: character n-grams mean nothing to a coder), lexicon hits of another
variable only named as such, and the most similar coded passage, marked as the user's own or not."""

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

_KIND = {WORD: "word", CHAR: "chars", LEX: "lexicon", EMB: "word-vector"}
OWN_ORIGINS = ("corpus", "store")  # similar passages from the user's own material (see Explanation.similar_origin)


@dataclass(frozen=True)
class Evidence:
    """A matched lexicon term: variable, term and [start, end) offsets into the passage."""

    code: str
    term: str
    start: int
    end: int


@dataclass(frozen=True)
class Feature:
    """One model feature's contribution (coefficient x value) to a code's score: a word of the passage, or the
    lexicon hits of a variable (`lex:<variable>`, possibly another variable than `code`)."""

    code: str
    name: str
    weight: float

    @property
    def kind(self) -> str:
        """word | chars | lexicon | word-vector."""
        return _KIND.get(self.name.partition(":")[0], self.name.partition(":")[0])

    @property
    def text(self) -> str:
        """The word, or the variable id of a lexicon feature."""
        return self.name.partition(":")[2]

    @property
    def other_code(self) -> bool:
        """True for the lexicon hits of a variable other than the explained code."""
        return self.kind == "lexicon" and self.text != self.code

    def label(self, labels: dict[str, str] | None = None) -> str:
        """Plain words: `利润 (+0.84)` for a word; `its own terms (+0.40)`, or `terms of another code,
        Self-actualization [motivation.self_actualization] (+0.12)`, for lexicon hits."""
        w = f"({self.weight:+.2f})"
        if self.kind == "word":
            return f"{self.text} {w}"
        if self.kind == "lexicon":
            if not self.other_code:
                return f"its own lexicon terms {w}"
            name = (labels or {}).get(self.text, "")
            what = f"{name} [{self.text}]" if name else self.text
            return f"terms of another code, {what} {w}"
        return f"{self.kind} {self.text} {w}"


@dataclass
class Explanation:
    """Everything shown or written next to one passage's suggestions, in plain words: the matched lexicon terms
    of each code, the words that weigh most for it (never character n-grams), lexicon hits of another code
    only when they weigh and always named as such, and the most similar coded passage with its origin."""

    evidence: list[Evidence] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    similar_id: str = ""
    similar_codes: list[str] = field(default_factory=list)
    similar_score: float = 0.0
    similar_text: str = ""
    similar_origin: str = ""  # corpus | store | training corpus (see schema.SUGGESTION_WHY)
    labels: dict[str, str] = field(default_factory=dict)  # code -> readable label

    def name(self, code: str) -> str:
        """The code's readable label (its id when the codebook has none)."""
        return self.labels.get(code) or code

    def terms_for(self, code: str) -> list[str]:
        """Lexicon terms of `code` matched in the passage (each once)."""
        return list(dict.fromkeys(e.term for e in self.evidence if e.code == code))

    def words_for(self, code: str) -> list[Feature]:
        """The passage's words that weigh most for `code`."""
        return [f for f in self.features if f.code == code and f.kind == "word"]

    def other_codes_for(self, code: str) -> list[Feature]:
        """Lexicon hits of other codes that weigh for `code` (always said to be another code's)."""
        return [f for f in self.features if f.code == code and f.other_code]

    @property
    def similar_is_own(self) -> bool:
        """True when the similar passage is the user's own (this corpus or the coding store)."""
        return self.similar_origin in OWN_ORIGINS

    def similar_reason(self) -> str:
        """`similar passage you coded as Profitability, Feasibility (similarity 0.62)`, marked as the training
        corpus's when it is not the user's own; "" without one."""
        if not self.similar_id:
            return ""
        coded = ", ".join(self.name(c) for c in self.similar_codes) or "no code"
        if self.similar_is_own:
            return f"similar passage you coded as {coded} (similarity {self.similar_score:.2f})"
        return (f"similar passage from the model's training corpus (not yours), coded as {coded} "
                f"(similarity {self.similar_score:.2f})")

    def reasons(self, code: str) -> list[str]:
        """Why `code` is suggested, in plain sentences (terms, strongest words, another code's terms, and the
        similar passage when it was coded with this code)."""
        out = []
        terms = self.terms_for(code)
        if terms:
            out.append(f"matched terms of {self.name(code)}: {', '.join(terms)}")
        words = self.words_for(code)
        if words:
            out.append("strongest words: " + ", ".join(f.label() for f in words))
        own = [f for f in self.features if f.code == code and f.kind == "lexicon" and not f.other_code]
        if own and not terms:
            out.append(f"terms of {self.name(code)} weigh for it")
        for f in self.other_codes_for(code):
            out.append(f"also weighs the terms of another code, {self.name(f.text)} [{f.text}] ({f.weight:+.2f})")
        if code in self.similar_codes and self.similar_id:
            out.append(self.similar_reason())
        return out

    def terms_text(self) -> str:
        """`Label [variable]: term, term | Label [variable]: term` (each term once)."""
        by: dict[str, dict[str, None]] = {}
        for e in self.evidence:
            by.setdefault(e.code, {})[e.term] = None
        return " | ".join(f"{self.name(c)} [{c}]: {', '.join(ts)}" if self.labels.get(c) else f"{c}: {', '.join(ts)}"
                          for c, ts in by.items())

    def features_text(self) -> str:
        """`variable: words 利润 (+0.84), 网店 (+0.30); terms of another code, Label [other] (+0.12) | ...`."""
        by: dict[str, list[str]] = {}
        for f in self.features:
            by.setdefault(f.code, [])
        out = []
        for c in by:
            parts = []
            words = self.words_for(c)
            if words:
                parts.append("words " + ", ".join(f.label() for f in words))
            parts += [f.label(self.labels) for f in self.features if f.code == c and f.kind == "lexicon"]
            if parts:
                out.append(f"{c}: {'; '.join(parts)}")
        return " | ".join(out)


def code_labels(suggester: Suggester) -> dict[str, str]:
    """Readable label of every variable the suggester's lexicons define (English, else Chinese), built once."""
    cache = suggester.__dict__.get("_labels_cache")
    if cache is None:
        lexicons = getattr(getattr(suggester, "analyzer_", None), "lexicons", None) or []
        cache = {}
        for lex in reversed(lexicons):
            for v in lex.variables:
                label = v.label.get("en") or v.label.get("zh") or next(iter(v.label.values()), "")
                cache[v.id] = str(label)
        suggester.__dict__["_labels_cache"] = cache
    return dict(cache)


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
    labels = code_labels(suggester)
    out: list[Explanation] = []
    model = suggester if isinstance(suggester, SuggestionModel) else None
    if model is not None and X is None:
        X = model.matrix(docs)
    local = _local_mask(model, local_ids) if model is not None else None
    sims = _nearest(model, X, ids, local=local) if model is not None and X is not None else None
    names = model.features_.feature_names_ if model is not None else []
    explainable = _explainable(model) if model is not None else None
    for i, d in enumerate(docs):
        if codes_for is not None:
            cols = list(codes_for[i])
        else:
            cols = [int(j) for j in np.flatnonzero(P[i] >= suggester.thresholds_)] or [int(np.argmax(P[i]))]
        exp = Explanation(evidence=[Evidence(h.variable, h.term, h.start, h.end) for h in d.hits
                                    if h.variable in known], labels=labels)
        if model is not None and X is not None and explainable is not None:
            lo, hi = X.indptr[i], X.indptr[i + 1]
            indices, data = X.indices[lo:hi], X.data[lo:hi]
            kinds = explainable[indices]  # 1 word, 2 lexicon hits, 0 not shown (character n-grams, vector dims)
            for j in cols:
                if model.fallback_[j]:
                    continue
                contrib = data * model.coef_[j, indices]
                order = np.argsort(-contrib, kind="stable")
                words = [k for k in order if kinds[k] == 1 and contrib[k] > 0][:top_features]
                lexicon = [k for k in order if kinds[k] == 2 and contrib[k] >= MIN_LEXICON_WEIGHT]
                for k in [*words, *lexicon]:
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


MIN_LEXICON_WEIGHT = 0.05  # lexicon hits that weigh less for a code are not worth a line of explanation


def _explainable(model: SuggestionModel) -> np.ndarray:
    """Per feature column: 1 a word, 2 a variable's lexicon hits, 0 not shown to coders (character n-grams and
    word-vector dimensions carry no meaning a coder can check). Built once per model."""
    cache = model.__dict__.get("_explainable_cache")
    f = model.features_
    if cache is None or cache[0] is not f:
        kinds = np.zeros(f.n_features, dtype=np.int8)
        nw, nc, nv = len(f.word_vocab_), len(f.char_vocab_), len(f.variable_ids)
        kinds[:nw] = 1
        kinds[nw + nc:nw + nc + nv] = 2
        cache = (f, kinds)
        model.__dict__["_explainable_cache"] = cache
    return cache[1]


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
