"""Gather the current coding of a project into one schema.CODING_STATE frame, from every place it lives.

Sources, in order: the corpus's own coded sample (`codings.csv`), the coding store (`--store`), and
model suggestion tables (the `corpus-tools suggest` output, as coder `model:<name>` with mode "model"). When a coder's
coding of an entry is both in codings.csv and in the store, the store wins (it holds the later decisions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import ConfigError, InputTableError
from corpus_tools.io.manifest import file_sha1
from corpus_tools.io.office import read_xlsx
from corpus_tools.store import CodingStore
from corpus_tools.store.coding_state import CODINGS_FILE, merge_codings
from corpus_tools.store.memos import current_memos, memos_frame
from corpus_tools.store.spans import current_spans, spans_frame
from corpus_tools.store.vocabulary import NONE_CODE

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.lexicon.model import Lexicon


@dataclass
class GatheredCodings:
    """The combined coding state, the problems met while reading, and what was read (for manifests)."""

    state: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    decisions: pd.DataFrame | None = None  # the store's log, when a store was read
    spans: pd.DataFrame | None = None  # the store's current span codings (schema.SPAN_CODINGS), when a store was read
    memos: pd.DataFrame | None = None  # the store's current memos (schema.MEMOS), when a store was read


def known_codes(lexicons: Sequence[Lexicon]) -> list[str]:
    """Variable ids of all lexicons, in order."""
    return [v.id for lex in lexicons for v in lex.variables]


def read_store(path: Path, corpus: Corpus) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(coding state, decision log) of an existing store; never creates a store by reading."""
    if not path.is_file():
        raise ConfigError(f"coding store {path} does not exist", hint="check --store (reading never creates one)")
    store = CodingStore(path)
    try:
        return store.state(corpus), store.decisions()
    finally:
        store.close()


def read_spans_and_memos(path: Path, corpus: Corpus) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(current span codings, current memos, problems) of an existing store; spans whose text changed since
    they were coded are left out and counted in the problems."""
    store = CodingStore(path)
    try:
        good, stale = current_spans(store, corpus)
        memos = memos_frame(current_memos(store))
    finally:
        store.close()
    problems = [f"{len(stale)} span coding(s) whose document text changed since they were coded were left out"] \
        if stale else []
    return spans_frame(good), memos, problems


def read_suggestions(path: Path, corpus: Corpus, coder: str | None, known: Sequence[str], *,
                     exclude_training: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """A `suggest` output table (id or entry_id column, `codes` column `;`-joined) as codings of `coder`
    (default: `model:<the table's model_version>`, else `model:<file name>`), with mode "model".

    With `exclude_training`, rows the model was trained on (`in_training` = 1: in-sample predictions) are
    left out, and a problem line says how many.
    """
    frame, problems, _n = _read_suggestions(path, corpus, coder, known, exclude_training)
    return frame, problems


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "1.0", "true", "yes")


def _read_suggestions(path: Path, corpus: Corpus, coder: str | None, known: Sequence[str],
                      exclude_training: bool) -> tuple[pd.DataFrame, list[str], int | None]:
    """read_suggestions, plus how many in-training rows were left out (None: the table cannot tell)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputTableError(f"suggestion table {path} does not exist")
    try:
        if suffix == ".csv":
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".jsonl":
            table = pd.read_json(path, lines=True, dtype=False)
        elif suffix == ".parquet":
            table = pd.read_parquet(path)
        elif suffix == ".xlsx":
            table = read_xlsx(path)
        else:
            raise InputTableError(f"{path}: unsupported suggestion table format {suffix!r}",
                                  hint="use the .csv, .jsonl, .parquet or .xlsx written by `corpus-tools suggest`")
    except (ValueError, OSError) as exc:
        raise InputTableError(f"{path}: cannot read suggestion table ({exc})") from exc
    id_col = next((c for c in ("entry_id", "id") if c in table.columns), None)
    if id_col is None or "codes" not in table.columns:
        raise InputTableError(f"{path}: a suggestion table needs an `id` (or `entry_id`) and a `codes` column",
                              hint=f"columns found: {', '.join(map(str, table.columns))}")
    if coder is None:
        versions = sorted({str(v) for v in table.get("model_version", []) if str(v).strip()})
        coder = f"model:{versions[0] if len(versions) == 1 else path.stem}"
    doc_of = dict(zip(corpus.entries["entry_id"], corpus.entries["doc_id"], strict=True))
    known_set = set(known)
    rows, problems, missing, unknown = [], [], 0, 0
    has_flag = "in_training" in table.columns
    trained = [_truthy(v) for v in table["in_training"]] if has_flag else [False] * len(table)
    n_training: int | None = 0 if has_flag else None
    for eid, codes, seen in zip(table[id_col].astype(str), table["codes"].fillna("").astype(str), trained,
                                strict=True):
        if eid not in doc_of:
            missing += 1
            continue
        if exclude_training and seen:
            n_training = (n_training or 0) + 1
            continue
        parts = [c.strip() for c in codes.split(";") if c.strip() and c.strip() != NONE_CODE]
        unknown += sum(c not in known_set for c in parts)
        for c in [c for c in parts if c in known_set] or [NONE_CODE]:
            rows.append((eid, doc_of[eid], coder, c, schema.MACHINE_MODE))
    if missing:
        problems.append(f"{path.name}: {missing} row(s) whose id is not an entry of the corpus were left out")
    if unknown:
        problems.append(f"{path.name}: {unknown} suggested code(s) not in the lexicon were left out")
    if exclude_training and n_training:
        problems.append(f"{path.name}: {n_training} entr{'y' if n_training == 1 else 'ies'} the model was trained "
                        "on (in_training = 1) left out: its suggestions there are in-sample, not a check of the "
                        "model")
    elif exclude_training and n_training is None:
        problems.append(f"{path.name} has no in_training column, so passages the model was trained on cannot be "
                        "left out; if it was trained on these codings, model agreement is optimistic "
                        "(re-run `corpus-tools suggest` to get the column)")
    return pd.DataFrame(rows, columns=list(schema.CODING_STATE)), problems, n_training


