"""The document view with Flask's test client: every code in context, span coding (valid, bad and stale), memos on
documents and codes (empty, stale, escaped), and the links to the view from the queue, dashboard and nav."""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_tools.store import CodingStore
from corpus_tools.store.memos import current_memos, memo_history
from corpus_tools.store.spans import live_spans
from corpus_tools.web import close_app, create_app
from tests.support.web import DOCS, XSS, build_corpus, entry_of, login

P, F = "opportunity.profitability", "opportunity.feasibility"
SUPPORT = "motivation.social_support"  # a code of the codebook


def _text(doc: str) -> str:
    return next(d["text"] for d in DOCS if d["doc_id"] == doc)


def _at(doc: str, phrase: str) -> tuple[int, int]:
    start = _text(doc).index(phrase)
    return start, start + len(phrase)


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("webdoc") / "corpus")


@pytest.fixture
def app(corpus_root: Path, tmp_path: Path) -> Iterator[Any]:
    application = create_app(corpus_root, tmp_path / "coding.sqlite", warm=False)
    yield application
    close_app(application)


def _state(page: str, entry_id: str) -> str:
    found = re.search(rf'data-entry="{re.escape(entry_id)}" data-start="\d+" data-end="\d+" data-state="([^"]*)"', page)
    assert found, f"entry {entry_id} not on the page"
    return found.group(1)


def _span(client: Any, token: str, doc: str, start: int, end: int, code: str, state: str = "",
          quote: str | None = None) -> Any:
    data = {"csrf": token, "start": str(start), "end": str(end), "code": code, "state": state,
            "quote": _text(doc)[start:end] if quote is None else quote, "note": ""}
    return client.post(f"/document/{doc}/span", data=data)


def _store(tmp_path: Path) -> CodingStore:
    return CodingStore(tmp_path / "coding.sqlite")


def test_the_document_shows_every_code_in_context(app: Any, corpus_root: Path) -> None:
    client = app.test_client()
    login(client, "ann")
    page = client.get("/document/D1").get_data(as_text=True)
    first = entry_of(corpus_root, "D1", 0)
    assert f'id="entry-{first}"' in page and page.count('class="entry"') == 4
    start = _text("D1").index("利润")
    assert re.search(rf'<mark class="seg ev u\d+" data-o="{start}" data-codes="{P}"', page)  # lexicon evidence
    assert re.search(r'<b>A</b>: <span class="chip c\d+">opportunity\.profitability', page)  # codings.csv decisions
    assert "suggested:" in page  # lexicon suggestions with their score
    legend = page[page.index('data-testid="legend"'):]
    assert f'data-code="{P}"' in legend and "lexicon term" in legend and "entry decision" in legend
    assert 'optgroup label="' in page and "motivation.living_demands" in page  # every code of the lexicon
    d4 = client.get("/document/D4").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;&lt;b&gt;bold" in d4 and "<script>window" not in d4
    assert client.get("/document/NOPE").status_code == 404
    listing = client.get("/documents").get_data(as_text=True)
    assert all(f'href="/document/{d["doc_id"]}"' in listing for d in DOCS)
    queue = client.get("/queue?order=document").get_data(as_text=True)
    assert f'href="/document/D1#entry-{first}"' in queue
    assert 'href="/documents"' in client.get("/dashboard").get_data(as_text=True)


def test_a_span_is_coded_and_shown(app: Any, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "ann")
    start, end = _at("D1", "很多人赚钱了")
    resp = _span(client, token, "D1", start, end, SUPPORT)
    assert resp.status_code == 303 and "#entry-" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "coded motivation.social_support on “很多人赚钱了”" in page
    assert re.search(rf'<mark class="seg sp c\d+[^"]*" data-o="{start}" data-codes="{SUPPORT}', page)
    assert "span coding" in page[page.index('data-testid="legend"'):]
    with _store(tmp_path) as st:
        [span] = live_spans(st)
    assert (span.start, span.end, span.code, span.coder, span.quote) == (start, end, SUPPORT, "ann", "很多人赚钱了")
    no_csrf = client.post("/document/D1/span", data={"start": str(start), "end": str(end), "code": SUPPORT})
    assert no_csrf.status_code == 400


@pytest.mark.parametrize(("make", "code", "said"), [
    (lambda: (_at("D1", "赚钱了，宽带")[0], _at("D1", "快递公司")[1]), P, "crosses 2 entries"),
    (lambda: (5, 5), P, "empty or reversed"),
    (lambda: (0, 10_000), P, "lies outside document D1"),
    (lambda: _at("D1", "利润不错"), "no.such_code", "unknown code"),
])
def test_a_bad_span_gets_a_clear_message_and_keeps_the_selection(app: Any, tmp_path: Path, make: Any, code: str,
                                                                 said: str) -> None:
    client = app.test_client()
    token = login(client, "ann")
    start, end = make()
    resp = _span(client, token, "D1", start, end, code, quote="")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    message = re.search(r'data-testid="doc-message">([^<]*)<', page)
    assert message and said in html.unescape(message.group(1)) and "nothing was stored" in message.group(1)
    assert f'name="start" id="span-start" min="0" class="num" value="{start}"' in page  # the selection is kept
    with _store(tmp_path) as st:
        assert live_spans(st) == []


