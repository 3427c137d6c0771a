"""The `corpus-tools agreement` job: gather codings, compute agreement, write the tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_tools.agreement.compute import compute_agreement
from corpus_tools.agreement.report import format_agreement, write_agreement
from corpus_tools.agreement.stats import METRICS
from corpus_tools.jobs.exchange import open_project

if TYPE_CHECKING:
    from corpus_tools.agreement.compute import AgreementResult


@dataclass
class AgreementRun:
    """The result, the problems met while reading codings, the printable text and the files written."""

    result: AgreementResult
    problems: list[str] = field(default_factory=list)
    text: str = ""
    files: dict[str, Path] = field(default_factory=dict)


def run_agreement(corpus_path: Path | None = None, *, store: Path | None = None, out: Path | None = None,
                  lexicons: tuple[str, ...] = (), suggestions: Path | None = None, model_name: str | None = None,
                  levels: tuple[str, ...] = ("variable", "construct"), n_boot: int = 1000,
                  confidence: float = 0.95, seed: int = 0, pooled: bool = True) -> AgreementRun:
    """Agreement on the corpus's codings.csv plus the store and a suggestion table, written to `out` if given."""

    project = open_project(corpus_path, lexicons, store=store, suggestions=suggestions, model_name=model_name,
                           only_used=True, exclude_training=True)
    result = compute_agreement(project.codings.state, project.lexicons, levels=levels, n_boot=n_boot,
                               confidence=confidence, random_state=seed, pooled=pooled)
    run = AgreementRun(result, project.codings.problems, format_agreement(result, METRICS))
    if out is not None:
        run.files = write_agreement(result, out, {**project.codings.inputs,
                                                  "lexicons": [lx.manifest() for lx in project.lexicons]})
    return run
