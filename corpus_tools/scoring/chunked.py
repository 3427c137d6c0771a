"""Score a corpus chunk by chunk into Parquet files (entry scores and evidence), in bounded memory.

The same pass as `score_levels` (scoring.score.LevelScoring), cut into slices of `chunk_entries` entries:
each slice is scored (in worker processes or on Dask when `score_many` says so), its entry rows and evidence
rows go to Parquet as one row group, and only the document count vectors and the summary stay in memory. The
files are identical to the frames of the in-memory pass (tests/scoring/test_chunked.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.io.parquet_parts import ParquetParts, read_frame
from corpus_tools.scoring.score import LevelScoring, Scorer, ScoreResult, TextScore

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus

CHUNK_ENTRIES = 20_000  # entries per slice: a few MB of evidence per chunk, few enough chunks to stay fast
ENTRY_SCORES_FILE = "scores_entries.parquet"
EVIDENCE_FILE = "evidence.parquet"


@dataclass
class ScoredFiles:
    """Document scores in memory (one row per document; no evidence), entry scores and evidence on disk."""

    documents: ScoreResult
    entry_scores: Path
    evidence: Path
    chunks: int = 0

    def entries(self, columns: Sequence[str] | None = None) -> ScoreResult:
        """Entry-level scores read from disk (only `columns` when given: the count columns a step needs keep
        memory down); the evidence stays on disk (an empty frame here)."""
        d = self.documents
        return ScoreResult(read_frame(self.entry_scores, columns), empty_evidence(), "entry", d.variable_ids,
                           d.construct_ids, dict(d.construct_lexicon), dict(d.summary))


def empty_evidence() -> pd.DataFrame:
    """An evidence frame with the contract columns and no rows."""
    return pd.DataFrame(columns=list(schema.EVIDENCE))


def score_to_parquet(corpus: Corpus, scorer: Scorer, folder: Path | str, dedupe: bool = False,
                     exclude_roles: Sequence[str] | None = None,
                     score_many: Callable[[Sequence[str]], Sequence[TextScore]] | None = None,
                     chunk_entries: int = CHUNK_ENTRIES,
                     progress: Callable[[str], None] | None = None) -> ScoredFiles:
    """Score every entry of `corpus` into `folder`/scores_entries.parquet and `folder`/evidence.parquet, chunk by
    chunk (each file appears only when complete); returns the document scores with the files' paths."""
    import pyarrow as pa

    folder = Path(folder)
    levels = LevelScoring(corpus, scorer, dedupe, exclude_roles)
    n = len(corpus.entries)
    step = max(1, int(chunk_entries))
    meta_types = _types(corpus.docs)
    ev_types = {**meta_types, **dict.fromkeys(("start", "end"), pa.int64()),
                **dict.fromkeys(("negated", "counted"), pa.bool_())}
    with ParquetParts(folder / ENTRY_SCORES_FILE, meta_types) as entry_file, \
            ParquetParts(folder / EVIDENCE_FILE, ev_types) as ev_file:
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            if progress is not None and n > step:
                progress(f"scoring entries {lo + 1:,}-{hi:,} of {n:,}")
            rows, evidence = levels.score_chunk(lo, hi, score_many)
            entry_file.write(levels.score_frame("entry", rows))
            if evidence:
                ev_file.write(levels.evidence_frame(evidence))
        chunks = entry_file.chunks
        entry_file.close(empty=levels.score_frame("entry", []))
        ev_file.close(empty=levels.evidence_frame([]))
    docs = levels.result("document", levels.doc_rows(), empty_evidence())
    return ScoredFiles(docs, folder / ENTRY_SCORES_FILE, folder / EVIDENCE_FILE, chunks)


def _types(docs: pd.DataFrame) -> dict[str, Any]:
    """Arrow types of the document columns, for chunks where a metadata column happens to be all missing."""
    import pyarrow as pa

    cols = [c for c in docs.columns if c != "text"]
    schema_ = pa.Schema.from_pandas(docs[cols], preserve_index=False)
    return {f.name: f.type for f in schema_ if not pa.types.is_null(f.type)}
