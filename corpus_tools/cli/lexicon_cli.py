"""CLI: lint, show, export and import lexicons."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import engine_option, hidden_alias
from corpus_tools.io.resources import DEFAULT_LEXICON


@click.group()
def lexicon() -> None:
    """Work with codebook-lexicons: check, show, export (quanteda, LIWC), import."""


@lexicon.command()
@click.argument("name", default=DEFAULT_LEXICON)
@click.option("--corpus", type=click.Path(path_type=Path),
              help="Also check against this corpus: terms that never match or are split in context.")
@click.option("--bundled-corpus", is_flag=True, help="Check against the bundled corpus.")
@engine_option()
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
@handle_errors
def check(name: str, corpus: Path | None, bundled_corpus: bool, engine: str, strict: bool) -> None:
    """Lint lexicon NAME (bundled name or path): duplicate terms, terms in two variables (collisions),
    bad globs, terms the tokenizer cannot keep whole, and (with a corpus) terms that never match."""
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.lexicon.lint import lint_lexicon
    from corpus_tools.project import open_corpus
    from corpus_tools.text.tokenize import Tokenizer

    lex = load_lexicon(name)
    texts = None
    if corpus or bundled_corpus:
        texts = list(open_corpus(corpus).entries["text"])
    issues = lint_lexicon(lex, Tokenizer(engine), texts)
    for issue in issues:
        click.echo(str(issue))
    levels = [i.level for i in issues]
    say(f"{lex.name} {lex.version}: {len(lex.variables)} variables; {levels.count('error')} errors, "
        f"{levels.count('warning')} warnings, {levels.count('info')} info")
    if "error" in levels or (strict and "warning" in levels):
        sys.exit(1)


@lexicon.command()
@click.argument("name", default=DEFAULT_LEXICON)
@handle_errors
def show(name: str) -> None:
    """Print the constructs, variables (with ids) and term counts of lexicon NAME."""
    from corpus_tools.lexicon.formats import load_lexicon

    lex = load_lexicon(name)
    click.echo(f"{lex.name} {lex.version}  {lex.title}")
    for c in lex.constructs:
        click.echo(f"{c.id}: {c.label.get('en', '')} / {c.label.get('zh', '')}")
        for v in c.variables:
            n = {k: len(t) for k, t in v.terms.items()}
            click.echo(f"  {v.id}: {v.label.get('en', '')}  terms {n}")


@lexicon.command(name="export")
@click.argument("name")
@click.option("-f", "--format", "fmt", type=click.Choice(["quanteda", "liwc", "yaml"]), required=True)
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), default=None, help="File to write. Required.")
@hidden_alias("--output", "output", "--out", required=True, type=click.Path(path_type=Path))
@handle_errors
def export_cmd(name: str, fmt: str, output: Path) -> None:
    """Write lexicon NAME as a quanteda YAML dictionary, a LIWC .dic file, or codebook YAML."""
    from corpus_tools.lexicon.formats import load_lexicon, write_liwc, write_quanteda
    from corpus_tools.lexicon.yaml_io import write_codebook

    lex = load_lexicon(name)
    {"quanteda": write_quanteda, "liwc": write_liwc, "yaml": write_codebook}[fmt](lex, output)
    say(f"wrote {output}")


@lexicon.command(name="import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), default=None,
              help="Codebook YAML to write. Required.")
@hidden_alias("--output", "output", "--out", required=True, type=click.Path(path_type=Path))
@handle_errors
def import_cmd(path: Path, output: Path) -> None:
    """Convert a quanteda YAML dictionary or LIWC .dic file into codebook YAML (labels to fill in)."""
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.lexicon.yaml_io import write_codebook

    lex = load_lexicon(path.resolve())
    write_codebook(lex, output)
    say(f"{len(lex.variables)} variables imported into {output}")


COMMANDS = [lexicon]
