"""Lexicon scores (counts per variable and construct, rates per 1,000 tokens) with their evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import lt
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.speakers import speaker_labels
from corpus_tools.errors import ConfigError, LexiconError, did_you_mean
from corpus_tools.lexicon.match import Matcher, all_terms
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.lexicon.negation import NegationRules, NegationScope, load_rules
from corpus_tools.scoring.rows import (
    DOC_COLUMNS,
    META,
    SUMMARY_KEYS,
    ChunkScores,
    EntryChunk,
    RowSettings,
    score_entries,
    score_frame,
)
from corpus_tools.text.normalize import scan_preparer
from corpus_tools.text.tokenize import Tokenizer

if TYPE_CHECKING:

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
    """Scores of one text: its token count and every hit; `cues[i]` names the negation cue of hit i
    ('' when not negated; None when no hit is); `multi` when several lexicons were matched (then
    `overlap()` says which hits share a span). `counted()` is what the counts are made of."""

    n_tokens: int
    hits: list[Hit] = field(default_factory=list)
    cues: list[str] | None = None
    multi: bool = False

    def overlap(self) -> list[str] | None:
        """Per hit, the other lexicons claiming an overlapping span ('' when none; None when no hit
        overlaps); computed on demand (evidence needs it, counts do not)."""
        return overlaps(self.hits) if self.multi and self.hits else None

    def counted(self, count_negated: bool = False) -> list[Hit]:
        """The hits that count in scores: all of them, or the ones no negation cue scopes over."""
        if self.cues is None or count_negated:
            return self.hits
        return [h for h, c in zip(self.hits, self.cues, strict=True) if not c]


def overlaps(hits: Sequence[Hit]) -> list[str] | None:
    """Per hit, the other lexicons (`;`-joined) whose hits overlap its span; None when none does. Hits
    of one lexicon never overlap each other (leftmost-longest resolution), so only lexicons differ."""
    starts = [h[4] for h in hits]
    ends = [h[5] for h in hits]
    if not any(map(lt, starts[1:], ends[:-1])):  # hits in start order: any overlap shows between neighbours
        return None
    out: list[str] | None = None
    n = len(hits)
    for i in range(n - 1):
        hi = hits[i]
        j = i + 1
        while j < n and hits[j].start < hi.end:
            hj = hits[j]
            if hj.lexicon != hi.lexicon:
                if out is None:
                    out = [""] * n
                for a, b in ((i, hj.lexicon), (j, hi.lexicon)):
                    if b not in out[a].split(";"):
                        out[a] = f"{out[a]};{b}" if out[a] else b
            j += 1
    return out


def _context(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    left = text[max(0, start - width):start].replace("\n", " ")
    right = text[end:end + width].replace("\n", " ")
    return left, right


class Scorer:
    """Counts lexicon terms in texts. Lexicon terms are injected into the tokenizer so they stay whole."""

    def __init__(self, lexicons: Sequence[Lexicon], tokenizer: Tokenizer | None = None,
                 engine: str = "rjieba", context: int = CONTEXT, native: bool | None = None,
                 negation: NegationRules | str | Path | bool | None = True, count_negated: bool = False) -> None:
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
        if negation is True:
            negation = load_rules()
        elif isinstance(negation, str | Path):
            negation = load_rules(negation)
        self.negation = NegationScope(negation, self.tokenizer) if negation else None
        # negation cues are found by the matcher in the same scan as the terms (never injected into the
        # tokenizer, so segmentation and token counts do not change); rule files with `re:` cues are applied
        # after the scan, over windows around the hits
        self._neg_in_matcher = self.negation is not None and self.negation.in_matcher
        extra = [self.negation.lexicon()] if self.negation is not None and self._neg_in_matcher else []
        self.matcher = Matcher([*self.lexicons, *extra], self.tokenizer, native=native)
        bad = [t for vid, t in self.matcher.uncompilable if vid.startswith("negation.")]
        if bad and self.negation is not None:
            raise LexiconError(f"{self.negation.rules.source}: negation rule(s) {bad} do not compile: no word left "
                               "after tokenization", hint="a cue needs at least one letter, digit or ideograph")
        self.context = context
        self._hit_ctx = self.matcher.native_context(Hit, lambda p: (p.lexicon, p.construct, p.variable, p.term))
        self._neg_ctx = (self.negation.native_context(self.matcher.patterns)  # type: ignore[union-attr]
                         if self._neg_in_matcher and self._hit_ctx is not None else None)
        self._variable_ids = [vid for lex in self.lexicons for vid in lex.variable_ids]
        self._construct_ids = [cid for lex in self.lexicons for cid in lex.construct_ids]
        self._construct_vars = [(c.id, [v.id for v in c.variables]) for lex in self.lexicons for c in lex.constructs]
        self.construct_lexicon = {c.id: lex.name for lex in self.lexicons for c in lex.constructs}
        self.count_negated = count_negated
        self._multi = len(self.lexicons) > 1
        self._compiled = self._compiled_scorer()

    @property
    def variable_ids(self) -> list[str]:
        """Variable ids of all lexicons, in order: the count columns of every score table."""
        return list(self._variable_ids)

    @property
    def construct_variables(self) -> list[tuple[str, list[str]]]:
        """(construct id, its variable ids) of all lexicons, in order: how counts add up to constructs."""
        return [(cid, list(vids)) for cid, vids in self._construct_vars]

    @property
    def construct_ids(self) -> list[str]:
        """Construct ids of all lexicons, in order: the construct total columns."""
        return list(self._construct_ids)

    def score_text(self, text: str) -> TextScore:
        """Tokenize once, match every lexicon, apply negation scope; return token count and hits."""
        if self._compiled is not None:
            return self._compiled(text)
        norm = self.tokenizer.normalize(text)
        found, n, words = self.matcher.find_with_words(norm)
        hits = [Hit(f.pattern.lexicon, f.pattern.construct, f.pattern.variable, f.pattern.term, f.start, f.end)
                for f in found]
        if not hits:
            return TextScore(n, hits)
        cues = None
        if self._neg_in_matcher:  # the pure-Python reference of the compiled pass
            hits, cues = self.negation.split(norm, hits, words)  # type: ignore[union-attr]
            if not hits:
                return TextScore(n, hits)
        elif self.negation is not None:
            cues = self.negation.cues(norm, hits)
        return TextScore(n, hits, cues, self._multi)

    def _compiled_scorer(self) -> Callable[[str], TextScore] | None:
        """`score_text` on the compiled path as one closure over everything it needs, so that a text costs
        one Python frame and two compiled calls (normalisation, then the scan, which builds the Hit tuples
        and applies negation scope); None when the pure-Python matcher runs."""
        scan, ctx, neg_ctx = self.matcher.compiled_scan(), self._hit_ctx, self._neg_ctx
        if scan is None or ctx is None:
            return None
        prepare, multi = scan_preparer(self.tokenizer.t2s), self._multi
        if neg_ctx is not None:
            def score(text: str) -> TextScore:
                norm, lower_words = prepare(text)
                hits, n, cues = scan(norm, ctx, lower_words, neg_ctx)
                return TextScore(n, hits, cues, multi) if hits else TextScore(n, hits)
            return score
        negation = self.negation  # none, or rule files with `re:` cues: applied here, around the hits

        def score_plain(text: str) -> TextScore:
            norm, lower_words = prepare(text)
            hits, n = scan(norm, ctx, lower_words)
            if not hits:
                return TextScore(n, hits)
            return TextScore(n, hits, negation.cues(norm, hits) if negation is not None else None, multi)
        return score_plain

    def row(self, n_tokens: int, hits: Iterable[Hit]) -> dict[str, float | int]:
        """Count columns for one unit: variables, constructs, total, tokens, rate per 1,000 tokens."""
        per_var: dict[str, int] = {}
        for h in hits:
            per_var[h.variable] = per_var.get(h.variable, 0) + 1
        return self.row_from_counts(n_tokens, per_var)

    def row_from_counts(self, n_tokens: int, per_variable: Mapping[str, int]) -> dict[str, float | int]:
        """`row` from counted hits per variable id (variables not named count 0)."""
        per_var = {v: per_variable.get(v, 0) for v in self._variable_ids}
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
                     offset: int = 0, cue: str = "", overlap: str = "", role: str = "",
                     counted: bool | None = None) -> dict[str, object]:
        """One evidence record; `offset` shifts entry-local spans into document coordinates. `cue` is the
        negation cue scoping over the hit, `overlap` the other lexicons claiming the span, `role` the
        speaker's role; `counted` (default: not negated, or negated hits counted) whether it is in the scores."""
        left, right = _context(text, h.start, h.end, self.context)
        return {"id": unit_id, "doc_id": doc_id, "entry_id": entry_id, "lexicon": h.lexicon,
                "construct": h.construct, "variable": h.variable, "term": h.term,
                "matched": text[h.start:h.end], "start": h.start + offset, "end": h.end + offset,
                "left": left, "right": right,
                "negated": bool(cue), "cue": cue, "overlap": overlap, "role": role,
                "counted": (self.count_negated or not cue) if counted is None else counted}

    def manifest(self) -> dict[str, object]:
        """What a run manifest records about scoring."""
        return {"lexicons": [lex.manifest() for lex in self.lexicons], "tokenizer": self.tokenizer.manifest(),
                "context": self.context, "matcher": "compiled" if self.matcher.native else "python",
                "negation": self.negation.rules.manifest() if self.negation is not None else None,
                "count_negated": self.count_negated}


