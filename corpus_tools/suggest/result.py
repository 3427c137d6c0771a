"""The result of the draft-codes step: suggestions for every entry (a Parquet file, written chunk by chunk) and
the model's cross-validated quality."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tools.io.parquet_parts import read_frame

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.suggest.evaluation import EvaluationResult
    from corpus_tools.suggest.quality import QualityRecord


# rows of suggestions.parquet read at a time: reading a Parquet batch takes several times the frame it gives
# (about 120 MB for 50,000 rows of this table, 20 MB for 10,000), so these batches stay small
READ_ROWS = 10_000


@dataclass
class SuggestionsResult:
    """Draft codes for every entry, and (with coded passages) the model's cross-validated quality. The table
    of every entry stays on disk (`path`); read it batch by batch (io.parquet_parts.iter_frames)."""

    path: Path  # suggestions.parquet: id, doc_id, one probability column per code, schema.SUGGESTION_WHY
    codes: list[str]
    source: str  # "model" or "lexicon"
    model_version: str
    n_entries: int = 0  # rows of the table
    n_with_codes: int = 0  # rows with at least one suggested code
    evaluation: EvaluationResult | None = None
    model_dir: Path | None = None
    n_coded: int = 0
    coded_ids: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)  # origin (codings.csv, store) -> coded passages
    coders: dict[str, int] = field(default_factory=dict)  # coder id -> coded passages
    coder_note: str = ""  # who the coders are, from corpus.toml [codings] description
    training_inputs: dict[str, Any] = field(default_factory=dict)  # codings.csv SHA-1, store, training hash
    fit_metrics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    quality: QualityRecord | None = None  # the model's one quality record (threshold + grouped-CV figures per code)

    @property
    def suggestions(self) -> pd.DataFrame:
        """The whole table as one frame (every entry's row in memory: for notebooks and small corpora)."""
        return read_frame(self.path)

    def manifest(self, out_dir: Path) -> dict[str, Any]:
        """Model version, training data and metrics for manifest.json."""
        info: dict[str, Any] = {"source": self.source, "model_version": self.model_version,
                                "model_dir": str(self.model_dir.relative_to(out_dir)) if self.model_dir else None,
                                "training": {"n_passages": self.n_coded, "sources": self.sources,
                                             "coders": self.coders, **self.training_inputs},
                                "entries": self.n_entries, "entries_with_codes": self.n_with_codes}
        if self.evaluation is not None:
            ev = self.evaluation
            pv = ev.per_variable
            info["evaluation"] = {
                "kind": ev.kind, "grouping": ev.grouping, "n_groups": ev.n_groups,
                "folds": ev.folds, "seed": ev.seed, "n_entries": ev.n_entries,
                "macro": {k: _num(v) for k, v in ev.macro.items()},
                "per_variable": {str(r["variable"]): {m: _num(r[m]) for m in ("precision", "recall", "f1", "kappa",
                                                                              "f1_low", "f1_high") if m in r}
                                 for r in pv[pv["variable"] != "macro"].to_dict("records")},
                "by_language": {str(r["lang"]): {m: _num(r[m]) if m not in ("n_passages", "n_groups") else int(r[m])
                                                 for m in ("n_passages", "n_groups", "macro_f1", "f1_low", "f1_high",
                                                           "mean_kappa")}
                                for r in (ev.by_language.to_dict("records") if ev.by_language is not None else [])}}
        if self.fit_metrics:
            info["fit_metrics"] = self.fit_metrics
        if self.notes:
            info["notes"] = self.notes
        return info


def _num(x: Any) -> float | None:
    """Rounded float, None for NaN (JSON has no NaN)."""
    f = float(x)
    return None if math.isnan(f) else round(f, 4)
