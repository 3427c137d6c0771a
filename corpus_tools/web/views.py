"""Routes: coder name, static assets, and the review queue (thin: the work happens in queue.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from corpus_tools.errors import CorpusToolsError, StoreError
from corpus_tools.review.pool import QueueSettings
from corpus_tools.review.session import StaleDecision
from corpus_tools.web.queue import act, queue_view
from corpus_tools.web.security import CODER_COOKIE, clean_coder, safe_next
from corpus_tools.web.workspace import workspace

bp = Blueprint("main", __name__)
YEAR = 365 * 24 * 3600


def _login_redirect() -> Response:
    return redirect(url_for("main.login", next=request.full_path if request.method == "GET" else "/queue"),
                    code=303)  # type: ignore[return-value]


def message(exc: CorpusToolsError) -> str:
    """An error's message with its hint, for a flash line."""
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


@bp.get("/")
def index() -> Response:
    """Start page: the queue once a coder name is known."""
    return redirect(url_for("main.queue") if g.coder else url_for("main.login"), code=303)  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """Ask for the coder name (remembered in a cookie); decisions are recorded under it."""
    ws = workspace()
    target = safe_next(request.values.get("next"))
    if request.method == "POST":
        name = clean_coder(request.form.get("coder", ""))
        if name:
            resp = redirect(target, code=303)
            resp.set_cookie(CODER_COOKIE, name, max_age=YEAR, httponly=True, samesite="Lax")
            return resp  # type: ignore[return-value]
        flash("Enter a name of 1 to 60 characters (not `consensus`, `model:...` or `lexicon:...`).", "error")
    known = [c for c in ws.call(ws.store.coders) if clean_coder(c)]
    status = 400 if request.method == "POST" else 200
    return render_template("login.html", known=known, next=target), status


@bp.post("/logout")
def logout() -> Response:
    """Forget the coder name in this browser."""
    resp = redirect(url_for("main.login"), code=303)
    resp.delete_cookie(CODER_COOKIE)
    return resp  # type: ignore[return-value]


@bp.get("/static/<name>")
def static_file(name: str) -> Response:
    """One of the packaged assets, by name (no path from the request ever reaches the file system)."""
    asset = current_app.config["CT_ASSETS"].get(name)
    if asset is None:
        abort(404)
    resp = Response(asset[0], mimetype=asset[1])
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


def _settings() -> QueueSettings:
    return QueueSettings.from_mapping(request.args.to_dict(flat=False))


def _queue_url(settings: QueueSettings) -> str:
    query = urlencode(settings.to_query())
    return url_for("main.queue") + (f"?{query}" if query else "")


@bp.get("/queue")
def queue() -> Response | str:
    """The coder's open passage with suggestions, evidence, context and every action."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    try:
        settings = _settings()
        view = ws.call(queue_view, ws, g.coder, settings)
    except CorpusToolsError as exc:
        if not request.args or isinstance(exc, StoreError):
            raise
        flash(f"Queue settings not usable: {message(exc)}", "error")
        return redirect(url_for("main.queue"), code=303)  # type: ignore[return-value]
    docs = sorted(ws.docs.items(), key=lambda kv: kv[0])
    return render_template("queue.html", view=view, settings=settings, action_url=url_for("main.act") + (
        f"?{urlencode(settings.to_query())}" if settings.to_query() else ""), stages=ws.stages,
        source_types=ws.source_types, docs=docs, codes=ws.suggested_codes)


@bp.post("/queue/act", endpoint="act")
def act_view() -> Response:
    """Record one action of the open passage, then show the queue again (after the store committed it)."""
    if not g.coder:
        return _login_redirect()
    ws = workspace()
    try:
        settings = _settings()
    except CorpusToolsError as exc:
        abort(400, message(exc))
    action, _, code = request.form.get("do", "").partition(":")
    version, last = form_int("version"), form_int("last")
    try:
        said = ws.write(act, ws, g.coder, settings, action, code, request.form.get("note", ""),
                        request.form.get("entry_id", ""), version, last)
        if said:
            flash(said, "ok")
    except StaleDecision as exc:
        flash(message(exc), "warn")
    except StoreError:
        raise  # busy, read-only or damaged: a page of its own (status 503), see security.install
    except CorpusToolsError as exc:
        flash(message(exc), "error")
    return redirect(_queue_url(settings), code=303)  # type: ignore[return-value]


def form_int(name: str) -> int | None:
    """A whole-number form field (None when absent); 400 when it is not a number."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        abort(400, f"form field {name} must be a whole number")
    return int(raw)


def register(app: Flask) -> None:
    """Add these routes to the app."""
    app.register_blueprint(bp)
