"""Score a corpus chunk by chunk into Parquet files (entry scores and evidence), in bounded memory.

The same pass as `score_levels` (scoring.score.LevelScoring), cut into slices of `chunk_entries` entries:
each slice is scored whole (texts, entry rows, evidence rows as Arrow tables) in this process, in worker
processes or on Dask (scoring.chunk_pool) while this process writes the previous slice as one row group; only
the document count vectors and the summary stay in memory. The files are identical to the frames of the
in-memory pass and the same however many workers run (tests/scoring/test_chunked.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.io.parquet_parts import ParquetParts, read_frame
from corpus_tools.scoring.chunk_pool import ChunkJob, ChunkRunner, score_chunk_tables
from corpus_tools.scoring.rows import ChunkScores
from corpus_tools.scoring.score import LevelScoring, Scorer, ScoreResult, TextScore

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus

CHUNK_ENTRIES = 10_000  # entries per slice: fine enough to balance two workers, coarse enough to stay fast
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
                     progress: Callable[[str], None] | None = None,
                     workers: int = 1, dask: str | None = None, runner: ChunkRunner | None = None) -> ScoredFiles:
    """Score every entry of `corpus` into `folder`/scores_entries.parquet and `folder`/evidence.parquet, chunk by
    chunk (each file appears only when complete); returns the document scores with the files' paths.

    Each chunk runs whole (scoring, entry rows, evidence rows) in this process, in `workers` processes or on Dask
    (`dask`; or an open `runner`), while this process writes the previous one; `score_many` instead scores
    only the texts elsewhere and builds the rows here. Every way gives the same files."""
    import pyarrow as pa

    folder = Path(folder)
    levels = LevelScoring(corpus, scorer, dedupe, exclude_roles)
    n = len(levels)
    step = max(1, int(chunk_entries))
    meta_types = _types(corpus.docs)
    ev_types = {**meta_types, **dict.fromkeys(("start", "end"), pa.int64()),
                **dict.fromkeys(("negated", "counted"), pa.bool_())}
    bounds = [(lo, min(n, lo + step)) for lo in range(0, n, step)]
    own = False
    with ParquetParts(folder / ENTRY_SCORES_FILE, meta_types) as entry_file, \
            ParquetParts(folder / EVIDENCE_FILE, ev_types) as ev_file:
        if score_many is not None:
            parts: Iterator[ChunkScores] = (levels.score_chunk(lo, hi, score_many) for lo, hi in bounds)
            write = _writer(entry_file, ev_file, None)
        else:
            if runner is None:
                own, runner = True, ChunkRunner(scorer, workers, dask)
            job = ChunkJob.of(scorer, levels.settings)
            parts = runner.map(score_chunk_tables, job, levels, bounds)
            write = _writer(entry_file, ev_file, levels)
        try:
            for (lo, hi), part in zip(bounds, parts, strict=True):
                if progress is not None and n > step:
                    progress(f"scoring entries {lo + 1:,}-{hi:,} of {n:,}")
                write(part)
        finally:
            if own and runner is not None:
                runner.close()
        chunks = entry_file.chunks
        entry_file.close(empty=levels.score_frame("entry", []))
        ev_file.close(empty=levels.evidence_frame([]))
    docs = levels.result("document", levels.doc_frame(), empty_evidence())
    return ScoredFiles(docs, folder / ENTRY_SCORES_FILE, folder / EVIDENCE_FILE, chunks)


def _writer(entry_file: ParquetParts, ev_file: ParquetParts,
            levels: LevelScoring | None) -> Callable[[ChunkScores], None]:
    """Write one scored chunk (and add its document counts to `levels`, when the chunk ran elsewhere)."""

    def write(part: ChunkScores) -> None:
        if levels is not None:
            levels.add(part)
        entry_file.write(part.entries)
        if part.evidence is not None and len(part.evidence):
            ev_file.write(part.evidence)

    return write


def _types(docs: pd.DataFrame) -> dict[str, Any]:
    """Arrow types of the document columns, for chunks where a metadata column happens to be all missing."""
    import pyarrow as pa

    cols = [c for c in docs.columns if c != "text"]
    schema_ = pa.Schema.from_pandas(docs[cols], preserve_index=False)
    return {f.name: f.type for f in schema_ if not pa.types.is_null(f.type)}
