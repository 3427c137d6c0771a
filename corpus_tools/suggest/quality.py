"""The one record of a suggestion model's quality, per code: the threshold the saved model applies, and the
precision, recall and F1 (with its 95% interval) of grouped cross-validation, with their n.

Computed once when a model is saved (from the model and the cross-validation it rests on), stored in
model.json, and read by every place that shows quality figures (dashboard, report, queue score bars, CLI),
so no page can show figures of another origin. The calibration folds' in-fit scores (`fits[*].oof`) are fit
diagnostics only and never part of this record.

The threshold is the saved model's own (tuned on its inner folds, as every cross-validation fold tuned its
own): a passage is suggested a code when its score reaches it, so it is what the score bars mark. The
cross-validated figures measure that whole procedure (fit, calibrate, choose the threshold) on held-out
documents; `fold_threshold` is the median of the thresholds the folds chose, for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

QUALITY_COLUMNS = ("code", "threshold", "fold_threshold", "precision", "recall", "f1", "f1_low", "f1_high", "kappa",
                   "n_passages", "support", "predicted", "fallback", "note")


@dataclass(frozen=True)
class CodeQuality:
    """Quality of one code: applied threshold, cross-validated precision/recall/F1 [95% CI], and their n."""

    code: str
    threshold: float  # what the saved model applies (a score at or above it is suggested)
    fold_threshold: float | None = None  # median of the thresholds the cross-validation folds chose
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    f1_low: float | None = None
    f1_high: float | None = None
    kappa: float | None = None
    n_passages: int = 0  # held-out passages coded under the code's codebook
    support: int = 0  # of them, coded with the code
    predicted: int = 0  # of them, suggested the code by the held-out model
    fallback: bool = False  # suggested from lexicon hits (the model did not beat them)
    note: str = ""

    def label(self) -> str:
        """`F1 0.45 [0.38, 0.52], n=682 (threshold 0.17)`, or `threshold 0.17` without cross-validation."""
        if self.f1 is None:
            return f"threshold {self.threshold:.2f} (not cross-validated)"
        ci = f" [{self.f1_low:.2f}, {self.f1_high:.2f}]" if self.f1_low is not None and self.f1_high is not None \
            else ""
        return f"F1 {self.f1:.2f}{ci}, n={self.n_passages} (threshold {self.threshold:.2f})"


@dataclass(frozen=True)
class QualityRecord:
    """The model's quality per code (in the model's code order) and how it was obtained."""

    model_version: str
    kind: str  # how the figures were obtained ("" without cross-validation)
    n_entries: int = 0  # coded passages cross-validated
    folds: int = 0
    n_groups: int = 0
    macro: dict[str, float | None] = field(default_factory=dict)
    codes: tuple[CodeQuality, ...] = ()

    @property
    def cross_validated(self) -> bool:
        """True when the per-code figures come from grouped cross-validation."""
        return bool(self.kind)

    def get(self, code: str) -> CodeQuality | None:
        """The record of one code (None when the model has no such code)."""
        return next((c for c in self.codes if c.code == code), None)

    def frame(self) -> pd.DataFrame:
        """One row per code, columns QUALITY_COLUMNS (None where not cross-validated)."""
        return pd.DataFrame([asdict(c) for c in self.codes], columns=list(QUALITY_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored in model.json under "quality")."""
        return {"model_version": self.model_version, "kind": self.kind, "n_entries": self.n_entries,
                "folds": self.folds, "n_groups": self.n_groups, "macro": dict(self.macro),
                "codes": [asdict(c) for c in self.codes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualityRecord:
        """The record stored by `to_dict` (unknown keys ignored)."""
        known = set(QUALITY_COLUMNS)
        codes = tuple(CodeQuality(**{k: v for k, v in dict(c).items() if k in known})
                      for c in data.get("codes") or [])
        return cls(str(data.get("model_version", "")), str(data.get("kind", "")), int(data.get("n_entries") or 0),
                   int(data.get("folds") or 0), int(data.get("n_groups") or 0), dict(data.get("macro") or {}), codes)


def _num(x: Any) -> float | None:
    """A rounded float, None for missing or NaN."""
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) else round(f, 4)


def quality_record(model_version: str, codes: Sequence[str], thresholds: Iterable[float], fallback: Iterable[bool],
                   notes: Sequence[str], per_variable: pd.DataFrame | None = None, *, kind: str = "",
                   n_entries: int = 0, folds: int = 0, n_groups: int = 0,
                   macro: dict[str, Any] | None = None) -> QualityRecord:
    """The record of a fitted model (its codes, thresholds, lexicon fallbacks and fit notes) with, per code, the
    grouped cross-validated figures of `per_variable` (an evaluation's table, see schema.EVALUATION; None:
    trained without cross-validation, the figures stay empty). `persistence.record_of` fills it in from a
    model and its EvaluationResult."""
    per_var = {str(r["variable"]): r for r in per_variable.to_dict("records")} if per_variable is not None else {}
    rows = []
    for code, threshold, fb, note in zip(codes, list(thresholds), list(fallback), notes, strict=True):
        r = per_var.get(code)
        if r is None:
            rows.append(CodeQuality(code, round(float(threshold), 4), fallback=bool(fb), note=note))
            continue
        rows.append(CodeQuality(code, round(float(threshold), 4), _num(r.get("threshold")), _num(r.get("precision")),
                                _num(r.get("recall")), _num(r.get("f1")), _num(r.get("f1_low")),
                                _num(r.get("f1_high")), _num(r.get("kappa")), int(r.get("n_passages") or 0),
                                int(r.get("support") or 0), int(r.get("predicted") or 0), bool(fb),
                                "; ".join(x for x in (note, str(r.get("note") or "")) if x)))
    if per_variable is None:
        return QualityRecord(model_version, "", codes=tuple(rows))
    return QualityRecord(model_version, kind, n_entries, folds, n_groups,
                         {k: _num(v) for k, v in (macro or {}).items()}, tuple(rows))


def read_quality(meta: dict[str, Any]) -> QualityRecord | None:
    """The record stored in a model's model.json (its parsed meta); None for a model saved before records
    existed (retrain it to get one)."""
    data = meta.get("quality")
    return QualityRecord.from_dict(data) if isinstance(data, dict) else None

