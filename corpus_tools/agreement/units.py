"""Turn a coding-state frame into coder x entry presence matrices per code, comparison and condition.

A coder "coded" an entry when the state has any row for the pair (an explicit `none` included); a code is
present (1) when the coder applied it, absent (0) otherwise, and missing (NaN) when the coder did not code
the entry. A construct is present when any of its variables is. Codings are split by how they were made:
between human coders, blind and imported coding is *independent*; a coding made while seeing suggestions is
*assisted*; adjudicated (consensus) codings are left out, since they agree by construction. A machine coder
(`model:...`) against a human is never "independent": it is condition *model* where the human coded without
suggestions, and *model-assisted* where the human saw suggestions (possibly this model's own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus_tools import schema
from corpus_tools.store.vocabulary import NONE_CODE, is_machine

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.lexicon.model import Lexicon

INDEPENDENT, ASSISTED = "independent", "assisted"
MODEL, MODEL_ASSISTED = "model", "model-assisted"
HUMAN_CONDITIONS = (INDEPENDENT, ASSISTED)
MODEL_CONDITIONS = (MODEL, MODEL_ASSISTED)
CONDITIONS = (*HUMAN_CONDITIONS, *MODEL_CONDITIONS)
_MODE_CLASS = {"blind": INDEPENDENT, "imported": INDEPENDENT, "assisted": ASSISTED, "adjudicated": "excluded"}



@dataclass(frozen=True)
class Comparison:
    """Who is compared with whom: a human pair, all humans, or a machine coder against one human."""

    name: str
    coders: tuple[str, ...]
    kind: str  # "pair" | "all" | "machine"


@dataclass
class Units:
    """Per (entry, coder): the codes applied and how the coding was made, plus what was left out."""

    codes: dict[tuple[str, str], frozenset[str]]
    mode: dict[tuple[str, str], str]  # independent | assisted (a machine coder's codings: model)
    doc_of: dict[str, str]
    coders: list[str]  # sorted, so results do not depend on row order
    notes: list[str] = field(default_factory=list)
    _by_coder: dict[str, list[str]] | None = field(default=None, repr=False)

    @property
    def humans(self) -> list[str]:
        """Human coders, in order of appearance."""
        return [c for c in self.coders if not is_machine(c)]

    @property
    def machines(self) -> list[str]:
        """Model/lexicon coders, in order of appearance."""
        return [c for c in self.coders if is_machine(c)]

    def entries_by_coder(self) -> dict[str, list[str]]:
        """Entry ids each coder coded (computed once)."""
        if self._by_coder is None:
            self._by_coder = {}
            for eid, coder in self.mode:
                self._by_coder.setdefault(coder, []).append(eid)
        return self._by_coder


def collect_units(state: pd.DataFrame, known_codes: Iterable[str]) -> Units:
    """Group a schema.CODING_STATE frame by (entry, coder); unknown codes and modes are reported in notes."""
    schema.check(state, schema.CODING_STATE, "coding state")
    known = set(known_codes)
    codes: dict[tuple[str, str], set[str]] = {}
    modes: dict[tuple[str, str], set[str]] = {}
    doc_of: dict[str, str] = {}
    unknown_codes: dict[str, int] = {}
    unknown_modes: dict[str, int] = {}
    coders: dict[str, None] = {}
    for eid, doc, coder, code, mode in state[list(schema.CODING_STATE)].itertuples(index=False):
        eid, coder, code, mode = str(eid), str(coder), str(code), str(mode)
        key = (eid, coder)
        if doc and str(doc) != "nan":
            doc_of.setdefault(eid, str(doc))
        coders.setdefault(coder, None)
        cls = MODEL if is_machine(coder) else _MODE_CLASS.get(mode, "")
        if not cls:
            unknown_modes[mode] = unknown_modes.get(mode, 0) + 1
            continue
        modes.setdefault(key, set()).add(cls)
        bucket = codes.setdefault(key, set())
        if code == NONE_CODE:
            continue
        if code not in known:
            unknown_codes[code] = unknown_codes.get(code, 0) + 1
            continue
        bucket.add(code)
    notes: list[str] = []
    if unknown_codes:
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(unknown_codes.items()))
        notes.append(f"codes not in the lexicon were not counted as any variable: {listed}")
    if unknown_modes:
        listed = ", ".join(f"{m or '(empty)'} ({n})" for m, n in sorted(unknown_modes.items()))
        notes.append(f"codings with an unknown mode were left out: {listed}")
    mode_of: dict[tuple[str, str], str] = {}
    excluded = 0
    for key, classes in modes.items():
        if is_machine(key[1]):
            mode_of[key] = MODEL  # the human side decides between model and model-assisted
        elif ASSISTED in classes:
            mode_of[key] = ASSISTED
        elif INDEPENDENT in classes:
            mode_of[key] = INDEPENDENT
        else:
            excluded += 1
    if excluded:
        notes.append(f"{excluded} adjudicated (consensus) coding(s) left out: they agree by construction")
    kept = {k: frozenset(v) for k, v in codes.items() if k in mode_of}
    left_out = sorted(set(coders) - {c for _, c in mode_of})
    if left_out:
        notes.append(f"coder(s) with no coding left to compare: {', '.join(left_out)}")
    return Units(kept, mode_of, doc_of, sorted({c for _, c in mode_of}), notes)


def plan_comparisons(units: Units) -> tuple[list[Comparison], list[str]]:
    """Each pair of human coders, all humans together (three or more), and each machine coder vs each human."""
    humans, machines = units.humans, units.machines
    notes: list[str] = []
    plan = [Comparison(f"{a} vs {b}", (a, b), "pair") for a, b in combinations(humans, 2)]
    if len(humans) >= 3:
        plan.append(Comparison(f"all coders ({', '.join(humans)})", tuple(humans), "all"))
    plan += [Comparison(f"{m} vs {h}", (m, h), "machine") for m in machines for h in humans]
    if len(humans) < 2:
        who = f"only one human coder ({humans[0]})" if humans else "no human coder"
        notes.append(f"{who}: no agreement between human coders can be computed")
    if machines and not humans:
        notes.append("machine codings but no human coding to compare them with")
    return plan, notes


@dataclass
class Matrix:
    """Presence tensor entries x codes x coders (NaN = not coded) for one comparison and condition."""

    entries: list[str]
    codes: list[str]
    coders: tuple[str, ...]
    values: np.ndarray[Any, Any]

    def reliability_data(self, code_index: int | None = None) -> np.ndarray[Any, Any]:
        """Coders x units for one code, or for all codes pooled (units = entry x code)."""
        sub = self.values if code_index is None else self.values[:, [code_index], :]
        return sub.reshape(-1, sub.shape[2]).T

    def clusters(self, code_index: int | None = None) -> np.ndarray[Any, Any]:
        """The entry (row number) of each unit of `reliability_data`, for resampling whole entries."""
        per_entry = 1 if code_index is not None else len(self.codes)
        return np.repeat(np.arange(len(self.entries)), per_entry)


def conditions_of(comparison: Comparison) -> tuple[str, ...]:
    """The conditions a comparison is reported under: human ones for humans, model ones for a machine coder."""
    return MODEL_CONDITIONS if comparison.kind == "machine" else HUMAN_CONDITIONS


def entries_for(units: Units, comparison: Comparison, condition: str) -> dict[str, tuple[str, ...]]:
    """Entries of one condition with the coders whose codings count there (at least two per entry).

    Independent: only independent codings. Assisted: entries where at least one coder worked with
    suggestions, with all of that entry's codings. Model (machine vs human): entries the human coded
    without suggestions; model-assisted: entries the human coded while seeing suggestions.
    """
    if condition not in conditions_of(comparison):
        return {}
    by_entry: dict[str, list[str]] = {}
    index = units.entries_by_coder()
    for coder in comparison.coders:
        for eid in index.get(coder, ()):
            by_entry.setdefault(eid, []).append(coder)
    out: dict[str, tuple[str, ...]] = {}
    for eid, coders in by_entry.items():
        modes = [units.mode[(eid, c)] for c in coders]
        if condition in MODEL_CONDITIONS:
            human = ASSISTED if condition == MODEL_ASSISTED else INDEPENDENT
            chosen = tuple(coders) if any(m == human for m in modes) else ()
        elif condition == INDEPENDENT:
            chosen = tuple(c for c, m in zip(coders, modes, strict=True) if m == INDEPENDENT)
        else:
            chosen = tuple(coders) if ASSISTED in modes else ()
        if len(chosen) >= 2:
            out[eid] = chosen
    return dict(sorted(out.items()))


def presence_matrix(units: Units, comparison: Comparison, condition: str,
                    groups: dict[str, tuple[str, ...]]) -> Matrix:
    """The presence tensor of one comparison and condition; `groups` maps each code to its variable ids."""
    chosen = entries_for(units, comparison, condition)
    entries = list(chosen)
    codes = list(groups)
    values = np.full((len(entries), len(codes), len(comparison.coders)), np.nan)
    for i, eid in enumerate(entries):
        for j, coder in enumerate(comparison.coders):
            if coder not in chosen[eid]:
                continue
            applied = units.codes[(eid, coder)]
            values[i, :, j] = [1.0 if applied.intersection(members) else 0.0 for members in groups.values()]
    return Matrix(entries, codes, comparison.coders, values)


def code_groups(lexicons: Iterable[Lexicon], level: str) -> dict[str, tuple[str, ...]]:
    """Variable level: each variable alone; construct level: each construct with all its variables."""
    if level == "variable":
        return {v.id: (v.id,) for lex in lexicons for v in lex.variables}
    return {c.id: tuple(v.id for v in c.variables) for lex in lexicons for c in lex.constructs}
