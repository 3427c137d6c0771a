"""Top evidence passages per variable, split into plain and highlighted segments (escaped by the template)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corpus_tools.io.mapped import release_pages

WINDOW = 160
MAX_CHARS = 520
SLICE_ROWS = 100_000  # entry ids compared at a time when looking up the evidence's entries


@dataclass
class Passage:
    """One entry shown as evidence: where it comes from and its text as (text, highlighted) segments."""

    entry_id: str
    doc_id: str
    title: str
    date: str
    source_type: str
    stage: str
    hits: int
    terms: list[str]
    segments: list[tuple[str, bool]] = field(default_factory=list)


def highlight(text: str, spans: list[tuple[int, int]], window: int = WINDOW,
              max_chars: int = MAX_CHARS) -> list[tuple[str, bool]]:
    """Split `text` into (segment, is_match) pairs; long texts are cut to a window around the matches."""
    spans = sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s)
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    lo, hi = 0, len(text)
    if len(text) > max_chars and merged:
        lo = max(0, merged[0][0] - window)
        hi = min(len(text), max(merged[-1][1] + window, lo + max_chars // 2), lo + max_chars)
    out: list[tuple[str, bool]] = []
    if lo > 0:
        out.append(("…", False))
    pos = lo
    for s, e in merged:
        if s < lo or e > hi:
            continue
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < hi:
        out.append((text[pos:hi], False))
    if hi < len(text):
        out.append(("…", False))
    return [(" ".join(t.split("\n")), m) for t, m in out]


def _positions(entries: pd.DataFrame, wanted: set[object], step: int | None = None) -> dict[object, int]:
    """Row position in `entries` of each wanted entry id (its last row when an id repeats), found a slice of
    ids at a time: no index over every entry of the corpus."""
    out: dict[object, int] = {}
    if not wanted:
        return out
    ids = entries["entry_id"]
    step = step or SLICE_ROWS
    for a in range(0, len(entries), step):
        part = ids.iloc[a:a + step]
        for i in np.flatnonzero(part.isin(wanted).to_numpy(dtype=bool)):
            out[part.iloc[int(i)]] = a + int(i)
    return out


def _doc_meta(docs: pd.DataFrame, doc_id: str) -> dict[str, str]:
    """Title, date, source type and stage of document `doc_id` as text (empty when there is no such document),
    found by comparing the ids (no index over every document's id as Python strings)."""
    hit = np.flatnonzero((docs["doc_id"].astype(str) == doc_id).to_numpy(dtype=bool))
    cols = ("title", "date", "source_type", "stage")
    return {c: str(docs[c].iloc[int(hit[0])]) for c in cols} if len(hit) else dict.fromkeys(cols, "")


def top_passages(evidence: pd.DataFrame, entries: pd.DataFrame, docs: pd.DataFrame,
                 per_variable: int = 3) -> dict[str, list[Passage]]:
    """variable id → its `per_variable` entries with the most hits (ties: corpus order). Only the entries the
    evidence names are read from `entries` (the evidence may be a sample: scoring.evidence_queries)."""
    if evidence.empty:
        return {}
    where = _positions(entries, set(evidence["entry_id"].unique()))
    out: dict[str, list[Passage]] = {}
    for var, ev in evidence.groupby("variable", sort=False):
        counts = ev.groupby("entry_id").size()
        # corpus order of the few entries ranked (not a dict over every entry of the corpus)
        order = {e: where.get(e, 1 << 30) for e in counts.index}
        ranked = sorted(counts.index, key=lambda e: (-int(counts[e]), order[e]))[:per_variable]
        passages = []
        for eid in ranked:
            if eid not in where:
                continue
            pos = where[eid]  # the entry's own cells, not its row (a row of a mixed frame copies every column)
            hits = ev[ev["entry_id"] == eid]
            base = int(entries["start"].iloc[pos])
            spans = [(int(s) - base, int(e) - base) for s, e in zip(hits["start"], hits["end"], strict=True)]
            did = str(entries["doc_id"].iloc[pos])
            m = _doc_meta(docs, did)
            terms = sorted(set(hits["matched"].astype(str)))
            text = str(entries["text"].iloc[pos])
            release_pages()  # a mapped text read maps a large block of the file: dropped again at once
            segments = highlight(text, spans)
            passages.append(Passage(str(eid), did, m["title"], m["date"], m["source_type"], m["stage"], len(hits),
                                    terms, segments))
        out[str(var)] = passages
    return out
