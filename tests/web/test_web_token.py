"""The access token stays out of the server's request log and out of cookies other ports could read
(issue 18, defect 6)."""

from __future__ import annotations

import contextlib
import logging
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from corpus_tools.web import close_app, create_app
from corpus_tools.web.config import resolve_config
from corpus_tools.web.server import make_app_server, redact
from tests.support.web import build_corpus

TOKEN = "s3cret-Token_value-0123456789abcdef"


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("webtoken") / "corpus", codings=False)


def test_redact_hides_every_token_value() -> None:
    assert redact('"GET /?token=abc HTTP/1.1" 303 -') == '"GET /?token=[redacted] HTTP/1.1" 303 -'
    assert redact('"POST /login?next=%2Fq&token=abc&x=1 HTTP/1.1"') == \
        '"POST /login?next=%2Fq&token=[redacted]&x=1 HTTP/1.1"'
    assert redact("GET /queue?order=document") == "GET /queue?order=document"


def test_the_request_log_never_shows_the_token(corpus_root: Path, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    config = resolve_config(corpus=corpus_root, store=tmp_path / "coding.sqlite", host="127.0.0.1", port=0,
                            token=TOKEN)
    server, app, live = make_app_server(config)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.INFO, logger="werkzeug")
    try:
        base = f"http://127.0.0.1:{live.port}"
        for url in (f"{base}/?token={TOKEN}", f"{base}/login?token={TOKEN}&next=/queue", f"{base}/x?token=wrong"):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(url, timeout=30).read()
        req = urllib.request.Request(f"{base}/login?token={TOKEN}", data=b"coder=a", method="POST")
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(req, timeout=30).read()
    finally:
        server.shutdown()
        server.server_close()
        close_app(app)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "GET /?token=[redacted]" in logged and "POST /login?token=[redacted]" in logged, logged
    assert TOKEN not in logged and "token=wrong" not in logged


def test_the_access_cookie_is_as_narrow_as_browsers_allow(corpus_root: Path, tmp_path: Path) -> None:
    app = create_app(corpus_root, tmp_path / "coding.sqlite", host="0.0.0.0", token=TOKEN, warm=False)
    try:
        client = app.test_client()
        resp = client.get(f"/login?token={TOKEN}", base_url="http://127.0.0.1:8123")
        cookie = resp.headers["Set-Cookie"]
        assert cookie.startswith(f"ct_access_8123_{app.config['CT_APP_ID']}=")
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            assert attr in cookie, cookie
        assert TOKEN not in cookie  # other ports of this host receive the cookie: it never holds the token
        assert client.get("/login", base_url="http://127.0.0.1:8123").status_code == 200
        assert client.get("/login", base_url="http://127.0.0.1:9999").status_code == 403  # another port's name
    finally:
        close_app(app)
