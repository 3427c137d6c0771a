"""Options shared by several commands, declared once (help text may differ per command)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from corpus_tools.text.engines import DEFAULT_ENGINE, ENGINES


def engine_option(help: str = "Chinese segmentation engine (jieba is the slower reference).") -> Callable[[Any], Any]:
    """--engine: the Chinese word segmenter."""
    return click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True, help=help)


def lexicon_option(help: str) -> Callable[[Any], Any]:
    """-l/--lexicon (repeatable): lexicon names or paths."""
    return click.option("-l", "--lexicon", "lexicons", multiple=True, help=help)


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
                        help="Score as tasks on a Dask cluster: its scheduler address (tcp://HOST:8786), or "
                             "`local` for a local cluster of --workers processes (docs/performance.md).")(func)
    return click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="Worker processes for tokenizing and scoring (default: the machine's cores); "
                             "results are identical to one worker.")(func)


def negation_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--count-negated and --negation-rules: how negated hits (不赚钱, "no support") are counted."""
    f = click.option("--negation-rules", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="Negation rule file (YAML; default: corpus.toml [scoring] negation, else the shipped "
                          "rules, docs/lexicons.md).")(f)
    return click.option("--count-negated", is_flag=True, default=None,
                        help="Count negated hits too (default: kept in the evidence with negated=true, "
                             "not counted).")(f)
