"""CLI: the main job, `analyze`."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import say
from corpus_tools.cli.options import (
    corpus_or_table,
    engine_option,
    hidden_alias,
    lexicon_option,
    negation_options,
    raw_cells_option,
    topic_sample_options,
    workers_options,
)
from corpus_tools.topics.names import BILINGUAL_MODES, SEED_LEVELS
from corpus_tools.topics.names import DEFAULT_ENGINE as DEFAULT_TOPIC_ENGINE
from corpus_tools.topics.names import ENGINES as TOPIC_ENGINES


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("analysis"), show_default=True,
              help="Output folder for report.html, charts, tables and the run manifest.")
@lexicon_option("Lexicon name or path (default: corpus.toml's).")
@engine_option("Chinese word segmenter.")
@click.option("--dedupe", is_flag=True, help="Count each near-duplicate passage once.")
@click.option("--seed", default=0, show_default=True, help="Random seed for every stochastic step.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Cache for tokens, scores, framing, topic models, suggestions and charts (default: OUT/.cache).")
@click.option("--no-cache", is_flag=True, help="Recompute everything and write no cache.")
@click.option("--topics/--no-topics", default=True, show_default=True, help="Fit topic models per stage.")
@click.option("--topic-engine", type=click.Choice(TOPIC_ENGINES), default=None,
              help=f"Topic-model engine (default: {DEFAULT_TOPIC_ENGINE}, the measured best, see docs/topics.md).")
@click.option("-k", "--k-range", "k_spec", default=None, metavar="KS",
              help="Numbers of topics to sweep: 4,6,8 or 4-12 or 4-16:2 (default 4,6,8,10,12,15); "
                   "a narrower range is faster.")
@click.option("--n-seeds", default=3, show_default=True, help="Topic-model seeds per K in the sweep.")
@topic_sample_options
@click.option("--prevalence-by", "prevalence_by", default="", metavar="COLS",
              help="Metadata columns (comma-separated) for topic covariate effects, besides stage, source_type, "
                   "lang and year.")
@click.option("--seeded", type=click.Choice(SEED_LEVELS), default="variable",
              show_default=True, help="Keyword-assisted topics seeded per codebook variable or construct.")
@click.option("--bilingual", type=click.Choice(BILINGUAL_MODES), default="auto", show_default=True,
              help="Link Chinese and English words through CC-CEDICT into one topic space.")
@click.option("--suggestions/--no-suggestions", default=True, show_default=True,
              help="Draft codes for every entry; with coded passages (codings.csv, store) also the model's "
                   "cross-validated quality and the trained model in OUT/model.")
@click.option("--store", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Coding store whose decisions the model also learns from (default: OUT/coding.sqlite if present).")
@click.option("--n-boot", "n_boot", default=1000, show_default=True, help="Bootstrap resamples for intervals.")
@hidden_alias("--bootstrap", "n_boot", "--n-boot", type=int)
@click.option("--by", multiple=True, metavar="COLUMN",
              help="Also write scores aggregated by this column into by_COLUMN.csv (repeatable): outlet, lang, "
                   "quarter, month or a metadata column (e.g. a table's extra columns).")
@click.option("--permutations", "n_perm", default=9999, show_default=True,
              help="Permutations for p-values (9,999 take about 5 s on the bundled corpus).")
@click.option("--adjust", "adjust_spec", default=None, metavar="COLS",
              help="Document columns the stage effects adjust for, comma-separated (default: source_type,lang; "
                   "'' for none).")
@click.option("--min-docs", default=5, show_default=True,
              help="Fewest documents a group needs for an interval or a test.")
@click.option("--keep-junk", is_flag=True, help="Count junk entries (too short, markup, pinyin runs, boilerplate "
                                                "repeated across an outlet's documents) in scores and topics too.")
@workers_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary on stderr.")
@raw_cells_option()
@negation_options
@corpus_or_table(problems=False)
def analyze(corpus: Path | None, out: Path, lexicons: tuple[str, ...], engine: str, dedupe: bool, seed: int,
            cache_dir: Path | None, no_cache: bool, topics: bool, topic_engine: str | None, k_spec: str | None,
            n_seeds: int, prevalence_by: str, seeded: str, bilingual: str, suggestions: bool, store: Path | None,
            n_boot: int, by: tuple[str, ...], n_perm: int, adjust_spec: str | None, min_docs: int, keep_junk: bool,
            workers: int | None, dask: str | None, quiet: bool, count_negated: bool | None,
            negation_rules: str | None, sweep_sample: int, final_fit: str) -> None:
    """Analyse CORPUS (a corpus folder or a table of texts; default: the bundled Junpu corpus): scores with
    evidence, framing over time, topics per stage, draft codes for every entry with the model's
    cross-validated quality, and a self-contained report.html plus charts, CSV tables, the trained model
    (OUT/model) and manifest.json in --out. A second run with unchanged inputs reuses the cache and takes seconds.
    Negated hits (不赚钱, "no support") and interviewer turns are kept in the evidence but not counted."""
    from corpus_tools.cli.progress import StepBar
    from corpus_tools.jobs.analyze import analyze as run
    from corpus_tools.topics.sweep import parse_k_range

    k_range = parse_k_range(k_spec) if k_spec else None  # a malformed range stops before the slow part
    bar = StepBar(enabled=False if quiet else None)
    try:
        res = run(corpus, out, lexicons, engine, dedupe, seed, bar, cache_dir=cache_dir, use_cache=not no_cache,
                  topics=topics, topic_engine=topic_engine, k_range=k_range, n_seeds=n_seeds, n_boot=n_boot,
                  n_perm=n_perm, suggestions=suggestions, store=store, by=by, keep_junk=keep_junk, workers=workers,
                  dask=dask, topic_options={"prevalence_by": [c.strip() for c in prevalence_by.split(",") if c.strip()],
                                            "seeded": seeded, "bilingual": bilingual},
                  adjust=None if adjust_spec is None else [c for c in adjust_spec.split(",") if c.strip()],
                  min_docs=min_docs, sweep_sample=sweep_sample or None, final_fit=final_fit,
                  count_negated=count_negated or None, negation_rules=negation_rules)
    finally:
        bar.close()
    if not quiet:
        for line in res.problems:
            say(f"  {line}")
        hits = sum(res.cache.get("hits", {}).values())
        sug = res.suggestions
        if sug is not None and sug.evaluation is not None:
            m = sug.evaluation.macro
            say(f"draft codes: model {sug.model_version} trained on {sug.n_coded} coded passages; cross-validated "
                f"macro F1 {m['f1']:.2f}, mean kappa {m['kappa']:.2f}")
        elif sug is not None:
            say(f"draft codes: from the lexicon ({sug.model_version}); code passages to train a model")
        say(f"{res.n_documents} documents, {res.n_entries} entries analysed; {res.n_skipped} row(s) skipped "
            f"with errors; {hits} cached result(s) reused; report: {res.files.get('report', '-')}")
    for name, path in res.files.items():
        click.echo(f"{name}\t{path}")


COMMANDS = [analyze]
