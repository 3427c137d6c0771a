"""Run the review web app on werkzeug's threaded server (what `corpus-tools serve` and the browser tests use)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler, make_server

from corpus_tools.errors import ConfigError
from corpus_tools.store.integrity import require_sound
from corpus_tools.web.app import close_app, create_app
from corpus_tools.web.config import ServeConfig

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.serving import BaseWSGIServer


TOKEN_RE = re.compile(r"(?i)((?:^|[?&;\s])token=)[^&;\s\"#]*")


def redact(line: str) -> str:
    """A log line with every `token=...` query value replaced by `[redacted]`."""
    return TOKEN_RE.sub(r"\1[redacted]", line)


class RedactingRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler whose request log never shows the access token (`?token=` becomes
    `token=[redacted]`), whatever the request line, error or status."""

    def log(self, type: str, message: str, *args: Any) -> None:
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = " ".join([message, *map(str, args)])
        super().log(type, "%s", redact(text))


def make_app_server(config: ServeConfig, engine: str = "rjieba") -> tuple[BaseWSGIServer, Flask, ServeConfig]:
    """Build the app and bind its server (port 0: a free port); returns the config with the actual port."""
    require_sound(config.store_path)  # a damaged store is refused before anyone codes into it
    app = create_app(config.corpus_path, config.store_path, config.model_dir, host=config.host, token=config.token,
                     evaluation_paths=config.evaluation_paths, engine=engine)
    try:
        server = make_server(config.host, config.port, app, threaded=True, request_handler=RedactingRequestHandler)
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
