"""End-to-end: the review web app in a real headless Chromium (Debian's `chromium`, driven by Playwright).

A coder accepts, rejects, adds and undoes with the keyboard and the decisions are read back from SQLite;
a reload shows the same state; two browser contexts code as two coders; a stale second tab of one coder
records nothing; passage HTML stays text; and
screenshots of the queue, dashboard and adjudication pages are saved to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus_tools.store import CodingStore
from corpus_tools.web import create_app
from tests.support.browser import ARTIFACTS, NEEDS_BROWSER, Live, launch, page_factory
from tests.support.web import XSS, build_corpus, entry_of, train_tiny_model

VIEWPORT = {"width": 1280, "height": 800}
pytestmark = NEEDS_BROWSER


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("webe2e") / "corpus")


@pytest.fixture(scope="module")
def live(corpus_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    store = tmp_path_factory.mktemp("webe2e-store") / "coding.sqlite"
    server = Live(create_app(corpus_root, store, warm=False), store)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[[], Any]]:
    """Pages in fresh browser contexts (separate cookies = separate browsers); console errors fail the test."""
    yield from page_factory(browser, VIEWPORT)


def _login(page: Any, base: str, name: str, path: str = "/queue?order=document") -> None:
    page.goto(base + path)
    assert "/login" in page.url
    page.fill("#coder-name", name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator('[data-testid="coder"]').inner_text() == name


def _press(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def _entry(page: Any) -> str:
    return str(page.locator(".passage-card").get_attribute("data-entry"))


def test_keyboard_accept_reject_add_undo_are_stored_and_survive_reload(live: Live, corpus_root: Path,
                                                                        new_page: Callable[[], Any]) -> None:
    page = new_page()
    _login(page, live.url, "kim")
    first, second = entry_of(corpus_root, "D1", 0), entry_of(corpus_root, "D1", 1)
    assert _entry(page) == first
    assert page.locator("#suggestions .sugg").count() == 2
    assert page.locator("#suggestions .sugg.active").get_attribute("data-code") == "opportunity.profitability"
    _press(page, "a")
    assert page.locator(".sugg.is-accept").get_attribute("data-code") == "opportunity.profitability"
    assert page.locator("#suggestions .sugg.active").get_attribute("data-code") == "opportunity.feasibility"
    _press(page, "r")  # the passage is complete: the next one opens
    assert _entry(page) == second
    page.keyboard.press("+")
    assert page.locator("#picker.open").count() == 1
    page.keyboard.type("self_act")
    assert page.locator("#picker-list li:not([hidden])").count() == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _entry(page) == second
    assert page.locator('#applied [data-code="motivation.self_actualization"]').count() == 1
    _press(page, "u")
    assert page.locator('#applied [data-code="motivation.self_actualization"]').count() == 0
    assert "undone" in page.locator(".flash.ok").inner_text()
    before = page.locator("#act").inner_text()
    page.reload()
    assert _entry(page) == second and page.locator("#act").inner_text() == before
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("o")
    assert page.locator("details.settings[open]").count() == 1
    page.keyboard.press("Escape")
    assert page.locator("details.settings[open]").count() == 0 and not page.locator("#help").is_visible()

    with CodingStore(live.store) as store:
        log = [(e.entry_id, e.code, e.decision, e.undoes is not None) for e in store.events(coder="kim")]
        state = store.codings("kim")
    assert log == [(first, "opportunity.profitability", "accept", False),
                   (first, "opportunity.feasibility", "reject", False),
                   (second, "motivation.self_actualization", "add", False),
                   (second, "motivation.self_actualization", "remove", True)]
    assert state[(first, "kim")].applied == {"opportunity.profitability": "assisted"}
    assert (second, "kim") not in state  # the add and its undo cancel out


def test_two_coders_in_two_browsers(live: Live, corpus_root: Path, new_page: Callable[[], Any]) -> None:
    ann, ben = new_page(), new_page()
    _login(ann, live.url, "ann")
    _login(ben, live.url, "ben")
    assert _entry(ann) == _entry(ben) == entry_of(corpus_root, "D1", 0)
    _press(ann, "n")
    _press(ben, "n")
    assert _entry(ann) == _entry(ben) == entry_of(corpus_root, "D1", 1)
    _press(ann, "a")
    _press(ben, "r")  # rejecting the only suggestion records "no code applies" too
    assert ann.locator('[data-testid="coder"]').inner_text() == "ann"
    with CodingStore(live.store) as store:
        a, b = store.codings("ann"), store.codings("ben")
    second = entry_of(corpus_root, "D1", 1)
    assert a[(second, "ann")].applied == {"opportunity.feasibility": "assisted"}
    assert b[(second, "ben")].applied == {"none": "assisted"}
    assert sum(v.coded for v in a.values()) == 2 and sum(v.coded for v in b.values()) == 2


def test_two_tabs_of_one_coder_a_stale_tab_records_nothing(live: Live, corpus_root: Path,
                                                           new_page: Callable[[], Any]) -> None:
    tab_a = new_page()
    _login(tab_a, live.url, "tabs")
    tab_b = tab_a.context.new_page()  # the same browser: same cookies, same coder
    tab_b.goto(live.url + "/queue?order=document")
    first = entry_of(corpus_root, "D1", 0)
    assert _entry(tab_a) == _entry(tab_b) == first
    _press(tab_a, "a")  # accept; the passage stays open (a second suggestion is pending)
    _press(tab_b, "n")  # the older tab says "no code applies"
    warning = tab_b.locator(".flash.warn").inner_text()
    assert "changed after this view" in warning and "applied: opportunity.profitability" in warning
    assert _entry(tab_b) == first and tab_b.locator(".sugg.is-accept").get_attribute("data-code") == \
        "opportunity.profitability"  # tab B now shows the current state
    with CodingStore(live.store) as store:
        assert [(e.code, e.decision) for e in store.events(coder="tabs")] == [("opportunity.profitability", "accept")]


def test_passage_html_is_shown_as_text(live: Live, corpus_root: Path, new_page: Callable[[], Any]) -> None:
    page = new_page()
    _login(page, live.url, "xss", "/queue?order=document&doc=D4")
    assert _entry(page) == entry_of(corpus_root, "D4", 0)
    assert XSS in page.locator("#passage").inner_text()
    assert page.locator("#passage script, #passage b, #passage img").count() == 0
    assert page.locator(".doc-title").inner_text() == "Sellers <em>speak</em> & shops"
    for path in ("/queue?order=document&doc=D4", f"/adjudicate?entry={entry_of(corpus_root, 'D4', 0)}", "/codebook"):
        page.goto(live.url + path)
        assert page.evaluate("typeof window.__xss") == "undefined", path


def test_screenshots_and_adjudication_by_keyboard(corpus_root: Path, tmp_path: Path,
                                                  new_page: Callable[[], Any]) -> None:
    model = train_tiny_model(corpus_root, tmp_path / "model")
    store = tmp_path / "coding.sqlite"
    server = Live(create_app(corpus_root, store, model, evaluation_paths=[model / "evaluation.json"]), store)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page = new_page()
        _login(page, server.url, "lead")
        assert "suggestions model sm-" in page.locator(".progress-line").inner_text()
        page.screenshot(path=str(ARTIFACTS / "queue.png"))
        page.goto(server.url + "/dashboard")
        assert page.locator("svg.chart polyline").count() == 2
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        page.goto(server.url + "/codebook")
        page.screenshot(path=str(ARTIFACTS / "codebook.png"))
        page.goto(server.url + "/adjudicate")
        entry = _entry(page)
        assert entry == entry_of(corpus_root, "D1", 0)
        page.screenshot(path=str(ARTIFACTS / "adjudication.png"))
        agreed, differing = page.locator('input[data-key="1"]'), page.locator('input[data-key="2"]')
        assert agreed.get_attribute("value") == "opportunity.profitability" and agreed.is_checked()
        assert differing.get_attribute("value") == "opportunity.feasibility" and not differing.is_checked()
        page.keyboard.press("2")
        assert differing.is_checked()
        others = page.locator("details.others input[data-key]")  # codes no coder used: numbered on
        assert others.count() > 0
        last = others.nth(others.count() - 1)
        for digit in str(last.get_attribute("data-key")):
            page.keyboard.press(digit)
        page.wait_for_timeout(800)
        assert last.is_checked()  # ticked from the keyboard, its "other codes" list opened
        for digit in str(last.get_attribute("data-key")):
            page.keyboard.press(digit)
        page.wait_for_timeout(800)
        assert not last.is_checked()
        _press(page, "Enter")
        assert "consensus recorded" in page.locator(".flash.ok").inner_text()
        with CodingStore(store) as st:
            events = st.events(coder="consensus")
        assert {(e.code, e.mode, e.entry_id) for e in events} == {
            ("opportunity.profitability", "adjudicated", entry), ("opportunity.feasibility", "adjudicated", entry)}
        assert all(e.note == "adjudicated by lead" for e in events)
    finally:
        server.stop()
    for name in ("queue", "dashboard", "adjudication", "codebook"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
