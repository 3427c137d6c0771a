"""The review web app: `create_app(...)` builds a Flask app over a corpus, a coding store and a suggester.

Server-rendered Jinja2 templates (autoescaped, strict) and one plain script, all shipped inside the
package; nothing is fetched from another site, so the app works offline.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, g
from jinja2 import StrictUndefined

from corpus_tools.jobs.suggest import load_suggester
from corpus_tools.project import Project
from corpus_tools.web import document, pages, security, views
from corpus_tools.web.config import DEFAULT_HOST, is_loopback, new_token
from corpus_tools.web.workspace import BUSY_TIMEOUT_MS, EXTENSION, WRITE_WAIT_S, Workspace

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.suggest.explain import Suggester

STATIC = {"app.css": "text/css", "app.js": "text/javascript", "document.css": "text/css",
          "document.js": "text/javascript"}
MAX_FORM_BYTES = 256 * 1024


def create_app(corpus: Corpus | str | Path | None = None, store_path: str | Path | None = None,
               model_dir: str | Path | None = None, *, host: str = DEFAULT_HOST, token: str | None = None,
               evaluation_paths: Sequence[str | Path] = (), suggester: Suggester | None = None,
               lexicons: Sequence[str] | None = None, engine: str = "rjieba", context_chars: int = 400,
               warm: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS, write_wait: float = WRITE_WAIT_S) -> Flask:
    """Build the app. corpus: a loaded Corpus, a folder, or None for the bundled one; store_path defaults
    to analysis/coding.sqlite; model_dir None means lexicon suggestions. Off loopback a token is required
    (generated when not given; read it from `app.config["CT_TOKEN"]`). busy_timeout_ms and write_wait: how
    long the store's worker waits for SQLite's write lock per attempt, and how long a decision keeps trying
    before "the store is busy" (see workspace.py). Call `close_app(app)` when done."""
    project = Project.open(corpus, lexicons or (), store_path)
    model = Path(model_dir) if model_dir is not None else None
    sugg = suggester if suggester is not None else load_suggester(model, project.corpus, lexicons, engine)
    if token is None and not is_loopback(host):
        token = new_token()
    ws = Workspace(project.corpus, project.store_path, sugg, project.lexicons,
                   corpus_path=None if project.is_bundled else project.root,
                   model_dir=model, evaluation_paths=[Path(p) for p in evaluation_paths], context_chars=context_chars,
                   busy_timeout_ms=busy_timeout_ms, write_wait=write_wait)
    app = Flask(__name__, static_folder=None, template_folder="templates")
    app.jinja_options = {**app.jinja_options, "autoescape": True, "undefined": StrictUndefined}
    app_id = secrets.token_hex(4)
    app.config.update(SECRET_KEY=secrets.token_bytes(32), CT_APP_ID=app_id, CT_TOKEN=token,
                      SESSION_COOKIE_NAME=f"ct_session_{app_id}", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict", MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
                      MAX_FORM_MEMORY_SIZE=MAX_FORM_BYTES)
    app.extensions[EXTENSION] = ws
    files = resources.files(__package__) / "static"
    assets = {name: (files.joinpath(name).read_bytes(), mime) for name, mime in STATIC.items()}
    app.config["CT_ASSETS"] = assets
    app.config["CT_ASSET_VERSION"] = {n: hashlib.sha256(b).hexdigest()[:10] for n, (b, _) in assets.items()}
    security.install(app, token, host)
    views.register(app)
    pages.register(app)
    document.register(app)

    colors = {code: i % 9 for i, code in enumerate(ws.codes)}

    @app.context_processor
    def globals_() -> dict[str, object]:
        return {"coder": g.get("coder", ""), "suggestions_from": f"{sugg.source} {sugg.version}",
                "corpus_name": project.corpus.config.name, "colors": colors, "store_problem": ws.store_problem}

    if warm:  # serving: score every entry and compute the dashboard's summaries in the background
        ws.warm()
        ws.background_summaries = True
        pages.dashboard_summaries(ws)
    return app


def close_app(app: Flask) -> None:
    """Close the app's store and stop its worker thread."""
    ws = app.extensions.get(EXTENSION)
    if ws is not None:
        ws.close()
