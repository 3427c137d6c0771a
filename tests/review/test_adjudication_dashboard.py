"""Library behind the web app (usable from the terminal too): project state, disagreements and adjudication,
dashboard aggregates, codebook examples, the review pool and reliability samples."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.errors import ReviewError
from corpus_tools.jobs.suggest import load_suggester
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.review.adjudication import (
    ADJUDICATOR,
    adjudicate,
    check_adjudicator,
    coder_notes,
    find_disagreements,
)
from corpus_tools.review.dashboard import (
    agreement_overview,
    coder_progress,
    human_coded_entries,
    model_quality,
    retrain_commands,
)
from corpus_tools.review.examples import accepted_examples
from corpus_tools.review.pool import QueueSettings, ReviewPool
from corpus_tools.store import CodingStore
from corpus_tools.store.coding_state import project_state
from corpus_tools.web.charts import line_chart
from corpus_tools.web.present import segments
from tests.support.web import XSS, build_corpus, entry_of

CODES = load_lexicon("mass_entrepreneurship").variable_ids


def h(corpus: Corpus, entry_id: str) -> str:
    """The entry's text hash (decisions with another hash are stale)."""
    return str(corpus.entries.set_index("entry_id").at[entry_id, "text_hash"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return load_corpus(build_corpus(tmp_path_factory.mktemp("adjlib") / "corpus"))


def test_project_state_fills_gaps_from_codings_csv(corpus: Corpus, tmp_path: Path) -> None:
    with CodingStore(tmp_path / "s.sqlite") as store:
        ps = project_state(store, corpus, CODES)
        assert ps.sources == {"store": 0, "codings.csv": 14 + 10}
        eid = entry_of(corpus.root, "D1", 0)
        store.record(eid, h(corpus, eid), "none", "none-applies", "A")
        ps = project_state(store, corpus, CODES)
        rows = ps.state[(ps.state["entry_id"] == eid) & (ps.state["coder"] == "A")]
        assert list(rows["code"]) == ["none"] and list(rows["mode"]) == ["assisted"]  # the store wins
        assert ps.sources["codings.csv"] == 23


def test_disagreements_and_adjudication(corpus: Corpus, tmp_path: Path) -> None:
    with CodingStore(tmp_path / "s.sqlite") as store:
        state = project_state(store, corpus, CODES).state
        found = find_disagreements(state, CODES, corpus)
        first = entry_of(corpus.root, "D1", 0)
        assert [d.entry_id for d in found][:2] == [first, entry_of(corpus.root, "D1", 2)]  # corpus order
        d = found[0]
        assert [(c.coder, c.codes) for c in d.codings] == [
            ("A", ("opportunity.feasibility", "opportunity.profitability")), ("B", ("opportunity.profitability",))]
        assert d.agreed == ("opportunity.profitability",) and d.differing == ("opportunity.feasibility",)
        assert all(len(x.codings) >= 2 for x in found)
        with pytest.raises(ReviewError):
            adjudicate(store, first, h(corpus, first), ["opportunity.profitability"], "consensus", CODES)
        with pytest.raises(ReviewError):
            adjudicate(store, first, h(corpus, first), ["no.such.code"], "lead", CODES)
        both = ["opportunity.profitability", "opportunity.feasibility"]
        assert adjudicate(store, first, h(corpus, first), both, "lead", CODES, "both") == 2
        assert adjudicate(store, first, h(corpus, first), both[1:], "lead2", CODES) == 2  # remove + add
        state = project_state(store, corpus, CODES).state
        left = find_disagreements(state, CODES, corpus)
        assert first not in {x.entry_id for x in left} and len(left) == len(found) - 1
        again = {x.entry_id: x for x in find_disagreements(state, CODES, corpus, include_resolved=True)}
        assert again[first].resolved == ("opportunity.feasibility",)
        consensus = store.codings(ADJUDICATOR)[(first, ADJUDICATOR)]
        assert consensus.applied == {"opportunity.feasibility": "adjudicated"}
        assert "A" not in {c for (_, c) in store.codings()}  # the coders' own codings are untouched
        assert adjudicate(store, first, h(corpus, first), [], "lead", CODES) == 1
        assert store.codings(ADJUDICATOR)[(first, ADJUDICATOR)].applied == {"none": "adjudicated"}
        store.record(first, h(corpus, first), "opportunity.profitability", "add", "zoe", note="my reason")
        assert coder_notes(store, first)["zoe"] == ["my reason"]
    assert check_adjudicator("  lead ") == "lead"
    for bad in ("", "consensus", "model:x", "lexicon:y"):
        with pytest.raises(ReviewError):
            check_adjudicator(bad)


def test_dashboard_aggregates(corpus: Corpus, tmp_path: Path) -> None:
    lex = [load_lexicon("mass_entrepreneurship")]
    with CodingStore(tmp_path / "s.sqlite") as store:
        eid = entry_of(corpus.root, "D2", 3)
        store.record(eid, h(corpus, eid), "none", "none-applies", "carol")
        ids = [store.record(eid, h(corpus, eid), "opportunity.profitability", "add", "carol")]
        store.undo(ids, "carol")
        state = project_state(store, corpus, CODES).state
        progress = {p.coder: p for p in coder_progress(store, corpus, state)}
    assert progress["A"].coded == 14 and progress["A"].total == 14 and progress["A"].decisions == 0
    assert progress["B"].coded == 10 and progress["B"].modes == {"imported": 10}
    assert progress["carol"].coded == 1 and progress["carol"].decisions == 1 and progress["carol"].last
    assert human_coded_entries(state) == 14
    blocks, _notes = agreement_overview(state, lex, n_boot=50)
    found = [(b.comparison, b.condition) for b in blocks]
    assert found[0] == ("A vs B", "independent") and ("A vs carol", "assisted") in found
    assert all(b.n_entries > 0 for b in blocks)  # comparisons without double coding are left out
    rows = {r.code: r for r in blocks[0].rows}
    assert rows["(all)"].n_units == 10 * len(CODES)
    assert rows["motivation.living_demands"].values["percent_agreement"][0] == 1.0
    assert rows["opportunity.feasibility"].values["percent_agreement"][0] == pytest.approx(0.9)
    again, _ = agreement_overview(state, lex, n_boot=50)
    assert again[0].rows == blocks[0].rows  # seeded: same input, same intervals
    assert model_quality(None) is None and model_quality(tmp_path) is None
    cmds = retrain_commands(Path("my corpus"), Path("a/coding.sqlite"), None)
    home = Path("a").resolve()  # beside the store, absolute, so the command works from any folder
    assert cmds[0] == f"corpus-tools train 'my corpus' --store a/coding.sqlite -o {shlex.quote(str(home / 'model'))}"
    assert cmds[1].startswith("corpus-tools evaluate 'my corpus' --store a/coding.sqlite -o ")


def test_accepted_examples_prefer_consensus_and_agreement(corpus: Corpus, tmp_path: Path) -> None:
    with CodingStore(tmp_path / "s.sqlite") as store:
        state = project_state(store, corpus, CODES).state
        examples, counts = accepted_examples(state, corpus, per_code=2)
        assert counts["opportunity.profitability"] == 3
        first = examples["opportunity.profitability"][0]
        assert first.coders == ("A", "B") and first.entry_id == entry_of(corpus.root, "D1", 0)
        assert examples["opportunity.profitability"][1].entry_id == entry_of(corpus.root, "D2", 1)  # then corpus order
        xss = entry_of(corpus.root, "D4", 0)
        adjudicate(store, xss, h(corpus, xss), ["opportunity.profitability"], "lead", CODES)
        examples, _ = accepted_examples(project_state(store, corpus, CODES).state, corpus, per_code=2)
        top = examples["opportunity.profitability"][0]
        assert top.adjudicated and top.entry_id == entry_of(corpus.root, "D4", 0) and XSS in top.text
        assert "none" not in examples


def test_review_pool_shares_probabilities_and_samples(corpus: Corpus, tmp_path: Path) -> None:
    suggester = load_suggester(None, corpus)
    with CodingStore(tmp_path / "s.sqlite") as store:
        pool = ReviewPool(store, corpus, suggester)
        assert pool.warm() == len(corpus.entries)
        a = pool.session("ann", QueueSettings(order="uncertain"))
        assert pool.session("ann", QueueSettings(order="uncertain")) is a
        assert pool.session("ben", QueueSettings()) is not a
        assert pool.session("ann", QueueSettings(order="document")) is not a  # one session per coder
        assert pool.session("ann", QueueSettings(order="uncertain")) is not a
        settings = QueueSettings(order="document", blind=True, sample=5, seed=3)
        assert pool.sample(settings) == pool.sample(settings) and len(pool.sample(settings)) == 5
        assert pool.sample(QueueSettings(blind=True, sample=5, seed=4)) != pool.sample(settings)
        ann, ben = pool.session("ann", settings), pool.session("ben", settings)
        item = ann.next_item()
        assert item is not None and ann.blind and not item.suggestions
        assert item.entry_id == pool.sample(settings)[0] == ben.next_item().entry_id  # type: ignore[union-attr]
        assert ann.progress().total == 5 and not ann.can_undo
        ann.none_applies()
        assert ann.can_undo
        assert [e.mode for e in store.events(coder="ann")] == ["blind"]


def test_queue_settings_round_trip() -> None:
    raw = {"order": ["variable"], "variable": ["ability.organization"], "stage": ["budding", "growth", ""],
           "source_type": ["media"], "doc": ["D1"], "blind": ["1"], "sample": ["20"], "seed": ["2"]}
    s = QueueSettings.from_mapping(raw)
    assert s == QueueSettings("variable", "ability.organization", ("budding", "growth"), ("media",), ("D1",), True,
                              20, 2)
    again: dict[str, list[str]] = {}
    for k, v in s.to_query():
        again.setdefault(k, []).append(v)
    assert QueueSettings.from_mapping(again) == s
    assert QueueSettings.from_mapping({"sample": "5"}).sample == 0  # samples only in blind mode
    for bad in ({"order": "sideways"}, {"blind": "1", "sample": "x"}, {"blind": "1", "sample": "-1"}):
        with pytest.raises(ReviewError):
            QueueSettings.from_mapping(bad)


def test_segments_and_chart_geometry() -> None:
    segs = segments("abcdefgh", [(1, 3, "x", "bc"), (2, 4, "y", "cd"), (6, 8, "x", "gh"), (9, 12, "z", "out")])
    assert [(s.text, s.codes) for s in segs] == [("a", ()), ("bcd", ("x", "y")), ("ef", ()), ("gh", ("x",))]
    assert "".join(s.text for s in segs) == "abcdefgh"
    chart = line_chart([25, 50, 100], {"f1": [0.2, None, 0.6], "kappa": [0.1, 0.3, float("nan")]})
    assert chart is not None and len(chart.series[0].dots) == 2 and len(chart.series[1].dots) == 2
    assert all(chart.left <= x <= chart.right and chart.top <= y <= chart.bottom for s in chart.series
               for x, y, _ in s.dots)
    assert line_chart([], {}) is None
