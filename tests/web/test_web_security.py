"""Safety of the review web app: CSRF, same-origin and Host checks, the access token off loopback, escaping
of corpus text, packaged assets only, and concurrent coders losing nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_tools.store import CodingStore
from corpus_tools.web import close_app, create_app
from corpus_tools.web.config import is_loopback, resolve_config
from tests.support.web import XSS, build_corpus, entry_of, login, open_entry


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("websec") / "corpus")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("websec-store") / "coding.sqlite"


@pytest.fixture(scope="module")
def app(corpus_root: Path, store_path: Path) -> Iterator[Any]:
    application = create_app(corpus_root, store_path, warm=False)
    yield application
    close_app(application)


def _count(store_path: Path, coder: str) -> int:
    with CodingStore(store_path) as store:
        return len(store.events(coder=coder))


def test_state_changing_requests_need_the_csrf_token(app: Any, corpus_root: Path, store_path: Path) -> None:
    client = app.test_client()
    token = login(client, "mallory")
    entry = open_entry(client.get("/queue?order=document").get_data(as_text=True))
    for data in ({"entry_id": entry, "do": "none"}, {"entry_id": entry, "do": "none", "csrf": "forged"}):
        resp = client.post("/queue/act?order=document", data=data)
        assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    resp = client.post("/adjudicate", data={"entry_id": entry_of(corpus_root, "D1", 0), "do": "none"})
    assert resp.status_code == 400
    assert _count(store_path, "mallory") == 0
    other = app.test_client()  # another browser's token is not this browser's token
    login(other, "eve")
    resp = other.post("/queue/act?order=document", data={"entry_id": entry, "do": "none", "csrf": token})
    assert resp.status_code == 400
    resp = client.post("/queue/act?order=document", data={"entry_id": entry, "do": "none", "csrf": token},
                       headers={"Origin": "http://evil.example"})
    assert resp.status_code == 403
    assert _count(store_path, "mallory") == 0 and _count(store_path, "eve") == 0


def test_loopback_server_refuses_foreign_host_headers(app: Any) -> None:
    client = app.test_client()
    assert client.get("/login", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert client.get("/login", headers={"Host": "[::1]:8765"}).status_code == 200
    assert client.get("/login", headers={"Host": "rebind.evil.example:8765"}).status_code == 403


def test_other_hosts_need_the_access_token(corpus_root: Path, tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert resolve_config(host="127.0.0.1").token is None
    config = resolve_config(host="0.0.0.0", port=9000)
    assert config.token and config.url.endswith(f"?token={config.token}")
    application = create_app(corpus_root, tmp_path / "coding.sqlite", host="0.0.0.0", warm=False)
    try:
        token = application.config["CT_TOKEN"]
        assert token and len(token) >= 24
        client = application.test_client()
        for path in ("/", "/login", "/queue", "/static/app.css", "/login?token=wrong"):
            assert client.get(path).status_code == 403, path
        resp = client.get(f"/login?token={token}&next=/queue")
        assert resp.status_code == 303 and resp.headers["Location"] == "/login?next=%2Fqueue"
        assert "HttpOnly" in resp.headers["Set-Cookie"]
        assert client.get("/login").status_code == 200  # the cookie carries the token from now on
        assert application.test_client().get("/login", headers={"X-Access-Token": token}).status_code == 200
    finally:
        close_app(application)


def test_corpus_text_is_escaped_everywhere(app: Any, corpus_root: Path) -> None:
    client = app.test_client()
    login(client, "xss")
    page = client.get("/queue?order=document&doc=D4").get_data(as_text=True)
    assert open_entry(page) == entry_of(corpus_root, "D4", 0)
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img" in page
    assert "Sellers &lt;em&gt;speak&lt;/em&gt; &amp; shops" in page
    pages = [page, client.get(f"/adjudicate?entry={entry_of(corpus_root, 'D4', 0)}").get_data(as_text=True),
             client.get("/codebook").get_data(as_text=True)]
    for html in pages:
        assert "<script>window" not in html and "<b>bold" not in html and "<img src=x" not in html
        assert "<em>speak" not in html
    assert XSS not in "".join(pages)
    csp = client.get("/queue").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_only_packaged_assets_are_served(app: Any) -> None:
    client = app.test_client()
    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert client.get("/static/app.js").mimetype == "text/javascript"
    for path in ("/static/../pyproject.toml", "/static/app.py", "/static/%2e%2e%2fapp.py", "/static/templates",
                 "/static/..%2F..%2Fpyproject.toml"):
        assert client.get(path).status_code == 404, path
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page  # nothing from another site
    assert "http" not in client.get("/static/app.css").get_data(as_text=True)


def test_login_never_redirects_off_site(app: Any) -> None:
    client = app.test_client()
    token = login(client, "alice")
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil"):
        resp = client.post("/login", data={"csrf": token, "coder": "alice", "next": target})
        assert resp.headers["Location"] == "/queue", target


def test_two_coders_at_once_lose_no_decision(app: Any, store_path: Path) -> None:
    clients = {}
    for name in ("para", "llel"):
        client = app.test_client()
        clients[name] = (client, login(client, name))
    errors: list[str] = []

    def code(name: str) -> None:
        client, token = clients[name]
        for _ in range(6):
            entry = open_entry(client.get("/queue?order=document").get_data(as_text=True))
            resp = client.post("/queue/act?order=document", data={"csrf": token, "entry_id": entry, "do": "none"})
            if resp.status_code != 303:
                errors.append(f"{name}: {resp.status_code}")

    threads = [threading.Thread(target=code, args=(n,)) for n in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    with CodingStore(store_path) as store:
        for name in clients:
            coded = [k for k, v in store.codings(name).items() if v.coded]
            assert len(coded) == 6, name
            assert len(store.events(coder=name)) == 6
