"""Span codings and memos in the store: exact document offsets, every bad span refused with a clear message and
nothing stored, the overlap rule, removal as a new row, stale pages refused, memo versions, append-only tables,
the migration from a v3 store and `store check` over the new tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.errors import CodingError, ConflictError, StoreError
from corpus_tools.store import CodingStore, check_store
from corpus_tools.store.memos import current_memos, memo_history, memo_version, memos_frame, write_memo
from corpus_tools.store.migrations import LATEST, migrate
from corpus_tools.store.spans import (
    code_span,
    current_spans,
    item_state,
    live_spans,
    remove_span,
    span_id,
    spans_frame,
)
from tests.support.spans import build_span_corpus, offsets, text_of

P, F, L = "opportunity.profitability", "opportunity.feasibility", "motivation.living_demands"
CODES = {P, F, L, "activity.low_ambition"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return load_corpus(build_span_corpus(tmp_path_factory.mktemp("spans") / "corpus"))


def _n_rows(store: CodingStore, table: str) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_span_is_stored_with_exact_document_offsets_and_its_quote(corpus: Corpus, tmp_path: Path) -> None:
    start, end = offsets("Z1", "利润不错")
    assert start > 1 and text_of("Z1")[0] == "😀"  # an astral character before the span: code points count
    with CodingStore(tmp_path / "c.sqlite") as st:
        span = code_span(st, corpus, "Z1", start, end, P, "ann", codes=CODES, quote="利润不错", note="clear case")
    with CodingStore(tmp_path / "c.sqlite") as st:  # read back from the file
        [back] = live_spans(st)
        assert st.version == LATEST
    entry = corpus.entries[(corpus.entries["doc_id"] == "Z1") & (corpus.entries["seq"] == 0)].iloc[0]
    assert back == span
    assert (back.doc_id, back.entry_id, back.start, back.end, back.code, back.coder, back.quote, back.note) == (
        "Z1", entry["entry_id"], start, end, P, "ann", "利润不错", "clear case")
    assert back.text_hash == entry["text_hash"] and back.timestamp.endswith("+00:00")
    assert back.span_id == span_id("Z1", start, end, P, "ann")
    frame = spans_frame([back])
    assert frame.loc[0, "quote"] == corpus.docs.set_index("doc_id").at["Z1", "text"][start:end]


@pytest.mark.parametrize(("doc", "make", "message"), [
    ("Z1", lambda: (offsets("Z1", "很多人赚钱了。")[0], offsets("Z1", "快递公司")[1]), "crosses 2 entries"),
    ("Z1", lambda: (10, 10), "empty or reversed"),
    ("Z1", lambda: (12, 5), "empty or reversed"),
    ("Z1", lambda: (-1, 3), "lies outside document Z1"),
    ("Z1", lambda: (5, len(text_of("Z1")) + 1), "lies outside document Z1"),
    ("Z1", lambda: (offsets("Z1", "赚钱了。")[0], offsets("Z1", "赚钱了。")[1] + 1), "reaches beyond entry"),
    ("E1", lambda: offsets("E1", "A: We"), "reaches beyond entry"),  # the speaker label is not entry text
    ("E1", lambda: (offsets("E1", "start?")[1], offsets("E1", "start?")[1] + 2), "outside every entry"),
    ("Z9", lambda: (0, 2), "not in the corpus"),
])
def test_bad_spans_are_refused_and_nothing_is_stored(corpus: Corpus, tmp_path: Path, doc: str, make: object,
                                                     message: str) -> None:
    start, end = make()  # type: ignore[operator]
    with CodingStore(tmp_path / "c.sqlite") as st:
        with pytest.raises(CodingError, match=message) as info:
            code_span(st, corpus, doc, start, end, P, "ann", codes=CODES)
        assert "nothing was stored" in str(info.value)
        assert _n_rows(st, "spans") == 0 and st.coders() == []


def test_quote_code_and_coder_are_checked(corpus: Corpus, tmp_path: Path) -> None:
    start, end = offsets("E1", "own savings")
    with CodingStore(tmp_path / "c.sqlite") as st:
        with pytest.raises(CodingError, match="is not the text at"):
            code_span(st, corpus, "E1", start, end, P, "ann", codes=CODES, quote="own saving!")
        with pytest.raises(CodingError, match=r"did you mean 'opportunity\.profitability'"):
            code_span(st, corpus, "E1", start, end, "opportunity.profitabilty", "ann", codes=CODES)
        with pytest.raises(CodingError, match="not with 'none'"):
            code_span(st, corpus, "E1", start, end, "none", "ann", codes=CODES)
        with pytest.raises(CodingError, match="machine coder"):
            code_span(st, corpus, "E1", start, end, P, "model:v1", codes=CODES)
        with pytest.raises(CodingError, match="more than 2000; nothing was stored"):
            code_span(st, corpus, "E1", start, end, P, "ann", codes=CODES, note="x" * 2001)
        assert _n_rows(st, "spans") == 0


def test_overlap_rule_same_code_same_coder_only(corpus: Corpus, tmp_path: Path) -> None:
    a = offsets("E1", "our own savings")
    b = offsets("E1", "savings and some profits")
    with CodingStore(tmp_path / "c.sqlite") as st:
        first = code_span(st, corpus, "E1", *a, L, "ann", codes=CODES)
        with pytest.raises(CodingError, match="overlapping span") as info:
            code_span(st, corpus, "E1", *b, L, "ann", codes=CODES)
        assert "our own savings" in str(info.value)
        with pytest.raises(CodingError, match="this span"):
            code_span(st, corpus, "E1", *a, L, "ann", codes=CODES)
        code_span(st, corpus, "E1", *b, P, "ann", codes=CODES)  # another code may overlap
        code_span(st, corpus, "E1", *b, L, "ben", codes=CODES)  # so may another coder
        adjacent = (a[1], a[1] + 4)  # touching, not overlapping
        code_span(st, corpus, "E1", *adjacent, L, "ann", codes=CODES)
        assert len(live_spans(st)) == 4
        with pytest.raises(CodingError, match="only its coder"):
            remove_span(st, first.span_event, "ben")
        removal = remove_span(st, first.span_event, "ann")
        assert removal > first.span_event and len(live_spans(st, coder="ann")) == 2
        with pytest.raises(CodingError, match="removed already"):
            remove_span(st, first.span_event, "ann")
        code_span(st, corpus, "E1", *a, L, "ann", codes=CODES)  # the removed span no longer blocks
        assert _n_rows(st, "spans") == 6  # nothing was rewritten: five codings and one removal


def test_a_stale_page_is_refused_and_loses_nothing(corpus: Corpus, tmp_path: Path) -> None:
    start, end = offsets("Z1", "物流方便")
    entry = corpus.entries[(corpus.entries["doc_id"] == "Z1") & (corpus.entries["seq"] == 1)].iloc[0]["entry_id"]
    with CodingStore(tmp_path / "c.sqlite") as st:
        shown = item_state(st.conn, entry)
        assert shown == "0.0"
        st.record(entry, "h", F, "accept", "ben")  # someone decides on the entry after the page was loaded
        with pytest.raises(ConflictError, match=r"after this page was loaded .*last by ben.*NOT saved"):
            code_span(st, corpus, "Z1", start, end, F, "ann", codes=CODES, expect=shown)
        assert _n_rows(st, "spans") == 0
        now_state = item_state(st.conn, entry)
        span = code_span(st, corpus, "Z1", start, end, F, "ann", codes=CODES, expect=now_state)
        with pytest.raises(ConflictError):  # the span itself changed the entry's state
            remove_span(st, span.span_event, "ann", expect=now_state)
        assert len(live_spans(st)) == 1


def test_spans_of_a_changed_text_are_stale(corpus: Corpus, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    build_span_corpus(root)
    local = load_corpus(root)
    start, end = offsets("Z1", "脱贫致富")
    with CodingStore(tmp_path / "c.sqlite") as st:
        code_span(st, local, "Z1", start, end, L, "ann", codes=CODES)
        (root / "texts" / "Z1.txt").write_text(text_of("Z1").replace("老人", "老人家"), encoding="utf-8")
        good, stale = current_spans(st, load_corpus(root))
        assert good == [] and [s.quote for s in stale] == ["脱贫致富"]
        good, stale = current_spans(st, corpus)
        assert len(good) == 1 and stale == []


def test_span_and_memo_tables_are_append_only(corpus: Corpus, tmp_path: Path) -> None:
    with CodingStore(tmp_path / "c.sqlite") as st:
        code_span(st, corpus, "Z1", *offsets("Z1", "利润"), P, "ann", codes=CODES)
        write_memo(st, "document", "Z1", "first thoughts", "ann")
        for sql in ("UPDATE spans SET code = 'x'", "DELETE FROM spans", "UPDATE memos SET text = 'x'",
                    "DELETE FROM memos"):
            with pytest.raises(StoreError, match="append-only"):
                st.conn.execute(sql)
    report = check_store(tmp_path / "c.sqlite", save=False)
    assert report.ok, report.problems
    conn = sqlite3.connect(tmp_path / "c.sqlite")
    conn.execute("DROP TRIGGER spans_append_only_delete")
    conn.commit()
    conn.close()
    report = check_store(tmp_path / "c.sqlite", save=False)
    assert any("spans_append_only_delete" in p for p in report.problems)


def test_memos_are_versioned_and_an_empty_memo_is_refused(tmp_path: Path) -> None:
    with CodingStore(tmp_path / "c.sqlite") as st:
        for blank in ("", "   \n\t "):
            with pytest.raises(CodingError, match="empty: nothing was saved"):
                write_memo(st, "document", "Z1", blank, "ann")
        with pytest.raises(CodingError, match="not in this project"):
            write_memo(st, "code", "nope.code", "text", "ann", known=sorted(CODES))
        with pytest.raises(CodingError, match="unknown memo kind"):
            write_memo(st, "entry", "Z1", "text", "ann")
        assert _n_rows(st, "memos") == 0
        m1 = write_memo(st, "document", "Z1", "  Sellers speak of profit first.\r\n", "ann", expect=0)
        assert (m1.version, m1.text) == (1, "Sellers speak of profit first.")
        same = write_memo(st, "document", "Z1", "Sellers speak of profit first.", "ann", expect=1)
        assert same.version == 1  # unchanged text: no new version
        m2 = write_memo(st, "document", "Z1", "Profit first, then logistics.", "ben", expect=1)
        with pytest.raises(ConflictError, match=r"version 2 by ben.*you edited version 1.*NOT saved"):
            write_memo(st, "document", "Z1", "my parallel edit", "ann", expect=1)
        write_memo(st, "code", P, "Use for money made, not hoped for.", "ann", known=sorted(CODES))
        assert memo_version(st, "document", "Z1") == 2 and memo_version(st, "document", "E1") == 0
        assert [m.text for m in memo_history(st, "document", "Z1")] == ["Sellers speak of profit first.",
                                                                         "Profit first, then logistics."]
        current = current_memos(st)
        assert [(m.kind, m.target, m.version, m.coder) for m in current] == [("code", P, 1, "ann"),
                                                                             ("document", "Z1", 2, "ben")]
        assert current[1] == m2 and list(memos_frame(current)["version"]) == [1, 2]
        assert current_memos(st, "document", "E1") == []


def test_a_v3_store_is_migrated_with_a_backup(corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, target=3)
    conn.close()
    with CodingStore(path) as st:
        st.record("Z1:x", "x", P, "accept", "ann")
    conn = sqlite3.connect(path, isolation_level=None)  # an older store with a decision, before issue 15
    for table in ("memo_chain", "span_chain", "memos", "spans"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM schema_version WHERE version = 4")
    conn.close()
    with CodingStore(path) as st:
        assert st.version == LATEST == 4 and st.backup_path is not None and st.count() == 1
        code_span(st, corpus, "Z1", *offsets("Z1", "利润"), P, "ann", codes=CODES)
        assert len(live_spans(st)) == 1


def test_the_store_summary_counts_spans_and_memos(corpus: Corpus, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from corpus_tools.cli import main

    with CodingStore(tmp_path / "c.sqlite") as st:
        kept = code_span(st, corpus, "Z1", *offsets("Z1", "利润"), P, "ann", codes=CODES)
        gone = code_span(st, corpus, "Z1", *offsets("Z1", "物流"), F, "ann", codes=CODES)
        remove_span(st, gone.span_event, "ann")
        write_memo(st, "document", "Z1", "one", "ann")
        write_memo(st, "document", "Z1", "two", "ann")
        info = st.summary()
    assert (info["span_codings"], info["memos"]) == (1, 1) and kept.span_event == 1
    res = CliRunner().invoke(main, ["store", "log", "--store", str(tmp_path / "c.sqlite")])
    assert res.exit_code == 0 and "1 span codings, 1 memos" in res.output, res.output


def test_store_check_finds_span_and_memo_rows_changed_or_deleted(corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with CodingStore(path) as st:
        code_span(st, corpus, "Z1", *offsets("Z1", "利润"), P, "ann", codes=CODES)
        code_span(st, corpus, "Z1", *offsets("Z1", "物流"), F, "ann", codes=CODES)
        write_memo(st, "document", "Z1", "one", "ann")
        write_memo(st, "code", P, "two", "ann")
    report = check_store(path, save=False)
    assert report.ok and report.chained_rows == {"spans": 2, "memos": 2}
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER spans_append_only_update")
    conn.execute("UPDATE spans SET quote = '亏本' WHERE span_event = 1")  # a quote rewritten behind the store's back
    conn.execute("DROP TRIGGER memos_append_only_delete")
    conn.execute("DELETE FROM memos WHERE memo_event = 2")  # the last memo removed
    conn.commit()
    conn.close()
    problems = check_store(path, save=False).problems
    assert any("span coding row 1 does not match its chain link" in p for p in problems), problems
    assert any("1 memo row(s) were deleted from the memos log" in p for p in problems), problems
    assert any("memos_append_only_delete" in p for p in problems)
