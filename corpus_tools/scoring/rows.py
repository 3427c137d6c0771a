"""Entry-score rows, evidence rows and document count vectors of one chunk of entries, built column by column.

The one place a chunk of entries becomes rows: `LevelScoring` (scoring.score) calls it in this process, the
whole-chunk worker task (scoring.chunk_pool) in worker processes or on Dask, so every way of running gives the
same frames. A chunk carries its entries (id, document, offset, text, skip flag, speaker role) and the rows of
its documents (full text for the evidence context, metadata for the joins); nothing else of the corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import ScoringConfig
from corpus_tools.corpus.speakers import roles_of

META = ("source_type", "stage", "date", "year", "lang", "title")
CHUNK_COLUMNS = ("entry_id", "doc_id", "start", "text", "skip", "speaker")  # what a chunk carries per entry
DOC_COLUMNS = ("text", "speaker", "role")  # ... and per document, besides the metadata the rows join
SUMMARY_KEYS = ("hits", "counted", "negated", "overlap", "excluded_entries", "excluded_hits", "excluded_tokens")


class Scorer(Protocol):
    """What rows need of a scoring.score.Scorer (named here so this module does not import that one)."""

    count_negated: bool
    context: int

    @property
    def variable_ids(self) -> list[str]: ...

    @property
    def construct_ids(self) -> list[str]: ...

    @property
    def construct_variables(self) -> list[tuple[str, list[str]]]: ...

    def score_text(self, text: str) -> Any: ...


@dataclass
class EntryChunk:
    """The entries of one chunk (CHUNK_COLUMNS, corpus order; `skip`: a duplicate or junk entry that counts
    nothing, `speaker`: its turn label) and their documents (indexed by doc_id: DOC_COLUMNS and the metadata
    the rows join), with which of those documents have turn labels: all a worker needs to score them."""

    entries: pd.DataFrame
    docs: pd.DataFrame
    labelled: frozenset[str] = frozenset()
    index: int = 0  # position of the chunk in the run (for messages)
    first: int = 0  # corpus position of its first entry


@dataclass(frozen=True)
class RowSettings:
    """What every chunk of a run shares besides the scorer: how speakers' roles are found (corpus.toml
    [scoring]), roles left out of the counts and the document metadata columns joined to entry rows
    (`score_meta`) and to evidence rows (`evidence_meta`)."""

    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    excluded: frozenset[str] = frozenset()
    score_meta: tuple[str, ...] = (*META, "outlet")
    evidence_meta: tuple[str, ...] = ("outlet",)


@dataclass
class ChunkScores:
    """What one chunk gives: entry rows and evidence rows (frames, or Arrow tables once a worker converted
    them), the count vector and token count of each of its documents (`doc_ids` order), and the summary."""

    entries: Any
    evidence: Any
    doc_ids: list[str]
    doc_tokens: np.ndarray
    doc_counts: np.ndarray
    summary: dict[str, int] = field(default_factory=dict)


def count_columns(scorer: Scorer, counts: np.ndarray, n_tokens: np.ndarray) -> dict[str, Any]:
    """The count columns (variables, constructs, total, n_tokens, rate_per_1k) of units with these
    per-variable counts (units × variables) and token counts: `Scorer.row_from_counts` for many units."""
    vids = scorer.variable_ids
    pos = {v: j for j, v in enumerate(vids)}
    out: dict[str, Any] = {v: counts[:, j] for j, v in enumerate(vids)}
    total = np.zeros(len(n_tokens), dtype=np.int64)
    for cid, cvars in scorer.construct_variables:
        c = counts[:, [pos[v] for v in cvars]].sum(axis=1, dtype=np.int64) if cvars else np.zeros_like(total)
        out[cid] = c
        total += c
    out["total"] = total
    out["n_tokens"] = np.asarray(n_tokens, dtype=np.int64)
    nan = float("nan")
    out["rate_per_1k"] = np.array([round(1000 * t / n, 3) if n else nan  # the same rounding as row_from_counts
                                   for t, n in zip(total.tolist(), out["n_tokens"].tolist(), strict=True)],
                                  dtype=np.float64)
    return out


def score_frame(scorer: Scorer, level: str, ids: Any, doc_ids: Any, counts: np.ndarray,
                n_tokens: np.ndarray, docs: pd.DataFrame, meta: Sequence[str]) -> pd.DataFrame:
    """A score table in contract order: id, doc_id (entry_id), metadata joined from `docs`, count columns.
    `ids` and `doc_ids` are lists or string arrays (a chunk's own columns, used without conversion)."""
    lead = ["id", "doc_id"] + (["entry_id"] if level == "entry" else []) + list(meta)
    count_cols = [*scorer.variable_ids, *scorer.construct_ids, "total", "n_tokens", "rate_per_1k"]
    if not len(ids):
        return pd.DataFrame(columns=lead + count_cols)
    cols: dict[str, Any] = {"id": ids, "doc_id": doc_ids}
    if level == "entry":
        cols["entry_id"] = ids
    frame = pd.DataFrame({**cols, **count_columns(scorer, counts, n_tokens)})
    return frame.join(docs[list(meta)], on="doc_id").reindex(columns=lead + count_cols)


def score_entries(scorer: Scorer, chunk: EntryChunk, settings: RowSettings,
                  scored: Sequence[Any] | None = None) -> ChunkScores:
    """Score the chunk's entries (or take `scored`, the scores of its non-skipped texts in order) and build
    its rows. Skipped entries (duplicates, junk) keep a row that counts nothing; entries of an excluded role
    keep their hits in the evidence (counted = false) and count nothing."""
    ent = chunk.entries
    eids: list[str] = ent["entry_id"].tolist()
    dids: list[str] = ent["doc_id"].tolist()
    starts: list[int] = ent["start"].tolist()
    skips: list[bool] = ent["skip"].tolist()
    roles = roles_of(dids, ent["speaker"].tolist(), chunk.docs, chunk.labelled, settings.scoring)
    if scored is None:
        texts = ent["text"].tolist()
        scored = [scorer.score_text(t) for t, s in zip(texts, skips, strict=True) if not s]
    n, vids = len(eids), scorer.variable_ids
    n_vars = len(vids)
    var_pos = {v: j for j, v in enumerate(vids)}
    doc_pos: dict[str, int] = {}
    for d in dids:
        doc_pos.setdefault(d, len(doc_pos))
    doc_text = dict(zip(chunk.docs.index.tolist(), chunk.docs["text"].tolist(), strict=True))
    excluded, count_negated, width = settings.excluded, scorer.count_negated, scorer.context
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    n_tokens = np.zeros(n, dtype=np.int64)
    cells: list[int] = []  # entry * n_vars + variable, one per counted hit
    ev: dict[str, list[Any]] = {c: [] for c in schema.EVIDENCE}
    (e_id, e_doc, e_lex, e_con, e_var, e_term, e_match, e_start, e_end, e_left, e_right, e_neg, e_cue, e_over,
     e_role, e_counted) = (ev[c] for c in ("id", "doc_id", "lexicon", "construct", "variable", "term", "matched",
                                           "start", "end", "left", "right", "negated", "cue", "overlap", "role",
                                           "counted"))
    todo = np.flatnonzero(~np.asarray(skips, dtype=bool)).tolist()
    for i, ts in zip(todo, scored, strict=True):
        hits = ts.hits
        role = roles[i]
        out = role in excluded
        if hits:
            eid, did, off = eids[i], dids[i], starts[i]
            full = doc_text[did]
            cues, over = ts.cues, ts.overlap()
            for k, h in enumerate(hits):
                cue = cues[k] if cues is not None else ""
                s, e = h.start + off, h.end + off
                e_id.append(eid)
                e_doc.append(did)
                e_lex.append(h.lexicon)
                e_con.append(h.construct)
                e_var.append(h.variable)
                e_term.append(h.term)
                e_match.append(full[s:e])
                e_start.append(s)
                e_end.append(e)
                e_left.append(full[max(0, s - width):s].replace("\n", " "))
                e_right.append(full[e:e + width].replace("\n", " "))
                e_neg.append(bool(cue))
                e_cue.append(cue)
                e_over.append(over[k] if over is not None else "")
                e_role.append(role)
                e_counted.append(not out and (count_negated or not cue))
            summary["hits"] += len(hits)
            summary["negated"] += sum(1 for c in cues if c) if cues is not None else 0
            summary["overlap"] += sum(1 for o in over if o) if over is not None else 0
        if out:
            summary["excluded_entries"] += 1
            summary["excluded_hits"] += len(hits)
            summary["excluded_tokens"] += ts.n_tokens
            continue
        counted = ts.counted(count_negated)
        summary["counted"] += len(counted)
        n_tokens[i] = ts.n_tokens
        base = i * n_vars
        for h in counted:
            j = var_pos.get(h.variable)
            if j is not None:
                cells.append(base + j)
    counts = np.bincount(np.asarray(cells, dtype=np.int64), minlength=n * n_vars).reshape(n, n_vars)
    rows_doc = np.fromiter((doc_pos[d] for d in dids), dtype=np.int64, count=n)
    doc_counts = np.zeros((len(doc_pos), n_vars), dtype=np.int64)
    np.add.at(doc_counts, rows_doc, counts)
    doc_tokens = np.zeros(len(doc_pos), dtype=np.int64)
    np.add.at(doc_tokens, rows_doc, n_tokens)
    ev["entry_id"] = e_id
    entries = score_frame(scorer, "entry", ent["entry_id"].array, ent["doc_id"].array, counts, n_tokens, chunk.docs,
                          settings.score_meta)
    evidence = evidence_frame(ev if e_id else None, chunk.docs, settings.evidence_meta)
    return ChunkScores(entries, evidence, list(doc_pos), doc_tokens, doc_counts, summary)


def evidence_frame(columns: dict[str, list[Any]] | None, docs: pd.DataFrame, meta: Sequence[str]) -> pd.DataFrame:
    """Evidence columns (None: no rows) as a frame in contract order, with the document metadata joined."""
    ev = pd.DataFrame(columns, columns=list(schema.EVIDENCE)) if columns else pd.DataFrame(
        columns=list(schema.EVIDENCE))
    return ev.join(docs[list(meta)], on="doc_id")
