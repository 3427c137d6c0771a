"""CLI: the main job, `analyze`."""

from __future__ import annotations

from pathlib import Path

import click

from . import handle_errors, say


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("analysis"), show_default=True,
              help="Output folder for tables and the run manifest.")
@click.option("-l", "--lexicon", "lexicons", multiple=True, help="Lexicon name or path (default: corpus.toml's).")
@click.option("--engine", type=click.Choice(["rjieba", "jieba"]), default="rjieba", show_default=True)
@click.option("--dedupe", is_flag=True, help="Count each near-duplicate passage once.")
@click.option("--seed", default=0, show_default=True, help="Random seed for every stochastic step.")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
@handle_errors
def analyze(corpus: Path | None, out: Path, lexicons: tuple[str, ...], engine: str, dedupe: bool, seed: int,
            quiet: bool) -> None:
    """Validate, tokenize and score CORPUS (default: the bundled Junpu corpus) and write all tables,
    the evidence and manifest.json into --out."""
    from ..pipeline import analyze as run

    res = run(corpus, out, lexicons, engine, dedupe, seed, None if quiet else say)
    for line in res.problems:
        say(f"  {line}")
    say(f"{res.n_documents} documents, {res.n_entries} entries analysed; {res.n_skipped} row(s) skipped "
        f"with errors; outputs in {res.out}/")
    for name, path in res.files.items():
        click.echo(f"{name}\t{path}")


COMMANDS = [analyze]
