"""Run the review web app on werkzeug's threaded server (what `corpus-tools serve` and the browser tests use)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

from corpus_tools.errors import ConfigError
from corpus_tools.web.app import close_app, create_app
from corpus_tools.web.config import ServeConfig

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.serving import BaseWSGIServer


def make_app_server(config: ServeConfig, engine: str = "rjieba") -> tuple[BaseWSGIServer, Flask, ServeConfig]:
    """Build the app and bind its server (port 0: a free port); returns the config with the actual port."""

    app = create_app(config.corpus_path, config.store_path, config.model_dir, host=config.host, token=config.token,
                     evaluation_paths=config.evaluation_paths, engine=engine)
    try:
        server = make_server(config.host, config.port, app, threaded=True)
    except (OSError, SystemExit) as exc:
        close_app(app)
        raise ConfigError(f"cannot listen on {config.host}:{config.port} ({exc})",
                          hint="pick another --port (0 = any free port)") from exc
    return server, app, replace(config, port=int(server.server_port))


def serve_forever(server: BaseWSGIServer, app: Flask) -> None:
    """Answer requests until interrupted, then close the store (every decision is already committed)."""
    try:
        server.serve_forever()
    finally:
        server.server_close()
        close_app(app)
