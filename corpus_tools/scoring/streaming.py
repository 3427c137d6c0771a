"""Streaming score of large tables of texts, chunk by chunk, in constant memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from corpus_tools import schema
from corpus_tools.io.tables import TableWriter, iter_table
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.score import Scorer, score_records
from corpus_tools.text.tokenize import Tokenizer


def build_scorer(lexicons: Sequence[str], engine: str = "rjieba", base: Path | None = None,
                 count_negated: bool = False, negation: str | Path | bool = True) -> Scorer:
    """A Scorer over the named lexicons with a fresh tokenizer (negation rules: the shipped ones by default)."""
    return Scorer([load_lexicon(ref, base) for ref in lexicons], Tokenizer(engine), negation=negation,
                  count_negated=count_negated)


@dataclass
class TableScoreRun:
    """What streaming a table through the scorer did: rows, counted matches and rows with an empty text."""

    rows: int = 0
    hits: int = 0
    empty: list[str] = field(default_factory=list)


def score_table_file(path: Path, output: Path | str, lexicons: Sequence[str], engine: str = "rjieba",
                     text_col: str | None = None, id_col: str | None = None, evidence_path: Path | None = None,
                     chunksize: int = 2000, fmt: str | None = None, count_negated: bool = False,
                     negation: str | Path | bool = True) -> TableScoreRun:
    """Score every row of a CSV/TSV/JSONL/XLSX/Parquet table into `output` (`-`: standard output), chunk by
    chunk; the table's other columns are kept beside the counts (and in the evidence). Empty texts get
    missing rates (NaN) and are listed in the returned run; negated hits are kept in the evidence, not counted
    (unless `count_negated`)."""
    scorer = build_scorer(lexicons, engine, count_negated=count_negated, negation=negation)
    writer = TableWriter(output, fmt=fmt)
    ev_writer = TableWriter(evidence_path) if evidence_path else None
    run = TableScoreRun()
    counts = [*scorer.variable_ids, *scorer.construct_ids, "total", "n_tokens", "rate_per_1k"]
    for chunk in iter_table(path, text_col, id_col, chunksize, meta=True):
        ev: list[dict[str, object]] = []
        scored = pd.DataFrame(list(score_records(zip(chunk["id"], chunk["text"], strict=True), scorer,
                                                 ev if ev_writer else None)), columns=["id", *counts])
        meta = chunk.drop(columns=["text"]).rename(columns=lambda c: c if c not in counts else f"meta_{c}")
        writer.write(meta.reset_index(drop=True).merge(scored, on="id", how="left", sort=False))
        if ev_writer:
            evidence = pd.DataFrame(ev, columns=list(schema.EVIDENCE))
            ev_writer.write(evidence.merge(meta, on="id", how="left", sort=False))
        run.rows += len(scored)
        run.hits += int(scored["total"].sum())
        run.empty.extend(chunk.loc[chunk["text"].str.strip() == "", "id"].astype(str))
    writer.close()
    if ev_writer:
        ev_writer.close()
    return run
