"""Coding store: append-only log, replayed state, undo, migrations with backup, crash safety, concurrency,
stale detection and imports."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.errors import InputTableError, StoreError
from corpus_tools.store import CodingStore
from corpus_tools.store.importing import import_corpus_codings, import_table
from corpus_tools.store.migrations import LATEST, migrate
from tests.support.coding import coded_corpus, synthetic_docs

P, F, ORG = "opportunity.profitability", "opportunity.feasibility", "ability.organization"


def test_record_state_and_frames(tmp_path: Path) -> None:
    with CodingStore(tmp_path / "c.sqlite") as st:
        a = st.record("D1:h1", "h1", P, "accept", "A", source="model", model_version="sm-x", score=0.9)
        b = st.record("D1:h1", "h1", F, "reject", "A")
        st.record("D1:h2", "h2", "none", "none-applies", "B", mode="blind")
        assert b > a
        dec = st.decisions()
        assert tuple(dec.columns) == (*schema.DECISIONS, *schema.DECISION_LINK)
        assert dec["undoes"].isna().all()
        assert list(dec["event_id"]) == sorted(dec["event_id"])
        assert dec["score"].iloc[0] == pytest.approx(0.9) and pd.isna(dec["score"].iloc[1])
        state = st.state()
        assert tuple(state.columns) == schema.CODING_STATE
        assert set(map(tuple, state[["entry_id", "coder", "code", "mode"]].to_numpy())) == {
            ("D1:h1", "A", P, "assisted"), ("D1:h2", "B", "none", "blind")}
        assert st.integrity_check() == "ok"


def test_log_is_append_only_and_validated(tmp_path: Path) -> None:
    with CodingStore(tmp_path / "c.sqlite") as st:
        st.record("D1:h1", "h1", P, "accept", "A")
        with pytest.raises(StoreError, match="append-only"):
            st.conn.execute("UPDATE events SET code = 'x'")
        with pytest.raises(StoreError, match="append-only"):
            st.conn.execute("DELETE FROM events")
        for bad in [{"decision": "maybe"}, {"mode": "guess"}, {"code": "none", "decision": "accept"},
                    {"code": P, "decision": "none-applies"}, {"coder": ""}]:
            kw = {"entry_id": "D1:h1", "text_hash": "h1", "code": P, "decision": "accept", "coder": "A", **bad}
            with pytest.raises(StoreError):
                st.record(kw.pop("entry_id"), kw.pop("text_hash"), kw.pop("code"), kw.pop("decision"),
                          kw.pop("coder"), **kw)
        with pytest.raises(StoreError):  # bulk import is all or nothing
            st.record_many([{"entry_id": "D2:h", "text_hash": "h", "code": P, "decision": "add", "coder": "A"},
                            {"entry_id": "D2:h", "text_hash": "h", "code": P, "decision": "bogus", "coder": "A"}])
        assert st.count() == 1


def test_undo_is_a_new_event_and_restores_state(tmp_path: Path) -> None:
    with CodingStore(tmp_path / "c.sqlite") as st:
        st.record("E", "h", P, "accept", "A")
        r = st.record("E", "h", ORG, "reject", "A")
        n = st.record("E", "h", "none", "none-applies", "A")
        assert set(st.state()["code"]) == {"none"}
        st.undo([n], "A")
        assert set(st.state()["code"]) == {P}
        st.undo([r], "A")
        coding = st.codings()[("E", "A")]
        assert ORG not in coding.verdicts and set(coding.applied) == {P}
        assert st.count() >= 5  # nothing deleted: the undone events stay in the log
        links = st.decisions().dropna(subset=["undoes"])
        assert set(links["undoes"]) == {n, r}  # the exported log keeps every undo link
        assert links["note"].str.startswith("undo of event").all()
        with pytest.raises(StoreError):
            st.undo([n], "A")  # already undone
        with pytest.raises(StoreError):
            st.undo([1], "B")  # another coder's decision
        # a naive replay that ignores the undo links reaches the same applied codes
        from corpus_tools.store.log import EntryCoding, apply_event

        naive = EntryCoding()
        for e in st.events(coder="A"):
            apply_event(naive, e.decision, e.code, e.mode)
        assert set(naive.applied) == set(coding.applied)


def test_migration_makes_a_backup_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, target=1)
    conn.execute("INSERT INTO coders VALUES ('A', 't')")
    conn.execute("INSERT INTO events (entry_id, text_hash, code, decision, coder, timestamp, source, mode) "
                 "VALUES ('E', 'h', ?, 'accept', 'A', 't', 'manual', 'assisted')", (P,))
    conn.close()
    with CodingStore(path) as st:
        assert st.version == LATEST
        assert st.backup_path is not None and st.backup_path.is_file()
        assert st.count() == 1
    old = sqlite3.connect(st.backup_path)
    assert old.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
    assert old.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    old.close()
    with CodingStore(path) as st:  # already current: no second backup
        assert st.backup_path is None


def test_refuses_newer_or_foreign_files(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    CodingStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future')")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        CodingStore(path)
    other = tmp_path / "other.sqlite"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="not a corpus-tools"):
        CodingStore(other)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError):
        CodingStore(junk)


def test_pragmas(tmp_path: Path) -> None:
    with CodingStore(tmp_path / "c.sqlite") as st:
        assert st.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert st.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert st.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert st.conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


REVIEWER = """
import sys
from pathlib import Path
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.review.session import ReviewFilters, ReviewSession
from corpus_tools.store import CodingStore
from corpus_tools.jobs.suggest import load_suggester

