"""CLI: `corpus-tools serve`, the review web app for coders on this machine."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli import say
from corpus_tools.cli.options import corpus_or_table, engine_option


@click.command()
@click.argument("project", type=click.Path(path_type=Path, exists=True, file_okay=False), required=False)
@click.option("--corpus", "corpus", type=click.Path(path_type=Path, exists=True),
              help="Corpus folder or a table of texts (CSV, TSV, XLSX, JSONL, Parquet; columns mapped with "
                   "--text-col etc.). Default: PROJECT when it holds corpus.toml, else the bundled corpus.")
@click.option("--store", "store", type=click.Path(path_type=Path, dir_okay=False),
              help="Coding store (SQLite). Default: PROJECT/analysis/coding.sqlite (created when missing).")
@click.option("--model", "model_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Model folder from `corpus-tools train`. Default: PROJECT/model if it holds one, else "
                   "PROJECT/analysis/model (saved by `analyze`), else lexicon suggestions.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any other than 127.0.0.1/localhost needs the access token printed at start.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port to listen on (0: any free port).")
@engine_option("Chinese segmentation engine.")
@corpus_or_table()
def serve(project: Path | None, corpus: Path | None, store: Path | None, model_dir: Path | None, host: str,
          port: int, engine: str) -> None:
    """Review codes in the browser: a local web app over the coding store (prints its URL).

    PROJECT is the project folder (default: the current folder). Coders enter a name, then accept or
    reject suggested codes, add codes, skip and undo with single keys; blind reliability samples,
    adjudication of disagreements, a dashboard and the codebook are one click away. Every decision is
    committed to the store before the page answers. Stop with Ctrl+C.
    """
    from corpus_tools.web.config import resolve_config
    from corpus_tools.web.server import make_app_server, serve_forever

    config = resolve_config(project, corpus, store, model_dir, host, port)
    say(f"corpus {config.corpus_path or 'bundled junpu'}; store {config.store_path}; "
        f"suggestions {'model ' + str(config.model_dir) if config.model_dir else 'from the lexicons (no model)'}")
    server, app, live = make_app_server(config, engine)
    if live.token:
        say(f"listening on {host}: every request needs the access token; share this address only with your coders")
        if host in ("0.0.0.0", "::"):
            say("on other machines, replace 127.0.0.1 in the address with this machine's network address")
    click.echo(f"corpus-tools serve: open {live.url}")
    say("press Ctrl+C to stop (every decision is already saved)")
    serve_forever(server, app)


COMMANDS = [serve]
