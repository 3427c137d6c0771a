"""CLI: inter-coder agreement (and model-vs-coder agreement) with bootstrap intervals."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import lexicon_option, raw_cells_option


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False),
              help="Coding store (SQLite) whose current codings are added to the corpus's codings.csv.")
@click.option("-o", "--out", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for agreement.csv, agreement_summary.csv, disagreements.csv and agreement.json.")
@lexicon_option("Lexicon whose variables are compared (default: the corpus's lexicons that the codings use).")
@click.option("--suggestions", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="A `corpus-tools suggest` output table: its codes are compared with each coder.")
@click.option("--model-name", help="Coder id of the suggestions is model:NAME (default: the table's "
                                   "model_version, else its file name).")
@click.option("--level", "levels", multiple=True, type=click.Choice(["variable", "construct"]),
              help="Variables, constructs (a construct is present when any of its variables is), or both "
                   "(default).")
@click.option("--n-boot", default=1000, show_default=True, type=click.IntRange(0),
              help="Bootstrap resamples of entries for the intervals (0 = no intervals).")
@click.option("--confidence", default=0.95, show_default=True, type=click.FloatRange(0.5, 0.999),
              help="Confidence level of the intervals.")
@click.option("--seed", default=0, show_default=True, help="Random seed of the bootstrap (same seed, same intervals).")
@raw_cells_option()
@click.option("--codings", "codings_file", metavar="FILE",
              help="Read this codings file of the corpus folder instead of codings.csv (e.g. "
                   "codings_government_support.csv for a second codebook).")
@handle_errors
def agreement(corpus: Path | None, store: Path | None, out: Path | None, lexicons: tuple[str, ...],
              suggestions: Path | None, model_name: str | None, levels: tuple[str, ...], n_boot: int,
              confidence: float, seed: int, codings_file: str | None) -> None:
    """Agreement between coders on double-coded entries of CORPUS (default: the bundled corpus), and
    between a model and each coder: percent agreement, Cohen's kappa, Fleiss' kappa and Krippendorff's
    alpha per variable and construct, with bootstrap intervals.

    Independent (blind or imported) coding and suggestion-assisted coding are reported separately.
    Undefined statistics (one coder, no overlap, no variance) are shown as n/a with the reason.
    """
    from corpus_tools.jobs.agreement import run_agreement

    run = run_agreement(corpus, store=store, out=out, lexicons=lexicons, suggestions=suggestions,
                        model_name=model_name, levels=levels or ("variable", "construct"), n_boot=n_boot,
                        confidence=confidence, seed=seed, codings=codings_file)
    for line in run.problems:
        say(f"  {line}")
    click.echo(run.text)
    for name, path in run.files.items():
        say(f"{name}\t{path}")


COMMANDS = [agreement]