corpus = load_corpus(sys.argv[1])
store = CodingStore(Path(sys.argv[2]))
suggester = load_suggester(None, corpus)
rounds = n = 0
while True:
    session = ReviewSession(store, corpus, suggester, "K", "document", ReviewFilters(include_coded=rounds > 0))
    item = session.next_item()
    while item is not None:
        n += 1
        if not item.pending:
            ids = session.none_applies()
        else:
            ids = session.accept() if n % 2 else session.reject()
        print(" ".join(map(str, ids)), flush=True)  # printed only after the store committed them
        item = session.current if session.current and not session.current.complete else session.next_item()
    rounds += 1
"""


def test_sigkill_mid_review_loses_nothing_committed(make_corpus, tmp_path: Path) -> None:
    root = make_corpus(synthetic_docs(6, 8))
    store_path = tmp_path / "kill.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", REVIEWER, str(root), str(store_path)],
                            stdout=subprocess.PIPE, text=True)
    committed: list[int] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(committed) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed.extend(int(x) for x in line.split())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert len(committed) >= 40
    with CodingStore(store_path) as st:
        assert st.integrity_check() == "ok"
        ids = set(st.decisions()["event_id"])
        assert set(committed) <= ids
        assert len(ids) >= len(committed)  # at most the decision being written is lost, never an earlier one


WRITER = """
import sys, time
from pathlib import Path
from corpus_tools.store import CodingStore
path, coder, go, n = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
st = CodingStore(path)
Path(str(go) + "." + coder).touch()  # ready
while not go.exists():
    time.sleep(0.005)
