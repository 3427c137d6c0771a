"""Coding store: append-only log, replayed state, undo, migrations with backup, crash safety, concurrency,
stale detection and imports."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from coding_helpers import coded_corpus, synthetic_docs

from corpus_tools import schema
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.errors import InputTableError, StoreError
from corpus_tools.store import CodingStore
from corpus_tools.store.importing import import_corpus_codings, import_table
from corpus_tools.store.migrations import LATEST, migrate

P, F, ORG = "opportunity.profitability", "opportunity.feasibility", "ability.organization"


def test_record_state_and_frames(tmp_path: Path) -> None:
    with CodingStore(tmp_path / "c.sqlite") as st:
        a = st.record("D1:h1", "h1", P, "accept", "A", source="model", model_version="sm-x", score=0.9)
        b = st.record("D1:h1", "h1", F, "reject", "A")
        st.record("D1:h2", "h2", "none", "none-applies", "B", mode="blind")
        assert b > a
        dec = st.decisions()
        assert tuple(dec.columns) == schema.DECISIONS
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
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            st.conn.execute("UPDATE events SET code = 'x'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
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
from corpus_tools.review import ReviewFilters, ReviewSession
from corpus_tools.store import CodingStore
from corpus_tools.suggest.project import load_suggester

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
