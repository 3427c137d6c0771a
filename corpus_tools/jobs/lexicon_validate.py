"""The `corpus-tools lexicon validate` job: lexicon hits against the corpus's hand codes, written as tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from corpus_tools.agreement.lexicon_validation import (
    LexiconValidation,
    format_validation,
    read_split,
    validate_lexicons,
)
from corpus_tools.io.tables import write_table
from corpus_tools.project import Project
from corpus_tools.scoring.score import Scorer

OUTPUTS = {"table": "lexicon_validation.csv", "confusion": "lexicon_confusion.csv",
           "false_hits": "lexicon_false_hits.csv"}


@dataclass
class ValidationRun:
    """The validation result, its printable summary and the files written."""

    result: LexiconValidation
    text: str = ""
    files: dict[str, Path] = field(default_factory=dict)


def run_lexicon_validation(corpus_path: Path | None = None, *, lexicons: tuple[str, ...] = (),
                           coder: str | None = None, split: str = "all", split_file: Path | None = None,
                           out: Path | None = None, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0,
                           engine: str = "rjieba", examples: int = 3,
                           count_negated: bool = False) -> ValidationRun:
    """Validate the lexicons (default: the corpus's own) against its coded entries; tables to `out` if given.

    `split` is `all`, `dev` or `test`: the development/test split by document of `split_file` (default: the
    corpus's `validation_split.csv`)."""
    project = Project.open(corpus_path, lexicons)
    corpus, lexs = project.corpus, project.lexicons
    table = read_split(corpus, split_file) if split != "all" or split_file is not None else None
    result = validate_lexicons(corpus, lexs, Scorer(lexs, engine=engine), coder=coder, split=split,
                               split_table=table, n_boot=n_boot, confidence=confidence, random_state=seed,
                               examples=examples, count_negated=count_negated)
    run = ValidationRun(result, format_validation(result))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        run.files = {key: write_table(getattr(result, key), out / name) for key, name in OUTPUTS.items()}
    return run
