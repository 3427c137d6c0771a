"""The TopicsResult container: every topic table of a run, with the engine and honest caveats."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from corpus_tools import schema
from corpus_tools.io.manifest import write_manifest
from corpus_tools.io.tables import write_table


@dataclass
class TopicsResult:
    """Topic tables (frames with the schema.TOPIC_* contracts) plus the engine, chosen K and notes."""

    sweep: pd.DataFrame
    topics: pd.DataFrame
    passages: pd.DataFrame
    alignment: pd.DataFrame
    prevalence: pd.DataFrame
    variables: pd.DataFrame
    engine: str
    k_by_scope: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # issue 13 tables last, with empty defaults, so results built before them still construct
    effects: pd.DataFrame = field(default_factory=lambda: _empty(schema.TOPIC_EFFECTS))
    seeded: pd.DataFrame = field(default_factory=lambda: _empty(schema.TOPIC_SEEDED))
    # scope → the stratified sample its K was chosen on (size, of, stratified_by, seed, strata); empty: no sample
    sweep_samples: dict[str, Any] = field(default_factory=dict)

    def to_tables(self) -> dict[str, pd.DataFrame]:
        """Table name → frame, in the order a report shows them (names are CSV file stems)."""
        return {
            "topic_sweep": self.sweep,
            "topics": self.topics,
            "topic_passages": self.passages,
            "topic_alignment": self.alignment,
            "topic_prevalence": self.prevalence,
            "topic_variables": self.variables,
            "topic_effects": self.effects,
            "topic_seeded": self.seeded,
        }

    def write(self, out: Path, suffix: str = ".csv", settings: dict[str, Any] | None = None) -> dict[str, Path]:
        """Write every table as `<name><suffix>` plus topics.json (engine, chosen K, notes) into `out`."""
        out.mkdir(parents=True, exist_ok=True)
        files = {name: write_table(frame, out / f"{name}{suffix}") for name, frame in self.to_tables().items()}
        meta = {"engine": self.engine, "k_by_scope": self.k_by_scope, "notes": self.notes,
                "sweep_samples": self.sweep_samples, "settings": settings or {}}
        files["topics_json"] = write_manifest(out / "topics.json", meta)
        return files

    def check(self) -> TopicsResult:
        """Raise SchemaViolation when a frame lacks its declared columns; return self."""
        schema.check(self.sweep, schema.TOPIC_SWEEP, "topic sweep")
        schema.check(self.topics, schema.TOPICS, "topics")
        schema.check(self.passages, schema.TOPIC_PASSAGES, "topic passages")
        schema.check(self.alignment, schema.TOPIC_ALIGNMENT, "topic alignment")
        schema.check(self.prevalence, schema.TOPIC_PREVALENCE, "topic prevalence")
        schema.check(self.variables, schema.TOPIC_VARIABLES, "topic variables")
        schema.check(self.effects, schema.TOPIC_EFFECTS, "topic effects")
        schema.check(self.seeded, schema.TOPIC_SEEDED, "seeded topics")
        return self


def _empty(cols: tuple[str, ...]) -> pd.DataFrame:

    return pd.DataFrame({c: [] for c in cols})


def empty_result(engine: str, notes: list[str]) -> TopicsResult:
    """A result with every table present but empty (a corpus with nothing to model)."""
    frame = _empty
    return TopicsResult(frame(schema.TOPIC_SWEEP), frame(schema.TOPICS), frame(schema.TOPIC_PASSAGES),
                        frame(schema.TOPIC_ALIGNMENT), frame(schema.TOPIC_PREVALENCE),
                        frame(schema.TOPIC_VARIABLES), engine, {}, notes)