ids = [st.record(f"D1:e{i}", "h", "opportunity.feasibility", "accept" if i % 2 else "reject", coder) for i in range(n)]
print(" ".join(map(str, ids)))
"""


def test_two_processes_recording_at_once_lose_nothing(tmp_path: Path) -> None:
    path, go, n = tmp_path / "two.sqlite", tmp_path / "go", 150
    CodingStore(path).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), coder, str(go), str(n)],
                              stdout=subprocess.PIPE, text=True) for coder in ("A", "B")]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{c}").exists() for c in ("A", "B")) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both have the store open: they now write at the same time
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    ids = [int(x) for out in outs for x in out.split()]
    with CodingStore(path) as st:
        dec = st.decisions()
        assert len(dec) == 2 * n == len(set(ids))
        assert set(ids) == set(dec["event_id"])
        assert (dec.groupby("coder").size() == n).all()
        assert st.integrity_check() == "ok"


def test_stale_decisions_are_reported_not_reattached(make_corpus, tmp_path: Path) -> None:
    docs = [{"doc_id": "D1", "text": "第一段，利润很高。\n\n第二段，物流方便。"}]
    root = make_corpus(docs)
    corpus = load_corpus(root)
    e = corpus.entries
    with CodingStore(tmp_path / "s.sqlite") as st:
        for eid, h in zip(e["entry_id"], e["text_hash"], strict=True):
            st.record(eid, h, P, "add", "A")
        st.record(e["entry_id"].iloc[0], "0000000000", F, "add", "B")  # coded against another text version
        assert len(st.stale(corpus)) == 1 and st.stale(corpus)["reason"].iloc[0] == "text-changed"
        (root / "texts" / "D1.txt").write_text("第一段，利润很高。\n\n第二段改了，快递方便。", encoding="utf-8")
        changed = load_corpus(root)
        stale = st.stale(changed)
        assert tuple(stale.columns) == schema.STALE_DECISIONS
        assert set(stale["reason"]) == {"entry-missing", "text-changed"}
        assert e["entry_id"].iloc[1] in set(stale["entry_id"])
        state = st.state(changed)
        assert set(state["entry_id"]) == {e["entry_id"].iloc[0]}  # the changed passage's codes are not moved
        assert set(state["doc_id"]) == {"D1"} and set(state["coder"]) == {"A"}


def test_import_corpus_codings_once(make_corpus, tmp_path: Path) -> None:
    corpus = coded_corpus(make_corpus, 4, 6, n_a=20, n_b=5)
    with CodingStore(tmp_path / "i.sqlite") as st:
        res = import_corpus_codings(st, corpus, None)
        assert res.entries == 20 and set(res.coders) == {"A", "B"} and not res.problems
        state = st.state(corpus)
        assert set(state["mode"]) == {"imported"}
        assert state.groupby("coder")["entry_id"].nunique().to_dict() == {"A": 20, "B": 5}
        again = import_corpus_codings(st, corpus, None)
        assert again.skipped_file and st.count() == res.events


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_table(make_corpus, tmp_path: Path, suffix: str) -> None:
    corpus = load_corpus(make_corpus([{"doc_id": "D1", "text": "利润很高。\n\n物流方便。"}]))
    e = corpus.entries
    table = pd.DataFrame({
        "id": [e["entry_id"].iloc[0], "ext-1", "ext-2", "ext-3", e["entry_id"].iloc[1]],
        "text": ["", "外部段落，赚钱。", "另一个外部段落。", "", "被改过的文字"],
        "codes": [P, f"{P};{F}", "none", P, F],
    })
    path = tmp_path / f"codes{suffix}"
    table.to_csv(path, index=False) if suffix == ".csv" else table.to_excel(path, index=False)
    with CodingStore(tmp_path / "t.sqlite") as st:
        res = import_table(st, path, coder="C", known_codes=[P, F], corpus=corpus)
        assert res.entries == 3
        assert len(res.problems) == 2  # ext-3 without text, last row's text differs from the corpus
        state = st.state(corpus)
        assert set(state["entry_id"]) == {e["entry_id"].iloc[0], "ext-1", "ext-2"}
        assert st.stale(corpus).empty  # external passages carry their own text
        assert set(st.passages()["entry_id"]) == {"ext-1", "ext-2"}
        with pytest.raises(StoreError):
            import_table(st, path, known_codes=[P, F], corpus=corpus, force=True)  # no coder column or --coder
    with pytest.raises(InputTableError):
        import_table(CodingStore(tmp_path / "u.sqlite"), path, coder="C", codes_col="nope")


def test_concurrent_readers_see_committed_decisions(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    with CodingStore(path) as writer, CodingStore(path) as reader:
        writer.record("E", "h", P, "add", "A")
        assert reader.count() == 1


PAIR_REVIEWER = """
import json, sys, time
from pathlib import Path
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.review.session import ReviewSession
from corpus_tools.store import CodingStore
from corpus_tools.jobs.suggest import load_suggester

