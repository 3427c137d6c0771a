"""CLI: train the suggestion model, suggest codes for passages, evaluate the model by cross-validation."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import handle_errors, say
from corpus_tools.cli.options import corpus_or_table, engine_option, hidden_alias, lexicon_option, raw_cells_option

STORE_OPT = click.option("--store", "store", type=click.Path(path_type=Path),
                         help="Coding store (SQLite). Default: analysis/coding.sqlite under the current working "
                              "directory, when it exists.")
LEXICON_OPT = lexicon_option("Lexicon name or path (repeatable; the first is the codebook). Default: the corpus's.")
ENGINE_OPT = engine_option("Chinese segmentation engine.")
SEED_OPT = click.option("--seed", default=0, show_default=True, help="Random seed (same seed and data, same model).")


def resolve_store(store: Path | None, must_exist: bool = False) -> Path | None:
    """--store if given (it must exist when only read), else the default store when it exists."""
    from corpus_tools.errors import StoreError
    from corpus_tools.store.store import default_store_path

    if store is not None:
        if must_exist and not store.is_file():
            raise StoreError(f"coding store {store} does not exist")
        return store
    default = default_store_path()
    return default if default.is_file() else None


def store_message(given: Path | None, used: Path | None) -> str:
    """One line saying which coding store `train`/`evaluate` read, or that none was found (and where it looked)."""
    from corpus_tools.store.store import default_store_path

    if used is not None:
        how = "given with --store" if given is not None else "found at the default location"
        return f"coding store: {used.resolve()} ({how}); its decisions are used"
    default = default_store_path()
    return (f"coding store: none used (no {default} under {Path.cwd()}); only the corpus's codings.csv is used "
            "(pass --store PATH to use a store elsewhere)")


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path, exists=True), required=False)
@click.option("-o", "--out", "out", type=click.Path(path_type=Path), required=True,
              help="Model folder to write (model.json, arrays.npz, lexicon copies).")
@STORE_OPT
@LEXICON_OPT
@ENGINE_OPT
@SEED_OPT
@click.option("-C", "--C", "c", default=16.0, show_default=True, help="Inverse regularisation strength.")
@click.option("--no-evaluation", is_flag=True,
              help="Skip the grouped cross-validation (about 5x faster; suggestions then name no quality figure).")
@corpus_or_table()
def train(corpus: Path | None, out: Path, store: Path | None, lexicons: tuple[str, ...], engine: str, seed: int,
          c: float, no_evaluation: bool) -> None:
    """Fit the code-suggestion model on CORPUS's coded sample (codings.csv, codings_<lexicon>.csv) plus the
    store's decisions, for every lexicon with coded data.

    CORPUS defaults to the bundled Junpu corpus. One class-weighted classifier per variable, calibrated
    probabilities where data allow, per-variable thresholds chosen on held-out folds. The grouped
    cross-validation runs first and is saved with the model (docs/suggest.md).
    """
    from corpus_tools.jobs.suggest import train as run

    used = resolve_store(store, must_exist=True)
    say(store_message(store, used))
    res = run(corpus, used, out, lexicons, engine, seed, c, say, evaluate=not no_evaluation)
    for p in res.problems[:20]:
        say(f"  {p}")
    if len(res.problems) > 20:
        say(f"  ... {len(res.problems) - 20} more problem(s)")
    m = res.model
    record = m.quality_
    for f in m.fits_:
        cal = "calibrated" if f.calibrated else "raw"
        q = record.get(f.code) if record is not None else None
        cv = ""
        if q is not None and q.f1 is not None:
            ci = f" [{q.f1_low:.2f}, {q.f1_high:.2f}]" if q.f1_low is not None and q.f1_high is not None else ""
            cv = f"  grouped-CV F1 {q.f1:.2f}{ci} n={q.n_passages}"
        lex = f" (lexicon hits: {f.lexicon_f1:.2f})" if f.oof else ""
        use = "  -> lexicon" if f.fallback else ""
        say(f"  {f.code:32} {f.positives:>4} positive  threshold {f.threshold:.2f} ({cal}){cv}{lex}{use}"
            + (f"  [{f.note}]" if f.note else ""))
    if res.evaluation is not None:
        mac = res.evaluation.macro
        say(f"grouped cross-validated macro F1 {mac['f1']:.3f} [{mac['f1_low']:.3f}, {mac['f1_high']:.3f}] "
            f"({res.evaluation.n_groups} document groups; recorded in model.json)")
    click.echo(f"model {m.version} trained on {m.n_train_} passages -> {res.path.parent}")


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--out", "output", type=click.Path(path_type=Path), default=None,
              help="Suggestions table (.csv, .jsonl, .parquet, .xlsx, or --format; `-`: CSV or JSONL on "
                   "standard output): one row per input id. Required.")
@hidden_alias("--output", "output", "--out", required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("csv", "jsonl", "parquet", "xlsx")), default=None,
              help="Output format (default: from the suffix; csv for `-o -`).")
@click.option("--model", "model_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Model folder from `corpus-tools train`. Without it: lexicon suggestions (cold start).")
@click.option("--text-col", default="text", show_default=True, help="Text column of an input table.")
@click.option("--id-col", default="id", show_default=True, help="Id column of an input table (row-N if absent).")
@click.option("--no-why", is_flag=True, help="Leave the explanation columns empty (faster).")
@click.option("--top-features", default=3, show_default=True, help="Strongest model features listed per code.")
@LEXICON_OPT
@ENGINE_OPT
@raw_cells_option()
@handle_errors
def suggest(input_path: Path, output: Path, fmt: str | None, model_dir: Path | None, text_col: str, id_col: str,
            no_why: bool, top_features: int, lexicons: tuple[str, ...], engine: str) -> None:
    """Suggest codes for INPUT (a corpus folder or a CSV/JSONL/XLSX table of texts).

    One probability column per variable id, a `codes` column (`;`-separated, per-variable thresholds),
    constructs, and WHY: matched lexicon terms, strongest model features, most similar coded passage.
    """
    from corpus_tools.io.tables import check_output, write_table
    from corpus_tools.jobs.suggest import load_suggester
    from corpus_tools.suggest.apply import suggest_corpus, suggest_table_file

    check_output(output, fmt)
    if input_path.is_dir():
        from corpus_tools.corpus.loader import load_corpus

        corpus = load_corpus(input_path)
        corpus.require_documents()
        suggester = load_suggester(model_dir, corpus, lexicons, engine)
        frame = suggest_corpus(suggester, corpus, why=not no_why, top_features=top_features)
        write_table(frame, output, fmt=fmt)
        n, n_coded = len(frame), int((frame["codes"] != "").sum())
    else:
        suggester = load_suggester(model_dir, None, lexicons, engine)
        n = suggest_table_file(suggester, input_path, output, text_col, id_col, why=not no_why,
                               top_features=top_features, fmt=fmt)
        n_coded = -1
    what = f"; {n_coded} with at least one code" if n_coded >= 0 else ""
    say(f"{n} passages suggested by {suggester.source} {suggester.version}{what} -> {output}")


@click.command()
@click.argument("corpus", type=click.Path(path_type=Path, exists=True), required=False)
@STORE_OPT
@click.option("-o", "--out", "out", type=click.Path(path_type=Path), default=Path("analysis/evaluation"),
              show_default=True, help="Folder for evaluation.csv, learning_curve.csv and evaluation.json.")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
@click.option("--no-curve", is_flag=True, help="Skip the learning curve (faster).")
@click.option("--active-learning", "active", is_flag=True,
              help="Also simulate coding in the review queue's order vs random order (active_learning.json; slow).")
@LEXICON_OPT
@ENGINE_OPT
@SEED_OPT
@raw_cells_option()
@corpus_or_table()
def evaluate(corpus: Path | None, store: Path | None, out: Path, folds: int, no_curve: bool, active: bool,
             lexicons: tuple[str, ...], engine: str, seed: int) -> None:
    """Cross-validated precision, recall, F1 and Cohen's kappa (model vs human) per variable, codebook and
    language, with 95% intervals, plus a learning curve; folds hold out whole documents with their reprints."""
    from corpus_tools.jobs.suggest import evaluate as run
    from corpus_tools.suggest.evaluation import format_table, write_evaluation

    used = resolve_store(store, must_exist=True)
    say(store_message(store, used))
    res = run(corpus, used, folds, seed, not no_curve, lexicons, engine, say)
    click.echo(format_table(res))
    files = write_evaluation(res, out)
    if active:
        from corpus_tools.jobs.suggest import active_learning, write_active_learning

        al = active_learning(corpus, used, seed, lexicons, engine, progress=say)
        for strategy, n in al.passages_to_reach(0.9).items():
            click.echo(f"active learning ({strategy}): 90% of the best macro F1 after "
                       f"{n if n is not None else 'more than the simulated'} coded passages")
        files.update(write_active_learning(al, out))
    say("tables: " + ", ".join(str(p) for p in files.values()))


COMMANDS = [train, suggest, evaluate]
