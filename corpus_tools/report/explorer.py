"""Data of the report's offline evidence explorer and document view, embedded in report.html as JSON.

Every evidence row (up to `max_rows`; beyond, a sample spread over variables, said in the page) with its
entry, and the documents' texts as their entries (up to `max_text_bytes` of UTF-8; documents past the cap
keep their evidence rows, with the context around each hit, but not their full text). Offsets are relative to
the entry text, so the page highlights hits exactly where the scorer found them."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from corpus_tools.io.blocks import BlockRows
from corpus_tools.io.mapped import release_pages
from corpus_tools.report.labels import LANGUAGES

MAX_ROWS = 20_000
MAX_TEXT_BYTES = 1_000_000
CONTEXT = 40  # characters either side of a hit when its entry text is not embedded
SLICE_ROWS = 100_000  # entry texts measured at a time
JSON_ROWS = 5_000  # rows of a long list written to the page's JSON at a time


def _dumps(value: Any) -> str:
    """JSON safe inside a <script type="application/json"> element (no `<`, `>` or `&`)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


class DocRows(BlockRows[list[Any]]):
    """The payload's document rows ([id, title, source type, stage, language, date, text embedded]), made from
    the documents' columns when read (a slice at a time by the JSON writer), not held as a list per document."""

    def __init__(self, doc_ids: list[str], columns: list[pd.Series], with_text: set[str]) -> None:
        self.doc_ids, self.columns, self.with_text = doc_ids, columns, with_text

    block = JSON_ROWS

    def __len__(self) -> int:
        return len(self.doc_ids)

    def _rows(self, a: int, b: int) -> list[list[Any]]:
        cols = [c.iloc[a:b] for c in self.columns]
        return [[d, *(_str(v) for v in vals), d in self.with_text]
                for d, *vals in zip(self.doc_ids[a:b], *cols, strict=True)]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


@dataclass
class ExplorerData:
    """The JSON the page reads, and what was left out of it."""

    payload: dict[str, Any]
    n_rows: int  # evidence rows in evidence.csv
    n_shown: int  # evidence rows embedded
    n_docs: int
    n_docs_text: int  # documents whose full text is embedded

    @property
    def capped(self) -> bool:
        return self.n_shown < self.n_rows or self.n_docs_text < self.n_docs

    def json(self) -> str:
        """The payload as JSON safe inside a <script type="application/json"> element (no `<`, `>` or `&`)."""
        return "".join(self.json_pieces())

    def json_pieces(self, rows: int | None = None) -> Iterator[str]:
        """`json()` in pieces (long lists `rows` rows at a time): the same text, never held whole."""
        rows = rows or JSON_ROWS
        yield "{"
        for i, (key, value) in enumerate(self.payload.items()):
            head = ("," if i else "") + _dumps(key) + ":"
            if isinstance(value, list | DocRows) and len(value) > rows:
                yield head + "["
                for a in range(0, len(value), rows):
                    yield ("," if a else "") + _dumps(list(value[a:a + rows]))[1:-1]
                yield "]"
            else:
                yield head + _dumps(list(value) if isinstance(value, DocRows) else value)
        yield "}"

    def markup(self) -> ExplorerJSON:
        """The JSON for the template: iterating it gives the pieces as Markup (written as they come)."""
        return ExplorerJSON(self)


@dataclass
class ExplorerJSON:
    """ExplorerData.json_pieces for a Jinja loop, as safe Markup (the text is already script-safe)."""

    data: ExplorerData

    def __iter__(self) -> Iterator[Markup]:
        return (Markup(p) for p in self.data.json_pieces())