root, path, coder, go, limit = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), int(sys.argv[5])
corpus = load_corpus(root)
store = CodingStore(path)
session = ReviewSession(store, corpus, load_suggester(None, corpus), coder, "document")
Path(str(go) + "." + coder).touch()  # ready
while not go.exists():
    time.sleep(0.005)
expected = {}  # entry -> codes that apply, tracked from this coder's own actions (not read from the store)
history = []  # (entry, expected codes before) per undoable action
step = 0
item = session.next_item()
while item is not None and step < limit:
    step += 1
    eid = item.entry_id
    before = set(expected.get(eid, set()))
    now = set(before)
    if step % 7 == 0 and session.can_undo:
        mine = {e.event_id for e in store.events(coder=coder)}
        session.undo()
        ids = sorted({e.event_id for e in store.events(coder=coder)} - mine)
        undone_entry, restored = history.pop()
        expected[undone_entry] = restored
        print(json.dumps({"undo": undone_entry, "ids": ids}), flush=True)
    else:
        if item.pending and step % 3 != 0:
            code = item.pending[0]
            if step % 2:
                ids = session.accept()
                now.discard("none")
                now.add(code)
            else:
                ids = session.reject()
                now.discard(code)
                if not now and not item.pending:
                    now = {"none"}  # rejecting the last suggestion records "no code applies"
        else:
            code = next(c for k, c in enumerate(session.codes * 2) if k >= step % 9 and c not in now)
            ids = session.add(code)
            now.discard("none")
            now.add(code)
        history.append((eid, before))
        expected[eid] = now
        print(json.dumps({"entry": eid, "ids": ids}), flush=True)  # printed after the store committed them
    item = session.current if session.current and not session.current.complete else session.next_item()
print(json.dumps({"expected": {e: sorted(c) for e, c in expected.items() if c}}), flush=True)
"""


def test_two_review_sessions_in_two_processes_lose_nothing(make_corpus, tmp_path: Path) -> None:
    """Two coders review the same passages at the same time, each in their own process and ReviewSession
    (accept, reject, add, undo): every event either reports is in the log, and each coder's replayed coding
    is exactly what their own actions produced."""
    from corpus_tools.store.log import replay

    root = make_corpus(synthetic_docs(5, 8))
    path, go, limit = tmp_path / "pair.sqlite", tmp_path / "go", 60
    CodingStore(path).close()
    procs = {coder: subprocess.Popen([sys.executable, "-c", PAIR_REVIEWER, str(root), str(path), coder, str(go),
                                      str(limit)], stdout=subprocess.PIPE, text=True) for coder in ("A", "B")}
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{c}").exists() for c in procs) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both sessions are open: they now decide at the same time
    outs = {c: p.communicate(timeout=120)[0] for c, p in procs.items()}
    assert all(p.returncode == 0 for p in procs.values()), outs
    reported: dict[str, list[int]] = {}
    expected: dict[str, dict[str, list[str]]] = {}
    for coder, out in outs.items():
        records = [json.loads(line) for line in out.splitlines()]
        reported[coder] = [i for r in records for i in r.get("ids", [])]
        expected[coder] = records[-1]["expected"]
        assert any("undo" in r for r in records) and len(records) > 30  # undos and many decisions happened
        assert sum(1 for r in records if "entry" in r) + sum(1 for r in records if "undo" in r) == limit
    with CodingStore(path) as st:
        assert st.integrity_check() == "ok"
        dec = st.decisions()
        all_ids = reported["A"] + reported["B"]
        assert len(all_ids) == len(set(all_ids)) == len(dec)  # no id reported twice, no event unreported
        assert set(all_ids) == set(dec["event_id"])
        assert {"accept", "reject", "add", "none-applies"} <= set(dec["decision"])
        assert dec["undoes"].notna().any()
        for coder in ("A", "B"):
            mine = dec[dec["coder"] == coder]
            assert set(mine["event_id"]) == set(reported[coder])  # each process wrote only its own coder
            state = replay(st.events(coder=coder))
            got = {eid: sorted(c.applied) for (eid, _c), c in state.items() if c.applied}
            assert got == expected[coder]


def _begins(st: CodingStore) -> list[str]:
    """Record the transactions the store's connection opens from now on."""
    seen: list[str] = []
    st.conn.set_trace_callback(lambda sql: seen.append(sql) if sql.strip().upper().startswith("BEGIN") else None)
    return seen


