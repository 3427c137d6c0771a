"""Request guards: access token off loopback, Host check against DNS rebinding on loopback, CSRF tokens on
every state-changing request, same-origin checks, the coder cookie, and strict response headers."""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, g, redirect, render_template, request, session

from corpus_tools.errors import StoreBusyError, StoreDamagedError, StoreError, StoreReadOnlyError
from corpus_tools.review.adjudication import ADJUDICATOR
from corpus_tools.store.vocabulary import is_machine
from corpus_tools.web.config import is_loopback
from corpus_tools.web.workspace import workspace

CODER_COOKIE = "ct_coder"
MAX_CODER = 60
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def clean_coder(name: str) -> str:
    """A usable coder name, or "" (empty, too long, control characters, reserved or machine names)."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or len(name) > MAX_CODER or any(unicodedata.category(ch).startswith("C") for ch in name):
        return ""
    if name == ADJUDICATOR or is_machine(name):
        return ""
    return name


def csrf_token() -> str:
    """This browser session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def safe_next(target: str | None, default: str = "/queue") -> str:
    """A local path to return to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ch.isspace() or ch == "\\" or unicodedata.category(ch).startswith("C") for ch in target):
        return default  # browsers drop tabs and newlines: "/\t/evil" would become "//evil"
    return target


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def access_cookie_name(app_id: str, port: str) -> str:
    """The access cookie's name: per server port and app start. Browsers scope cookies by host only, never by
    port, so other servers on this host still receive it; the name keeps two corpus-tools servers apart and
    the value (below) is not the token itself."""
    return f"ct_access_{''.join(ch for ch in port if ch.isdigit()) or 'p'}_{app_id}"


def access_cookie_value(token: str, app_id: str) -> str:
    """What the access cookie holds: an HMAC of this app start keyed by the token (the token itself never
    sits in a cookie that other ports of the host receive)."""
    return hmac.new(token.encode("utf-8"), f"corpus-tools access {app_id}".encode(), "sha256").hexdigest()


def install(app: Flask, token: str | None, host: str) -> None:
    """Register the guards on the app (token cookie name and loopback policy from `host`)."""
    app_id = str(app.config["CT_APP_ID"])
    loopback_only = token is None and is_loopback(host)
    cookie_value = access_cookie_value(token, app_id) if token is not None else ""

    @app.before_request
    def guard() -> Response | None:
        if loopback_only and not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
            abort(403, "this server answers only to 127.0.0.1 / localhost (Host header refused)")
        if token is not None:
            access_cookie = access_cookie_name(app_id, str(request.environ.get("SERVER_PORT", "")))
            given = request.args.get("token", "")
            if given and _same(given, token):  # the printed address: set the cookie, drop the token from the URL
                query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
                target = request.path + (f"?{query}" if query else "")
                resp = redirect(target if request.method in SAFE_METHODS else "/", code=303)
                resp.set_cookie(access_cookie, cookie_value, path="/", httponly=True, samesite="Strict")
                return resp  # type: ignore[return-value]
            offered = request.cookies.get(access_cookie, "")
            header = request.headers.get("X-Access-Token", "")
            if not ((offered and _same(offered, cookie_value)) or (header and _same(header, token))):
                abort(403, "an access token is needed: open the address printed by `corpus-tools serve`")
        if request.method not in SAFE_METHODS:
            origin = request.headers.get("Origin")
            if origin and origin != "null":
                parts = urlsplit(origin)
                if parts.netloc != request.host:
                    abort(403, "cross-site request refused")
            expected = session.get("csrf")
            offered = request.form.get("csrf", "") or request.headers.get("X-CSRF-Token", "")
            if not isinstance(expected, str) or not expected or not offered or not _same(offered, expected):
                abort(400, "this form has expired (CSRF token missing or wrong); reload the page and try again")
        g.coder = clean_coder(request.cookies.get(CODER_COOKIE, ""))
        return None

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if resp.mimetype == "text/html":
            resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(500)
    def error_page(exc: Exception) -> tuple[str, int]:
        code = int(getattr(exc, "code", 500) or 500)
        return render_template("error.html", code=code, message=getattr(exc, "description", str(exc))), code

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> tuple[str, int, dict[str, str]]:
        return (render_template("error.html", code=503, title=store_trouble(exc), message=str(exc.message),
                                hint=exc.hint or ""), 503, {"Retry-After": "2"})

    app.jinja_env.globals["csrf_token"] = csrf_token


def store_trouble(exc: StoreError) -> str:
    """The heading of the page a store failure shows (what happened to the coder's decision)."""
    if isinstance(exc, StoreBusyError):
        return "The coding store is busy: try again in a moment (nothing was recorded)"
    if isinstance(exc, StoreReadOnlyError):
        workspace().read_only = True
        return "The coding store cannot be written: this decision was NOT saved"
    if isinstance(exc, StoreDamagedError):
        workspace().damaged = True
        return "The coding store is damaged: nothing can be recorded until it is restored"
    return "The coding store failed: nothing was recorded"
