"""The `corpus-tools` command line: thin click wrappers over library functions.

Only click is imported at start-up; each command imports the library (pandas, jieba, ...) when it
runs, so `--help` stays instant. Our own errors become one clear message and a non-zero exit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from corpus_tools._version import __version__

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn CorpusToolsError (and file-system errors) into `Error: ...` on stderr and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from corpus_tools.errors import CorpusToolsError

        try:
            return func(*args, **kwargs)
        except CorpusToolsError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:  # e.g. `corpus-tools kwic x | head`: the reader left, nothing to report
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except OSError as exc:
            click.echo(f"Error: {exc.strerror or exc} ({exc.filename or ''})", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def say(msg: str) -> None:
    """Progress messages go to stderr so stdout stays machine-readable."""
    click.echo(msg, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="corpus-tools")
def main() -> None:
    """Bilingual (Chinese/English) text mining for qualitative case-study research.

    Score documents against construct lexicons with evidence for every number, validate corpus
    folders, and inspect concordances. Run `corpus-tools COMMAND --help` for details.
    """


def _register() -> None:
    from corpus_tools.cli import (
        agreement_cli,
        analyze_cli,
        corpus_cli,
        exchange_cli,
        expand_cli,
        lexicon_cli,
        review_cli,
        score_cli,
        serve_cli,
        suggest_cli,
        topics_cli,
    )

    for module in (analyze_cli, corpus_cli, score_cli, lexicon_cli, topics_cli, suggest_cli, review_cli,
                   expand_cli, agreement_cli, exchange_cli, serve_cli):
        for cmd in module.COMMANDS:
            main.add_command(cmd)


_register()
