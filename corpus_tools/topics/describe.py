"""Describe fitted topics: top words by script, representative passages, overlap with lexicon variables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools.lexicon.match import Pattern, compile_term
from corpus_tools.text.tokenize import has_cjk

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics.engines import TopicEstimator

N_WORDS = 10  # top words shown per script
N_OVERLAP_WORDS = 30  # top words compared with lexicon terms
N_PASSAGES = 5
PASSAGE_CHARS = 400
MIN_PASSAGE_TOKENS = 5  # very short entries get extreme topic shares without saying much


def split_top_words(words: Sequence[str], n: int = N_WORDS) -> tuple[list[str], list[str], list[str]]:
    """(Chinese, other-script, overall) top words, each list best first and at most n long."""
    zh = [w for w in words if has_cjk(w)][:n]
    en = [w for w in words if not has_cjk(w)][:n]
    return zh, en, list(words[:n])


def topic_rows(scope: str, stage: str, model: TopicEstimator, weights: np.ndarray) -> list[dict[str, Any]]:
    """Rows of schema.TOPICS for one fitted model (topics numbered from 1)."""
    rows = []
    for t, words in enumerate(model.top_words(4 * N_WORDS)):
        zh, en, top = split_top_words(words)
        rows.append({"scope": scope, "stage": stage, "topic": t + 1, "label": " / ".join(top[:3]),
                     "top_words_zh": " ".join(zh), "top_words_en": " ".join(en), "top_words": " ".join(top),
                     "weight": float(weights[t])})
    return rows


def passage_rows(scope: str, model: TopicEstimator, entries: pd.DataFrame, docs: Sequence[Sequence[str]],
                 n: int = N_PASSAGES, *, theta: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The n entries with the highest share of each topic, one per document while enough documents remain;
    `theta`: the topic shares of `entries` (default: the model's own, when it was fitted on exactly them)."""
    theta = model.doc_topic_ if theta is None else theta
    long_enough = np.array([len(d) >= MIN_PASSAGE_TOKENS for d in docs])
    rows = []
    for t in range(theta.shape[1]):
        order = np.argsort(-theta[:, t], kind="stable")
        order = np.concatenate([order[long_enough[order]], order[~long_enough[order]]])
        picked: list[int] = []
        seen_docs: set[str] = set()
        for i in order:
            doc = str(entries["doc_id"].iat[i])
            if doc not in seen_docs:
                picked.append(int(i))
                seen_docs.add(doc)
            if len(picked) == n:
                break
        for i in order:  # fewer documents than n: allow a second passage from the same document
            if len(picked) >= n:
                break
            if int(i) not in picked:
                picked.append(int(i))
        for rank, i in enumerate(picked, start=1):
            text = str(entries["text"].iat[i])
            rows.append({"scope": scope, "topic": t + 1, "rank": rank, "entry_id": entries["entry_id"].iat[i],
                         "doc_id": entries["doc_id"].iat[i], "title": entries["title"].iat[i],
                         "stage": entries["stage"].iat[i], "score": float(theta[i, t]),
                         "text": text if len(text) <= PASSAGE_CHARS else text[:PASSAGE_CHARS - 1] + "…"})
    return rows


class TermIndex:
    """Lexicon terms compiled to tokens, for asking which variable a topic's top words belong to."""

    def __init__(self, lexicons: Sequence[Lexicon], tokenizer: Tokenizer) -> None:
        self.variables: list[tuple[str, str, str]] = []  # (lexicon, construct, variable id)
        self.patterns: dict[str, list[Pattern]] = {}
        for lex in lexicons:
            for v in lex.variables:
                self.variables.append((lex.name, v.construct, v.id))
                pats = [compile_term(lex.name, v.id, term, tokenizer) for _lang, term in v.all_terms()]
                self.patterns[v.id] = [p for p in pats if p is not None]

    def matched(self, vid: str, words: Sequence[str]) -> list[str]:
        """The words (from `words`) that a term of variable `vid` covers; a phrase needs all its words."""
        present = set(words)
        hit: set[str] = set()
        for p in self.patterns.get(vid, []):
            if len(p.parts) == 1:
                hit.update(w for w in words if p.part_matches(0, w))
            elif all(part in present for part in p.parts):
                hit.update(p.parts)
        return [w for w in words if w in hit]


def variable_rows(scope: str, model: TopicEstimator, index: TermIndex,
                  n_words: int = N_OVERLAP_WORDS) -> list[dict[str, Any]]:
    """Rows of schema.TOPIC_VARIABLES: share of a topic's top-word probability on each variable's terms."""
    vocab_pos = {w: j for j, w in enumerate(model.vocabulary_)}
    rows = []
    for t, words in enumerate(model.top_words(n_words)):
        probs = np.array([model.topic_word_[t, vocab_pos[w]] for w in words])
        total = float(probs.sum()) or 1.0
        for lex, construct, vid in index.variables:
            hits = index.matched(vid, words)
            mass = float(sum(model.topic_word_[t, vocab_pos[w]] for w in hits))
            rows.append({"scope": scope, "topic": t + 1, "lexicon": lex, "construct": construct,
                         "variable": vid, "overlap": mass / total, "matched_terms": " ".join(hits)})
    return rows
