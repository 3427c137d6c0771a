"""CLI: lint, show, export and import lexicons."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import engine_option, hidden_alias, lexicon_option
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
@click.option("--changes", "show_changes", is_flag=True, help="Also list every recorded change with its reason.")
@handle_errors
def show(name: str, show_changes: bool) -> None:
    """Print the constructs, variables (with ids), term counts, the source's Table 4 keywords (marked when
    they no longer match as terms) and the number of recorded changes of lexicon NAME."""
    from corpus_tools.lexicon.formats import load_lexicon

    lex = load_lexicon(name)
    click.echo(f"{lex.name} {lex.version}  {lex.title}")
    for c in lex.constructs:
        click.echo(f"{c.id}: {c.label.get('en', '')} / {c.label.get('zh', '')}")
        for v in c.variables:
            n = {k: len(t) for k, t in v.terms.items()}
            extra = f"  changes {len(v.changes)}" if v.changes else ""
            click.echo(f"  {v.id}: {v.label.get('en', '')}  terms {n}{extra}")
            if v.table4:
                off = set(v.table4_unmatched())
                click.echo("    Table 4: " + "; ".join(f"{k} (not matched)" if k in off else k for k in v.table4))
            if show_changes:
                for ch in v.changes:
                    what = "; ".join(f"{k} {ch[k]}" for k in ("removed", "added", "narrowed", "moved") if k in ch)
                    click.echo(f"    {ch.get('version', '')}: {what}")
                    click.echo(f"      reason: {' '.join(str(ch.get('reason', '')).split())}")


@lexicon.command()
@click.argument("corpus", required=False, type=click.Path(path_type=Path))
@lexicon_option("Lexicon to validate (repeatable; default: the corpus's own).")
@click.option("--coder", help="Reference coder (default: A when present, else the first coder of the file).")
@click.option("--split", type=click.Choice(["all", "dev", "test"]), default="all", show_default=True,
              help="Entries of the development or test documents only (from the corpus's validation_split.csv).")
@click.option("--split-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="A split table (doc_id, split) other than the corpus's validation_split.csv.")
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Folder for lexicon_validation.csv, lexicon_confusion.csv and lexicon_false_hits.csv.")
@click.option("--n-boot", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap resamples of documents for the intervals (0: none).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the bootstrap.")
@click.option("--count-negated", is_flag=True, help="Count hits in the scope of a negation cue too (docs/lexicons.md).")
@engine_option()
@handle_errors
def validate(corpus: Path | None, lexicons: tuple[str, ...], coder: str | None, split: str, split_file: Path | None,
             out: Path | None, n_boot: int, seed: int, count_negated: bool, engine: str) -> None:
    """Validate lexicon hits against the hand codes of CORPUS (default: the bundled corpus), entry by entry:
    precision, recall, F1 and Cohen's kappa per variable, term and language, with bootstrap intervals over
    documents; which variable's terms fire on which coded variable; terms ranked by false hits."""
    from corpus_tools.jobs.lexicon_validate import run_lexicon_validation

    run = run_lexicon_validation(corpus, lexicons=lexicons, coder=coder, split=split, split_file=split_file,
                                 out=out, n_boot=n_boot, seed=seed, engine=engine, count_negated=count_negated)
    click.echo(run.text)
    for path in run.files.values():
        say(f"wrote {path}")


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
