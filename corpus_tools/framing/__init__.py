"""Framing over time: shares by period and source, stage comparisons, distinctive words, triangulation.

Public entry point: `run_framing(corpus, scores, tokenizer)` → FramingResult (frames with the
schema.FRAMING_* / DISTINCTIVE_WORDS / TRIANGULATION* contracts). Every interval and p-value is seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.framing.compare import compare_groups
from corpus_tools.framing.matrix import doc_matrix
from corpus_tools.framing.periods import BYS, UNDATED, doc_periods, period_order
from corpus_tools.framing.shares import period_shares
from corpus_tools.framing.triangulation import triangulation, triangulation_summary
from corpus_tools.framing.words import fightin_words, group_counts

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.scoring.score import ScoreResult
    from corpus_tools.text.tokenize import Tokenizer

__all__ = ["BYS", "FramingResult", "entry_content_words", "run_framing"]


@dataclass
class FramingResult:
    """Every framing table of a run, plus notes on what could not be computed and why."""

    shares: pd.DataFrame
    tests: pd.DataFrame
    diffs: pd.DataFrame
    words: pd.DataFrame
    triangulation: pd.DataFrame
    triangulation_summary: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_tables(self) -> dict[str, pd.DataFrame]:
        """Table name → frame (names are CSV file stems)."""
        return {"framing_shares": self.shares, "framing_tests": self.tests, "framing_diffs": self.diffs,
                "distinctive_words": self.words, "triangulation": self.triangulation,
                "triangulation_summary": self.triangulation_summary}


def entry_content_words(corpus: Corpus, tokenizer: Tokenizer) -> dict[str, list[str]]:
    """entry_id → content words (stop words, numbers and single characters removed)."""
    return {str(e): tokenizer.content_words(t) for e, t in zip(corpus.entries["entry_id"], corpus.entries["text"],
                                                               strict=True)}


def run_framing(corpus: Corpus, scores: ScoreResult, tokenizer: Tokenizer | None = None, *, seed: int = 0,
                n_boot: int = 1000, n_perm: int = 999, ci: float = 0.95, bys: Sequence[str] = BYS,
                tokens: Mapping[str, Sequence[str]] | None = None, dedupe: bool = False, top_n: int = 30,
                min_count: int = 3, progress: Callable[[str], None] | None = None) -> FramingResult:
    """Shares per period with bootstrap intervals, stage and source comparisons, distinctive words per
    stage and source (needs `tokenizer` or precomputed `tokens`), and the triangulation matrix."""

    say = progress or (lambda _m: None)
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
                                      n_boot=n_boot, ci=ci, seed=seed) for by in bys], ignore_index=True)
    say("framing: stage and source comparisons")
    stage_labels = list(doc_periods(docs, "stage"))
    source_labels = list(doc_periods(docs, "source_type"))
    t1, d1 = compare_groups(matrix, stage_labels, stage_ids, "stage", n_boot=n_boot, n_perm=n_perm, ci=ci,
                            seed=seed)
    sources = period_order(source_labels, "source_type")
    t2, d2 = compare_groups(matrix, source_labels, sources, "source_type", n_boot=n_boot, n_perm=n_perm, ci=ci,
                            seed=seed)
    say("framing: distinctive words")
    if tokens is None and tokenizer is not None:
        tokens = entry_content_words(corpus, tokenizer)
    words = _words(corpus, tokens, stage_ids, sources, dedupe, top_n, min_count)
    if tokens is None:
        notes.append("distinctive words not computed: no tokenizer given")
    tri = triangulation(matrix, source_labels)
    return FramingResult(shares, pd.concat([t1, t2], ignore_index=True), pd.concat([d1, d2], ignore_index=True),
                         words, tri, triangulation_summary(tri), notes)


def _words(corpus: Corpus, tokens: Mapping[str, Sequence[str]] | None, stage_ids: list[str], sources: list[str],
           dedupe: bool, top_n: int, min_count: int) -> pd.DataFrame:


    if tokens is None:
        return pd.DataFrame(columns=list(schema.DISTINCTIVE_WORDS))
    ent = corpus.entries_with_meta(("source_type", "stage"))
    if dedupe:
        ent = ent[ent["dup_of"].fillna("") == ""]
    unit_tokens = [tokens.get(str(e), ()) for e in ent["entry_id"]]
    frames = []
    for by, groups in (("stage", stage_ids), ("source_type", sources)):
        counts = group_counts(unit_tokens, [str(x) for x in ent[by]], groups)
        frames.append(fightin_words(counts, min_count=min_count, top_n=top_n, by=by))
    return pd.concat(frames, ignore_index=True)


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
