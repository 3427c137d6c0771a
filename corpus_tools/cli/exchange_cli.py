"""CLI: export codings and codebooks (CSV/XLSX tables, REFI-QDA .qdc/.qdpx) and import them back."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import corpus_or_table, lexicon_option, raw_cells_option

CORPUS_ARG = click.argument("corpus", type=click.Path(path_type=Path), required=False)
LEXICON_OPT = lexicon_option("Lexicon name or path (repeatable; default: the corpus's lexicons).")
STORE_OPT = click.option("--store", type=click.Path(path_type=Path, dir_okay=False),
                         help="Coding store (SQLite) whose current codings are added to the corpus's codings.csv.")
SUGGESTIONS_OPT = click.option("--suggestions", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                               help="A `corpus-tools suggest` output table, exported as coder model:NAME.")
MODEL_OPT = click.option("--model-name", help="NAME of the model coder (default: the table's model_version, "
                                              "else its file name).")
MAX_PROBLEMS = 30


def _report(problems: list[str]) -> None:
    for line in problems[:MAX_PROBLEMS]:
        say(f"  {line}")
    if len(problems) > MAX_PROBLEMS:
        say(f"  ... and {len(problems) - MAX_PROBLEMS} more")


@click.group(name="export")
def export_group() -> None:
    """Export codings and codebooks: CSV/XLSX tables, REFI-QDA codebook (.qdc) and project (.qdpx)."""


@export_group.command(name="tables")
@CORPUS_ARG
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="A folder (one CSV per table) or a .xlsx workbook (one sheet per table).")
@LEXICON_OPT
@STORE_OPT
@SUGGESTIONS_OPT
@MODEL_OPT
@raw_cells_option()
@corpus_or_table()
def export_tables_cmd(corpus: Path | None, out: Path, lexicons: tuple[str, ...], store: Path | None,
                      suggestions: Path | None, model_name: str | None) -> None:
    """Coding tables of CORPUS (default: the bundled corpus): decisions (the store's log, with --store),
    codings (long), presence (entry x code 0/1 matrix per coder) and codebook."""
    from corpus_tools.jobs.exchange import export_tables, open_project

    project = open_project(corpus, lexicons, store=store, suggestions=suggestions, model_name=model_name)
    _report(project.codings.problems)
    for path in export_tables(out, project):
        click.echo(str(path))


@export_group.command(name="qdc")
@CORPUS_ARG
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Codebook file to write (.qdc).")
@LEXICON_OPT
@corpus_or_table()
def export_qdc_cmd(corpus: Path | None, out: Path, lexicons: tuple[str, ...]) -> None:
    """The codebook as a REFI-QDA .qdc file for NVivo, ATLAS.ti, MAXQDA or QualCoder: constructs as parent
    codes, variables as codable codes, definitions and keywords in the descriptions."""
    from corpus_tools.corpus.config import lexicon_refs, load_config
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.jobs.exchange import export_qdc
    from corpus_tools.lexicon.formats import load_lexicons

    config = load_config(corpus or default_corpus()) if (corpus or not lexicons) else None
    lexs = load_lexicons(lexicon_refs(lexicons, config), config.root if config else None)
    path = export_qdc(out, lexs)
    say(f"{sum(len(lx.variables) for lx in lexs)} variables in {len(lexs)} lexicon(s) written to {path}")


@export_group.command(name="qdpx")
@CORPUS_ARG
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Project file to write (.qdpx).")
@LEXICON_OPT
@STORE_OPT
@SUGGESTIONS_OPT
@MODEL_OPT
@corpus_or_table()
def export_qdpx_cmd(corpus: Path | None, out: Path, lexicons: tuple[str, ...], store: Path | None,
                    suggestions: Path | None, model_name: str | None) -> None:
    """CORPUS (default: the bundled corpus) as a REFI-QDA project: every document as a plain-text source,
    every coded entry as a selection with one coding per coder (the model as its own user), and date,
    stage and source type as document variables."""
    from corpus_tools.jobs.exchange import export_qdpx, open_project

    project = open_project(corpus, lexicons, store=store, suggestions=suggestions, model_name=model_name)
    summary = export_qdpx(out, project)
    _report(project.codings.problems + summary.problems)
    say(f"{summary.n_sources} sources, {summary.n_selections} coded entries, {summary.n_codings} codings, "
        f"{summary.n_spans} span codings and {summary.n_memos} memos by {', '.join(summary.users) or 'nobody'} "
        f"written to {summary.path}")


@click.group(name="import")
def import_group() -> None:
    """Import from QDA programs: REFI-QDA codebooks (.qdc) as lexicons, projects (.qdpx) as codings."""


@import_group.command(name="qdc")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Codebook YAML to write (.yaml).")
@handle_errors
def import_qdc_cmd(path: Path, out: Path) -> None:
    """A REFI-QDA codebook (.qdc) as a codebook-lexicon YAML: top-level codes become constructs, codable
    codes below them variables; keywords come from `Keywords (zh): ...` lines of the descriptions."""
    from corpus_tools.jobs.exchange import import_qdc

    lex, problems = import_qdc(path, out)
    _report(problems)
    n_terms = sum(1 for v in lex.variables for _ in v.all_terms())
    say(f"{len(lex.constructs)} constructs, {len(lex.variables)} variables, {n_terms} terms written to {out}")


@import_group.command(name="qdpx")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@CORPUS_ARG
@LEXICON_OPT
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the codings in the codings.csv layout (one row per entry and coder).")
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False),
              help="Record the imported codings in this coding store (created if needed): only the decisions "
                   "that differ from its current coding are added.")
@click.option("--unmatched", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the selections that match no entry (with the entries they overlap) to this table.")
@raw_cells_option()
@corpus_or_table()
def import_qdpx_cmd(path: Path, corpus: Path | None, lexicons: tuple[str, ...], out: Path | None,
                    store: Path | None, unmatched: Path | None) -> None:
    """Codings from a REFI-QDA project (.qdpx) mapped back onto the entries of CORPUS (default: the bundled
    corpus) by character offsets; written with -o and/or recorded in the coding store (--store)."""
    from corpus_tools.jobs.exchange import import_qdpx

    res = import_qdpx(path, corpus, lexicons, out=out, store=store, unmatched=unmatched)
    imp = res.imported
    _report(imp.problems)
    coders = sorted(set(imp.codings["coder"])) if len(imp.codings) else []
    say(f"{imp.n_matched} of {imp.n_selections} selections matched entries; {len(imp.codings)} codings by "
        f"{', '.join(coders) or 'nobody'}; {len(imp.spans)} span codings, {len(imp.memos)} memos"
        + (f"; {res.n_events} decisions added to {store}, with {res.n_spans} span codings and {res.n_memos} memos"
           if store else ""))
    for p in res.files:
        click.echo(str(p))


COMMANDS = [export_group, import_group]
