"""Review: queue orders, decisions, undo and progress in the library; the terminal UI driven by scripted keys;
the train / suggest / evaluate / store commands end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.corpus.loader import Corpus
from corpus_tools.errors import ReviewError
from corpus_tools.jobs.suggest import load_suggester
from corpus_tools.review.session import ReviewFilters, ReviewSession, suggest_entry
from corpus_tools.store import CodingStore
from corpus_tools.suggest.coldstart import LexiconSuggester
from tests.support.coding import coded_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return coded_corpus(tmp_path_factory.mktemp("review") / "corpus", 6, 8, n_a=40, n_b=10)


@pytest.fixture(scope="module")
def lexicon(corpus: Corpus) -> LexiconSuggester:
    sug = load_suggester(None, corpus)
    assert isinstance(sug, LexiconSuggester)
    return sug


def _session(tmp_path: Path, corpus: Corpus, sug: LexiconSuggester | None, **kw: object) -> ReviewSession:
    return ReviewSession(CodingStore(tmp_path / "r.sqlite"), corpus, sug, kw.pop("coder", "A"),  # type: ignore[arg-type]
                         **kw)  # type: ignore[arg-type]


def test_orders(tmp_path: Path, corpus: Corpus, lexicon: LexiconSuggester) -> None:
    doc = _session(tmp_path, corpus, lexicon, order="document")
    e = corpus.entries
    assert doc._queue_ids == list(e.sort_values(["doc_id", "seq"])["entry_id"])
    unc = _session(tmp_path, corpus, lexicon, order="uncertain")
    assert sorted(unc._queue_ids) == sorted(doc._queue_ids)
    P = lexicon.proba_docs(lexicon.analyzer_.analyze_many(
        [e.set_index("entry_id").at[i, "text"] for i in unc._queue_ids]))
    key = np.abs(P - lexicon.thresholds_).min(axis=1)
    assert (np.diff(key) >= 0).all()  # most uncertain first
    var = _session(tmp_path, corpus, lexicon, order="variable",
                   filters=ReviewFilters(variable="opportunity.feasibility"))
    first = var.next_item()
    assert first is not None and "opportunity.feasibility" in [s.code for s in first.suggestions]
    only = _session(tmp_path, corpus, lexicon, order="document", filters=ReviewFilters(doc_ids=("D01",), limit=3))
    assert len(only._queue_ids) == 3 and all(i.startswith("D01:") for i in only._queue_ids)
    with pytest.raises(ReviewError):
        _session(tmp_path, corpus, lexicon, order="random")
    with pytest.raises(ReviewError):
        _session(tmp_path, corpus, lexicon, coder=" ")


def _item_with(session: ReviewSession, n: int):
    item = session.next_item()
    while item is not None and len(item.suggestions) < n:
        session.skip()
        item = session.next_item()
    assert item is not None
    return item


def test_decide_undo_progress(tmp_path: Path, corpus: Corpus, lexicon: LexiconSuggester) -> None:
    s = _session(tmp_path, corpus, lexicon, order="document")
    item = _item_with(s, 1)
    assert item.pending and not item.complete and item.explanation is not None
    first = item.pending[0]
    s.accept()
    assert first in item.coding.applied
    while item.pending:
        s.reject()
    assert item.complete
    before = s.progress()
    assert before.decisions >= 1 and before.done >= 1
    # reject everything on the next passage with suggestions: "none" is recorded automatically
    item2 = _item_with(s, 1)
    while item2.pending:
        s.reject()
    assert set(item2.coding.applied) == {"none"}
    # one undo reverts the reject and the automatic none-applies together, and reopens that passage
    reopened = s.undo()
    assert reopened.entry_id == item2.entry_id and reopened.pending and not reopened.coding.coded
    s.add("activity.high_ambition")
    assert "activity.high_ambition" in s.current.coding.applied  # type: ignore[union-attr]
    with pytest.raises(ReviewError):
        s.add("no.such_code")
    state = s.store.state(corpus)
    assert set(state["mode"]) == {"assisted"}
    dec = s.store.decisions()
    assert set(dec.loc[dec["code"] == first, "source"]) == {"lexicon"}
    assert dec.loc[dec["code"] == first, "model_version"].iloc[0].startswith("lexicon:")
    # a new session for the same coder skips what is already coded
    s2 = ReviewSession(s.store, corpus, lexicon, "A", "document")
    assert item.entry_id not in s2._queue_ids and s2.progress().total < before.total
    with pytest.raises(ReviewError):
        ReviewSession(s.store, corpus, lexicon, "B", "document").undo()  # nothing to undo in a new session


def test_blind_hides_suggestions(tmp_path: Path, corpus: Corpus, lexicon: LexiconSuggester) -> None:
    s = _session(tmp_path, corpus, lexicon, order="document", blind=True)
    item = s.next_item()
    assert item is not None and item.suggestions == [] and item.explanation is None and item.scores == {}
    s.add("opportunity.profitability")
    s.none_applies()
    assert set(s.store.state()["mode"]) == {"blind"}
    assert set(s.store.decisions()["source"]) == {"manual"}


def test_skip_returns_later(tmp_path: Path, corpus: Corpus) -> None:
    s = _session(tmp_path, corpus, None, order="document", filters=ReviewFilters(limit=3))
    a = s.next_item()
    assert a is not None and a.suggestions == []
    s.skip()
    seen = []
    while (it := s.next_item()) is not None:
        seen.append(it.entry_id)
        s.none_applies()
    assert seen[-1] == a.entry_id and len(seen) == 3
    assert s.progress().remaining == 0


def test_single_entry_latency_path(corpus: Corpus, lexicon: LexiconSuggester) -> None:
    P, exp = suggest_entry(lexicon, "网上销售利润很高。")
    assert P.shape == (9,) and exp.evidence and exp.evidence[0].code == "opportunity.profitability"


def _review(store: Path, corpus: Corpus, keys: str, *extra: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["review", str(corpus.root), "--store", str(store), "--coder", "T",
                                    "--order", "document", *extra], input=keys)
    return res.exit_code, res.output


def test_terminal_review_with_scripted_keys(tmp_path: Path, corpus: Corpus) -> None:
    store = tmp_path / "cli.sqlite"
    # n: none applies; +3: add the 3rd code; Enter: next; s: skip; x: unknown key; u: undo; ?: help; q: quit
    code, out = _review(store, corpus, "n+3\rsx?nuq")
    assert code == 0, out
    assert "Suggested:" in out or "No code suggested." in out
    assert "press ? for help" in out and "undo your last decision" in out and "everything is saved" in out
    with CodingStore(store) as st:
        dec = st.decisions()
        state = st.state(corpus)
    first, second = corpus.entries.sort_values(["doc_id", "seq"])["entry_id"].iloc[:2]
    assert set(state.loc[state["entry_id"] == first, "code"]) == {"none"}
    assert set(state.loc[state["entry_id"] == second, "code"]) == {"ability.identification"}
    assert dec["note"].str.startswith("undo of event").any()  # the undo is an event in the log
    assert set(state["coder"]) == {"T"} and len(state["entry_id"].unique()) == 2


def test_terminal_review_accept_reject_and_blind(tmp_path: Path, corpus: Corpus) -> None:
    store = tmp_path / "cli2.sqlite"
    code, out = _review(store, corpus, "ar" * 10 + "q", "--order", "uncertain")
    assert code == 0, out
    with CodingStore(store) as st:
        dec = st.decisions()
    assert {"accept", "reject"} & set(dec["decision"]) and set(dec["mode"]) == {"assisted"}
    code, out = _review(store, corpus, "nnq", "--blind", "--coder", "U")
    assert code == 0 and "Suggestions hidden" in out
    with CodingStore(store) as st:
        assert set(st.decisions().query("coder == 'U'")["mode"]) == {"blind"}
    code, out = _review(store, corpus, "q", "--order", "sideways")
    assert code != 0


def test_train_suggest_evaluate_commands(tmp_path: Path, corpus: Corpus) -> None:
    r = CliRunner()
    store = tmp_path / "s.sqlite"
    res = r.invoke(main, ["store", "import", str(corpus.root), "--store", str(store)])
    assert res.exit_code == 0 and "imported" in res.output, res.output
    res = r.invoke(main, ["store", "import", str(corpus.root), "--store", str(store)])
    assert res.exit_code == 0 and "imported before" in res.output
    model = tmp_path / "model"
    res = r.invoke(main, ["train", str(corpus.root), "--store", str(store), "-o", str(model), "--seed", "2"])
    assert res.exit_code == 0 and (model / "model.json").is_file(), res.output
    assert f"coding store: {store.resolve()} (given with --store)" in res.output
    out = tmp_path / "sugg.csv"
    res = r.invoke(main, ["suggest", str(corpus.root), "--model", str(model), "-o", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, keep_default_na=False)
    assert len(frame) == len(corpus.entries) and frame["id"].is_unique
    table = tmp_path / "texts.jsonl"
    pd.DataFrame({"doc": ["x", "y"], "body": ["快递物流很方便。", "nothing"]}).to_json(table, orient="records",
                                                                                lines=True, force_ascii=False)
    out2 = tmp_path / "sugg2.xlsx"
    res = r.invoke(main, ["suggest", str(table), "--text-col", "body", "--id-col", "doc", "-o", str(out2)])
    assert res.exit_code == 0, res.output
    assert list(pd.read_excel(out2)["id"]) == ["x", "y"]
    res = r.invoke(main, ["evaluate", str(corpus.root), "--store", str(store), "-o", str(tmp_path / "ev"),
                          "--folds", "3", "--no-curve"])
    assert res.exit_code == 0 and "macro" in res.output, res.output
    assert (tmp_path / "ev" / "evaluation.csv").is_file()
    res = r.invoke(main, ["store", "stale", str(corpus.root), "--store", str(store)])
    assert res.exit_code == 0 and "0 stale" in res.output
    res = r.invoke(main, ["store", "log", "--store", str(store), "-n", "3", "-o", str(tmp_path / "log.csv")])
    assert res.exit_code == 0 and "events" in res.output and (tmp_path / "log.csv").is_file()
    res = r.invoke(main, ["train", str(corpus.root), "--store", str(tmp_path / "nope.sqlite"), "-o", str(model)])
    assert res.exit_code == 1 and "does not exist" in res.output
    res = r.invoke(main, ["suggest", str(corpus.root), "--model", str(corpus.root), "-o", str(out)])
    assert res.exit_code == 1 and "not a saved suggestion model" in res.output


def test_include_coded_revisits_once(tmp_path: Path, corpus: Corpus) -> None:
    s = _session(tmp_path, corpus, None, order="document", filters=ReviewFilters(limit=2))
    first = s.next_item()
    assert first is not None
    s.none_applies()
    again = ReviewSession(s.store, corpus, None, "A", "document", ReviewFilters(limit=2, include_coded=True))
    shown = again.next_item()
    assert shown is not None and shown.entry_id == first.entry_id and shown.complete
    nxt = again.next_item()
    assert nxt is not None and nxt.entry_id != first.entry_id


def test_filters_matching_nothing_give_an_empty_queue_not_a_crash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A filter that matches no entry (e.g. an unknown document) yields an empty queue."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.review.session import ReviewFilters, ReviewSession
    from corpus_tools.store import CodingStore

    corpus = load_corpus(default_corpus())
    with CodingStore(tmp_path / "s.sqlite") as store:
        s = ReviewSession(store, corpus, None, "c1", order="document", filters=ReviewFilters(doc_ids=("NOPE",)))
        assert s.next_item() is None and s.progress().total == 0


def test_variable_filter_keeps_only_passages_suggesting_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Filtering by a variable keeps exactly the passages where the suggester proposes it."""
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.io.resources import default_corpus
    from corpus_tools.jobs.suggest import load_suggester
    from corpus_tools.review.session import ReviewFilters, ReviewSession
    from corpus_tools.store import CodingStore

    corpus = load_corpus(default_corpus())
    suggester = load_suggester(None, corpus)  # cold start: lexicon suggestions
    var = "opportunity.feasibility"
    with CodingStore(tmp_path / "s.sqlite") as store:
        everything = ReviewSession(store, corpus, suggester, "c1", order="document",
                                   filters=ReviewFilters(stages=("budding",)))
        only = ReviewSession(store, corpus, suggester, "c1", order="document",
                             filters=ReviewFilters(stages=("budding",), variable=var))
        assert 0 < only.progress().total < everything.progress().total
        item = only.next_item()
        assert item is not None and var in [s.code for s in item.suggestions]


