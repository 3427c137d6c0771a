"""The web app when the store is locked by another process, read-only or damaged (issue 18, defects 5, 8
and 9): reads keep answering, decisions fail honestly with a page of their own (status 503, never a
generic 500), no page claims that decisions are saved when they are not, and `serve` refuses a damaged store."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.review.pool import QueueSettings
from corpus_tools.store import CodingStore
from corpus_tools.store.integrity import check_store
from corpus_tools.web import close_app, create_app
from corpus_tools.web.workspace import EXTENSION
from tests.support.web import build_corpus, login, open_entry

SAVED_CLAIM = "Every decision is saved"


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("webtrouble") / "corpus")


def _app(corpus_root: Path, store: Path, **kw: Any) -> Any:
    return create_app(corpus_root, store, warm=False, **kw)


@pytest.fixture
def locked(corpus_root: Path, tmp_path: Path) -> Iterator[tuple[Any, sqlite3.Connection]]:
    """An app whose store another process holds the write lock of (BEGIN IMMEDIATE, never committed)."""
    store = tmp_path / "coding.sqlite"
    app = _app(corpus_root, store, busy_timeout_ms=50, write_wait=0.3)
    blocker = sqlite3.connect(store, isolation_level=None, timeout=0)
    yield app, blocker
    if blocker.in_transaction:
        blocker.execute("ROLLBACK")
    blocker.close()
    close_app(app)


def _decide(client: Any, token: str, page: str, do: str = "none") -> Any:
    return client.post("/queue/act?order=document",
                       data={"csrf": token, "entry_id": open_entry(page), "do": do})


def test_reads_answer_and_decisions_fail_honestly_while_another_process_writes(
        locked: tuple[Any, sqlite3.Connection], tmp_path: Path) -> None:
    app, blocker = locked
    alice, bob = app.test_client(), app.test_client()
    token = login(alice, "alice")
    login(bob, "bob")
    page = alice.get("/queue?order=document").get_data(as_text=True)
    blocker.execute("BEGIN IMMEDIATE")
    for path in ("/queue?order=document", "/dashboard", "/codebook", "/adjudicate", "/login"):
        resp = bob.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
    resp = _decide(alice, token, page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    assert "The coding store is busy: try again in a moment (nothing was recorded)" in html
    blocker.execute("ROLLBACK")
    assert _decide(alice, token, page).status_code == 303
    with CodingStore(tmp_path / "coding.sqlite") as store:
        assert [e.decision for e in store.events(coder="alice")] == ["none-applies"]


def test_a_waiting_decision_does_not_hold_up_other_coders(corpus_root: Path, tmp_path: Path) -> None:
    store = tmp_path / "coding.sqlite"
    app = _app(corpus_root, store, busy_timeout_ms=50, write_wait=120)
    ws = app.extensions[EXTENSION]
    blocker = sqlite3.connect(store, isolation_level=None, timeout=0)
    try:
        alice, bob = app.test_client(), app.test_client()
        token = login(alice, "alice")
        login(bob, "bob")
        page = alice.get("/queue?order=document").get_data(as_text=True)
        others = [app.test_client() for _ in range(3)]  # three more coders deciding at the same time
        tokens = [login(c, f"coder{i}") for i, c in enumerate(others)]
        pages = [c.get("/queue?order=document").get_data(as_text=True) for c in others]
        blocker.execute("BEGIN IMMEDIATE")
        answer: list[int] = []
        writers = [threading.Thread(target=lambda: answer.append(_decide(alice, token, page).status_code))]
        writers += [threading.Thread(target=lambda c=c, t=t, p=p: answer.append(_decide(c, t, p).status_code))
                    for c, t, p in zip(others, tokens, pages, strict=True)]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 60
        while ws.waiting_writes < len(writers) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ws.waiting_writes == len(writers)  # every decision waits for the lock ...
        assert bob.get("/queue?order=document").status_code == 200  # ... and bob's page answers meanwhile
        assert bob.get("/dashboard").status_code == 200
        assert all(w.is_alive() for w in writers)  # bob did not wait for their writes
        blocker.execute("ROLLBACK")
        for w in writers:
            w.join(timeout=60)
        assert answer == [303] * len(writers)  # all recorded once the lock was released
        with CodingStore(store) as st:
            assert len(st.events(coder="alice")) == 1 and st.count() == len(writers)
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()
        close_app(app)


def test_a_read_only_store_says_decisions_are_not_saved(corpus_root: Path, tmp_path: Path) -> None:
    app = _app(corpus_root, tmp_path / "coding.sqlite")
    ws = app.extensions[EXTENSION]
    try:
        client = app.test_client()
        token = login(client, "alice")
        page = client.get("/queue?order=document").get_data(as_text=True)
        assert SAVED_CLAIM in page and 'data-testid="read-only"' not in page
        ws.call(lambda: ws.store.conn.execute("PRAGMA query_only = ON"))  # what a 0444 file does (tests run as root)
        resp = _decide(client, token, page)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 503
        assert "The coding store cannot be written: this decision was NOT saved" in html
        assert SAVED_CLAIM not in html
        after = client.get("/queue?order=document").get_data(as_text=True)
        assert 'data-testid="read-only"' in after and SAVED_CLAIM not in after and "not saved" in after
    finally:
        close_app(app)


def _damage(path: Path) -> None:
    with CodingStore(path) as st:
        st.record_many({"entry_id": f"E{i}", "text_hash": "h", "code": "opportunity.profitability",
                        "decision": "add", "coder": "alice", "note": "x" * 300} for i in range(400))
    assert check_store(path).ok  # leaves the copy the messages point to
    with CodingStore(path.with_name("schema-only.sqlite")):
        pass
    first = path.with_name("schema-only.sqlite").stat().st_size  # damage data pages, not the schema's own pages
    data = bytearray(path.read_bytes())
    for off in range(first + 4096, min(len(data), first + 4096 * 27), 5):
        data[off] = 0x5A
    path.write_bytes(bytes(data))


def test_a_damaged_store_shows_a_clear_page_not_a_500(corpus_root: Path, tmp_path: Path) -> None:
    store = tmp_path / "coding.sqlite"
    _damage(store)
    app = _app(corpus_root, store)
    try:
        client = app.test_client()
        client.set_cookie("ct_coder", "alice")
        resp = client.get("/dashboard")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 503, html
        assert "The coding store is damaged" in html and "last-good.bak" in html and SAVED_CLAIM not in html
    finally:
        close_app(app)


def test_serve_refuses_a_damaged_store(corpus_root: Path, tmp_path: Path) -> None:
    store = tmp_path / "coding.sqlite"
    _damage(store)
    res = CliRunner().invoke(main, ["serve", str(corpus_root), "--store", str(store), "--port", "0"])
    assert res.exit_code == 1 and "failed its check" in res.output and "last-good.bak" in res.output, res.output
    assert isinstance(res.exception, SystemExit)


def test_summaries_are_computed_once_at_a_time_and_served_stale_meanwhile(corpus_root: Path, tmp_path: Path) -> None:
    app = _app(corpus_root, tmp_path / "coding.sqlite")
    ws = app.extensions[EXTENSION]
    try:
        runs: list[int] = []
        gate = threading.Event()

        def slow() -> int:  # an agreement summary: seconds of CPU
            runs.append(1)
            gate.wait(60)
            return len(runs)

        got: list[int] = []
        first = threading.Thread(target=lambda: got.append(ws.cached("s", slow, on_worker=False, stale_ok=True)))
        first.start()
        while not runs:
            time.sleep(0.01)
        second = threading.Thread(target=lambda: got.append(ws.cached("s", slow, on_worker=False, stale_ok=True)))
        second.start()  # nothing to serve yet: it waits for the running computation instead of repeating it
        gate.set()
        first.join(60)
        second.join(60)
        assert got == [1, 1] and len(runs) == 1
        gate.clear()
        ws.summary_interval = 0.0
        ws.call(ws.store.record, "E", "h", "none", "none-applies", "alice")  # the store moved on
        assert ws.cached("s", slow, on_worker=False, stale_ok=True) == 1  # the previous value, at once ...
        while len(runs) < 2:  # ... while a fresh one is computed in the background
            time.sleep(0.01)
        assert ws.cached("s", slow, on_worker=False, stale_ok=True) == 1 and len(runs) == 2  # not a third run
        gate.set()
        deadline = time.monotonic() + 60
        while ws.cached("s", slow, on_worker=False, stale_ok=True) != 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ws.cached("s", slow, on_worker=False, stale_ok=True) == 2 and len(runs) == 2
    finally:
        close_app(app)


def test_an_unexpected_error_page_does_not_claim_the_decision_was_saved(corpus_root: Path, tmp_path: Path) -> None:
    app = _app(corpus_root, tmp_path / "coding.sqlite")
    ws = app.extensions[EXTENSION]
    try:
        client = app.test_client()
        token = login(client, "alice")
        page = client.get("/queue?order=document").get_data(as_text=True)

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a bug")

        session = ws.call(ws.pool.session, "alice", QueueSettings(order="document"))
        session.decide = broken  # type: ignore[method-assign]
        app.config["PROPAGATE_EXCEPTIONS"] = False
        resp = _decide(client, token, page)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 500 and SAVED_CLAIM not in html and "whether it was recorded" in html
    finally:
        close_app(app)


def test_a_store_the_server_may_not_write_is_announced_from_the_first_page(
        corpus_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import corpus_tools.web.workspace as workspace_mod

    monkeypatch.setattr(workspace_mod.os, "access", lambda path, mode: False)  # a 0444 file (tests run as root)
    app = _app(corpus_root, tmp_path / "coding.sqlite")
    try:
        client = app.test_client()
        login(client, "alice")
        page = client.get("/queue?order=document").get_data(as_text=True)
        assert 'data-testid="read-only"' in page and "cannot be written" in page and SAVED_CLAIM not in page
    finally:
        close_app(app)