def test_an_overlapping_span_of_the_same_code_is_refused(app: Any, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "ann")
    assert _span(client, token, "D2", *_at("D2", "our own savings"), P).status_code == 303
    resp = _span(client, token, "D2", *_at("D2", "savings and some profits"), P)
    assert resp.status_code == 400 and "already coded an overlapping span" in resp.get_data(as_text=True)
    assert _span(client, token, "D2", *_at("D2", "savings and some profits"), F).status_code == 303
    with _store(tmp_path) as st:
        assert sorted(s.code for s in live_spans(st)) == [F, P]


def test_a_stale_page_gets_409_and_loses_nothing(app: Any, corpus_root: Path, tmp_path: Path) -> None:
    ann, ben = app.test_client(), app.test_client()
    a_token, b_token = login(ann, "ann"), login(ben, "ben")
    first = entry_of(corpus_root, "D1", 0)
    shown = ann.get("/document/D1").get_data(as_text=True)  # ann loads the page ...
    state = _state(shown, first)
    b_page = ben.get("/document/D1").get_data(as_text=True)
    assert _span(ben, b_token, "D1", *_at("D1", "宽带也通了"), F, _state(b_page, first)).status_code == 303  # ben codes
    resp = _span(ann, a_token, "D1", *_at("D1", "利润不错"), P, state)  # ... and saves on the old page
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "was coded or decided after this page was loaded" in page and "last by ben" in page
    assert 'id="span-quote" value="利润不错"' in page and f'<option value="{P}" selected>' in page  # kept
    assert _state(page, first) != state  # the page now shows the entry as it is
    with _store(tmp_path) as st:
        assert [(s.coder, s.code) for s in live_spans(st)] == [("ben", F)]
    again = _span(ann, a_token, "D1", *_at("D1", "利润不错"), P, _state(page, first))
    assert again.status_code == 303
    # a decision in the queue also makes the page stale
    page = ann.get("/document/D2").get_data(as_text=True)
    second = entry_of(corpus_root, "D2", 1)
    with _store(tmp_path) as st:
        st.record(second, "h", P, "accept", "carl")
    resp = _span(ann, a_token, "D2", *_at("D2", "own savings"), P, _state(page, second))
    assert resp.status_code == 409 and "last by carl" in resp.get_data(as_text=True)
    # removing another coder's span is refused; removing one's own works
    with _store(tmp_path) as st:
        bens = next(s for s in live_spans(st) if s.coder == "ben")
    page = ann.get("/document/D1").get_data(as_text=True)
    resp = ann.post("/document/D1/span/remove", data={"csrf": a_token, "span": str(bens.span_event),
                                                      "state": _state(page, first)})
    assert resp.status_code == 400 and "only its coder can remove it" in resp.get_data(as_text=True)
    assert f'data-span="{bens.span_event}"' in page and page.count(">remove</button>") == 1  # only ann's own


def test_document_memos_are_versioned_empty_and_stale_ones_refused(app: Any, tmp_path: Path) -> None:
    ann, ben = app.test_client(), app.test_client()
    a_token, b_token = login(ann, "ann"), login(ben, "ben")

    def memo(client: Any, token: str, text: str, version: str) -> Any:
        return client.post("/memo", data={"csrf": token, "kind": "document", "target": "D2", "text": text,
                                          "version": version})

    empty = memo(ann, a_token, "   ", "0")
    assert empty.status_code == 400 and "is empty: nothing was saved" in empty.get_data(as_text=True)
    ok = memo(ann, a_token, f"Savings first; then {XSS}", "0")
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/document/D2#memo")
    page = ann.get("/document/D2").get_data(as_text=True)
    assert "Savings first; then &lt;script&gt;window.__xss = 1&lt;/script&gt;" in page and "<script>window" not in page
    assert "version 1 by ann" in page and 'name="version" value="1"' in page
    assert memo(ben, b_token, "Ben's reading.", "1").status_code == 303  # ben edits version 1 -> 2
    stale = memo(ann, a_token, "Ann's long draft", "1")  # ann's page still shows version 1
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "version 2 by ben" in text and "your text was NOT saved" in text
    assert ">Ann&#39;s long draft</textarea>" in text  # her draft is in the form again
    assert "Ben&#39;s reading." in text  # next to the memo as it is now
    history = text[text.index('data-testid="memo-history"'):]
    assert "2 versions kept" in history and "version 1 by ann" in history  # the older version stays readable
    with _store(tmp_path) as st:
        assert [m.text for m in memo_history(st, "document", "D2")] == [f"Savings first; then {XSS}",
                                                                        "Ben's reading."]
    assert memo(ann, a_token, "x", "").status_code == 303  # no version sent: no stale check
    bad = ann.post("/memo", data={"csrf": a_token, "kind": "document", "target": "NOPE", "text": "x", "version": "0"})
    assert bad.status_code == 404


