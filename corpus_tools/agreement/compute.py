"""Agreement between coders (and between a model and each coder) per variable and construct, per condition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.agreement.stats import METRICS, Stat, reliability
from corpus_tools.agreement.units import (
    CONDITIONS,
    INDEPENDENT,
    MODEL,
    Comparison,
    Matrix,
    Units,
    code_groups,
    collect_units,
    conditions_of,
    plan_comparisons,
    presence_matrix,
)
from corpus_tools.errors import AgreementError

if TYPE_CHECKING:

    from corpus_tools.lexicon.model import Lexicon

LEVELS = ("variable", "construct")
POOLED = "(all)"


@dataclass
class AgreementResult:
    """The long agreement table, the entries coders disagree on, and notes about the input."""

    table: pd.DataFrame  # schema.AGREEMENT
    disagreements: pd.DataFrame  # schema.DISAGREEMENTS
    notes: list[str] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per comparison, condition, level and code; value and interval columns per metric."""
        return summarize(self.table)


MIN_POSITIVE = 10  # fewer units with the code than this: no interval, and a warning


def _rows(comparison: Comparison, condition: str, level: str, code: str, stats: list[Stat],
          prevalence: float | None, n_positive: int | None = None) -> list[dict[str, Any]]:
    rows = []
    for s in stats:
        low, high, note = s.ci_low, s.ci_high, s.note
        q = s.q_below
        if n_positive is not None and n_positive < MIN_POSITIVE and s.defined:
            low = high = None
            q = None
            note = "; ".join(x for x in (f"warning: only {n_positive} unit(s) with the code (fewer than "
                                         f"{MIN_POSITIVE}): the value is unstable and no interval is given",
                                         note) if x)
        rows.append({"comparison": comparison.name, "coders": ";".join(comparison.coders), "condition": condition,
                     "level": level, "code": code, "metric": s.metric, "value": s.value, "ci_low": low,
                     "ci_high": high, "n_units": s.n_units, "n_coders": s.n_coders, "prevalence": prevalence,
                     "note": note, "n_positive": n_positive, "q_below_667": q[0] if q else None,
                     "q_below_800": q[1] if q else None})
    return rows


def _n_positive(data: np.ndarray[Any, Any]) -> int:
    """Units coded by two or more coders on which at least one gave the code."""
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    return int((np.nan_to_num(data[:, pairable]) > 0).any(axis=0).sum())


def _prevalence(data: np.ndarray[Any, Any]) -> float | None:
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    values = data[:, pairable]
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else None


def _disagreements(units: Units, comparison: Comparison, condition: str, matrix: Matrix) -> list[dict[str, str]]:
    out = []
    for eid in matrix.entries:
        sets = {c: units.codes[(eid, c)] for c in comparison.coders if (eid, c) in units.codes
                and units.mode.get((eid, c)) is not None}
        present = [c for c in comparison.coders if c in sets]
        if condition == INDEPENDENT:
            present = [c for c in present if units.mode[(eid, c)] == INDEPENDENT]
        if len(present) < 2:
            continue
        union = frozenset().union(*(sets[c] for c in present))
        common = frozenset.intersection(*(sets[c] for c in present))
        if union == common:
            continue
        codes = " | ".join(f"{c}={';'.join(sorted(sets[c])) or 'none'}" for c in present)
        out.append({"comparison": comparison.name, "condition": condition, "entry_id": eid,
                    "doc_id": units.doc_of.get(eid, ""), "codes": codes,
                    "differing": ";".join(sorted(union - common))})
    return out


