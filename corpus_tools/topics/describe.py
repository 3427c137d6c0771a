"""Describe fitted topics: top words by script, representative passages, overlap with lexicon variables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools.lexicon.match import Pattern, compile_term
from corpus_tools.text.tokenize import has_cjk
from corpus_tools.topics.shares import as_shares

if TYPE_CHECKING:
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


def passage_rows(scope: str, theta: Any, long_enough: np.ndarray, doc: np.ndarray,
                 entry: Callable[[int], dict[str, Any]], n: int = N_PASSAGES) -> list[dict[str, Any]]:
    """Rows of schema.TOPIC_PASSAGES: for each topic the entries of `top_passages`; `entry(i)` gives entry i's
    entry_id, doc_id, title, stage and text."""
    rows = []
    for t, picked in enumerate(top_passages(theta, long_enough, doc, n)):
        for rank, (i, score) in enumerate(picked, start=1):
            info = entry(i)
            text = str(info["text"])
            rows.append({"scope": scope, "topic": t + 1, "rank": rank, "entry_id": info["entry_id"],
                         "doc_id": info["doc_id"], "title": info["title"], "stage": info["stage"],
                         "score": score,
                         "text": text if len(text) <= PASSAGE_CHARS else text[:PASSAGE_CHARS - 1] + "…"})
    return rows


def top_passages(theta: Any, long_enough: np.ndarray, doc: np.ndarray, n: int = N_PASSAGES
                 ) -> list[list[tuple[int, float]]]:
    """Per topic, (entry, share) of the n entries with the highest share, one per document while enough
    documents remain (then a second one of the same document); entries with at least MIN_PASSAGE_TOKENS words
    (`long_enough`) before the others, ties in entry order. `theta`: the entries' topic shares (an array or
    topics.shares.Shares, read a block at a time); `doc`: each entry's document as an integer code.

    Each block keeps, per topic, its n best documents (each by its best entry) and its 2n best entries: the
    entries picked from the whole matrix are always among them, so choosing among the kept ones gives the
    same passages as ordering every entry."""
    sh = as_shares(theta)
    long_enough = np.asarray(long_enough, dtype=bool)
    keep: list[list[np.ndarray]] = [[] for _ in range(sh.k)]
    kept_share: list[list[np.ndarray]] = [[] for _ in range(sh.k)]
    for a, blk in sh.blocks():
        b = a + len(blk)
        longb = long_enough[a:b]
        docb = np.asarray(doc[a:b])
        for t in range(sh.k):
            order = np.lexsort((np.arange(b - a), -blk[:, t], ~longb))  # the whole matrix's order, in the block
            _u, first = np.unique(docb[order], return_index=True)
            best_docs = order[np.sort(first)[:n]]  # each document's best entry, best documents first
            local = np.unique(np.concatenate([best_docs, order[:2 * n]]))
            keep[t].append(local + a)
            kept_share[t].append(blk[local, t])
    out = []
    for t in range(sh.k):
        cand = np.concatenate(keep[t]) if keep[t] else np.zeros(0, dtype=np.int64)
        share = np.concatenate(kept_share[t]) if kept_share[t] else np.zeros(0)
        cand_long = long_enough[cand]
        order = cand[np.lexsort((cand, -share, ~cand_long))]
        value = dict(zip(cand.tolist(), share.tolist(), strict=True))
        picked: list[int] = []
        seen_docs: set[int] = set()
        for i in order.tolist():
            if int(doc[i]) not in seen_docs:
                picked.append(i)
                seen_docs.add(int(doc[i]))
            if len(picked) == n:
                break
        for i in order.tolist():  # fewer documents than n: allow a second passage from the same document
            if len(picked) >= n:
                break
            if i not in picked:
                picked.append(i)
        out.append([(i, float(value[i])) for i in picked])
    return out


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
