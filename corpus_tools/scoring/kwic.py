"""Keyword-in-context concordances for a variable, a construct or a free term (or several, with OR / AND)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from corpus_tools.corpus.loader import Corpus, open_corpus
from corpus_tools.errors import ConfigError, did_you_mean
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


_OPERATOR_RE = re.compile(r"\s+(OR|AND)\s+")
_UNSUPPORTED_RE = re.compile(r"(^|\s)(NOT|NEAR)(\s|$)|[()]")
_ID_LIKE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_.]+$")


def parse_query(query: str) -> tuple[str, list[str]]:
    """("OR" | "AND", operands) of a query: `a OR b OR c`, `a AND b`, or one operand (operator "OR").
    Operators are upper case; mixing OR and AND, NOT, NEAR and parentheses are refused (ConfigError)."""
    q = query.strip()
    if not q:
        raise ConfigError("empty query")
    if _UNSUPPORTED_RE.search(q):
        raise ConfigError(f"unsupported query {query!r}: NOT, NEAR and parentheses are not supported",
                          hint="use `a OR b` (any of them) or `a AND b` (entries holding all of them)")
    parts = _OPERATOR_RE.split(q)
    operands, ops = parts[0::2], set(parts[1::2])
    if len(ops) > 1:
        raise ConfigError(f"unsupported query {query!r}: OR and AND cannot be mixed",
                          hint="run one query per combination")
    if any(not o.strip() for o in operands):
        raise ConfigError(f"query {query!r} has an operator without an operand")
    return (ops.pop() if ops else "OR"), [o.strip() for o in operands]


def _query_lexicon(query: str, lexicons: list[Lexicon], name: str = "query") -> Lexicon:
    """A one-construct lexicon holding what the query names (a variable, a construct, or the term itself).
    A query shaped like an id (`construct.variable`) that names none is a ConfigError with a did-you-mean."""
    ids: list[str] = []
    for lex in lexicons:
        for c in lex.constructs:
            ids.append(c.id)
            if query == c.id:
                return Lexicon(name, lex.version, (c,))
            for v in c.variables:
                ids.append(v.id)
                if query == v.id:
                    return Lexicon(name, lex.version, (Construct(c.id, c.label, c.definition, (v,)),))
    if _ID_LIKE_RE.match(query):
        raise ConfigError(f"{query!r} is not a variable or construct of {', '.join(x.name for x in lexicons)}"
                          f"{did_you_mean(query, ids)}",
                          hint="`corpus-tools lexicon show` lists the ids; a free term cannot contain a dot")
    var = Variable("term", "query", {"en": query}, "", {"any": (query,)})
    return Lexicon(name, "0", (Construct("term", {"en": "term"}, "", (var,)),))


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


def lexicon_ids(lexicons: Sequence[Lexicon]) -> list[str]:
    """Every construct and variable id of the lexicons."""
    return [i for lex in lexicons for c in lex.constructs for i in (c.id, *(v.id for v in c.variables))]


def kwic_frame(lines: Sequence[KwicLine]) -> pd.DataFrame:
    """Concordance lines as a table (one row per line, the KwicLine fields as columns, in order)."""
    cols = [f.name for f in dataclasses.fields(KwicLine)]
    return pd.DataFrame([dataclasses.astuple(ln) for ln in lines], columns=cols)


def concordance(query: str, corpus: Corpus | str | Path | None = None, lexicons: Sequence[str] = (),
                width: int = 20, limit: int = 50, engine: str = "rjieba") -> list[KwicLine]:
    """All (or the first `limit`) matches of `query` in the corpus, in document order.

    `query` is a variable id, a construct id or a term (`*` globs), or several joined by ` OR ` (any) or
    ` AND ` (only entries that hold every operand). A misspelt id is a ConfigError with a did-you-mean.
    """
    c = open_corpus(corpus)
    lexs = load_lexicons(c.config.lexicon_refs(lexicons), c.root)
    op, operands = parse_query(query)
    targets = [_query_lexicon(q, lexs, f"q{i}") for i, q in enumerate(operands)]
    if len(operands) == 1 and targets[0].construct_ids == ["term"] and "*" not in operands[0]:
        return _raw(c, operands[0], width, limit)  # a free term: the raw text, inside longer words too
    tok = Tokenizer(engine)
    tok.add_words(all_terms(lexs))  # the same injected words as in scoring, so segmentation agrees
    for q, target in zip(operands, targets, strict=True):
        if target.construct_ids == ["term"] and compile_term("q", "term.query", q, tok) is None:
            raise ConfigError(f"query term {q!r} has nothing to match (no letters, digits or characters)")
        if target.construct_ids == ["term"]:
            tok.add_words([q.replace("*", "")])
    matcher = Matcher(targets, tok)
    doc_text = dict(zip(c.docs["doc_id"], c.docs["text"], strict=True))
    out: list[KwicLine] = []
    for eid, did, off, text in zip(c.entries["entry_id"], c.entries["doc_id"], c.entries["start"],
                                   c.entries["text"], strict=True):
        found = matcher.find(text)[0]
        if op == "AND" and len({f.pattern.lexicon for f in found}) < len(targets):
            continue
        for f in found:
            s, e = f.start + off, f.end + off
            full = doc_text[did]
            out.append(KwicLine(did, eid, f.pattern.variable, f.pattern.term, s, e,
                                full[max(0, s - width):s].replace("\n", " "), full[s:e],
                                full[e:e + width].replace("\n", " ")))
            if limit and len(out) >= limit:
                return out
    return out


def kwic(query: str, corpus: Corpus | pd.DataFrame | str | Path | None = None, lexicons: Sequence[str] = (),
         width: int = 20, limit: int = 0, engine: str = "rjieba") -> pd.DataFrame:
    """Concordance lines as a DataFrame (doc_id, entry_id, variable, term, start, end, left, matched, right;
    plus the document metadata); all lines unless `limit`. Offsets point into the original text.

    >>> import corpus_tools as ct, pandas as pd
    >>> df = pd.DataFrame({"text": ["村里租金便宜，门槛低。", "The rent is low here."], "outlet": ["A", "B"]})
    >>> lines = ct.kwic("租金 OR rent", df)
    >>> lines[["matched", "outlet"]].to_dict("records")
    [{'matched': '租金', 'outlet': 'A'}, {'matched': 'rent', 'outlet': 'B'}]
    """
    c = open_corpus(corpus)
    lines = concordance(query, c, lexicons, width=width, limit=limit, engine=engine)
    frame = pd.DataFrame([ln.__dict__ for ln in lines], columns=list(KwicLine.__dataclass_fields__))
    meta = ["title", "source_type", "date", "stage", "outlet", *c.meta_columns]
    return frame.join(c.docs.set_index("doc_id")[meta], on="doc_id")
