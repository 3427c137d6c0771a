"""Options shared by several commands, declared once (help text may differ per command)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from corpus_tools.text.engines import DEFAULT_ENGINE, ENGINES
from corpus_tools.topics.names import FINAL_FITS, SWEEP_SAMPLE

F = TypeVar("F", bound=Callable[..., Any])


def engine_option(help: str = "Chinese segmentation engine (jieba is the slower reference).") -> Callable[[Any], Any]:
    """--engine: the Chinese word segmenter."""
    return click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True, help=help)


def lexicon_option(help: str) -> Callable[[Any], Any]:
    """-l/--lexicon (repeatable): lexicon names or paths."""
    return click.option("-l", "--lexicon", "lexicons", multiple=True, help=help)


# --- tables as corpora --------------------------------------------------------------------------
TABLE_COLUMNS = (("--text-col", "text", "the texts"), ("--id-col", "id", "document ids (else derived from the text)"),
                 ("--date-col", "date", "dates"), ("--source-col", "source", "the source type (media, interview, ...)"),
                 ("--lang-col", "lang", "the language"), ("--title-col", "title", "titles"))


def table_column_options(func: F) -> F:
    """--text-col, --id-col, --date-col, --source-col, --lang-col, --title-col (default: recognised names)."""
    for flag, role, what in reversed(TABLE_COLUMNS):
        func = click.option(flag, f"{role}_col", default=None, metavar="COL",
                            help=f"When the input is a table: the column with {what} (default: a recognised "
                                 "name).")(func)
    return func


def pop_columns(kwargs: dict[str, Any]) -> dict[str, str | None]:
    """Remove the table column options from a command's keyword arguments: role -> column."""
    return {role: kwargs.pop(f"{role}_col", None) for _, role, _ in TABLE_COLUMNS}


def table_as_corpus(path: Path, columns: dict[str, str | None], problems: bool = True) -> Path:
    """The corpus folder for a table given as CORPUS: imported once into a cache folder (the path is
    reported on stderr, with the import's problems unless the command lists the corpus's problems itself:
    they are part of them)."""
    from corpus_tools.corpus.from_table import Columns, table_corpus_folder

    imported = table_corpus_folder(path, Columns(**columns))
    report_import(imported.problems if problems else [],
                  imported.summary() + (" (reused)" if imported.reused else ""))
    return imported.root


def corpus_option_path(path: Path | None) -> Path | None:
    """A `--corpus` option's value: a corpus folder as given, a table (recognised column names) imported
    into its cache folder (commands whose own --text-col/--id-col mean something else use this)."""
    if path is not None and path.is_file():
        return table_as_corpus(path, {role: None for _, role, _ in TABLE_COLUMNS})
    return path


def report_import(problems: list[Any], summary: str, limit: int = 20) -> None:
    """Warnings first (at most `limit`), then errors, then the one-line summary: the last lines are the
    ones that matter."""
    warnings = [p for p in problems if p.level != "error"]
    errors = [p for p in problems if p.level == "error"]
    for p in warnings[:limit]:
        click.echo(f"  {p}", err=True)
    if len(warnings) > limit:
        click.echo(f"  ... and {len(warnings) - limit} more warning(s)/note(s)", err=True)
    for p in errors:
        click.echo(f"  {p}", err=True)
    click.echo(summary, err=True)


def corpus_or_table(arg: str = "corpus", problems: bool = True) -> Callable[[F], F]:
    """Let a command's CORPUS argument also be a table (CSV, TSV, XLSX, JSONL, Parquet) with the column
    options of `table_column_options`; the command receives the corpus folder the table was imported into.
    `problems=False` for commands that print the corpus's problems (the import's are among them)."""

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            columns = pop_columns(kwargs)
            path = kwargs.get(arg)
            if path is not None and Path(path).is_file():
                kwargs[arg] = table_as_corpus(Path(path), columns, problems)
            return func(*args, **kwargs)

        from corpus_tools.cli import handle_errors

        return table_column_options(handle_errors(wrapper))  # type: ignore[return-value]

    return decorator


def hidden_alias(old: str, dest: str, new: str, required: bool = False, **kwargs: Any) -> Callable[[F], F]:
    """An old spelling of an option, kept hidden for one release: its value goes to `dest` (the new
    option's parameter) with a note on stderr naming the new spelling. With `required`, one of the two
    spellings must be given (declare the new option itself as not required)."""

    def decorator(func: F) -> F:
        key = f"_alias_{old.lstrip('-').replace('-', '_')}"

        @wraps(func)
        def wrapper(*args: Any, **kw: Any) -> Any:
            value = kw.pop(key, None)
            if value is not None:
                click.echo(f"note: {old} is deprecated and will be removed; use {new}", err=True)
                kw[dest] = value
            if required and kw.get(dest) is None:
                raise click.UsageError(f"Missing option '{new}'.")
            return func(*args, **kw)

        return click.option(old, key, hidden=True, default=None, **kwargs)(wrapper)  # type: ignore[return-value]

    return decorator


def _set_raw_cells(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from corpus_tools.io.cells import reset_raw_cells, set_raw_cells

        token = set_raw_cells(True)
        ctx.call_on_close(lambda: reset_raw_cells(token))


def raw_cells_option() -> Callable[[Any], Any]:
    """--raw-cells: keep formula-leading cells (=, +, -, @) as they are in CSV/XLSX outputs."""
    return click.option("--raw-cells", is_flag=True, expose_value=False, callback=_set_raw_cells,
                        help="Keep cells starting with = + - @ as they are in CSV/XLSX outputs (for analysis "
                             "pipelines; by default they get a leading ' so spreadsheets do not run them).")


def workers_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--workers N and --dask ADDRESS: where scoring runs (results are identical every way)."""
    func = click.option("--dask", "dask", default=None, metavar="ADDRESS",
                        help="Score and suggest as tasks on a Dask cluster: its scheduler address "
                             "(tcp://HOST:8786), or "
                             "`local` for a local cluster of --workers processes (docs/performance.md).")(func)
    return click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="Worker processes for tokenizing, scoring, suggesting and topic sweeps (default: the "
                             "machine's cores); results are identical to one worker.")(func)


def topic_sample_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--sweep-sample N and --final-fit sample|all: how a large topic scope is sampled and fitted."""
    func = click.option("--final-fit", type=click.Choice(FINAL_FITS), default="sample", show_default=True,
                        help="For a sampled topic scope: keep the topics fitted on the sample (sample) or fit the "
                             "chosen K again on all entries (all; an hour or more at a million entries).")(func)
    return click.option("--sweep-sample", default=SWEEP_SAMPLE, show_default=True, type=click.IntRange(min=0),
                        help="Choose K and fit the topics on a stratified sample of this many entries (stage x "
                             "language x source type) when a topic scope has more; every entry's topic shares are "
                             "then inferred with the topics held fixed (0: never sample).")(func)


def negation_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--count-negated and --negation-rules: how negated hits (不赚钱, "no support") are counted."""
    f = click.option("--negation-rules", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="Negation rule file (YAML; default: corpus.toml [scoring] negation, else the shipped "
                          "rules, docs/lexicons.md).")(f)
    return click.option("--count-negated", is_flag=True, default=None,
                        help="Count negated hits too (default: kept in the evidence with negated=true, "
                             "not counted).")(f)