def test_imports_write_rows_and_import_record_in_one_transaction(make_corpus, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = coded_corpus(make_corpus, 3, 5, n_a=10, n_b=4)
    table = tmp_path / "t.csv"
    pd.DataFrame({"id": ["x1", "x2"], "text": ["外部段落，赚钱。", "另一个外部段落。"], "codes": [P, "none"]}).to_csv(
        table, index=False)
    with CodingStore(tmp_path / "one.sqlite") as st:
        begins = _begins(st)
        res = import_corpus_codings(st, corpus, None)
        assert len(begins) == 1 and res.events > 0  # rows and the import record: one transaction
        import_table(st, table, coder="C", known_codes=[P])
        assert len(begins) == 2
    # a crash between the rows and the import record can no longer leave rows without their record
    with CodingStore(tmp_path / "crash.sqlite") as st:
        def boom(*_args: object) -> None:
            raise RuntimeError("killed while writing the import record")

        monkeypatch.setattr(CodingStore, "_insert_import", staticmethod(boom))
        with pytest.raises(RuntimeError):
            import_corpus_codings(st, corpus, None)
        assert st.count() == 0 and st.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
        monkeypatch.undo()
        res = import_corpus_codings(st, corpus, None)  # nothing half-done blocks a clean retry
        assert not res.skipped_file and st.count() == res.events > 0
        assert import_corpus_codings(st, corpus, None).skipped_file
        (sha,) = st.conn.execute("SELECT sha1 FROM imports").fetchone()
        assert st.import_decisions([], "same bytes", sha, "A") is None  # re-checked under the write lock
        assert st.import_decisions([], "same bytes", sha, "A", force=True) == 0


def test_a_passage_id_imported_again_with_new_text_makes_old_decisions_stale(make_corpus, tmp_path: Path) -> None:
    """The only way to keep an id while its text changes: a table passage imported again under the same id.
    The latest import's text is current; decisions on the earlier text are text-changed, and are not replayed
    into the current coding (nor trained on)."""
    from corpus_tools.suggest.training import collect

    corpus = load_corpus(make_corpus([{"doc_id": "D1", "text": "利润很高。"}]))
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    pd.DataFrame({"id": ["x1"], "text": ["外部段落，赚钱。"], "codes": [P]}).to_csv(first, index=False)
    pd.DataFrame({"id": ["x1"], "text": ["外部段落改过了，物流。"], "codes": [F]}).to_csv(second, index=False)
    with CodingStore(tmp_path / "v.sqlite") as st:
        import_table(st, first, coder="C", known_codes=[P, F], corpus=corpus)
        import_table(st, second, coder="C", known_codes=[P, F], corpus=corpus)
        stale = st.stale(corpus)
        assert list(stale["reason"]) == ["text-changed"] and list(stale["code"]) == [P]
        assert set(st.state(corpus)["code"]) == {F}  # the old text's code is not carried over
        import_table(st, first, coder="C", known_codes=[P, F], corpus=corpus, force=True)  # v1 is current again
        assert set(st.stale(corpus)["code"]) == {F} and set(st.state(corpus)["code"]) == {P}
        data = collect(corpus, st, [P, F], use_codings_file=False)
        assert data.texts == ["外部段落，赚钱。"] and data.Y.tolist() == [[1, 0]]