def gather_codings(corpus: Corpus, lexicons: Sequence[Lexicon], *, store: Path | None = None,
                   suggestions: Sequence[tuple[Path, str | None]] = (), corpus_codings: bool = True,
                   exclude_training: bool = False) -> GatheredCodings:
    """codings.csv (when present) + the store (when given) + suggestion tables, as one CODING_STATE frame
    (`exclude_training`: suggestion rows for passages the model was trained on are left out)."""
    known = known_codes(lexicons)
    problems: list[str] = []
    inputs: dict[str, Any] = {"corpus": str(corpus.root)}
    csv_path = corpus.root / CODINGS_FILE
    decisions = None
    store_state = None
    spans = memos = None
    if store is not None:
        store_state, decisions = read_store(store, corpus)
        spans, memos, span_problems = read_spans_and_memos(store, corpus)
        problems += span_problems
        inputs["store"] = {"path": str(store), "events": len(decisions), "spans": len(spans), "memos": len(memos)}
    merged = merge_codings(store_state, corpus, known, corpus_codings)
    problems += merged.problems
    if corpus_codings and csv_path.is_file():
        inputs["codings_csv"] = {"path": str(csv_path), "sha1": file_sha1(csv_path), "rows": merged.codings_rows}
    if merged.overridden:
        problems.append(f"{merged.overridden} entry/coder coding(s) are both in codings.csv and in the store: "
                        "the store's (later) coding is used")
    frames: list[pd.DataFrame] = [merged.state]
    for path, coder in suggestions:
        sug, sug_problems, n_training = _read_suggestions(path, corpus, coder, known, exclude_training)
        frames.append(sug)
        problems += sug_problems
        record: dict[str, Any] = {"path": str(path), "coder": sorted(set(sug["coder"])), "sha1": file_sha1(path)}
        if exclude_training:
            record["in_training_left_out"] = n_training  # None: the table has no in_training column
        inputs.setdefault("suggestions", []).append(record)
    nonempty = [f for f in frames if len(f)]
    state = pd.concat(nonempty, ignore_index=True) if nonempty else pd.DataFrame(columns=list(schema.CODING_STATE))
    state = state[list(schema.CODING_STATE)].astype(str).drop_duplicates().reset_index(drop=True)
    return GatheredCodings(state, problems, inputs, decisions, spans, memos)