def test_rejecting_the_last_suggestion_is_one_transaction(tmp_path: Path, corpus: Corpus, lexicon: LexiconSuggester,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    s = _session(tmp_path, corpus, lexicon, order="document")
    item = _item_with(s, 1)
    while len(item.pending) > 1:
        s.reject()
    begins: list[str] = []
    s.store.conn.set_trace_callback(lambda sql: begins.append(sql) if sql.upper().startswith("BEGIN") else None)
    ids = s.reject()  # the last one: reject + none-applies
    assert len(ids) == 2 and len(begins) == 1
    dec = s.store.decisions().set_index("event_id")
    assert list(dec.loc[ids, "decision"]) == ["reject", "none-applies"]
    assert dec.loc[ids[1], "note"] == "all suggestions rejected" and set(item.coding.applied) == {"none"}
    s.store.conn.set_trace_callback(None)
    # a failure while writing the second event leaves neither event, and the passage as it was
    item2 = _item_with(s, 1)
    while len(item2.pending) > 1:
        s.reject()
    n, verdicts = s.store.count(), dict(item2.coding.verdicts)
    real = CodingStore._insert

    def fail_on_none(self: CodingStore, conn: object, row: dict[str, object]) -> int:
        if row["decision"] == "none-applies":
            raise RuntimeError("killed between the two events")
        return real(self, conn, row)  # type: ignore[arg-type]

    monkeypatch.setattr(CodingStore, "_insert", fail_on_none)
    with pytest.raises(RuntimeError):
        s.reject()
    assert s.store.count() == n and item2.coding.verdicts == verdicts and item2.pending


TWELVE = """name: twelve
version: "1"
title: Twelve variables
languages: [zh]
constructs:
{constructs}
"""


def _twelve_lexicon(folder: Path) -> Path:
    """A codebook with 12 variables (3 constructs x 4), each with one distinct term."""
    blocks = []
    for c in range(3):
        lines = [f"  c{c}:", f"    label: {{en: Construct {c}}}", "    definition: test", "    variables:"]
        for v in range(4):
            lines += [f"      v{v}:", f"        label: {{en: Variable {c}.{v}}}", "        definition: test",
                      f"        terms: {{zh: [词语{c}{v}]}}"]
        blocks.append("\n".join(lines))
    path = folder / "twelve.yaml"
    path.write_text(TWELVE.format(constructs="\n".join(blocks)), encoding="utf-8")
    return path


def test_terminal_add_reaches_every_code_of_a_twelve_variable_codebook(make_corpus, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                        corpus: Corpus) -> None:
    from corpus_tools.lexicon.formats import load_lexicon

    docs = [{"doc_id": "D1", "text": "\n\n".join(f"第{i}段，没有词。" for i in range(6))}]
    root = make_corpus(docs, lexicons='["twelve.yaml"]')
    codes = load_lexicon(_twelve_lexicon(root)).variable_ids
    assert len(codes) == 12
    store = tmp_path / "twelve.sqlite"
    # +12 Enter: code 12; +1 0 Enter: code 10; +2 Enter: code 2 (no code is reached by a prefix alone);
    # + 1 3 Backspace 1 Enter: code 11; + Esc: cancelled; + 9 9 Enter: no such code; Enter: next passage
    keys = "+12\r" + "+10\r" + "+2\r" + "+13\x7f1\r" + "+\x1b" + "+99\r" + "\r" + "q"
    res = CliRunner().invoke(main, ["review", str(root), "--store", str(store), "--coder", "T", "--order", "document"],
                             input=keys)
    assert res.exit_code == 0, res.output
    assert "type its number, then Enter" in res.output and "12:c2.v3" in res.output
    assert "no code 99: choose 1-12" in res.output
    with CodingStore(store) as st:
        dec = st.decisions()
    assert list(dec["code"]) == [codes[11], codes[9], codes[1], codes[10]]
    assert set(dec["decision"]) == {"add"} and dec["entry_id"].nunique() == 1
    # with nine codes or fewer, one key still picks the code at once
    code, out = _review(tmp_path / "nine.sqlite", corpus, "+9\rq")
    assert code == 0 and "press its number" in out
    with CodingStore(tmp_path / "nine.sqlite") as st:
        assert list(st.decisions()["code"]) == [load_suggester(None, corpus).codes_[8]]


def test_train_and_evaluate_say_which_store_they_used(tmp_path: Path, corpus: Corpus,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default store is analysis/coding.sqlite under the working directory
    r = CliRunner()
    res = r.invoke(main, ["train", str(corpus.root), "-o", "m1"])
    assert res.exit_code == 0, res.output
    assert "coding store: none used (no analysis/coding.sqlite under" in res.output and str(tmp_path) in res.output
    e = corpus.entries.iloc[-1]
    with CodingStore(tmp_path / "analysis" / "coding.sqlite") as st:
        st.record(e["entry_id"], e["text_hash"], "opportunity.feasibility", "add", "Z", mode="blind")
    res = r.invoke(main, ["evaluate", str(corpus.root), "-o", "ev", "--folds", "2", "--no-curve"])
    assert res.exit_code == 0, res.output
    default = (tmp_path / "analysis" / "coding.sqlite").resolve()
    assert f"coding store: {default} (found at the default location); its decisions are used" in res.output
