"""Keyword-in-context concordances for a variable, a construct or a free term."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus_tools.corpus.loader import Corpus, open_corpus
from corpus_tools.lexicon.formats import load_lexicons
from corpus_tools.lexicon.match import Matcher, all_terms, compile_term
from corpus_tools.lexicon.model import Construct, Lexicon, Variable
from corpus_tools.text.normalize import normalize
from corpus_tools.text.tokenize import Tokenizer


@dataclass(frozen=True)
class KwicLine:
    """One concordance line with offsets into the original document text."""

    doc_id: str
    entry_id: str
    variable: str
    term: str
    start: int
    end: int
    left: str
    matched: str
    right: str


def _query_lexicon(query: str, lexicons: list[Lexicon]) -> Lexicon:
    """A one-construct lexicon holding what the query names (a variable, a construct, or the term itself)."""
    for lex in lexicons:
        for c in lex.constructs:
            if query == c.id:
                return Lexicon(lex.name, lex.version, (c,))
            for v in c.variables:
                if query == v.id:
                    return Lexicon(lex.name, lex.version, (Construct(c.id, c.label, c.definition, (v,)),))
    var = Variable("term", "query", {"en": query}, "", {"any": (query,)})
    return Lexicon("query", "0", (Construct("term", {"en": "term"}, "", (var,)),))


def _raw(c: Corpus, query: str, width: int, limit: int) -> list[KwicLine]:
    """A free term (no glob) found in the raw text wherever it occurs, inside longer words too (纯利润 for
    利润), after the same normalisation as matching (case, width, Traditional → Simplified)."""
    q = normalize(query.strip())
    if not q:
        return []
    doc_text = dict(zip(c.docs["doc_id"], c.docs["text"], strict=True))
    out: list[KwicLine] = []
    for eid, did, off, text in zip(c.entries["entry_id"], c.entries["doc_id"], c.entries["start"],
                                   c.entries["text"], strict=True):
        norm = normalize(text)
        i = norm.find(q)
        while i >= 0:
            s, e = i + off, i + len(q) + off
            full = doc_text[did]
            out.append(KwicLine(did, eid, "term.query", query, s, e, full[max(0, s - width):s].replace("\n", " "),
                                full[s:e], full[e:e + width].replace("\n", " ")))
            if limit and len(out) >= limit:
                return out
            i = norm.find(q, i + len(q))
    return out


def concordance(query: str, corpus: str | Path | None = None, lexicons: Sequence[str] = (), width: int = 20,
                limit: int = 50, engine: str = "rjieba") -> list[KwicLine]:
    """All (or the first `limit`) matches of `query` in the corpus, in document order: the terms of a
    variable or construct id as scoring matches them; a free term in the raw text (inside longer words
    too); a free term with `*` as a token glob."""
    c = open_corpus(corpus)
    lexs = load_lexicons(c.config.lexicon_refs(lexicons), c.root)
    target = _query_lexicon(query, lexs)
    if target.name == "query" and "*" not in query:
        return _raw(c, query, width, limit)
    tok = Tokenizer(engine)
    tok.add_words(all_terms(lexs))  # the same injected words as in scoring, so segmentation agrees
    if compile_term("q", "term.query", query, tok) is None:
        return []
    tok.add_words([query.replace("*", "")])
    matcher = Matcher(target, tok)
    doc_text = dict(zip(c.docs["doc_id"], c.docs["text"], strict=True))
    out: list[KwicLine] = []
    for eid, did, off, text in zip(c.entries["entry_id"], c.entries["doc_id"], c.entries["start"],
                                   c.entries["text"], strict=True):
        for f in matcher.find(text)[0]:
            s, e = f.start + off, f.end + off
            full = doc_text[did]
            out.append(KwicLine(did, eid, f.pattern.variable, f.pattern.term, s, e,
                                full[max(0, s - width):s].replace("\n", " "), full[s:e],
                                full[e:e + width].replace("\n", " ")))
            if limit and len(out) >= limit:
                return out
    return out