def compute_agreement(state: pd.DataFrame, lexicons: Lexicon | Sequence[Lexicon], *,
                      levels: Sequence[str] = LEVELS, metrics: Sequence[str] = METRICS,
                      conditions: Sequence[str] = CONDITIONS, n_boot: int = 1000, confidence: float = 0.95,
                      random_state: int = 0, pooled: bool = True) -> AgreementResult:
    """Agreement statistics from a schema.CODING_STATE frame, with seeded bootstrap intervals over entries.

    Comparisons: each pair of human coders, all human coders together (three or more), and each machine
    coder (`model:...`) against each human. Conditions are reported separately: between humans,
    independent (blind or imported coding) and assisted (a coder saw suggestions); a machine against a
    human, model (the human coded without suggestions) and model-assisted (the human saw suggestions),
    never independent. Edge cases become notes in the table.
    """
    lexs = [lexicons] if not isinstance(lexicons, Sequence) else list(lexicons)
    if not lexs:
        raise AgreementError("agreement needs a lexicon (the codes to compare)")
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        raise AgreementError(f"unknown level(s) {', '.join(bad)}", hint=f"use {' or '.join(LEVELS)}")
    if len(state) == 0:
        raise AgreementError("there are no codings to compare",
                             hint="code entries first (codings.csv in the corpus folder, or --store)")
    known = [v.id for lex in lexs for v in lex.variables]
    units = collect_units(state, known)
    plan, plan_notes = plan_comparisons(units)
    notes = units.notes + plan_notes
    rows: list[dict[str, Any]] = []
    disagreements: list[dict[str, str]] = []
    for comp in plan:
        for condition in [c for c in conditions if c in conditions_of(comp)]:
            matrices = {lv: presence_matrix(units, comp, condition, code_groups(lexs, lv)) for lv in levels}
            first = next(iter(matrices.values()))
            if not first.entries:
                if condition not in (INDEPENDENT, MODEL):
                    what = "entries coded with suggestions" if comp.kind == "machine" else "double coding"
                    notes.append(f"{comp.name}: no {condition} {what}")
                    continue
                empty = np.full((len(comp.coders), 0), np.nan)
                for lv in levels:
                    rows += _rows(comp, condition, lv, POOLED, reliability(empty, metrics=metrics, n_boot=0),
                                  None)
                continue
            if comp.kind != "machine":
                disagreements += _disagreements(units, comp, condition, first)
            for lv, matrix in matrices.items():
                targets: list[tuple[str, int | None]] = [(c, i) for i, c in enumerate(matrix.codes)]
                if pooled:
                    targets.append((POOLED, None))
                for code, index in targets:
                    data = matrix.reliability_data(index)
                    stats = reliability(data, metrics=metrics, domain=[0.0, 1.0], n_boot=n_boot,
                                        confidence=confidence, random_state=random_state,
                                        key=f"{comp.name}|{condition}|{lv}|{code}",
                                        clusters=matrix.clusters(index))
                    rows += _rows(comp, condition, lv, code, stats, _prevalence(data), _n_positive(data))
    table = pd.DataFrame(rows, columns=list(schema.AGREEMENT))
    for col in ("value", "ci_low", "ci_high", "prevalence", "q_below_667", "q_below_800"):
        table[col] = table[col].astype(float)
    dis = pd.DataFrame(disagreements, columns=list(schema.DISAGREEMENTS))
    settings = {"n_boot": n_boot, "confidence": confidence, "random_state": random_state,
                "metrics": list(metrics), "levels": list(levels), "conditions": list(conditions),
                "lexicons": [lex.name for lex in lexs]}
    return AgreementResult(table, dis, notes, units.coders, settings)


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """Wide view of an AGREEMENT table: `<metric>`, `<metric>_low`, `<metric>_high` columns and joined notes."""
    keys = ["comparison", "coders", "condition", "level", "code"]
    out_rows = []
    for key, group in table.groupby(keys, sort=False):
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        row["n_units"] = int(group["n_units"].max()) if len(group) else 0
        row["prevalence"] = group["prevalence"].iloc[0]
        row["n_positive"] = group["n_positive"].iloc[0] if "n_positive" in group else None
        notes = []
        for rec in group.itertuples(index=False):
            row[rec.metric] = rec.value
            row[f"{rec.metric}_low"] = rec.ci_low
            row[f"{rec.metric}_high"] = rec.ci_high
            if rec.metric == "krippendorff_alpha":
                row["q_alpha_below_667"] = getattr(rec, "q_below_667", None)
                row["q_alpha_below_800"] = getattr(rec, "q_below_800", None)
            if rec.note:
                notes.append(f"{rec.metric}: {rec.note}")
        row["notes"] = " | ".join(notes)
        out_rows.append(row)
    return pd.DataFrame(out_rows)
