"""What the report and the language-balance check need from the evidence, read from an in-memory frame or from
the evidence Parquet file batch by batch (pyarrow compute; docs/performance.md says why this engine): counted
hits per term and language, and the evidence rows of the entries shown as top passages (the report's sample).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from corpus_tools.io.parquet_parts import BATCH_ROWS, iter_frames

TERM_COUNTS = ("variable", "lang", "term", "n")


def _counted(ev: pd.DataFrame) -> pd.DataFrame:
    return ev[ev["counted"].astype(bool)] if "counted" in ev.columns and len(ev) else ev


def evidence_batches(evidence: pd.DataFrame | Path, columns: list[str],
                     batch_rows: int = BATCH_ROWS) -> Iterable[pd.DataFrame]:
    """The named columns of an evidence frame (at once) or of an evidence Parquet file (batch by batch)."""
    if isinstance(evidence, pd.DataFrame):
        yield evidence[[c for c in columns if c in evidence.columns]]
    else:
        yield from iter_frames(evidence, columns, batch_rows)


def term_counts(evidence: pd.DataFrame | Path, doc_lang: Mapping[str, str]) -> pd.DataFrame:
    """Counted hits per (variable, language of the document, term), sorted by variable, language, most hits
    first, then term; from a frame or an evidence Parquet file (batch by batch)."""
    parts = []
    for batch in evidence_batches(evidence, ["doc_id", "variable", "term", "counted"]):
        b = _counted(batch)
        if not len(b):
            continue
        b = b.assign(lang=b["doc_id"].map(doc_lang).fillna("unknown"))
        parts.append(b.groupby(["variable", "lang", "term"], sort=False).size().rename("n").reset_index())
    if not parts:
        return pd.DataFrame(columns=list(TERM_COUNTS))
    out = pd.concat(parts, ignore_index=True).groupby(["variable", "lang", "term"], sort=False)["n"].sum()
    out = out.reset_index()
    out["variable"], out["lang"], out["term"] = (out[c].astype(str) for c in ("variable", "lang", "term"))
    return out.sort_values(["variable", "lang", "n", "term"], ascending=[True, True, False, True],
                           kind="stable").reset_index(drop=True)[list(TERM_COUNTS)]


def top_entry_evidence(evidence: pd.DataFrame | Path, per_variable: int = 3,
                       batch_rows: int = BATCH_ROWS) -> pd.DataFrame:
    """The counted evidence rows of every entry that is among the `per_variable` entries with the most counted
    hits of some variable (ties: the entry whose hits come first, i.e. corpus order): all that
    report.evidence.top_passages needs, so the report embeds this sample and leaves the full evidence on disk.
    Two passes over a file, in bounded memory: a running top list per variable (an entry's hits are consecutive
    rows, so a batch's last entry is carried into the next batch), then the rows of the chosen entries."""
    best: pd.DataFrame | None = None
    carry: pd.DataFrame | None = None
    pending: pd.DataFrame | None = None
    offset = 0
    for batch in evidence_batches(evidence, ["entry_id", "variable", "counted"], batch_rows):
        batch = batch.assign(pos=np.arange(offset, offset + len(batch)))  # row position: corpus order
        offset += len(batch)
        if pending is not None:
            best, carry = _rank(best, carry, pending, per_variable, last=False)
        pending = batch
    if pending is not None:
        best, carry = _rank(best, carry, pending, per_variable, last=True)
    chosen = set() if best is None else set(best["entry_id"].astype(str))
    if isinstance(evidence, pd.DataFrame):
        ev = _counted(evidence)
        return ev[ev["entry_id"].astype(str).isin(chosen)]
    rows = _rows_of(evidence, chosen, batch_rows)
    if len(rows):
        return _read_rows(evidence, rows)
    keep = [b[b["entry_id"].astype(str).isin(chosen)]
            for b in (_counted(x) for x in iter_frames(evidence, batch_rows=batch_rows))]
    return pd.concat(keep, ignore_index=True)


def _rows_of(path: Path, chosen: set[str], batch_rows: int) -> np.ndarray:
    """The positions in the file of the counted rows of the `chosen` entries, from its entry_id and counted
    columns only (the other columns, contexts among them, are read for those rows alone: `_read_rows`)."""
    import pyarrow.parquet as pq

    names = set(pq.ParquetFile(str(path)).schema_arrow.names)
    out, at = [], 0
    for b in iter_frames(path, [c for c in ("entry_id", "counted") if c in names], batch_rows):
        hit = b["entry_id"].astype(str).isin(chosen).to_numpy(dtype=bool)
        if "counted" in b.columns and len(b):
            hit = hit & b["counted"].astype(bool).to_numpy(dtype=bool)
        out.append(at + np.flatnonzero(hit))
        at += len(b)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _read_rows(path: Path, rows: np.ndarray) -> pd.DataFrame:
    """The rows at the sorted positions `rows` of a Parquet file, every column, in file order: only the row
    groups that hold one are read (the same frame as filtering every batch of iter_frames)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(str(path), pre_buffer=False)
    parts, start = [], 0
    for g in range(pf.metadata.num_row_groups):
        stop = start + pf.metadata.row_group(g).num_rows
        lo, hi = np.searchsorted(rows, [start, stop])
        if hi > lo:
            parts.append(pf.read_row_group(g).take(rows[lo:hi] - start).to_pandas())
        start = stop
    return pd.concat(parts, ignore_index=True)


def _rank(best: pd.DataFrame | None, carry: pd.DataFrame | None, batch: pd.DataFrame, k: int,
          last: bool) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Fold one batch into the running top `k` entries per variable; returns (top list, rows carried over)."""
    b = _counted(batch)
    if carry is not None and len(carry):
        b = pd.concat([carry, b], ignore_index=True)
    carry = None
    if not last and len(b):  # the batch's last entry may go on in the next batch: count it there
        tail = b["entry_id"] == b["entry_id"].iloc[-1]
        carry, b = b[tail], b[~tail]
    if not len(b):
        return best, carry
    counts = b.groupby(["variable", "entry_id"], sort=False)["pos"].agg(["size", "min"])
    counts = counts.rename(columns={"size": "n", "min": "order"}).reset_index()
    if best is not None:
        counts = pd.concat([best, counts], ignore_index=True)
    counts = counts.sort_values(["variable", "n", "order"], ascending=[True, False, True], kind="stable")
    return counts.groupby("variable", sort=False).head(k).reset_index(drop=True), carry


@dataclass
class EvidenceOverview:
    """What the report's evidence explorer needs of the whole evidence, without holding it: a sample of at most
    `max_rows` rows taken round-robin over the variables (each variable's rows in corpus order; the rows of the
    sample in file order), the number of rows, hits per document and the variables in order of first hit."""

    sample: pd.DataFrame
    n_rows: int
    per_doc: pd.Series
    variables: list[str] = field(default_factory=list)


def evidence_overview(evidence: pd.DataFrame | Path, max_rows: int,
                      batch_rows: int = BATCH_ROWS) -> EvidenceOverview:
    """The explorer's sample and counts of a frame or an evidence Parquet file, in two passes over the file: the
    same rows as taking every variable's first, second, ... row in turn until `max_rows` (report.explorer)."""
    per_var: dict[str, int] = {}
    per_doc: dict[str, int] = {}
    n_rows = 0
    for batch in evidence_batches(evidence, ["doc_id", "variable"], batch_rows):
        n_rows += len(batch)
        for v, n in batch.groupby("variable", sort=False).size().items():
            per_var[str(v)] = per_var.get(str(v), 0) + int(n)
        for d, n in batch.groupby("doc_id", sort=False).size().items():
            per_doc[str(d)] = per_doc.get(str(d), 0) + int(n)
    # round-robin: every variable's rows of rank < k, then rank k in file order while room is left
    k, room = _round_robin_cut(list(per_var.values()), max_rows)
    seen: dict[str, int] = {}
    parts = []
    frames = [evidence] if isinstance(evidence, pd.DataFrame) else iter_frames(evidence, batch_rows=batch_rows)
    for frame in frames:
        keep = []
        for v in frame["variable"].astype(str).tolist():
            r = seen.get(v, 0)
            seen[v] = r + 1
            if r < k:
                keep.append(True)
            elif r == k and room > 0:
                keep.append(True)
                room -= 1
            else:
                keep.append(False)
        parts.append(frame[np.asarray(keep, dtype=bool)] if len(frame) else frame)
    sample = pd.concat(parts) if parts else pd.DataFrame()
    if not isinstance(evidence, pd.DataFrame):
        sample = sample.reset_index(drop=True)
    return EvidenceOverview(sample, n_rows, pd.Series(per_doc, dtype="int64"), list(per_var))


def _round_robin_cut(counts: list[int], max_rows: int) -> tuple[int, int]:
    """(k, room): taking ranks 0..k-1 of every variable fits in `max_rows`; `room` rows of rank k fit too."""
    if sum(counts) <= max_rows:
        return max(counts, default=0), 0
    lo, hi = 0, max(counts)
    while lo < hi:  # the largest k with sum(min(c, k)) <= max_rows
        mid = (lo + hi + 1) // 2
        if sum(min(c, mid) for c in counts) <= max_rows:
            lo = mid
        else:
            hi = mid - 1
    return lo, max_rows - sum(min(c, lo) for c in counts)
