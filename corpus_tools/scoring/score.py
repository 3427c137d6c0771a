"""Lexicon scores (counts per variable and construct, rates per 1,000 tokens) with their evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import ConfigError, LexiconError, did_you_mean
from corpus_tools.lexicon.match import Matcher, all_terms
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.text.normalize import normalize_for_scan
from corpus_tools.text.tokenize import Tokenizer

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus

CONTEXT = 30
LEVELS = ("document", "entry")


class Hit(NamedTuple):
    """One lexicon match in a text: which variable, which term, where (offsets into the text)."""

    lexicon: str
    construct: str
    variable: str
    term: str
    start: int
    end: int


@dataclass
class TextScore:
    """Scores of one text: its token count and the hits that make up every count."""

    n_tokens: int
    hits: list[Hit] = field(default_factory=list)


def _context(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    left = text[max(0, start - width):start].replace("\n", " ")
    right = text[end:end + width].replace("\n", " ")
    return left, right


class Scorer:
    """Counts lexicon terms in texts. Lexicon terms are injected into the tokenizer so they stay whole."""

    def __init__(self, lexicons: Sequence[Lexicon], tokenizer: Tokenizer | None = None,
                 engine: str = "rjieba", context: int = CONTEXT, native: bool | None = None) -> None:
        if not lexicons:
            raise ConfigError("no lexicon given", hint="pass --lexicon NAME (e.g. mass_entrepreneurship)")
        seen_c: dict[str, str] = {}
        for lex in lexicons:
            for cid in lex.construct_ids:
                if cid in seen_c:
                    raise LexiconError(f"construct id {cid!r} appears in both {seen_c[cid]} and {lex.name}",
                                       hint="construct ids must be unique across the lexicons scored together")
                seen_c[cid] = lex.name
        self.lexicons = list(lexicons)
        self.tokenizer = tokenizer if tokenizer is not None else Tokenizer(engine)
        self.tokenizer.add_words(all_terms(self.lexicons))
        self.matcher = Matcher(self.lexicons, self.tokenizer, native=native)
        self.context = context
        self._hit_ctx = self.matcher.native_context(Hit, lambda p: (p.lexicon, p.construct, p.variable, p.term))
        self._scan = self.matcher.scan_native
        self._variable_ids = [vid for lex in self.lexicons for vid in lex.variable_ids]
        self._construct_ids = [cid for lex in self.lexicons for cid in lex.construct_ids]
        self._construct_vars = [(c.id, [v.id for v in c.variables]) for lex in self.lexicons for c in lex.constructs]

    @property
    def variable_ids(self) -> list[str]:
        """Variable ids of all lexicons, in order: the count columns of every score table."""
        return list(self._variable_ids)

    @property
    def construct_ids(self) -> list[str]:
        """Construct ids of all lexicons, in order: the construct total columns."""
        return list(self._construct_ids)

    def score_text(self, text: str) -> TextScore:
        """Tokenize once, match every lexicon, return token count and hits."""
        if self._hit_ctx is not None:  # the compiled scan builds the Hit tuples itself
            norm, lower_words = normalize_for_scan(text, self.tokenizer.t2s)
            hits, n = self._scan(norm, self._hit_ctx, lower_words)
            return TextScore(n, hits)
        found, n_words = self.matcher.find(text)
        hits = [Hit(f.pattern.lexicon, f.pattern.construct, f.pattern.variable, f.pattern.term, f.start, f.end)
                for f in found]
        return TextScore(n_words, hits)

    def row(self, n_tokens: int, hits: Iterable[Hit]) -> dict[str, float | int]:
        """Count columns for one unit: variables, constructs, total, tokens, rate per 1,000 tokens."""
        per_var: dict[str, int] = dict.fromkeys(self._variable_ids, 0)
        for h in hits:
            per_var[h.variable] += 1
        counts: dict[str, float | int] = dict(per_var)
        total = 0
        for cid, vids in self._construct_vars:
            counts[cid] = n = sum([per_var[v] for v in vids])
            total += n
        counts["total"] = total
        counts["n_tokens"] = n_tokens
        counts["rate_per_1k"] = round(1000 * total / n_tokens, 3) if n_tokens else float("nan")  # empty: missing
        return counts

    def evidence_row(self, unit_id: str, doc_id: str, entry_id: str, text: str, h: Hit,
                     offset: int = 0) -> dict[str, object]:
        """One evidence record; `offset` shifts entry-local spans into document coordinates."""
        left, right = _context(text, h.start, h.end, self.context)
        return {"id": unit_id, "doc_id": doc_id, "entry_id": entry_id, "lexicon": h.lexicon,
                "construct": h.construct, "variable": h.variable, "term": h.term,
                "matched": text[h.start:h.end], "start": h.start + offset, "end": h.end + offset,
                "left": left, "right": right}

    def manifest(self) -> dict[str, object]:
        """What a run manifest records about scoring."""
        return {"lexicons": [lex.manifest() for lex in self.lexicons], "tokenizer": self.tokenizer.manifest(),
                "context": self.context, "matcher": "compiled" if self.matcher.native else "python"}


@dataclass
class ScoreResult:
    """A score table (one row per unit) and the evidence behind it (one row per match)."""

    scores: pd.DataFrame
    evidence: pd.DataFrame
    level: str
    variable_ids: list[str]
    construct_ids: list[str]


META = ("source_type", "stage", "date", "year", "lang", "title")


def score_corpus(corpus: Corpus, scorer: Scorer, level: str = "document", dedupe: bool = False) -> ScoreResult:
    """Score every entry; document rows sum their entries. With `dedupe`, entries flagged as
    near-duplicates of an earlier entry count zero tokens and zero hits (their rows stay); so do junk
    entries (corpus.content_entries) unless the corpus keeps them. Rates of units without tokens are NaN."""
    if level not in LEVELS:
        raise ConfigError(f"unknown level {level!r}", hint=f"choose one of {', '.join(LEVELS)}")
    if not hasattr(corpus, "entries"):
        raise ConfigError(f"score_corpus needs a Corpus, not a {type(corpus).__name__}",
                          hint="ct.score(df) scores a DataFrame of texts; ct.Corpus.from_frame(df) makes a Corpus")
    docs, entries = score_levels(corpus, scorer, dedupe)
    return entries if level == "entry" else docs


def score_levels(corpus: Corpus, scorer: Scorer, dedupe: bool = False,
                 score_many: Callable[[Sequence[str]], Sequence[TextScore]] | None = None,
                 ) -> tuple[ScoreResult, ScoreResult]:
    """(document-level, entry-level) results from one pass over the entries: each is tokenized once.
    `score_many` scores a list of texts (default: this scorer, in this process); scoring.parallel supplies
    one that runs in worker processes or on Dask with the same results."""
    entries = corpus.entries
    content = set(corpus.content_entries["entry_id"])  # junk entries (menus, markup, ...): rows stay, count nothing
    doc_text = dict(zip(corpus.docs["doc_id"], corpus.docs["text"], strict=True))
    evidence: list[dict[str, object]] = []
    per_entry: list[tuple[str, str, int, list[Hit]]] = []
    skip = [bool(dedupe and dup) or eid not in content  # the row stays (nothing is deleted) but counts nothing:
            for eid, dup in zip(entries["entry_id"], entries["dup_of"], strict=True)]  # a duplicate, or junk
    todo = [t for t, s in zip(entries["text"], skip, strict=True) if not s]
    scored = iter(score_many(todo) if score_many is not None else [scorer.score_text(t) for t in todo])
    for eid, did, start, skipped in zip(entries["entry_id"], entries["doc_id"], entries["start"], skip,
                                        strict=True):
        if skipped:  # the row stays (nothing is deleted) but counts nothing: its original counts
            per_entry.append((eid, did, 0, []))
            continue
        ts = next(scored)
        full = doc_text[did]
        for h in ts.hits:
            evidence.append(scorer.evidence_row(eid, did, eid, full, h._replace(start=h.start + start,
                                                                                 end=h.end + start)))
        per_entry.append((eid, did, ts.n_tokens, ts.hits))
    grouped: dict[str, tuple[int, list[Hit]]] = {d: (0, []) for d in corpus.docs["doc_id"]}
    for _eid, did, n, hits in per_entry:
        total, acc = grouped[did]
        acc.extend(hits)
        grouped[did] = (total + n, acc)
    entry_rows = [{"id": eid, "entry_id": eid, "doc_id": did, **scorer.row(n, hits)}
                  for eid, did, n, hits in per_entry]
    doc_rows = [{"id": did, "doc_id": did, **scorer.row(n, hits)} for did, (n, hits) in grouped.items()]
    entry_ev = pd.DataFrame(evidence, columns=list(schema.EVIDENCE))
    meta = ["outlet", *corpus.meta_columns]  # document metadata travels into the evidence too
    entry_ev = entry_ev.join(corpus.docs.set_index("doc_id")[meta], on="doc_id")
    doc_ev = entry_ev.assign(id=entry_ev["doc_id"])
    return (_result(corpus, scorer, "document", doc_rows, doc_ev),
            _result(corpus, scorer, "entry", entry_rows, entry_ev))


def _result(corpus: Corpus, scorer: Scorer, level: str, rows: Sequence[Mapping[str, object]],
            evidence: pd.DataFrame) -> ScoreResult:
    """Rows plus document metadata, columns in contract order."""

    scores = pd.DataFrame(rows)
    meta = [*META, "outlet", *corpus.meta_columns]
    if len(scores):
        scores = scores.join(corpus.docs.set_index("doc_id")[meta], on="doc_id")
    lead = ["id", "doc_id"] + (["entry_id"] if level == "entry" else []) + meta
    count_cols = [*scorer.variable_ids, *scorer.construct_ids, "total", "n_tokens", "rate_per_1k"]
    return ScoreResult(scores.reindex(columns=lead + count_cols), evidence, level, scorer.variable_ids,
                       scorer.construct_ids)


def score_records(records: Iterable[tuple[str, str]], scorer: Scorer,
                  evidence: list[dict[str, object]] | None = None) -> Iterator[dict[str, object]]:
    """Stream (id, text) pairs to score rows; evidence rows are appended to `evidence` if given."""
    for rid, text in records:
        ts = scorer.score_text(text)
        if evidence is not None:
            evidence.extend(scorer.evidence_row(rid, "", "", text, h) for h in ts.hits)
        yield {"id": rid, **scorer.row(ts.n_tokens, ts.hits)}


PERIODS = ("year", "quarter", "month", "stage", "source_type", "lang")


def aggregate(result: ScoreResult, by: str | Sequence[str], docs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sum counts by one or more of: source_type, stage, lang, year, quarter, month, outlet or any metadata
    column of the scores (e.g. a table's extra columns). Adds the number of units and the rate per 1,000
    tokens of each variable and construct (missing where a group has no tokens)."""

    keys = [by] if isinstance(by, str) else list(by)
    frame = result.scores.copy()
    counts = [*result.variable_ids, *result.construct_ids, "total", "n_tokens"]
    groupable = [*PERIODS, *(c for c in frame.columns if c not in (*counts, "id", "doc_id", "entry_id", "rate_per_1k",
                                                                    *PERIODS))]
    for k in keys:
        if k not in groupable:
            raise ConfigError(f"cannot aggregate by {k!r}{did_you_mean(k, groupable)}",
                              hint=f"choose from {', '.join(groupable)}")
        if k in ("quarter", "month"):
            if docs is None:
                raise ConfigError(f"aggregating by {k} needs the documents' dates")
            starts = pd.to_datetime(docs.set_index("doc_id")["date_start"].replace("", None))
            periods = starts.dt.to_period("Q" if k == "quarter" else "M").astype("string")
            precise = docs.set_index("doc_id")["date"].str.len() >= 7  # month precision or better
            frame[k] = frame["doc_id"].map(periods.where(precise, "undated-or-year-only"))
    for k in keys:  # undated documents form their own group instead of disappearing
        frame[k] = frame[k].astype("object").where(frame[k].notna(), "unknown")
    out = frame.groupby(keys, dropna=False)[counts].sum()
    out.insert(0, "n_units", frame.groupby(keys, dropna=False).size())
    for col in [*result.variable_ids, *result.construct_ids, "total"]:
        out[f"{col}_per_1k"] = (1000 * out[col] / out["n_tokens"].where(out["n_tokens"] > 0)).round(3)
    return out.reset_index()