def corpus_scorer(corpus: Corpus, lexicons: Sequence[Lexicon], tokenizer: Tokenizer | None = None,
                  engine: str = "rjieba", count_negated: bool | None = None,
                  negation: str | Path | bool | None = None) -> Scorer:
    """A Scorer set up by the corpus's [scoring] table; `count_negated` and `negation` (a rule file, or
    False to switch negation off) override it when given."""
    cfg = corpus.config.scoring
    rules: NegationRules | str | Path | bool = cfg.negation if negation is None else negation
    if rules == "default":
        rules = True
    elif isinstance(rules, str) and negation is None:  # a path in corpus.toml is relative to the corpus
        rules = corpus.root / rules
    return Scorer(lexicons, tokenizer, engine, negation=rules,
                  count_negated=cfg.count_negated if count_negated is None else count_negated)


@dataclass
class ScoreResult:
    """A score table (one row per unit) and the evidence behind it (one row per match)."""

    scores: pd.DataFrame
    evidence: pd.DataFrame
    level: str
    variable_ids: list[str]
    construct_ids: list[str]
    construct_lexicon: dict[str, str] = field(default_factory=dict)  # construct id -> lexicon name
    summary: dict[str, Any] = field(default_factory=dict)  # hits, counted, negated, overlap, excluded_*

    def counted_evidence(self) -> pd.DataFrame:
        """The evidence rows that make up the counts (negated hits and excluded speakers left out)."""
        ev = self.evidence
        return ev[ev["counted"].astype(bool)] if "counted" in ev.columns and len(ev) else ev


