"""Two tabs of one coder and rapid double posts in the web app (issue 18, defect 3): every decision form
carries the passage's state version, and a stale or repeated post is refused with the current state shown
(the rule of corpus_tools.review.session, shared with the terminal review)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_tools.store import CodingStore
from corpus_tools.web import close_app, create_app
from tests.support.web import build_corpus, entry_of, flashes, login, open_entry

P, F = "opportunity.profitability", "opportunity.feasibility"


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("webconflicts") / "corpus")


@pytest.fixture
def app(corpus_root: Path, tmp_path: Path) -> Iterator[Any]:
    application = create_app(corpus_root, tmp_path / "coding.sqlite", warm=False)
    yield application
    close_app(application)


def form(html: str, name: str) -> str:
    """A hidden field's value on a page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field"
    return found.group(1)


def post(client: Any, token: str, page: str, do: str) -> str:
    """Send the decision form of `page` (an older or current view) and return the page after it."""
    data = {"csrf": token, "entry_id": open_entry(page), "version": form(page, "version"),
            "last": form(page, "last"), "do": do}
    resp = client.post("/queue/act?order=document", data=data)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_a_stale_tab_cannot_override_a_confirmed_decision(app: Any, corpus_root: Path, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "alice")
    tab_a = client.get("/queue?order=document").get_data(as_text=True)
    tab_b = client.get("/queue?order=document").get_data(as_text=True)  # the same passage in a second tab
    first = entry_of(corpus_root, "D1", 0)
    assert open_entry(tab_a) == open_entry(tab_b) == first and form(tab_a, "version") == "0"
    after_a = post(client, token, tab_a, f"accept:{P}")
    assert flashes(after_a) == [f"accepted {P}"] and form(after_a, "version") != "0"
    after_b = post(client, token, tab_b, "none")  # tab B still shows the passage before the accept
    said = flashes(after_b)
    assert len(said) == 1 and "changed after this view" in said[0] and f"It now reads: applied: {P}" in said[0]
    with CodingStore(tmp_path / "coding.sqlite") as store:
        events = store.events(coder="alice")
        coding = store.codings("alice")[(first, "alice")]
    assert [(e.decision, e.code) for e in events] == [("accept", P)]
    assert coding.applied == {P: "assisted"} and coding.verdicts == {P: "accept"}
    assert open_entry(after_b) == first and f'value="reject:{F}"' in after_b  # decide on the current state


def test_a_double_click_records_the_decision_once(app: Any, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "bob")
    page = client.get("/queue?order=document").get_data(as_text=True)
    post(client, token, page, f"accept:{P}")
    again = post(client, token, page, f"accept:{P}")
    assert "sent twice" in flashes(again)[0]
    now = client.get("/queue?order=document").get_data(as_text=True)
    done = post(client, token, now, f"reject:{F}")  # completes the passage; the next one opens
    undo_form = done
    post(client, token, undo_form, "undo")
    twice = post(client, token, undo_form, "undo")
    assert "nothing was undone" in flashes(twice)[0]
    with CodingStore(tmp_path / "coding.sqlite") as store:
        log = store.events(coder="bob")
    assert [(e.decision, e.code) for e in log if e.undoes is None] == [("accept", P), ("reject", F)]
    assert sum(1 for e in log if e.undoes is not None) == 1  # one undo, not two


def test_rapid_parallel_posts_of_one_form_record_once(app: Any, tmp_path: Path) -> None:
    clients = []
    for _ in range(4):  # four tabs (own browser sessions) of one coder
        client = app.test_client()
        clients.append((client, login(client, "carol")))
    page = clients[0][0].get("/queue?order=document").get_data(as_text=True)
    answers: list[str] = []
    start = threading.Barrier(len(clients))

    def send(client: Any, token: str) -> None:
        start.wait()
        answers.append(post(client, token, page, f"accept:{P}"))  # the passage stays open after it

    threads = [threading.Thread(target=send, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    said = [f for a in answers for f in flashes(a)]
    assert said.count(f"accepted {P}") == 1, said
    assert sum("changed after this view" in s for s in said) == 3, said
    with CodingStore(tmp_path / "coding.sqlite") as store:
        assert [(e.decision, e.code) for e in store.events(coder="carol")] == [("accept", P)]


def test_adjudication_forms_carry_the_entry_state(app: Any, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "judge")
    page = client.get("/adjudicate").get_data(as_text=True)
    entry, version = form(page, "entry_id"), form(page, "version")
    data = {"csrf": token, "entry_id": entry, "version": version, "do": "decide", "codes": [P]}
    first = client.post("/adjudicate", data=data)
    assert first.status_code == 303
    second = client.post("/adjudicate", data=data)  # the same form again
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert any("changed after this page was shown" in f and "consensus: " + P in f for f in flashes(shown)), \
        flashes(shown)
    with CodingStore(tmp_path / "coding.sqlite") as store:
        assert len(store.events(coder="consensus")) == 1


def test_parallel_posts_of_one_span_form_store_one_span(app: Any, corpus_root: Path, tmp_path: Path) -> None:
    """Four tabs of one coder save the same selection at once: the entry's state and the overlap rule are checked
    under the store's write lock, so exactly one span is stored and the others are told why (409 or 400)."""
    from corpus_tools.store.spans import live_spans
    from tests.support.web import DOCS

    text = next(d["text"] for d in DOCS if d["doc_id"] == "D1")
    start = text.index("宽带也通了")
    entry = entry_of(corpus_root, "D1", 0)
    clients = []
    for _ in range(4):
        client = app.test_client()
        clients.append((client, login(client, "dora")))
    page = clients[0][0].get("/document/D1").get_data(as_text=True)
    state = re.search(rf'data-entry="{entry}" data-start="\d+" data-end="\d+" data-state="([^"]*)"', page)
    assert state
    codes: list[int] = []
    barrier = threading.Barrier(len(clients))

    def send(client: Any, token: str, with_state: bool) -> None:
        barrier.wait()
        resp = client.post("/document/D1/span", data={"csrf": token, "start": str(start), "end": str(start + 5),
                                                      "code": P, "quote": "宽带也通了",
                                                      "state": state.group(1) if with_state else ""})
        codes.append(resp.status_code)

    threads = [threading.Thread(target=send, args=(*c, i % 2 == 0)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes)[0] == 303 and codes.count(303) == 1 and set(codes) <= {303, 400, 409}, codes
    with CodingStore(tmp_path / "coding.sqlite") as store:
        assert [(s.start, s.code, s.coder) for s in live_spans(store)] == [(start, P, "dora")]


def test_parallel_memo_edits_of_one_version_keep_one_and_refuse_the_rest(app: Any, tmp_path: Path) -> None:
    from corpus_tools.store.memos import memo_history

    clients = []
    for name in ("eva", "fay", "gus"):
        client = app.test_client()
        clients.append((client, login(client, name), name))
    codes: list[int] = []
    barrier = threading.Barrier(len(clients))

    def send(client: Any, token: str, name: str) -> None:
        barrier.wait()
        resp = client.post("/memo", data={"csrf": token, "kind": "document", "target": "D3",
                                          "text": f"{name}'s memo", "version": "0"})
        codes.append(resp.status_code)

    threads = [threading.Thread(target=send, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [303, 409, 409], codes
    with CodingStore(tmp_path / "coding.sqlite") as store:
        assert len(memo_history(store, "document", "D3")) == 1
