"""Agreement before and after adjudication: on the entries that were adjudicated, how far the coders agreed
with each other (before), and how far each coder's own codes agree with the adjudicated consensus (after:
how much each coder's coding had to change). Pooled over codes; units are entry x code, resampled by entry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.agreement.stats import reliability
from corpus_tools.store.vocabulary import is_machine

ADJUDICATED = "adjudicated"
NONE_CODE = "none"


def _codes_by(state: pd.DataFrame, known: set[str]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for eid, coder, code in state[["entry_id", "coder", "code"]].itertuples(index=False):
        bucket = out.setdefault((str(eid), str(coder)), set())
        if str(code) != NONE_CODE and str(code) in known:
            bucket.add(str(code))
    return out


def adjudication_agreement(state: pd.DataFrame, codes: Sequence[str], *, n_boot: int = 1000,
                           confidence: float = 0.95, random_state: int = 0) -> pd.DataFrame:
    """One row per phase and comparison (schema.ADJUDICATION_AGREEMENT); empty when nothing was adjudicated."""
    schema.check(state, schema.CODING_STATE, "coding state")
    known = set(codes)
    adj = state[state["mode"].astype(str) == ADJUDICATED]
    cols = list(schema.ADJUDICATION_AGREEMENT)
    if adj.empty:
        return pd.DataFrame(columns=cols)
    entries = sorted(set(adj["entry_id"].astype(str)))
    human = state[(state["mode"].astype(str) != ADJUDICATED) & ~state["coder"].astype(str).map(is_machine)]
    human = human[human["entry_id"].astype(str).isin(entries)]
    coders = sorted(set(human["coder"].astype(str)))
    by = _codes_by(human, known)
    consensus = {str(e): c for (e, _), c in _codes_by(adj, known).items()}
    code_list = sorted(known)
    rows: list[dict[str, Any]] = []

    def data_for(sets: list[dict[str, set[str] | None]]) -> tuple[np.ndarray, np.ndarray]:
        mat = np.full((len(sets), len(entries) * len(code_list)), np.nan)
        for r, per_entry in enumerate(sets):
            for i, e in enumerate(entries):
                got = per_entry.get(e)
                if got is None:
                    continue
                mat[r, i * len(code_list):(i + 1) * len(code_list)] = [float(c in got) for c in code_list]
        return mat, np.repeat(np.arange(len(entries)), len(code_list))

    def add(phase: str, comparison: str, sets: list[dict[str, set[str] | None]]) -> None:
        data, clusters = data_for(sets)
        stats = {s.metric: s for s in reliability(data, metrics=("percent_agreement", "krippendorff_alpha"),
                                                  domain=[0.0, 1.0], n_boot=n_boot, confidence=confidence,
                                                  random_state=random_state, key=f"adjudication|{comparison}",
                                                  clusters=clusters)}
        a, p = stats["krippendorff_alpha"], stats["percent_agreement"]
        n_entries = int(((~np.isnan(data)).sum(axis=0) >= 2).reshape(len(entries), -1).any(axis=1).sum())
        rows.append({"phase": phase, "comparison": comparison, "n_entries": n_entries,
                     "percent_agreement": p.value, "alpha": a.value, "alpha_lo": a.ci_low, "alpha_hi": a.ci_high,
                     "note": "; ".join(x for x in (a.note, p.note) if x)})

    per_coder = {c: {e: by.get((e, c)) for e in entries} for c in coders}
    if len(coders) >= 2:
        add("before", f"coders ({', '.join(coders)})", [per_coder[c] for c in coders])
    cons: dict[str, set[str] | None] = {e: consensus.get(e) for e in entries}
    for c in coders:
        add("after", f"{c} vs consensus", [per_coder[c], cons])
    return pd.DataFrame(rows, columns=cols)