def score_corpus(corpus: Corpus, scorer: Scorer, level: str = "document", dedupe: bool = False,
                 exclude_roles: Sequence[str] | None = None) -> ScoreResult:
    """Score every entry; document rows sum their entries. With `dedupe`, entries flagged as
    near-duplicates of an earlier entry count zero tokens and zero hits (their rows stay); so do junk
    entries (corpus.content_entries) unless the corpus keeps them. Entries whose speaker has one of
    `exclude_roles` (default: corpus.toml [scoring], i.e. interviewers) count nothing either; their hits stay
    in the evidence with counted = false. Rates of units without tokens are NaN."""
    if level not in LEVELS:
        raise ConfigError(f"unknown level {level!r}", hint=f"choose one of {', '.join(LEVELS)}")
    if not hasattr(corpus, "entries"):
        raise ConfigError(f"score_corpus needs a Corpus, not a {type(corpus).__name__}",
                          hint="ct.score(df) scores a DataFrame of texts; ct.Corpus.from_frame(df) makes a Corpus")
    docs, entries = score_levels(corpus, scorer, dedupe, exclude_roles)
    return entries if level == "entry" else docs


def score_levels(corpus: Corpus, scorer: Scorer, dedupe: bool = False,
                 exclude_roles: Sequence[str] | None = None,
                 score_many: Callable[[Sequence[str]], Sequence[TextScore]] | None = None,
                 ) -> tuple[ScoreResult, ScoreResult]:
    """(document-level, entry-level) results from one pass over the entries: each is tokenized once.
    `score_many` scores a list of texts (default: this scorer, in this process); scoring.parallel supplies
    one that runs in worker processes or on Dask with the same results. Negated hits (unless the scorer
    counts them) and hits in entries of an excluded role (default: corpus.toml [scoring]) are kept in the
    evidence but not counted; `ScoreResult.summary` says how many. scoring.chunked does the same pass chunk
    by chunk into Parquet files (bounded memory), with identical results."""
    levels = LevelScoring(corpus, scorer, dedupe, exclude_roles)
    part = levels.score_chunk(0, len(levels), score_many)
    entry_ev = part.evidence
    doc_ev = entry_ev.assign(id=entry_ev["doc_id"])
    return levels.result("document", levels.doc_frame(), doc_ev), levels.result("entry", part.entries, entry_ev)


