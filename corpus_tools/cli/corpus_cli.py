"""CLI: create a corpus folder (from a table), validate it, export its entries, tokenize a text."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from corpus_tools.cli import handle_errors
from corpus_tools.cli.options import (
    corpus_or_table,
    engine_option,
    hidden_alias,
    pop_columns,
    raw_cells_option,
    report_import,
    table_column_options,
)


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True,
              help="How to print the problems.")
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too, not only on errors.")
@raw_cells_option()
@corpus_or_table(problems=False)
def validate(corpus: Path | None, fmt: str, strict: bool) -> None:
    """Check a corpus folder and report every problem at once (file and line).

    Errors (missing file, undecodable bytes, bad date, duplicate id, unknown source_type, empty text,
    unclosed quote, a file over an input limit, a lexicon corpus.toml names that does not exist) mean the
    row is skipped by analyses; warnings and notes are loaded. Notes come first and errors last, then a
    summary with counts. Exit code 1 when errors exist. Without CORPUS, the bundled corpus is checked.
    """
    from corpus_tools.jobs.validate import ordered, summary, validate_corpus

    c = validate_corpus(corpus)
    probs = c.problems
    if fmt == "csv":
        from corpus_tools.io.cells import safe_frame

        click.echo(safe_frame(probs).to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(probs.to_json(orient="records", force_ascii=False, indent=2))
    else:
        for p in ordered(c.problem_list):
            click.echo(str(p))
        click.echo(summary(c), err=True)
    levels = {p.level for p in c.problem_list}
    if "error" in levels or (strict and "warning" in levels):
        sys.exit(1)


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), default=None,
              help="Output table (.csv, .jsonl, .parquet, .xlsx; `-`: standard output). Required.")
@hidden_alias("--output", "output", "--out", required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet", "xlsx"]), default=None,
              help="Output format (default: from the suffix; csv for `-o -`).")
@raw_cells_option()
@corpus_or_table()
def entries(corpus: Path | None, output: Path, fmt: str | None) -> None:
    """Export the entries (coding units) of a corpus (or a table of texts) with their stable ids, offsets
    and metadata (a table's extra columns included)."""
    from corpus_tools.io.tables import write_table
    from corpus_tools.project import open_corpus

    c = open_corpus(corpus)
    c.require_documents()
    write_table(c.entries_with_meta(), output, fmt=fmt)
    click.echo(f"{len(c.entries)} entries from {len(c.docs)} documents written to {output}", err=True)


@click.command()
@click.argument("text")
@engine_option()
@click.option("--content", is_flag=True, help="Drop stop words, numbers and one-character tokens.")
@handle_errors
def tokenize(text: str, engine: str, content: bool) -> None:
    """Print the tokens of TEXT (normalised: Simplified, lower case), one per line with offsets."""
    from corpus_tools.text.tokenize import Tokenizer

    tok = Tokenizer(engine)
    for w, s, e in tok.tokenize(text).spans():
        if not content or tok.is_content(w):
            click.echo(f"{s}\t{e}\t{w}")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--from", "source", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="A table of texts (CSV in UTF-8/GBK/GB18030/UTF-16 with , ; or tab; TSV; XLSX; JSONL; Parquet): "
                   "one document per row.")
@table_column_options
@click.option("-l", "--lexicon", "lexicons", multiple=True,
              help="Lexicons the corpus uses by default (corpus.toml; default: mass_entrepreneurship).")
@click.option("--name", default=None, help="Corpus name (default: the folder name).")
@handle_errors
def init(folder: Path, source: Path | None, lexicons: tuple[str, ...], name: str | None,
         **columns: str | None) -> None:
    """Create the corpus folder FOLDER: from a table with --from (documents.csv, texts/, corpus.toml), or
    an empty skeleton to fill by hand.

    Columns are mapped by --text-col, --id-col, --date-col, --source-col, --lang-col, --title-col or by
    recognised names (text/content/正文, id/doc_id, date/日期, source_type/type, lang/language,
    title/标题; outlet/source/媒体, author, speaker, role, notes as themselves); every other column is
    kept as document metadata (scores, entries and evidence carry it; `--by COLUMN` groups by it). Rows
    that cannot be imported (empty text, duplicated id) are listed with their table row, and the exit
    code is 1; the other rows are imported.
    """
    from corpus_tools.corpus.from_table import Columns, skeleton_folder, table_to_folder
    from corpus_tools.errors import CorpusError
    from corpus_tools.io.resources import DEFAULT_LEXICON

    lex = lexicons or (DEFAULT_LEXICON,)
    if folder.exists() and any(folder.iterdir()):
        raise CorpusError(f"{folder} exists and is not empty", hint="choose a new folder name")
    if source is None:
        skeleton_folder(folder, name, lex)
        click.echo(f"empty corpus created in {folder}: add texts under texts/ and rows to documents.csv")
        return
    imported = table_to_folder(source, folder, Columns(**pop_columns(columns)), lexicons=lex, name=name)
    report_import(imported.problems, imported.summary())
    click.echo(str(folder))
    if imported.n_errors:
        sys.exit(1)


COMMANDS = [init, validate, entries, tokenize]
