"""CLI: `topics`, the topic models per stage and jointly (a thin wrapper over topics.run_topics)."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import say
from corpus_tools.cli.options import (
    corpus_or_table,
    engine_option,
    hidden_alias,
    lexicon_option,
    raw_cells_option,
    topic_sample_options,
)
from corpus_tools.topics.names import BILINGUAL_MODES, SEED_LEVELS
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
@click.option("-k", "--k-range", "k_spec", default=None, metavar="KS",
              help="Numbers of topics to sweep: 4,6,8 or 4-12 or 4-16:2 (default 4,6,8,10,12,15).")
@hidden_alias("--k", "k_spec", "-k/--k-range")
@click.option("--n-seeds", "n_seeds", default=3, show_default=True, help="Seeds per K (stability needs ≥ 2).")
@hidden_alias("--seeds", "n_seeds", "--n-seeds", type=int)
@click.option("--seed", default=0, show_default=True, help="First random seed; the reported models use it.")
@click.option("--bilingual", type=click.Choice(BILINGUAL_MODES), default="auto", show_default=True,
              help="Link Chinese and English words through CC-CEDICT so a theme in both languages is one topic "
                   "(auto: when both languages are present and a dictionary is installed).")
@click.option("--dictionary", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A CC-CEDICT-format file to use instead of the installed one.")
@click.option("--seeded", type=click.Choice(SEED_LEVELS), default="variable", show_default=True,
              help="Keyword-assisted topics: one topic seeded per codebook variable or construct, or off.")
@click.option("--free-topics", default=4, show_default=True, help="Free topics beside the seeded ones.")
@click.option("--prevalence-by", "prevalence_by", default="", metavar="COLS",
              help="Metadata columns (comma-separated) for covariate effects on prevalence, besides stage, "
                   "source_type, lang and year.")
@topic_sample_options
@click.option("--align-threshold", type=float, default=None,
              help="Cosine similarity at which topics of consecutive stages match (default 0.4).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (it is drawn only when stderr is a terminal).")
@raw_cells_option()
@corpus_or_table()
def topics(corpus: Path | None, out: Path, lexicons: tuple[str, ...], engine: str, topic_engine: str | None,
           k_spec: str | None, n_seeds: int, seed: int, bilingual: str, dictionary: Path | None, seeded: str,
           free_topics: int, prevalence_by: str, sweep_sample: int, final_fit: str, align_threshold: float | None,
           quiet: bool) -> None:
    """Topic models of CORPUS (default: the bundled Junpu corpus): one per stage, aligned across stages
    (persisted / split / merged / emerged / faded), one joint model with covariate effects on prevalence
    (topic_effects.csv), and keyword-assisted topics seeded from the codebook (topic_seeded.csv); Chinese
    and English linked into one topic space; K chosen by coherence, stability, exclusivity and held-out
    likelihood. Writes the tables as CSV into --out."""
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
        cols = [c.strip() for c in prevalence_by.split(",") if c.strip()]
        result = run_topics(corp, Tokenizer(engine), lex, seed=seed, k_range=k_range, n_seeds=n_seeds,
                            engine=topic_engine, progress=lambda message: bar(message, 2, 3),
                            bilingual=bilingual, dictionary=dictionary, seeded=seeded, free_topics=free_topics,
                            prevalence_by=cols, align_threshold=align_threshold,
                            sweep_sample=sweep_sample or None, final_fit=final_fit)
        bar("writing tables", 3, 3)
        settings = {"corpus": str(corp.root), "tokenizer": engine, "k_range": k_range, "n_seeds": n_seeds,
                    "seed": seed, "bilingual": bilingual, "dictionary": str(dictionary) if dictionary else None,
                    "seeded": seeded, "free_topics": free_topics, "prevalence_by": cols,
                    "align_threshold": align_threshold, "sweep_sample": sweep_sample or None, "final_fit": final_fit}
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
