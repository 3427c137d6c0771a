"""The `corpus-tools agreement` job: gather codings, compute agreement, write the tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_tools.agreement.compute import compute_agreement
from corpus_tools.agreement.report import format_agreement, write_agreement
from corpus_tools.agreement.stats import METRICS
from corpus_tools.errors import ConfigError
from corpus_tools.exchange.state import known_codes
from corpus_tools.io.manifest import file_sha1
from corpus_tools.jobs.exchange import open_project, used_lexicons
from corpus_tools.project import Project
from corpus_tools.store.codings import read_codings

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
                  confidence: float = 0.95, seed: int = 0, pooled: bool = True,
                  codings: str | None = None) -> AgreementRun:
    """Agreement on the corpus's codings.csv plus the store and a suggestion table, written to `out` if given.
    With `codings` (a file in the corpus folder, e.g. codings_government_support.csv), that file alone."""
    if codings is not None:
        return _agreement_on_file(corpus_path, codings, out=out, lexicons=lexicons, levels=levels, n_boot=n_boot,
                                  confidence=confidence, seed=seed, pooled=pooled,
                                  other_sources=store is not None or suggestions is not None)
    project = open_project(corpus_path, lexicons, store=store, suggestions=suggestions, model_name=model_name,
                           only_used=True, exclude_training=True)
    result = compute_agreement(project.codings.state, project.lexicons, levels=levels, n_boot=n_boot,
                               confidence=confidence, random_state=seed, pooled=pooled)
    run = AgreementRun(result, project.codings.problems, format_agreement(result, METRICS))
    if out is not None:
        run.files = write_agreement(result, out, {**project.codings.inputs,
                                                  "lexicons": [lx.manifest() for lx in project.lexicons]})
    return run


def _agreement_on_file(corpus_path: Path | None, codings: str, *, out: Path | None, lexicons: tuple[str, ...],
                       levels: tuple[str, ...], n_boot: int, confidence: float, seed: int, pooled: bool,
                       other_sources: bool) -> AgreementRun:
    """Agreement on one codings file of the corpus folder (a second codebook's codes live in their own file,
    because their `none` means "no code of that codebook")."""
    if other_sources:
        raise ConfigError("--codings reads one codings file on its own",
                          hint="leave out --store and --suggestions, or drop --codings")
    project = Project.open(corpus_path, lexicons)
    read = read_codings(project.corpus, known_codes(project.lexicons), codings)
    lexs = used_lexicons(project.lexicons, read.long) if not lexicons else project.lexicons
    result = compute_agreement(read.long, lexs, levels=levels, n_boot=n_boot, confidence=confidence,
                               random_state=seed, pooled=pooled)
    run = AgreementRun(result, read.problems, format_agreement(result, METRICS))
    if out is not None:
        path = project.corpus.root / codings
        run.files = write_agreement(result, out, {"corpus": str(project.corpus.root),
                                                  "codings": {"path": str(path), "sha1": file_sha1(path),
                                                              "rows": len(read.long)},
                                                  "lexicons": [lx.manifest() for lx in lexs]})
    return run
