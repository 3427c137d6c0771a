"""The review web app through Flask's test client: login, queue, decisions, filters, blind mode,
adjudication, dashboard and codebook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_tools.store import CodingStore
from corpus_tools.web import close_app, create_app
from corpus_tools.web.workspace import EXTENSION
from tests.support.web import build_corpus, entry_of, flashes, login, open_entry, train_tiny_model


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("webviews") / "corpus")


@pytest.fixture
def app(corpus_root: Path, tmp_path: Path) -> Iterator[Any]:
    application = create_app(corpus_root, tmp_path / "coding.sqlite", warm=False)
    yield application
    close_app(application)


def _act(client: Any, token: str, entry: str, do: str, query: str = "order=document", note: str = "") -> str:
    resp = client.post(f"/queue/act?{query}", data={"csrf": token, "entry_id": entry, "do": do, "note": note})
    assert resp.status_code == 303
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_login_is_remembered_and_needed(app: Any) -> None:
    client = app.test_client()
    assert client.get("/queue").status_code == 303
    assert "/login" in client.get("/queue").headers["Location"]
    token = login(client, "alice")
    page = client.get("/queue").get_data(as_text=True)
    assert 'data-testid="coder">alice<' in page
    for bad in ("", "consensus", "model:v1", "x" * 61, "a\x00b"):
        resp = client.post("/login", data={"csrf": token, "coder": bad})
        assert resp.status_code == 400
    fresh = app.test_client()
    assert fresh.get("/queue").status_code == 303


def test_queue_page_shows_passage_context_suggestions_and_shortcuts(app: Any, corpus_root: Path) -> None:
    client = app.test_client()
    login(client, "alice")
    page = client.get("/queue?order=document").get_data(as_text=True)
    assert open_entry(page) == entry_of(corpus_root, "D1", 0)
    ws = app.extensions[EXTENSION]  # the score shown is the suggester's (not a number fixed in the test)
    first = ws.corpus.entries.set_index("entry_id").at[entry_of(corpus_root, "D1", 0), "text"]
    top = max(ws.suggester.proba_docs(ws.suggester.analyzer_.analyze_many([first]))[0])
    for text in ("军埔村网店观察", "media", "2010-05-01", "budding", "快递公司进村以后",  # title, meta, next paragraph
                 "opportunity.profitability", "opportunity.feasibility", f"{top:.2f}", "利润", "why:"):
        assert text in page, text
    assert '<mark class="ev c0" data-codes="opportunity.profitability"' in page
    for key in ("<kbd>a</kbd>", "<kbd>r</kbd>", "<kbd>+</kbd>", "<kbd>n</kbd>", "<kbd>m</kbd>", "<kbd>u</kbd>",
                "<kbd>s</kbd>", "<kbd>Enter</kbd>"):
        assert key in page, key


def test_decisions_are_committed_and_follow_the_review_session(app: Any, corpus_root: Path, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "alice")
    first = entry_of(corpus_root, "D1", 0)
    page = _act(client, token, first, "accept:opportunity.profitability", note="clear case")
    assert flashes(page) == ["accepted opportunity.profitability"]
    assert open_entry(page) == first  # feasibility still pending
    with CodingStore(tmp_path / "coding.sqlite") as store:  # a second connection sees the committed event
        events = store.events(coder="alice")
    assert [(e.code, e.decision, e.note, e.mode) for e in events] == [
        ("opportunity.profitability", "accept", "clear case", "assisted")]
    page = _act(client, token, first, "reject:opportunity.feasibility")
    second = open_entry(page)
    assert second == entry_of(corpus_root, "D1", 1)  # complete: the next passage opens
    page = _act(client, token, second, "add:motivation.self_actualization")
    assert open_entry(page) == second and "applied · Enter removes" in page
    page = _act(client, token, second, "undo")
    assert open_entry(page) == second and "undone" in flashes(page)[0]
    page = _act(client, token, second, "next")
    assert "decide the pending suggestion first" in flashes(page)[0]
    page = _act(client, token, second, "skip")
    assert open_entry(page) == entry_of(corpus_root, "D1", 2)
    with CodingStore(tmp_path / "coding.sqlite") as store:
        state = store.codings("alice")
        log = store.events(coder="alice")
    assert state[(first, "alice")].applied == {"opportunity.profitability": "assisted"}
    assert (second, "alice") not in state or not state[(second, "alice")].applied
    assert sum(1 for e in log if e.undoes is not None) == 1


def test_reload_shows_the_same_passage_and_stale_forms_record_nothing(app: Any, corpus_root: Path) -> None:
    client = app.test_client()
    token = login(client, "bob")
    page = client.get("/queue?order=document").get_data(as_text=True)
    assert open_entry(client.get("/queue?order=document").get_data(as_text=True)) == open_entry(page)
    page = _act(client, token, open_entry(page), "none")
    assert open_entry(page) == entry_of(corpus_root, "D1", 1)
    page = _act(client, token, entry_of(corpus_root, "D1", 0), "add:opportunity.feasibility")  # an old tab
    assert "not your open passage" in flashes(page)[0]
    assert open_entry(page) == entry_of(corpus_root, "D1", 1)


def test_filters_order_and_blind_mode(app: Any, corpus_root: Path, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "carol")
    page = client.get("/queue?order=document&stage=growth&source_type=government").get_data(as_text=True)
    assert open_entry(page) == entry_of(corpus_root, "D3", 0)
    page = client.get("/queue?order=document&doc=D2").get_data(as_text=True)
    assert open_entry(page) == entry_of(corpus_root, "D2", 0) and "Interview with a young seller" in page
    page = client.get("/queue?order=variable&variable=motivation.living_demands").get_data(as_text=True)
    assert "脱贫致富" in page or "脫貧致富" in page
    page = client.get("/queue?order=document&blind=1").get_data(as_text=True)
    assert "Suggestions are hidden" in page and "0.875" not in page and '<mark class="ev' not in page
    page = _act(client, token, open_entry(page), "add:opportunity.profitability", query="order=document&blind=1")
    with CodingStore(tmp_path / "coding.sqlite") as store:
        assert [e.mode for e in store.events(coder="carol")] == ["blind"]
    bad = client.get("/queue?order=sideways")
    assert bad.status_code == 303
    assert "Queue settings not usable" in flashes(client.get("/queue").get_data(as_text=True))[0]


def test_reliability_sample_is_the_same_for_every_coder(app: Any) -> None:
    pages = []
    for name in ("dora", "emil"):
        client = app.test_client()
        login(client, name)
        pages.append(client.get("/queue?order=document&blind=1&sample=3&seed=7").get_data(as_text=True))
    assert open_entry(pages[0]) == open_entry(pages[1])
    assert all('data-testid="progress">0 / 3 coded' in p for p in pages)


def test_adjudication_records_a_consensus_coding(app: Any, corpus_root: Path, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "lead")
    page = client.get("/adjudicate").get_data(as_text=True)
    first = entry_of(corpus_root, "D1", 0)
    assert open_entry(page) == first
    assert "note &lt;i&gt;with markup&lt;/i&gt;" in client.get(
        f"/adjudicate?entry={entry_of(corpus_root, 'D4', 0)}").get_data(as_text=True)
    n_open = int(page.split('data-testid="n-open">')[1].split("<")[0])
    resp = client.post("/adjudicate", data={"csrf": token, "entry_id": first, "do": "decide",
                                            "codes": ["opportunity.profitability"], "note": "B missed nothing"})
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "consensus recorded" in flashes(page)[0]
    assert int(page.split('data-testid="n-open">')[1].split("<")[0]) == n_open - 1
    with CodingStore(tmp_path / "coding.sqlite") as store:
        events = store.events(coder="consensus")
        assert {(e.code, e.decision, e.mode) for e in events} == {("opportunity.profitability", "add", "adjudicated")}
        assert events[0].note == "adjudicated by lead: B missed nothing"
    resp = client.post("/adjudicate", data={"csrf": token, "entry_id": first, "do": "decide"})
    assert "tick at least one code" in flashes(client.get(resp.headers["Location"]).get_data(as_text=True))[0]
    resp = client.post("/adjudicate", data={"csrf": token, "entry_id": entry_of(corpus_root, "D1", 1), "do": "none"})
    page = client.get(resp.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "not among the disputed entries" in flashes(page)[0]


def test_dashboard_and_codebook(app: Any) -> None:
    client = app.test_client()
    login(client, "alice")
    page = client.get("/dashboard").get_data(as_text=True)
    for text in ("Progress per coder", "<b>A</b>", "<b>B</b>", "14 / 14", "A vs B", "Cohen κ", "Krippendorff α",
                 "No trained model", "corpus-tools train", "corpus-tools evaluate", "disputed passages"):
        assert text in page, text
    page = client.get("/codebook").get_data(as_text=True)
    for text in ("opportunity.profitability", "创业机会的盈利性", "营销成本", "coded passages",
                 "军埔村的年轻人开网店", "&lt;script&gt;"):
        assert text in page, text
    assert "<script>window" not in page


def test_dashboard_with_a_model_shows_quality_and_learning_curve(corpus_root: Path, tmp_path: Path) -> None:
    model = train_tiny_model(corpus_root, tmp_path / "model")
    application = create_app(corpus_root, tmp_path / "coding.sqlite", model,
                             evaluation_paths=[model / "evaluation.json"], warm=False)
    try:
        client = application.test_client()
        login(client, "alice")
        page = client.get("/dashboard").get_data(as_text=True)
        assert "Learning curve" in page and "<polyline" in page and "trained on" in page and "sm-" in page
        page = client.get("/queue?order=document").get_data(as_text=True)
        assert "suggestions model sm-" in page
    finally:
        close_app(application)
