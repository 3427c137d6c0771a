"""Streaming score of large tables of texts, chunk by chunk, in constant memory."""

from __future__ import annotations

from collections.abc import Sequence
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


def score_table_file(path: Path, output: Path, lexicons: Sequence[str], engine: str = "rjieba",
                     text_col: str = "text", id_col: str = "id", evidence_path: Path | None = None,
                     chunksize: int = 2000, count_negated: bool = False,
                     negation: str | Path | bool = True) -> tuple[int, int]:
    """Score every row of a CSV/JSONL/XLSX table into `output`; returns (rows, counted matches)."""

    scorer = build_scorer(lexicons, engine, count_negated=count_negated, negation=negation)
    writer = TableWriter(output)
    ev_writer = TableWriter(evidence_path) if evidence_path else None
    rows = hits = 0
    columns = ["id", *scorer.variable_ids, *scorer.construct_ids, "total", "n_tokens", "rate_per_1k"]
    for chunk in iter_table(path, text_col, id_col, chunksize):
        ev: list[dict[str, object]] = []
        scored = list(score_records(zip(chunk["id"], chunk["text"], strict=True), scorer,
                                    ev if ev_writer else None))
        writer.write(pd.DataFrame(scored, columns=columns))
        if ev_writer:
            ev_writer.write(pd.DataFrame(ev, columns=list(schema.EVIDENCE)))
        rows += len(scored)
        hits += sum(int(r["total"]) for r in scored)  # type: ignore[call-overload]
    writer.close()
    if ev_writer:
        ev_writer.close()
    return rows, hits
