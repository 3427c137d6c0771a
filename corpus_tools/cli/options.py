"""Options shared by several commands, declared once (help text may differ per command)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

ENGINES = ("rjieba", "jieba")  # corpus_tools.text.tokenize.ENGINES, repeated here to keep --help import-light


def engine_option(help: str = "Chinese segmentation engine (jieba is the slower reference).") -> Callable[[Any], Any]:
    """--engine: the Chinese word segmenter."""
    return click.option("--engine", type=click.Choice(ENGINES), default="rjieba", show_default=True, help=help)


def lexicon_option(help: str) -> Callable[[Any], Any]:
    """-l/--lexicon (repeatable): lexicon names or paths."""
    return click.option("-l", "--lexicon", "lexicons", multiple=True, help=help)


def negation_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--count-negated and --negation-rules: how negated hits (不赚钱, "no support") are counted."""
    f = click.option("--negation-rules", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="Negation rule file (YAML; default: corpus.toml [scoring] negation, else the shipped "
                          "rules, docs/lexicons.md).")(f)
    return click.option("--count-negated", is_flag=True, default=None,
                        help="Count negated hits too (default: kept in the evidence with negated=true, "
                             "not counted).")(f)