def _sample(evidence: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """At most `max_rows` rows, taken round-robin over variables (each variable's rows in corpus order)."""
    if len(evidence) <= max_rows:
        return evidence
    rank = evidence.groupby("variable", sort=False).cumcount()
    return evidence.assign(_rank=rank).sort_values(["_rank"], kind="stable").head(max_rows).drop(
        columns="_rank").sort_index()


def _text_bytes(entries: pd.DataFrame, step: int | None = None) -> pd.Series:
    """document id → UTF-8 bytes of its entries' texts (computed on Arrow arrays, not text by text, a slice of
    entries at a time: no copy of every text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(entries):
        return pd.Series(dtype="int64")
    parts = []
    step = step or SLICE_ROWS
    for a in range(0, len(entries), step):
        part = entries.iloc[a:a + step]
        texts = part["text"].array
        arrow = texts.__arrow_array__() if hasattr(texts, "__arrow_array__") else None
        if arrow is None or arrow.null_count:  # a missing text counts as its str(): "nan"
            arrow = pa.array(part["text"].astype(str), type=pa.large_string())
        n = pc.binary_length(arrow).to_numpy(zero_copy_only=False)  # from the offsets: the texts are not read
        parts.append(pd.Series(n, index=part.index).groupby(part["doc_id"]).sum())
    return pd.concat(parts).groupby(level=0).sum() if len(parts) > 1 else parts[0]


def _shown_entries(entries: pd.DataFrame, doc_ids: set[str], entry_ids: set[str],
                   step: int | None = None) -> pd.DataFrame:
    """The rows of `entries` (only the columns the explorer reads) of the documents `doc_ids` or with an id in
    `entry_ids`, in order, taken a slice at a time (a mask over every entry joins the columns' chunks, a copy of
    each column) and their texts copied out of the mapped column, whose pages are dropped again after each slice."""
    cols = [c for c in ("entry_id", "doc_id", "start", "text", "speaker") if c in entries.columns]
    parts = []
    step = step or SLICE_ROWS
    for a in range(0, len(entries), step):
        part = entries.iloc[a:a + step]
        keep = part["doc_id"].astype(str).isin(doc_ids) | part["entry_id"].astype(str).isin(entry_ids)
        rows = np.flatnonzero(keep.to_numpy(dtype=bool))
        if len(rows):
            parts.append(part[cols].iloc[rows])
        release_pages()
    return pd.concat(parts) if len(parts) > 1 else parts[0] if parts else entries[cols].iloc[:0]


def _str(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def explorer_data(evidence: pd.DataFrame, entries: pd.DataFrame, docs: pd.DataFrame, names: Mapping[str, str],
                  constructs: Mapping[str, str], max_rows: int = MAX_ROWS,
                  max_text_bytes: int = MAX_TEXT_BYTES, *, n_rows: int | None = None,
                  per_doc_hits: pd.Series | None = None, variables: list[str] | None = None) -> ExplorerData:
    """Build the explorer's JSON from the entry-level evidence (`ScoreResult.evidence`, every hit with its
    document offsets), the corpus entries and documents. `names`: item id → label; `constructs`: variable id →
    construct id (the variable filter also takes a construct). When `evidence` is already the sample (analyze
    keeps the full evidence on disk: scoring.evidence_queries.evidence_overview), `n_rows`, `per_doc_hits` and
    `variables` describe the whole of it."""
    ev = _sample(evidence, max_rows)
    doc_ids = [str(d) for d in docs["doc_id"]]
    doc_index = {d: i for i, d in enumerate(doc_ids)}
    if per_doc_hits is None:
        per_doc_hits = evidence.groupby("doc_id").size() if len(evidence) else pd.Series(dtype=int)
    # documents with most hits keep their text first, within the byte budget
    sizes = _text_bytes(entries)
    order = sorted(doc_ids, key=lambda d: (-int(per_doc_hits.get(d, 0)), doc_index[d]))
    budget, with_text = max_text_bytes, set()
    for d in order:
        size = int(sizes.get(d, 0))
        if size <= budget:
            with_text.add(d)
            budget -= size
    # only the entries the page shows (those of documents with their text) or a sampled hit points into: a
    # million entries' texts are never turned into Python strings
    ent = _shown_entries(entries, with_text, {str(e) for e in ev["entry_id"]} if len(ev) else set())
    ent = ent.sort_values(["doc_id", "start"]) if "start" in ent else ent
    entry_rows: list[list[Any]] = []
    entry_index: dict[str, int] = {}
    entry_start: dict[str, int] = {}
    entry_text: dict[str, str] = {}
    for rec in ent.itertuples(index=False):
        eid, did = str(rec.entry_id), str(rec.doc_id)
        entry_start[eid] = int(getattr(rec, "start", 0))
        entry_text[eid] = str(rec.text)
        if did not in with_text or did not in doc_index:
            continue
        entry_index[eid] = len(entry_rows)
        entry_rows.append([doc_index[did], eid, str(rec.text), _str(getattr(rec, "speaker", ""))])
    if variables is None:
        variables = list(dict.fromkeys(str(v) for v in evidence["variable"])) if len(evidence) else []
    var_index = {v: i for i, v in enumerate(variables)}
    rows: list[list[Any]] = []
    for rec in ev.itertuples(index=False):
        eid = str(rec.entry_id)
        base = entry_start.get(eid, 0)
        s, e = int(rec.start) - base, int(rec.end) - base
        flags = ("c" if bool(getattr(rec, "counted", True)) else "") + ("n" if bool(getattr(rec, "negated", False))
                                                                       else "") + \
            ("o" if bool(getattr(rec, "overlap", False)) else "")
        row: list[Any] = [doc_index.get(str(rec.doc_id), -1), entry_index.get(eid, -1), var_index[str(rec.variable)],
                          s, e, _str(rec.matched), flags]
        if row[1] < 0:  # entry text not embedded: the hit with its context
            text = entry_text.get(eid, "")
            row.append([text[max(0, s - CONTEXT):s], text[e:e + CONTEXT]])
        rows.append(row)
    stage_col = docs["stage"].astype(str) if "stage" in docs else pd.Series([""] * len(docs))
    payload = {
        "vars": [[v, names.get(v, v), constructs.get(v, v.split(".")[0]),
                  names.get(constructs.get(v, v.split(".")[0]), constructs.get(v, ""))] for v in variables],
        "docs": DocRows(doc_ids, [docs["title"], docs["source_type"], stage_col, docs["lang"], docs["date"]],
                        with_text),
        "entries": entry_rows,
        "rows": rows,
        "n_rows": len(evidence) if n_rows is None else n_rows, "n_docs_text": len(with_text),
        "langs": dict(LANGUAGES),
    }
    return ExplorerData(payload, len(evidence) if n_rows is None else n_rows, len(rows), len(doc_ids),
                        len(with_text))