class LevelScoring:
    """One pass over a corpus's entries, in slices: each slice (an `EntryChunk`: its entries and their
    documents) gives its entry rows and evidence rows (scoring.rows), while document counts and the summary
    accumulate (a document's count vector, never its hits), so the pass can run in bounded memory
    (scoring.chunked, in this process or in workers) or all at once (score_levels) with the same results."""

    def __init__(self, corpus: Corpus, scorer: Scorer, dedupe: bool = False,
                 exclude_roles: Sequence[str] | None = None) -> None:
        self.corpus, self.scorer = corpus, scorer
        entries = corpus.entries
        self.excluded = set(corpus.config.scoring.exclude_roles if exclude_roles is None else exclude_roles)
        # the row of a junk entry (menus, markup, ...) or, with dedupe, a duplicate stays but counts nothing
        skip = ~corpus.content_mask()
        if dedupe:
            skip |= entries["dup_of"].fillna("-").ne("").to_numpy(dtype=bool)  # a missing value counts as set
        # turn labels as compared (speaker_labels); roles are found chunk by chunk (scoring.rows). Column-wise:
        # a Python list of every entry's id and label took over 100 MB at a million entries
        speakers = entries["speaker"].reset_index(drop=True)
        if speakers.dtype == object:
            speakers = pd.Series(speaker_labels(speakers.tolist()), dtype="str")
        else:  # a str column: what speaker_labels makes of its values (a missing one reads "nan")
            speakers = speakers.fillna("nan")
        has_label = (speakers != "").to_numpy(dtype=bool)
        self._labelled = set(entries["doc_id"][has_label].unique().tolist())
        self.table = entries[["entry_id", "doc_id", "start", "text"]].reset_index(drop=True)
        self.table["skip"] = skip
        self.table["speaker"] = speakers
        meta = ("outlet", *corpus.meta_columns)  # document metadata travels into the evidence too
        self.settings = RowSettings(corpus.config.scoring, frozenset(self.excluded), (*META, *meta), meta)
        self._docs = corpus.docs.set_index("doc_id")[list(dict.fromkeys([*DOC_COLUMNS, *META, *meta]))]
        self._doc_pos = {d: i for i, d in enumerate(corpus.docs["doc_id"].tolist())}
        self.doc_tokens = np.zeros(len(self._doc_pos), dtype=np.int64)
        self.doc_counts = np.zeros((len(self._doc_pos), len(scorer.variable_ids)), dtype=np.int64)
        self.summary = dict.fromkeys(SUMMARY_KEYS, 0)

    def __len__(self) -> int:
        return len(self.table)

    def chunk(self, lo: int, hi: int, index: int = 0) -> EntryChunk:
        """Entries lo..hi-1 with the rows of their documents: what a worker needs to score them."""
        part = self.table.iloc[lo:hi].reset_index(drop=True)
        ids = part["doc_id"].unique()
        return EntryChunk(part, self._docs.loc[ids], frozenset(self._labelled.intersection(ids)), index, lo)

    def add(self, part: ChunkScores) -> None:
        """Add a scored chunk's document counts and summary to the totals."""
        rows = np.fromiter((self._doc_pos[d] for d in part.doc_ids), dtype=np.int64, count=len(part.doc_ids))
        self.doc_tokens[rows] += part.doc_tokens  # each document appears once in a chunk's counts
        self.doc_counts[rows] += part.doc_counts
        for k, v in part.summary.items():
            self.summary[k] += v

    def score_chunk(self, lo: int, hi: int,
                    score_many: Callable[[Sequence[str]], Sequence[TextScore]] | None = None) -> ChunkScores:
        """Entry rows and evidence rows (frames) of entries lo..hi-1, scored in this process (`score_many`, when
        given, scores the texts); document counts and the summary accumulate."""
        chunk = self.chunk(lo, hi)
        scored = None
        if score_many is not None:
            ent = chunk.entries
            scored = score_many([t for t, s in zip(ent["text"].tolist(), ent["skip"].tolist(), strict=True)
                                 if not s])
        part = score_entries(self.scorer, chunk, self.settings, scored)
        self.add(part)
        return part

    def doc_frame(self) -> pd.DataFrame:
        """One row per document (corpus order): the sums of its entries so far."""
        ids = list(self._doc_pos)
        return score_frame(self.scorer, "document", ids, ids, self.doc_counts, self.doc_tokens, self._docs,
                           self.settings.score_meta)

    def evidence_frame(self, rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
        """Evidence rows as a frame in contract order, with the document metadata joined."""
        ev = pd.DataFrame(rows, columns=list(schema.EVIDENCE))
        return ev.join(self._docs[list(self.settings.evidence_meta)], on="doc_id")

    @property
    def info(self) -> dict[str, Any]:
        """The summary of what was counted and left out, so far."""
        return {"excluded_roles": sorted(self.excluded), "count_negated": self.scorer.count_negated, **self.summary}

    def score_frame(self, level: str, rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
        """Score rows plus document metadata, columns in contract order."""
        return _score_frame(self.corpus, self.scorer, level, rows)

    def result(self, level: str, scores: pd.DataFrame, evidence: pd.DataFrame) -> ScoreResult:
        """A ScoreResult of one level's score table with `evidence`."""
        return ScoreResult(scores, evidence, level, self.scorer.variable_ids, self.scorer.construct_ids,
                           dict(self.scorer.construct_lexicon), self.info)


def _score_frame(corpus: Corpus, scorer: Scorer, level: str, rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    scores = pd.DataFrame(rows)
    meta = [*META, "outlet", *corpus.meta_columns]
    if len(scores):
        scores = scores.join(corpus.docs.set_index("doc_id")[meta], on="doc_id")
    lead = ["id", "doc_id"] + (["entry_id"] if level == "entry" else []) + meta
    count_cols = [*scorer.variable_ids, *scorer.construct_ids, "total", "n_tokens", "rate_per_1k"]
    return scores.reindex(columns=lead + count_cols)


def score_records(records: Iterable[tuple[str, str]], scorer: Scorer,
                  evidence: list[dict[str, object]] | None = None) -> Iterator[dict[str, object]]:
    """Stream (id, text) pairs to score rows; evidence rows are appended to `evidence` if given."""
    for rid, text in records:
        ts = scorer.score_text(text)
        if evidence is not None:
            cues, over = ts.cues, ts.overlap()
            evidence.extend(scorer.evidence_row(rid, "", "", text, h, cue=cues[k] if cues is not None else "",
                                                overlap=over[k] if over is not None else "")
                            for k, h in enumerate(ts.hits))
        yield {"id": rid, **scorer.row(ts.n_tokens, ts.counted(scorer.count_negated))}


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
