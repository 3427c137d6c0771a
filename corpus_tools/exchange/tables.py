"""Coding tables for spreadsheets and statistics programs: decisions, entry x code presence, codebook.

Written as CSV files in a folder (UTF-8 with BOM, so Excel reads Chinese correctly) or as one XLSX
workbook with a sheet per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import OutputError
from corpus_tools.io.tables import write_table, write_xlsx
from corpus_tools.store.vocabulary import NONE_CODE

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon

_MODE_RANK = {"assisted": 0, "blind": 1, "imported": 2, "adjudicated": 3, schema.MACHINE_MODE: 4}


def codebook_frame(lexicons: Sequence[Lexicon]) -> pd.DataFrame:
    """One row per variable (schema.CODEBOOK_TABLE): construct, labels, definition, terms per language."""
    rows = []
    for lex in lexicons:
        for c in lex.constructs:
            for v in c.variables:
                rows.append({
                    "lexicon": lex.name, "construct": c.id, "construct_label_en": c.label.get("en", ""),
                    "construct_label_zh": c.label.get("zh", ""), "variable": v.id, "label_en": v.label.get("en", ""),
                    "label_zh": v.label.get("zh", ""), "definition": v.definition,
                    "terms_zh": "; ".join(v.terms.get("zh", ())),
                    "terms_en": "; ".join(t for lang, ts in v.terms.items() if lang != "zh" for t in ts),
                    "exclude": "; ".join(t for ts in v.exclude.values() for t in ts)})
    return pd.DataFrame(rows, columns=list(schema.CODEBOOK_TABLE))


def presence_frame(state: pd.DataFrame, lexicons: Sequence[Lexicon], corpus: Corpus | None = None) -> pd.DataFrame:
    """Entry x code matrix: one row per (entry, coder), 0/1 per variable id, then per construct id.

    `mode` is the coder's mode on the entry (assisted when any code was applied with suggestions);
    start, end and text come from the corpus when given. An explicit `none` is a row of zeros.
    """
    schema.check(state, schema.CODING_STATE, "coding state")
    variables = [v.id for lex in lexicons for v in lex.variables]
    constructs = [(c.id, [v.id for v in c.variables]) for lex in lexicons for c in lex.constructs]
    groups: dict[tuple[str, str], dict[str, object]] = {}
    for eid, doc, coder, code, mode in state[list(schema.CODING_STATE)].itertuples(index=False):
        rec = groups.setdefault((str(eid), str(coder)), {"doc_id": str(doc), "codes": set(), "mode": str(mode)})
        if _MODE_RANK.get(str(mode), 9) < _MODE_RANK.get(str(rec["mode"]), 9):
            rec["mode"] = str(mode)
        if code != NONE_CODE:
            rec["codes"].add(str(code))  # type: ignore[attr-defined]
    meta = corpus.entries.set_index("entry_id") if corpus is not None else None
    rows = []
    for (eid, coder), rec in sorted(groups.items()):
        codes: set[str] = rec["codes"]  # type: ignore[assignment]
        row: dict[str, object] = {"entry_id": eid, "doc_id": rec["doc_id"], "coder": coder, "mode": rec["mode"]}
        if meta is not None and eid in meta.index:
            row.update(start=int(meta.at[eid, "start"]), end=int(meta.at[eid, "end"]), text=str(meta.at[eid, "text"]))
            row["doc_id"] = row["doc_id"] or str(meta.at[eid, "doc_id"])
        row.update({v: int(v in codes) for v in variables})
        row.update({cid: int(bool(codes.intersection(members))) for cid, members in constructs})
        rows.append(row)
    columns = [*schema.PRESENCE_KEYS, *variables, *(c for c, _ in constructs)]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("start", "end"):
        frame[col] = frame[col].astype("Int64")
    return frame


def codings_frame(state: pd.DataFrame) -> pd.DataFrame:
    """The long coding state (one row per entry, coder and code), sorted."""
    schema.check(state, schema.CODING_STATE, "coding state")
    return state[list(schema.CODING_STATE)].sort_values(["entry_id", "coder", "code"]).reset_index(drop=True)


def write_tables(out: Path, tables: dict[str, pd.DataFrame], raw: bool | None = None) -> list[Path]:
    """Tables as `<name>.csv` files in folder `out`, or as sheets of one workbook when `out` ends in .xlsx;
    cells neutralised against formula injection unless `raw` (corpus_tools.io.cells)."""
    if out.suffix.lower() == ".xlsx":
        return [write_xlsx(tables, out, raw)]
    if out.suffix:
        raise OutputError(f"{out}: give a folder (CSV files) or a .xlsx workbook")

    return [write_table(frame, out / f"{name}.csv", raw) for name, frame in tables.items()]


def coding_tables(state: pd.DataFrame, lexicons: Sequence[Lexicon], corpus: Corpus | None = None,
                  decisions: pd.DataFrame | None = None, spans: pd.DataFrame | None = None,
                  memos: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The standard set: decisions (the store's log, when there is one), codings (long), presence, codebook;
    with a store also its span codings (schema.SPAN_CODINGS) and memos (schema.MEMOS)."""
    tables: dict[str, pd.DataFrame] = {}
    if decisions is not None:
        tables["decisions"] = decisions
    tables["codings"] = codings_frame(state)
    tables["presence"] = presence_frame(state, lexicons, corpus)
    tables["codebook"] = codebook_frame(lexicons)
    if spans is not None:
        tables["spans"] = schema.check(spans, schema.SPAN_CODINGS, "span codings")[list(schema.SPAN_CODINGS)]
    if memos is not None:
        tables["memos"] = schema.check(memos, schema.MEMOS, "memos")[list(schema.MEMOS)]
    return tables
