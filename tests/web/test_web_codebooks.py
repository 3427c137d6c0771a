"""Every lexicon of the project is codable in the web app: the picker and the codebook page list every
codebook's variables (grouped, keywords searchable), a government-support code is stored and exported like
the others, the dashboard's agreement covers each codebook, and suggestions show plain-language why."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from corpus_tools.jobs.exchange import export_tables, open_project
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.store import CodingStore
from corpus_tools.web import close_app, create_app
from tests.support.web import entry_of, flashes, login, open_entry
from tests.support.web_codebooks import GOV_CODE, build_two_codebook_corpus, train_two_codebook_model

GOV = load_lexicon("government_support")


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_two_codebook_corpus(tmp_path_factory.mktemp("webbooks") / "corpus")


@pytest.fixture
def app(corpus_root: Path, tmp_path: Path) -> Iterator[Any]:
    application = create_app(corpus_root, tmp_path / "coding.sqlite", warm=False)
    yield application
    close_app(application)


def _picker(page: str) -> str:
    return page[page.index('id="picker-list"'):page.index("</ul>", page.index('id="picker-list"'))]


def test_picker_lists_every_codebook_grouped_and_searchable_by_keyword(app: Any) -> None:
    client = app.test_client()
    login(client, "gao")
    picker = _picker(client.get("/queue?order=document").get_data(as_text=True))
    for v in GOV.variables:  # lexicon suggestions score the first codebook only; every codebook is codable
        assert f'value="add:{v.id}"' in picker, v.id
    groups = re.findall(r'<li class="pick-group" data-group="([^"]+)">', picker)
    assert len(groups) == 2 and GOV.title in groups
    searchable = re.findall(r'data-search="([^"]*)"', picker)
    training = next(s for s in searchable if s.startswith("gov_abilities.training "))
    assert "培训" in training and "培训班" in training  # keywords are searched, not only labels


def test_a_government_code_is_stored_and_exported_like_the_others(app: Any, corpus_root: Path,
                                                                  tmp_path: Path) -> None:
    client = app.test_client()
    token = login(client, "gao")
    page = client.get("/queue?order=document").get_data(as_text=True)
    entry = open_entry(page)
    resp = client.post("/queue/act?order=document", data={"csrf": token, "entry_id": entry,
                                                           "do": "add:gov_abilities.training"})
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'data-code="gov_abilities.training"' in page.split('id="applied"')[1].split("</ul>")[0]
    store = Path(app.extensions["corpus_tools"].store_path)
    with CodingStore(store) as s:
        state = s.state()
    assert (entry, "gao", "gov_abilities.training") in set(zip(state["entry_id"], state["coder"], state["code"],
                                                               strict=True))
    files = export_tables(tmp_path / "out", open_project(corpus_root, store=store))
    tables = [pd.read_csv(f) for f in files if f.suffix == ".csv"]
    assert any(t.astype(str).apply(lambda c: c.str.contains("gov_abilities.training")).any().any() for t in tables)
    # ordering the queue by a code the suggestions do not score is refused with a clear message
    resp = client.get("/queue?order=variable&variable=gov_abilities.training", follow_redirects=True)
    assert any("do not score" in f for f in flashes(resp.get_data(as_text=True)))


def test_codebook_page_and_dashboard_cover_every_codebook(app: Any, corpus_root: Path) -> None:
    client = app.test_client()
    login(client, "gao")
    book = client.get("/codebook").get_data(as_text=True)
    assert book.count("codes coders apply") == 2 and 'id="gov_abilities.training"' in book
    dash = client.get("/dashboard").get_data(as_text=True)
    assert 'class="codebook-name">government_support<' in dash
    assert 'class="codebook-name">mass_entrepreneurship<' in dash
    gov_rows = dash.split('class="codebook-name">government_support<')[1].split("</table>")[0]
    assert GOV_CODE in gov_rows and "opportunity.profitability" not in gov_rows
    assert entry_of(corpus_root, "D3", 0)  # the passage both coders gave the government code


def test_why_and_score_bars_with_a_model(corpus_root: Path, tmp_path: Path) -> None:
    model = train_two_codebook_model(corpus_root, tmp_path / "model")
    application = create_app(corpus_root, tmp_path / "coding.sqlite", model, warm=False)
    try:
        client = application.test_client()
        login(client, "gao")
        page = client.get("/queue?order=document").get_data(as_text=True)
        whys = re.findall(r'<ul class="why" data-testid="why">(.*?)</ul>', page, re.S)
        assert whys and all("chars" not in w and "lexicon hits" not in w for w in whys)
        assert any("matched terms of" in w or "strongest words" in w for w in whys)
        ws = application.extensions["corpus_tools"]
        bars = re.findall(r'data-code="([^"]+)"[^>]*>\s*<div class="sugg-head">.*?data-threshold="([0-9.]+)"', page,
                          re.S)
        assert bars
        for code, shown in bars:  # the line on the bar is the threshold the model applies
            assert float(shown) == pytest.approx(float(ws.suggester.thresholds_[ws.suggested_codes.index(code)]),
                                                 abs=1e-4)
    finally:
        close_app(application)


def test_dashboard_never_waits_for_agreement_in_the_served_app(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Served (`background_summaries`), the first view answers while agreement is still being computed, says so,
    and shows the figures once they are there."""
    import threading
    import time

    from corpus_tools.web import pages

    release = threading.Event()
    real = pages.agreement_overview

    def slow(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(pages, "agreement_overview", slow)
    app.extensions["corpus_tools"].background_summaries = True
    client = app.test_client()
    login(client, "gao")
    first = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="agreement-pending"' in first and "Progress per coder" in first
    release.set()
    for _ in range(200):
        page = client.get("/dashboard").get_data(as_text=True)
        if 'data-testid="agreement-pending"' not in page:
            break
        time.sleep(0.05)
    assert 'data-testid="agreement-pending"' not in page and GOV_CODE in page
