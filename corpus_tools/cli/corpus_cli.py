"""CLI: validate a corpus folder, export its entries, tokenize a text."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from corpus_tools.cli import handle_errors
from corpus_tools.cli.options import engine_option, raw_cells_option


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True,
              help="How to print the problems.")
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too, not only on errors.")
@raw_cells_option()
@handle_errors
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
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Output table (.csv, .jsonl, .parquet, .xlsx).")
@raw_cells_option()
@handle_errors
def entries(corpus: Path | None, output: Path) -> None:
    """Export the entries (coding units) of a corpus with their stable ids, offsets and metadata."""
    from corpus_tools.io.tables import write_table
    from corpus_tools.project import open_corpus

    c = open_corpus(corpus)
    c.require_documents()
    write_table(c.entries_with_meta(), output)
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


COMMANDS = [validate, entries, tokenize]
