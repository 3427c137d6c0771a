"""CLI: `topics`, the topic models per stage and jointly (a thin wrapper over topics.run_topics)."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import engine_option, lexicon_option, raw_cells_option
from corpus_tools.topics.names import DEFAULT_ENGINE as DEFAULT_TOPIC_ENGINE
from corpus_tools.topics.names import ENGINES as TOPIC_ENGINES


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("topics"), show_default=True,
              help="Output folder for the topic tables (CSV) and topics.json.")
@lexicon_option("Lexicon name or path (default: corpus.toml's).")
@engine_option("Tokenizer engine.")
@click.option("--topic-engine", type=click.Choice(TOPIC_ENGINES), default=None,
              help=f"Topic-model engine (default: {DEFAULT_TOPIC_ENGINE}, chosen by benchmarks/bench_topics.py).")
@click.option("-k", "--k", "k_spec", default=None, metavar="KS",
              help="Numbers of topics to sweep: 4,6,8 or 4-12 or 4-16:2 (default 4,6,8,10,12,15).")
@click.option("--seeds", "n_seeds", default=3, show_default=True, help="Seeds per K (stability needs ≥ 2).")
@click.option("--seed", default=0, show_default=True, help="First random seed; the reported models use it.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (it is drawn only when stderr is a terminal).")
@raw_cells_option()
@handle_errors
def topics(corpus: Path | None, out: Path, lexicons: tuple[str, ...], engine: str, topic_engine: str | None,
           k_spec: str | None, n_seeds: int, seed: int, quiet: bool) -> None:
    """Topic models of CORPUS (default: the bundled Junpu corpus): one per stage, aligned across stages
    (persisted / emerged / faded), and one joint model with topic prevalence per stage; K chosen by
    coherence and stability. Writes the tables as CSV into --out."""
    from corpus_tools.cli.progress import StepBar
    from corpus_tools.project import Project
    from corpus_tools.text.tokenize import Tokenizer
    from corpus_tools.topics import run_topics
    from corpus_tools.topics.sweep import parse_k_range

    k_range = parse_k_range(k_spec) if k_spec else None
    bar = StepBar(enabled=False if quiet else None)  # steps: read corpus, fit the models, write tables
    try:
        bar("reading corpus", 1, 3)
        project = Project.open(corpus, lexicons)
        corp, lex = project.corpus, project.lexicons
        result = run_topics(corp, Tokenizer(engine), lex, seed=seed, k_range=k_range, n_seeds=n_seeds,
                            engine=topic_engine, progress=lambda message: bar(message, 2, 3))
        bar("writing tables", 3, 3)
        settings = {"corpus": str(corp.root), "tokenizer": engine, "k_range": k_range, "n_seeds": n_seeds,
                    "seed": seed}
        files = result.write(out, settings=settings)
        bar("done", 4, 3)  # step total + 1: a full bar
    finally:
        bar.close()
    for note in result.notes:
        say(f"  note: {note}")
    chosen = ", ".join(f"{scope} K={k}" for scope, k in result.k_by_scope.items())
    say(f"{result.engine}: {chosen or 'no models'}; tables in {out}/")
    for name, path in files.items():
        click.echo(f"{name}\t{path}")


COMMANDS = [topics]
