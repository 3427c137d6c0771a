"""End-to-end in headless Chromium (Debian's `chromium`, driven by Playwright): a coder selects text in the
document view and codes it (offsets read back from SQLite, an emoji before the span), sees every code in
context, writes document and code memos, and gets clear messages, with nothing lost, for a span across
entries, an empty memo and a page made stale by another coder. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from corpus_tools.store import CodingStore
from corpus_tools.store.memos import current_memos
from corpus_tools.store.spans import live_spans
from corpus_tools.web import create_app
from tests.support.browser import ARTIFACTS, NEEDS_BROWSER, Live, launch, page_factory, select_text
from tests.support.spans import build_span_corpus, offsets

VIEWPORT = {"width": 1400, "height": 900}
P, L = "opportunity.profitability", "motivation.living_demands"
pytestmark = NEEDS_BROWSER
# the answer to a refused save is the page itself with status 400/409; Chromium logs each such page load
REFUSED_LOAD = "Failed to load resource: the server responded with a status of"


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_span_corpus(tmp_path_factory.mktemp("docbrowser") / "corpus")


@pytest.fixture
def live(corpus_root: Path, tmp_path: Path) -> Iterator[Live]:
    store = tmp_path / "coding.sqlite"
    server = Live(create_app(corpus_root, store, warm=False), store)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    """Pages in fresh browser contexts; script errors, CSP violations and missing assets fail the test (a
    refused save answers with the page itself at status 400/409, which Chromium logs: that one is expected)."""
    yield from page_factory(browser, VIEWPORT,
                            lambda e: e.startswith(REFUSED_LOAD) and (" 400 " in e or " 409 " in e))


def _login(page: Any, base: str, name: str, path: str) -> None:
    page.goto(base + path)
    assert "/login" in page.url
    page.fill("#coder-name", name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator('[data-testid="coder"]').inner_text() == name


def _marked(page: Any, code: str) -> str:
    """The text of every span-coding mark of one code, in page order."""
    return str(page.evaluate("(code) => Array.from(document.querySelectorAll('#doctext mark.sp')).filter("
                             "m => m.dataset.codes.split(' ').includes(code)).map(m => m.textContent).join('')", code))


def _save_span(page: Any, code: str) -> Any:
    page.select_option("#span-code", code)
    with page.expect_navigation() as nav:
        page.click("#span-save")
    return nav.value


def test_select_a_span_and_code_it(live: Live, new_page: Callable[[], Any]) -> None:
    page = new_page()
    _login(page, live.url, "ann", "/document/E1")
    select_text(page, "our own savings")  # after "🙂" in the same paragraph: UTF-16 and code points differ
    start, end = offsets("E1", "our own savings")
    expect(page.locator("#span-end")).to_have_value(str(end))  # selectionchange is dispatched as a task
    assert page.input_value("#span-start") == str(start)
    assert page.locator('[data-testid="selection"]').inner_text() == "our own savings"
    assert "in entry" in page.locator("#sel-help").inner_text()
    response = _save_span(page, L)
    assert response.status == 200 and "/document/E1" in page.url
    assert "coded motivation.living_demands on “our own savings”" in page.locator(".flash.ok").inner_text()
    assert page.locator(f'mark.sp[data-o="{start}"]').count() == 1
    assert _marked(page, L) == "our own savings"  # highlighted (in runs where lexicon terms cut it)
    page.locator("#doctext .seg", has_text="profits").last.dblclick()  # a double click selects a word the browser's way
    p_start, p_end = offsets("E1", "profits")
    expect(page.locator("#span-start")).to_have_value(str(p_start))
    assert page.input_value("#span-end") == str(p_end)
    select_text(page, "A: We")  # from the speaker label, which is not entry text: the span starts at the entry
    expect(page.locator("#span-quote")).to_have_value("We")
    assert page.input_value("#span-start") == str(offsets("E1", "We 🙂")[0])
    page.locator("#doctext .seg", has_text="profits").last.dblclick()
    expect(page.locator("#span-quote")).to_have_value("profits")
    page.keyboard.press("c")  # the code picker takes the focus
    assert page.evaluate("document.activeElement.id") == "span-code"
    _save_span(page, P)
    with CodingStore(live.store) as st:
        spans = sorted((s.start, s.end, s.code, s.coder, s.quote) for s in live_spans(st))
    assert spans == [(start, end, L, "ann", "our own savings"), (p_start, p_end, P, "ann", "profits")]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "document.png"), full_page=True)
    assert (ARTIFACTS / "document.png").stat().st_size > 10_000


def test_the_document_view_shows_codes_in_context(live: Live, corpus_root: Path, new_page: Callable[[], Any]) -> None:
    from corpus_tools.corpus.loader import load_corpus

    e = load_corpus(corpus_root).entries
    first_entry = e[(e["doc_id"] == "Z1") & (e["seq"] == 1)].iloc[0]
    accepted = "opportunity.feasibility"
    with CodingStore(live.store) as st:  # another coder's decision on the second paragraph
        st.record(str(first_entry["entry_id"]), str(first_entry["text_hash"]), accepted, "add", "kim")
    page = new_page()
    _login(page, live.url, "ann", "/queue?order=document&doc=Z1")
    with page.expect_navigation():
        page.click('[data-testid="doc-link"]')  # the queue links to the whole document
    assert "/document/Z1" in page.url
    second = page.locator("section.entry").nth(1)
    assert second.locator(f'.decided[data-coder="kim"] .chip:text("{accepted}")').count() == 1  # the decision
    assert page.locator("mark.ev").count() > 0  # lexicon evidence underlined in the text
    assert page.locator(".suggested .chip").count() > 0  # suggestions beside their entry
    select_text(page, "利润不错")
    expect(page.locator("#span-quote")).to_have_value("利润不错")
    _save_span(page, P)
    legend = page.locator('[data-testid="legend"]')
    assert "span coding" in legend.locator(f'li[data-code="{P}"]').inner_text()
    assert "entry decision" in legend.locator(f'li[data-code="{accepted}"]').inner_text()
    start = offsets("Z1", "利润不错")[0]
    assert page.locator(f'mark.sp[data-o="{start}"]').count() == 1 and _marked(page, P) == "利润不错"  # after "😀"
    page.goto(live.url + "/dashboard")
    with page.expect_navigation():
        page.click('[data-testid="documents-link"] a')
    assert page.locator('tr[data-doc="Z1"] td').nth(6).inner_text() == "1"  # one span coding listed


def test_memos_on_a_document_and_a_code(live: Live, new_page: Callable[[], Any]) -> None:
    page = new_page()
    _login(page, live.url, "ann", "/document/Z1")
    page.keyboard.press("m")
    assert page.evaluate("document.activeElement.id") == "memo-text"
    page.keyboard.type("利润先于物流：first profit, then logistics.")
    with page.expect_navigation():
        page.click("#memo-save")
    assert "memo on Z1 saved (version 1)" in page.locator(".flash.ok").inner_text()
    assert page.locator('[data-testid="memo-text"]').inner_text() == "利润先于物流：first profit, then logistics."
    page.goto(live.url + "/codebook")
    card = page.locator(f'details.code-memo[data-code="{P}"]')
    card.locator("summary").click()
    card.locator("textarea").fill("Money made, not money hoped for.")
    with page.expect_navigation():
        card.locator("button").click()
    assert f"/codebook#{P}" in page.url and "version 1 by ann" in page.locator(
        f'details.code-memo[data-code="{P}"] summary').inner_text()
    with CodingStore(live.store) as st:
        assert [(m.kind, m.target, m.text) for m in current_memos(st)] == [
            ("code", P, "Money made, not money hoped for."),
            ("document", "Z1", "利润先于物流：first profit, then logistics.")]


def test_clear_messages_for_a_bad_span_an_empty_memo_and_a_stale_page(live: Live,
                                                                      new_page: Callable[[], Any]) -> None:
    page = new_page()
    _login(page, live.url, "ann", "/document/Z1")
    select_text(page, "很多人赚钱了", "快递公司")  # from one paragraph into the next
    expect(page.locator("#sel-help")).to_contain_text("reaches beyond one paragraph")
    assert "reaches beyond one paragraph" in page.locator("#sel-help").inner_text()
    response = _save_span(page, P)
    assert response.status == 400
    said = page.locator('[data-testid="doc-message"]').inner_text()
    assert "crosses 2 entries" in said and "nothing was stored" in said
    assert page.input_value("#span-start") == str(offsets("Z1", "很多人赚钱了")[0])  # the selection is kept
    assert page.input_value("#span-code") == P
    page.fill("#memo-text", "   ")
    with page.expect_navigation() as nav:
        page.click("#memo-save")
    assert nav.value.status == 400
    assert "is empty: nothing was saved" in page.locator('[data-testid="doc-message"]').inner_text()

    ben = new_page()  # another coder codes the same paragraph after ann's page was loaded
    _login(ben, live.url, "ben", "/document/Z1")
    page.reload()
    select_text(page, "利润不错")
    select_text(ben, "年轻人")
    expect(ben.locator("#span-quote")).to_have_value("年轻人")
    expect(page.locator("#span-quote")).to_have_value("利润不错")
    _save_span(ben, L)
    response = _save_span(page, P)
    assert response.status == 409
    said = page.locator('[data-testid="doc-message"]').inner_text()
    assert "after this page was loaded" in said and "last by ben" in said and "NOT saved" in said
    assert page.input_value("#span-quote") == "利润不错" and page.input_value("#span-code") == P  # nothing lost
    response = _save_span(page, P)  # saved on the page as it is now
    assert response.status == 200 and "coded opportunity.profitability" in page.locator(".flash.ok").inner_text()
    with CodingStore(live.store) as st:
        assert sorted((s.coder, s.quote) for s in live_spans(st)) == [("ann", "利润不错"), ("ben", "年轻人")]
        assert current_memos(st) == []