def test_code_memos_on_the_codebook(app: Any, tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "ann")
    page = client.get("/codebook").get_data(as_text=True)
    assert f'aria-label="memo on {P}"' in page
    empty = client.post("/memo", data={"csrf": token, "kind": "code", "target": P, "text": "", "version": "0"})
    body = empty.get_data(as_text=True)
    assert empty.status_code == 400 and 'data-testid="memo-message"' in body and "is empty" in body
    ok = client.post("/memo", data={"csrf": token, "kind": "code", "target": P, "text": "Money made, not hoped for.",
                                    "version": "0"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/codebook#{P}")
    page = client.get("/codebook").get_data(as_text=True)
    card = page[page.index(f'data-code="{P}"'):][:1500]
    assert "version 1 by ann" in card and "Money made, not hoped for." in card
    with _store(tmp_path) as st:
        assert [(m.kind, m.target, m.version) for m in current_memos(st)] == [("code", P, 1)]


def test_blind_view_shows_only_my_codes(app: Any, tmp_path: Path) -> None:
    ann, ben = app.test_client(), app.test_client()
    a_token, b_token = login(ann, "ann"), login(ben, "ben")
    assert _span(ben, b_token, "D3", *_at("D3", "扶持電商發展"), SUPPORT).status_code == 303
    assert _span(ann, a_token, "D3", *_at("D3", "優惠政策"), SUPPORT).status_code == 303
    blind = ann.get("/document/D3?blind=1").get_data(as_text=True)
    assert "suggested:" not in blind and " ev u" not in blind and "<b>A</b>" not in blind
    assert blind.count('class="spanrow"') == 1 and "ann ·" in blind
    full = ann.get("/document/D3").get_data(as_text=True)
    assert full.count('class="spanrow"') == 2


def test_the_dashboard_of_a_single_coder_links_the_documents(tmp_path: Path) -> None:
    """A corpus without codings.csv and one coder: nothing to compare, and the dashboard still answers (it
    failed with a KeyError on the empty agreement summary)."""
    from tests.support.spans import build_span_corpus

    root = build_span_corpus(tmp_path / "corpus")
    application = create_app(root, tmp_path / "single.sqlite", warm=False)
    try:
        client = application.test_client()
        login(client, "solo")
        from corpus_tools.corpus.loader import load_corpus

        entry = load_corpus(root).entries.iloc[0]
        with CodingStore(tmp_path / "single.sqlite") as st:
            st.record(str(entry["entry_id"]), str(entry["text_hash"]), P, "add", "solo")
        resp = client.get("/dashboard")
        assert resp.status_code == 200 and 'href="/documents"' in resp.get_data(as_text=True)
    finally:
        close_app(application)


def test_the_codebook_of_a_project_without_codings_answers(tmp_path: Path) -> None:
    """No codings.csv and an empty store: the codebook page (with its memo forms) renders (it failed with a
    KeyError on the empty coding state)."""
    from tests.support.spans import build_span_corpus

    application = create_app(build_span_corpus(tmp_path / "corpus"), tmp_path / "empty.sqlite", warm=False)
    try:
        client = application.test_client()
        login(client, "solo")
        resp = client.get("/codebook")
        assert resp.status_code == 200 and f'aria-label="memo on {P}"' in resp.get_data(as_text=True)
    finally:
        close_app(application)


def test_a_span_coded_in_the_app_round_trips_through_refi_qda(app: Any, corpus_root: Path, tmp_path: Path) -> None:
    """The issue's acceptance check: code a span and write a memo in the app, export a .qdpx, import it into a
    fresh store: same offsets, code, coder; the memo survives."""
    from corpus_tools.exchange.validate import schema_errors
    from corpus_tools.jobs.exchange import export_qdpx, import_qdpx, open_project

    client = app.test_client()
    token = login(client, "ann")
    start, end = _at("D2", "own savings")
    assert _span(client, token, "D2", start, end, "motivation.living_demands").status_code == 303
    assert client.post("/memo", data={"csrf": token, "kind": "document", "target": "D2", "text": "Savings, then sales.",
                                      "version": "0"}).status_code == 303
    out = tmp_path / "app.qdpx"
    summary = export_qdpx(out, open_project(corpus_root, store=tmp_path / "coding.sqlite"))
    with zipfile.ZipFile(out) as zf:
        assert schema_errors(zf.read("project.qde"), "project") == []
    assert (summary.n_spans, summary.n_memos) == (1, 1)
    result = import_qdpx(out, corpus_root, store=tmp_path / "fresh.sqlite")
    assert (result.n_spans, result.n_memos) == (1, 1)
    with CodingStore(tmp_path / "fresh.sqlite") as st:
        [span] = live_spans(st)
        [memo] = current_memos(st)
    assert (span.doc_id, span.start, span.end, span.code, span.coder, span.quote) == (
        "D2", start, end, "motivation.living_demands", "ann", "own savings")
    assert (memo.kind, memo.target, memo.text, memo.coder) == ("document", "D2", "Savings, then sales.", "ann")
