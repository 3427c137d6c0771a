"""Framing over time: shares by period and source, stage comparisons, distinctive words, triangulation.

Public entry point: `run_framing(corpus, scores, tokenizer)` → FramingResult (frames with the
schema.FRAMING_* / DISTINCTIVE_WORDS / TRIANGULATION* contracts). Every interval and p-value is seeded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.framing.compare import adjust_family, compare_groups
from corpus_tools.framing.cooccurrence import affordable, measures_constructs
from corpus_tools.framing.effects import MIN_DOCS, stage_effects
from corpus_tools.framing.entry_words import EntryWords, content_mask
from corpus_tools.framing.keyness import distinctive_words_matrix
from corpus_tools.framing.matrix import doc_matrix
from corpus_tools.framing.periods import BYS, UNDATED, doc_periods, period_order
from corpus_tools.framing.sensitivity import sensitivity
from corpus_tools.framing.shares import period_shares
from corpus_tools.framing.strata import stratified_rates
from corpus_tools.framing.triangulation import triangulation, triangulation_summary
from corpus_tools.io.mapped import factorize, release_pages
from corpus_tools.io.memory import release_memory

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.scoring.score import ScoreResult
    from corpus_tools.text.tokenize import Tokenizer

# documents x permutations of the stage and source comparisons: the bundled corpus (118 documents) runs the
# default 9,999 in about 5 s (benchmarks/bench_permutations.py); archives beyond ~1,200 documents run fewer
COMPARE_BUDGET = 1.2e7
FIG2_LEXICONS = ("government_support", "mass_entrepreneurship")  # (measures, constructs) of the paper's Fig. 2

__all__ = ["BYS", "FIG2_LEXICONS", "EntryWords", "FramingResult", "entry_content_words", "run_framing"]


@dataclass
class FramingResult:
    """Every framing table of a run, plus notes on what could not be computed and why."""

    shares: pd.DataFrame
    tests: pd.DataFrame
    diffs: pd.DataFrame
    words: pd.DataFrame
    triangulation: pd.DataFrame
    triangulation_summary: pd.DataFrame
    measures: pd.DataFrame | None = None
    effects: pd.DataFrame | None = None
    strata: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    adjusted_for: list[str] = field(default_factory=list)

    def to_tables(self) -> dict[str, pd.DataFrame]:
        """Table name → frame (names are CSV file stems)."""
        return {"framing_shares": self.shares, "framing_tests": self.tests, "framing_diffs": self.diffs,
                "distinctive_words": self.words, "triangulation": self.triangulation,
                "triangulation_summary": self.triangulation_summary,
                **({"stage_effects": self.effects} if self.effects is not None else {}),
                **({"measures_constructs": self.measures} if self.measures is not None else {}),
                **({"stage_source_rates": self.strata} if self.strata is not None else {}),
                **({"stage_effects_sensitivity": self.sensitivity} if self.sensitivity is not None else {})}


def entry_content_words(corpus: Corpus, tokenizer: Tokenizer) -> dict[str, list[str]]:
    """entry_id → content words (stop words, numbers and single characters removed). Every occurrence of a word
    is the same str object, so a million entries cost a pointer per token rather than a string."""
    entries = corpus.content_entries  # junk entries (menus, bylines, markup) give no words
    shared: dict[str, str] = {}
    return {str(e): [shared.setdefault(w, w) for w in tokenizer.content_words(t)]
            for e, t in zip(entries["entry_id"], entries["text"], strict=True)}


def run_framing(corpus: Corpus, scores: ScoreResult, tokenizer: Tokenizer | None = None, *, seed: int = 0,
                n_boot: int = 1000, n_perm: int = 9999, ci: float = 0.95, bys: Sequence[str] = BYS,
                tokens: Mapping[str, Sequence[str]] | EntryWords | Callable[[], EntryWords] | None = None,
                dedupe: bool = False, top_n: int = 30,
                min_count: int = 3, progress: Callable[[str], None] | None = None,
                adjust: Sequence[str] | None = None, lexicon_of: Mapping[str, str] | None = None,
                min_docs: int = MIN_DOCS, n_perm_words: int = 999,
                entry_scores: ScoreResult | Callable[[], ScoreResult] | None = None,
                fig2: tuple[str, str] = FIG2_LEXICONS) -> FramingResult:
    """Shares per period with bootstrap intervals, stage and source comparisons, adjusted stage effects
    (covariates: `adjust`, default source type and language) with stage x source strata and their
    sensitivity to the stage assignment, distinctive words per stage and source (needs `tokenizer` or
    precomputed `tokens`: entry_id → content words, or their EntryWords counts), and the triangulation
    matrix. Groups with fewer than `min_docs` documents get no interval or test.

    `tokens` and `entry_scores` may be callables that give them when needed: the tokens are then let go as soon as
    the distinctive words are counted (a caller that hands over `list.pop` of a one-item list keeps no reference),
    and the entry scores are read only for Fig. 2."""
    def say(message: str) -> None:  # what a sub-step freed goes back first: the next one's peak does not stack on it
        release_memory()
        if progress is not None:
            progress(message)

    docs = corpus.docs
    matrix = doc_matrix(scores, docs)
    stage_ids = corpus.config.stage_ids
    notes = _notes(docs, stage_ids)
    if len(matrix.lexicons) > 1:
        n_over = int(scores.summary.get("overlap", 0) or 0)
        notes.append(f"chi-square tests are run per lexicon ({', '.join(matrix.lexicons)}): the lexicons are not "
                     f"exclusive categories ({n_over} hit(s) share a span with the other lexicon's hit, and such "
                     "a span counts once in each lexicon), so their items are never pooled in one table; "
                     "shares are of the item's own lexicon's hits")
    say("framing: shares by period")
    shares = pd.concat([period_shares(matrix, list(doc_periods(docs, by)), by, stage_ids=stage_ids,
                                      n_boot=n_boot, ci=ci, seed=seed, min_docs=min_docs) for by in bys],
                       ignore_index=True)
    say("framing: stage and source comparisons")
    stage_labels = list(doc_periods(docs, "stage"))
    source_labels = list(doc_periods(docs, "source_type"))
    perms = affordable(n_perm, len(docs), COMPARE_BUDGET)
    if perms < n_perm:
        notes.append(f"stage and source comparisons: {perms} permutations instead of {n_perm} ({len(docs)} "
                     "documents; time budget)")
    t1, d1 = compare_groups(matrix, stage_labels, stage_ids, "stage", n_boot=n_boot, n_perm=perms, ci=ci,
                            seed=seed, min_docs=min_docs)
    sources = period_order(source_labels, "source_type")
    t2, d2 = compare_groups(matrix, source_labels, sources, "source_type", n_boot=n_boot, n_perm=perms, ci=ci,
                            seed=seed, min_docs=min_docs)
    say("framing: distinctive words")
    if tokens is None and tokenizer is not None:
        tokens = partial(EntryWords.of_corpus, corpus, tokenizer)
    words, word_notes = _words(corpus, tokens, stage_ids, sources, dedupe, top_n, min_count,
                               n_perm=min(n_perm, n_perm_words), seed=seed, min_docs=min_docs)
    notes.extend(word_notes)
    if tokens is None:
        notes.append("distinctive words not computed: no tokenizer given")
    tokens = None  # the entries' words (a callable's) are not held through the rest
    tri = triangulation(matrix, source_labels)
    say("framing: adjusted stage effects")
    effects = stage_effects(matrix, docs, stage_ids, adjust=adjust, lexicon_of=lexicon_of, min_docs=min_docs, ci=ci)
    notes.extend(effects.notes)
    strata = stratified_rates(matrix, stage_labels, source_labels, stage_ids, min_docs=min_docs)
    sens, sens_notes = sensitivity(
        effects, docs, corpus.config.stages,
        lambda labels: stage_effects(matrix, docs, stage_ids, adjust=adjust, lexicon_of=lexicon_of,
                                     stage_labels=labels, min_docs=min_docs, ci=ci))
    notes.extend(sens_notes)
    diffs = adjust_family(pd.concat([d1, d2], ignore_index=True))
    measures = None
    if entry_scores is not None:
        say("framing: measures x constructs (Fig. 2)")
        measures, fig2_notes = _measures(corpus, entry_scores() if callable(entry_scores) else entry_scores,
                                         lexicon_of or {}, fig2, n_boot=n_boot, n_perm=min(n_perm, n_perm_words),
                                         ci=ci, seed=seed, min_docs=min_docs)
        notes.extend(fig2_notes)
        release_memory()
    return FramingResult(shares, pd.concat([t1, t2], ignore_index=True), diffs,
                         words, tri, triangulation_summary(tri), measures=measures, effects=effects.frame,
                         strata=strata, sensitivity=sens, notes=notes, adjusted_for=effects.adjusted_for)


def _measures(corpus: Corpus, entry_scores: ScoreResult, lexicon_of: Mapping[str, str], fig2: tuple[str, str],
              **kwargs: Any) -> tuple[pd.DataFrame | None, list[str]]:
    """measures_constructs for the two lexicons of `fig2` (measures, constructs), when both were scored."""
    measure_lex, construct_lex = fig2
    items: dict[str, dict[str, list[str]]] = {measure_lex: {}, construct_lex: {}}
    for level, ids in (("variable", entry_scores.variable_ids), ("construct", entry_scores.construct_ids)):
        for i in ids:
            lex = lexicon_of.get(i)
            if lex in items:
                items[lex].setdefault(level, []).append(i)
    if not items[measure_lex] or not items[construct_lex]:
        return None, [f"measures x constructs (Fig. 2) not computed: needs both lexicons {measure_lex} and "
                      f"{construct_lex}"]
    scores = entry_scores.scores
    column = scores["doc_id"]
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.is_monotonic_increasing:
        codes = column.cat.codes.to_numpy()  # codes already in the order of the ids (jobs.analyze reads them so)
        doc_ids = column.cat.categories
    else:  # documents as codes in the order of their ids (what measures_constructs sorts them by)
        codes, doc_ids = factorize(column.astype(str), sort=True)  # Arrow codes: no str per entry
    del column
    stage_of = dict(zip(corpus.docs["doc_id"].astype(str), corpus.docs["stage"].astype(str), strict=True))
    doc_stages, stage_names = pd.factorize(pd.Series([stage_of.get(str(d), UNSTAGED) for d in doc_ids],
                                                     dtype=object))
    entry_stages = doc_stages.astype(np.int16)[codes]  # a small code per entry, not a str
    return measures_constructs(scores, codes, entry_stages, items[measure_lex], items[construct_lex],
                               corpus.config.stage_ids, stage_names=[str(x) for x in stage_names], **kwargs)


def _words(corpus: Corpus, tokens: Mapping[str, Sequence[str]] | EntryWords | Callable[[], EntryWords] | None,
           stage_ids: list[str],
           sources: list[str], dedupe: bool, top_n: int, min_count: int, *, n_perm: int = 999, seed: int = 0,
           min_docs: int = MIN_DOCS) -> tuple[pd.DataFrame, list[str]]:
    """Distinctive words per stage and per source type, from document-level word counts (the unit the
    permutation null shuffles); groups with fewer than `min_docs` documents are left out."""
    if tokens is None:
        return pd.DataFrame(columns=list(schema.DISTINCTIVE_WORDS)), []
    entry_words = tokens() if callable(tokens) else tokens if isinstance(tokens, EntryWords) \
        else EntryWords.from_mapping(tokens)
    del tokens  # a callable's words are let go as soon as they are summed to documents
    ent = corpus.entries[["entry_id", "doc_id", *(["dup_of"] if dedupe else [])]]  # not the texts
    rows = entry_words.rows_of(ent["entry_id"], content_mask(corpus))
    doc_ids = ent["doc_id"]
    if dedupe:
        first = np.asarray(ent["dup_of"].fillna("") == "", dtype=bool)
        rows, doc_ids = rows[first], doc_ids[first]
    del ent
    release_pages()  # the entries' ids, when mapped (io.mapped), were read whole: their pages need not stay
    counts = entry_words.doc_words(doc_ids, rows)  # documents x words as sums of the entries' rows, never whole
    words, docs = counts.words, counts.docs
    del entry_words, rows, doc_ids
    release_pages()
    frames, notes = [], []
    for by, groups in (("stage", stage_ids), ("source_type", sources)):
        labels = {str(d): str(g) for d, g in zip(corpus.docs["doc_id"], corpus.docs[by], strict=True)}
        sizes = Counter(labels[d] for d in docs if d in labels)
        small = [g for g in groups if 0 < sizes.get(g, 0) < min_docs]
        if small:
            notes.append(f"distinctive words by {by}: {', '.join(small)} left out (fewer than {min_docs} documents)")
        keep = [g for g in groups if sizes.get(g, 0) >= min_docs]
        frame, more = distinctive_words_matrix(counts, words, docs, labels, keep, by=by, min_count=min_count,
                                               top_n=top_n, n_perm=n_perm, seed=seed)
        frames.append(frame)
        notes.extend(more)
    return pd.concat(frames, ignore_index=True), notes


def _notes(docs: pd.DataFrame, stage_ids: list[str]) -> list[str]:
    notes = []
    n_undated = int((doc_periods(docs, "year") == UNDATED).sum())
    if n_undated:
        notes.append(f"{n_undated} undated document(s): shown as '{UNDATED}' by year and quarter and as "
                     f"'{UNSTAGED}' by stage; left out of stage comparisons")
    n_unstaged = int((docs["stage"] == UNSTAGED).sum()) - n_undated
    if n_unstaged > 0:
        notes.append(f"{n_unstaged} dated document(s) fall in no stage: left out of stage comparisons")
    for sid in stage_ids:
        if not (docs["stage"] == sid).any():
            notes.append(f"stage {sid!r} has no documents: its rates are undefined and it is left out of tests")
    if len(stage_ids) < 2:
        notes.append("fewer than two stages declared in corpus.toml: no stage comparison")
    return notes
