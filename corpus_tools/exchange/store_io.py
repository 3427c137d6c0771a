"""Record imported codings in the coding store as the decisions that turn its current coding into them.

The store is an append-only log, so an import never overwrites: per entry and coder it adds the codes
that are new, removes the ones the imported coding dropped, or records "none applies", and records
nothing where the store already agrees. Re-importing the same file therefore adds no events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_tools import schema
from corpus_tools.errors import CodingError
from corpus_tools.store import CodingStore
from corpus_tools.store.memos import memo_history, write_memo
from corpus_tools.store.spans import code_span, live_spans
from corpus_tools.store.vocabulary import NONE_CODE, is_machine

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus


def _by_pair(state: pd.DataFrame) -> dict[tuple[str, str], tuple[set[str], str]]:
    out: dict[tuple[str, str], tuple[set[str], str]] = {}
    for eid, coder, code, mode in state[["entry_id", "coder", "code", "mode"]].itertuples(index=False):
        codes, _ = out.setdefault((str(eid), str(coder)), (set(), str(mode)))
        codes.add(str(code))
    return out


def decisions_for(imported: pd.DataFrame, current: pd.DataFrame, corpus: Corpus, *, source: str,
                  note: str = "") -> list[dict[str, object]]:
    """Decision rows (schema.DECISIONS keys, no event_id) that bring `current` to `imported`."""
    schema.check(imported, schema.CODING_STATE, "imported codings")
    hashes = dict(zip(corpus.entries["entry_id"], corpus.entries["text_hash"], strict=True))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    have = _by_pair(current)
    rows: list[dict[str, object]] = []
    for (eid, coder), (codes, mode) in sorted(_by_pair(imported).items()):
        before = have.get((eid, coder), (set(), ""))[0]
        base = {"entry_id": eid, "text_hash": hashes.get(eid, ""), "coder": coder, "timestamp": now,
                "source": source, "model_version": "", "score": None, "mode": mode, "note": note}
        real = codes - {NONE_CODE}
        if not real:
            if before != {NONE_CODE}:
                rows.append({**base, "code": NONE_CODE, "decision": "none-applies"})
            continue
        rows += [{**base, "code": c, "decision": "add"} for c in sorted(real - before)]
        rows += [{**base, "code": c, "decision": "remove"} for c in sorted(before - real - {NONE_CODE})]
    return rows


def human_codings(state: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The codings of human coders, and the machine coders (`model:...`, mode "model") left out: the store
    holds human decisions only (training would otherwise learn from a model's own output)."""
    machine = state["coder"].astype(str).map(is_machine) | (state["mode"].astype(str) == schema.MACHINE_MODE)
    return state[~machine], sorted(set(state.loc[machine, "coder"].astype(str)))


def record_in_store(path: Path, imported: pd.DataFrame, corpus: Corpus, *, source: str, note: str = "") -> int:
    """Append the decisions for `imported` (human coders only) to the store at `path` (created if needed);
    returns how many."""
    imported, _machines = human_codings(imported)
    store = CodingStore(path)
    try:
        rows = decisions_for(imported, store.state(corpus), corpus, source=source, note=note)
        return store.record_many(rows) if rows else 0
    finally:
        store.close()


@dataclass
class SpansAndMemos:
    """What recording imported span codings and memos did: rows added, and what was refused (with why)."""

    n_spans: int = 0
    n_memos: int = 0
    problems: list[str] = field(default_factory=list)


def record_spans_and_memos(path: Path, spans: pd.DataFrame, memos: pd.DataFrame, corpus: Corpus,
                           codes: Collection[str]) -> SpansAndMemos:
    """Append imported span codings (schema.SPAN_CODINGS) and memos (schema.MEMOS) to the store at `path`.

    A span the store already holds live (same document, offsets, code and coder) is not added again; one the
    store's rules refuse (overlapping the coder's span of the same code, a machine coder) is reported with the
    reason. A memo whose text is already one of its versions is not added again; another text becomes the
    memo's next version (nothing is overwritten). Re-importing a file therefore adds nothing.
    """
    out = SpansAndMemos()
    store = CodingStore(path)
    try:
        have = {(s.doc_id, s.start, s.end, s.code, s.coder) for s in live_spans(store)}
        for r in spans.to_dict("records"):
            key = (str(r["doc_id"]), int(r["start"]), int(r["end"]), str(r["code"]), str(r["coder"]))
            if key in have:
                continue
            try:
                code_span(store, corpus, key[0], key[1], key[2], key[3], key[4], codes=codes, quote=str(r["quote"]),
                          note=str(r.get("note") or ""), source="qdpx", timestamp=str(r["timestamp"]) or None)
            except CodingError as exc:
                out.problems.append(f"span {key[1]}-{key[2]} of {key[0]} ({key[3]}, {key[4]}) not recorded: "
                                    f"{exc.message}")
                continue
            have.add(key)
            out.n_spans += 1
        for m in memos.to_dict("records"):
            kind, target, text = str(m["kind"]), str(m["target"]), str(m["text"]).strip()
            if any(v.text == text for v in memo_history(store, kind, target)):
                continue
            try:
                write_memo(store, kind, target, text, str(m["coder"]), source="qdpx",
                           timestamp=str(m["timestamp"]) or None)
            except CodingError as exc:
                out.problems.append(f"memo on {kind} {target} not recorded: {exc.message}")
                continue
            out.n_memos += 1
    finally:
        store.close()
    return out
