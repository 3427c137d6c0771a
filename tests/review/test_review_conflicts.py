"""Optimistic concurrency in review (issue 18, defect 3): a decision is recorded only while the passage is
in the state it was made on. The rule lives in ReviewSession.decide + CodingStore.record_rows and is the
same for the terminal review and the web app (tests/web/test_web_conflicts.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_tools.cli.review_cli import run_review
from corpus_tools.corpus.loader import Corpus
from corpus_tools.errors import ConflictError
from corpus_tools.jobs.suggest import load_suggester
from corpus_tools.review.adjudication import adjudicate
from corpus_tools.review.session import ReviewItem, ReviewSession, StaleDecision
from corpus_tools.store import CodingStore
from corpus_tools.suggest.coldstart import LexiconSuggester
from tests.support.coding import coded_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return coded_corpus(tmp_path_factory.mktemp("conflicts") / "corpus", 4, 8, n_a=10, n_b=4)


@pytest.fixture(scope="module")
def lexicon(corpus: Corpus) -> LexiconSuggester:
    sug = load_suggester(None, corpus)
    assert isinstance(sug, LexiconSuggester)
    return sug


def _open_with_two_suggestions(session: ReviewSession) -> ReviewItem:
    item = session.next_item()
    while item is not None and len(item.suggestions) < 2:
        session.skip()
        item = session.next_item()
    assert item is not None, "the synthetic corpus has a passage with two suggestions"
    return item


def _two_views(tmp_path: Path, corpus: Corpus, lexicon: LexiconSuggester) -> tuple[ReviewSession, ReviewSession]:
    """One coder in two places (two terminals, or a terminal and the web app): two connections, one file."""
    path = tmp_path / "c.sqlite"
    a = ReviewSession(CodingStore(path), corpus, lexicon, "A", order="document")
    b = ReviewSession(CodingStore(path), corpus, lexicon, "A", order="document")
    return a, b


def test_an_older_view_cannot_override_a_confirmed_decision(tmp_path: Path, corpus: Corpus,
                                                            lexicon: LexiconSuggester) -> None:
    a, b = _two_views(tmp_path, corpus, lexicon)
    item_a = _open_with_two_suggestions(a)
    item_b = _open_with_two_suggestions(b)
    assert item_a.entry_id == item_b.entry_id and item_a.version == item_b.version == 0
    first = item_a.suggestions[0].code
    a.accept(first)
    with pytest.raises(StaleDecision, match=f"nothing was recorded. It now reads: applied: {first}"):
        b.none_applies()  # the older view says "no code applies"
    events = a.store.events(coder="A", entry_id=item_a.entry_id)
    assert [(e.decision, e.code) for e in events] == [("accept", first)]
    assert b.current is not None and b.current.coding.applied == {first: "assisted"}  # refreshed: current state
    b.reject(item_a.suggestions[1].code)  # deciding on what it shows now works
    final = a.store.codings("A")[(item_a.entry_id, "A")]
    assert final.applied == {first: "assisted"} and final.verdicts[first] == "accept"


def test_the_same_decision_sent_twice_is_recorded_once(tmp_path: Path, corpus: Corpus,
                                                       lexicon: LexiconSuggester) -> None:
    session, _ = _two_views(tmp_path, corpus, lexicon)
    item = _open_with_two_suggestions(session)
    shown = item.version
    code = item.suggestions[0].code
    session.decide(code, "accept", version=shown)
    with pytest.raises(StaleDecision, match="sent twice"):
        session.decide(code, "accept", version=shown)
    assert len(session.store.events(coder="A", entry_id=item.entry_id)) == 1
    session.decide(item.suggestions[1].code, "reject")
    last = session.last_action
    session.undo(last)
    with pytest.raises(StaleDecision, match="nothing was undone"):
        session.undo(last)  # the undo sent twice must not also revert the accept before it
    log = session.store.events(coder="A", entry_id=item.entry_id)
    assert [e.decision for e in log if e.undoes is None] == ["accept", "reject"] and len(log) == 3
    assert session.store.codings("A")[(item.entry_id, "A")].applied == {code: "assisted"}


def test_the_terminal_review_refuses_a_decision_on_a_changed_passage(tmp_path: Path, corpus: Corpus,
                                                                     lexicon: LexiconSuggester) -> None:
    terminal, other = _two_views(tmp_path, corpus, lexicon)
    item = _open_with_two_suggestions(terminal)
    _open_with_two_suggestions(other)
    code = item.suggestions[0].code
    keys = iter(["n", "q"])
    out: list[str] = []

    def getchar() -> str:
        key = next(keys)
        if key == "n":  # while the screen is shown, the same coder accepts in another window
            other.accept(code)
        return key

    run_review(terminal, getchar, out.append)
    said = "\n".join(out)
    assert "! passage" in said and "changed after this view" in said and f"applied: {code}" in said
    events = terminal.store.events(coder="A", entry_id=item.entry_id)
    assert [(e.decision, e.code) for e in events] == [("accept", code)]  # no "none" over the accept


def test_adjudication_on_a_changed_entry_is_refused(tmp_path: Path, corpus: Corpus) -> None:
    e = corpus.entries.iloc[0]
    codes = ["opportunity.profitability", "opportunity.feasibility"]
    with CodingStore(tmp_path / "adj.sqlite") as st:
        st.record(e["entry_id"], e["text_hash"], codes[0], "add", "A")
        shown = st.entry_version(e["entry_id"])
        st.record(e["entry_id"], e["text_hash"], codes[1], "add", "B")  # a coder decides meanwhile
        with pytest.raises(ConflictError, match="changed since it was shown"):
            adjudicate(st, e["entry_id"], e["text_hash"], [codes[0]], "judge", codes, version=shown)
        n = adjudicate(st, e["entry_id"], e["text_hash"], [codes[0]], "judge", codes,
                       version=st.entry_version(e["entry_id"]))
        assert n == 1 and st.count() == 3
