"""Store integrity (issue 18): `store check` (SQLite integrity, schema, append-only guards, hash chain,
checkpoint), the chain migration keeping existing data, and damaged or read-only stores as one clear
message (never a sqlite3 traceback) in the library and the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.errors import StoreBusyError, StoreDamagedError, StoreReadOnlyError
from corpus_tools.store import CodingStore
from corpus_tools.store.backups import last_good_path
from corpus_tools.store.integrity import check_store, checkpoint_path, require_sound
from corpus_tools.store.migrations import LATEST, migrate
from tests.support.coding import coded_corpus

P = "opportunity.profitability"


def _filled(path: Path, n: int = 40, note: str = "") -> Path:
    with CodingStore(path) as st:
        st.record_many({"entry_id": f"E{i % 7}", "text_hash": "h", "code": P, "decision": "accept" if i % 2
                        else "reject", "coder": f"C{i % 3}", "note": note or f"n{i}"} for i in range(n))
    return path


def _tamper(path: Path, *statements: str) -> None:
    """What someone with a SQLite shell could do: drop the guards, then change the log."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    for t in ("events_append_only_update", "events_append_only_delete", "event_chain_append_only_update",
              "event_chain_append_only_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {t}")
    for s in statements:
        conn.execute(s)
    conn.close()


def test_a_sound_store_passes_and_gets_a_checkpoint_and_a_copy(tmp_path: Path) -> None:
    path = _filled(tmp_path / "c.sqlite")
    report = check_store(path)
    assert report.ok, report.problems
    assert (report.schema_version, report.events, report.chained) == (LATEST, 40, 40)
    assert report.backup == last_good_path(path) and report.backup.is_file()
    with CodingStore(report.backup) as copy:
        assert copy.count() == 40
    saved = json.loads(checkpoint_path(path).read_text(encoding="utf-8"))
    assert saved["events"] == 40
    _filled(path, 5)  # the log grew: it still extends the checkpoint
    again = check_store(path)
    assert again.ok and "extends the checkpoint" in again.checkpoint and again.events == 45
    r = CliRunner().invoke(main, ["store", "check", "--store", str(path)])
    assert r.exit_code == 0 and f"ok (schema v{LATEST}" in r.output and "45 chain links verified" in r.output


def test_deleting_an_event_behind_the_triggers_is_detected(tmp_path: Path) -> None:
    path = _filled(tmp_path / "d.sqlite")
    _tamper(path, "DELETE FROM events WHERE event_id = 17")
    report = check_store(path)
    text = "\n".join(report.problems)
    assert not report.ok
    assert "append-only guard events_append_only_delete was removed" in text
    assert "1 event(s) were deleted from the decision log (event ids 17)" in text


def test_a_changed_or_cut_log_breaks_the_chain_or_the_checkpoint(tmp_path: Path) -> None:
    path = _filled(tmp_path / "e.sqlite")
    assert check_store(path).ok  # checkpoint at 40 events
    _tamper(path, "UPDATE events SET code = 'ability.organization' WHERE event_id = 5")
    assert any("event 5 does not match its chain link" in p for p in check_store(path).problems)

    cut = _filled(tmp_path / "f.sqlite")
    assert check_store(cut).ok
    # remove the last events from both tables and hide the counter: only the checkpoint notices
    _tamper(cut, "DELETE FROM events WHERE event_id > 35", "DELETE FROM event_chain WHERE event_id > 35",
            "UPDATE sqlite_sequence SET seq = 35 WHERE name = 'events'",
            "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'x'); END",
            "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'x'); END",
            "CREATE TRIGGER event_chain_append_only_update BEFORE UPDATE ON event_chain "
            "BEGIN SELECT RAISE(ABORT, 'x'); END",
            "CREATE TRIGGER event_chain_append_only_delete BEFORE DELETE ON event_chain "
            "BEGIN SELECT RAISE(ABORT, 'x'); END")
    report = check_store(cut)
    assert [p for p in report.problems if "events were removed or rewritten since" in p], report.problems
    with pytest.raises(StoreDamagedError, match="failed its check"):
        require_sound(cut)


def test_the_chain_migration_keeps_every_existing_event(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, target=2)  # a store as corpus-tools wrote it before the chain
    conn.execute("INSERT INTO coders VALUES ('A', 't0')")
    for i in range(1, 6):
        conn.execute("INSERT INTO events (entry_id, text_hash, code, decision, coder, timestamp, source, mode, note) "
                     "VALUES (?, 'h', ?, 'add', 'A', ?, 'manual', 'assisted', '')", (f"E{i}", P, f"t{i}"))
    conn.close()
    with CodingStore(path) as st:
        assert st.version == LATEST and st.backup_path is not None and st.backup_path.is_file()
        assert [e.entry_id for e in st.events()] == [f"E{i}" for i in range(1, 6)]
        st.record("E6", "h", P, "add", "A")
    report = check_store(path)
    assert report.ok and report.chained == 6


def _damaged(tmp_path: Path) -> Path:
    path = _filled(tmp_path / "bad.sqlite", 400, note="x" * 300)
    assert check_store(path).ok  # leaves a .last-good.bak copy to point to
    with CodingStore(tmp_path / "schema-only.sqlite"):
        pass
    first = (tmp_path / "schema-only.sqlite").stat().st_size  # damage data pages, not the schema's own pages
    data = bytearray(path.read_bytes())
    for off in range(first + 4096, min(len(data), first + 4096 * 27), 5):
        data[off] = 0x5A
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_store_is_one_clear_error_with_the_copy_to_restore(tmp_path: Path) -> None:
    path = _damaged(tmp_path)
    with pytest.raises(StoreDamagedError, match="damaged") as caught, CodingStore(path) as st:
        st.events()
    assert "bad.sqlite.last-good.bak" in (caught.value.hint or "")
    report = check_store(path)
    assert not report.ok and report.problems[0].startswith("SQLite integrity check")
    runner = CliRunner()
    for args in (["store", "log", "--store", str(path)], ["store", "check", "--store", str(path)]):
        r = runner.invoke(main, args)
        assert r.exit_code == 1, r.output
        assert isinstance(r.exception, SystemExit) and "Traceback" not in r.output
        assert "last-good.bak" in r.output, r.output


def test_store_import_checks_first_and_refuses_a_damaged_store(make_corpus, tmp_path: Path) -> None:
    corpus = coded_corpus(make_corpus, 3, 4, n_a=6, n_b=2)
    path = _damaged(tmp_path)
    r = CliRunner().invoke(main, ["store", "import", str(corpus.root), "--store", str(path)])
    assert r.exit_code == 1 and "failed its check" in r.output and "last-good.bak" in r.output, r.output
    assert isinstance(r.exception, SystemExit)


def test_a_read_only_store_is_a_clear_message(make_corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = coded_corpus(make_corpus, 3, 4, n_a=6, n_b=2)
    path = _filled(tmp_path / "ro.sqlite", 3)
    real_init = CodingStore.__init__

    def read_only(self: CodingStore, *args: object, **kwargs: object) -> None:  # a 0444 file (tests run as root)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        self.conn.execute("PRAGMA query_only = ON")

    monkeypatch.setattr(CodingStore, "__init__", read_only)
    with CodingStore(path) as st:
        assert st.count() == 3  # reading still works
        with pytest.raises(StoreReadOnlyError, match="cannot be written"):
            st.record("E", "h", P, "add", "A")
    r = CliRunner().invoke(main, ["store", "import", str(corpus.root), "--store", str(path)])
    assert r.exit_code == 1 and "cannot be written" in r.output and "nothing was recorded" in r.output, r.output
    assert isinstance(r.exception, SystemExit)


def test_codings_csv_offsets_that_are_not_numbers_are_reported(make_corpus, tmp_path: Path) -> None:
    import pandas as pd

    from corpus_tools.store.codings import read_codings

    corpus = coded_corpus(make_corpus, 3, 4, n_a=6, n_b=2)
    path = corpus.root / "codings.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert {"start", "end"} <= set(table.columns)
    table.loc[0, "start"] = "=1+1"
    table.to_csv(path, index=False)
    found = read_codings(corpus)
    assert [p for p in found.problems if p.startswith("codings.csv:2:") and "are not numbers" in p], found.problems
    assert len(found.long) > 0  # the other rows are read


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not SQLite at all" * 200)
    with pytest.raises(StoreDamagedError, match="damaged"):
        CodingStore(path)
    report = check_store(path)
    assert not report.ok and "not a database" in report.problems[0]
    for args in (["store", "log", "--store", str(path)], ["store", "check", "--store", str(path)]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit) and "Error:" in r.output, r.output


def test_a_busy_store_is_a_clear_message_and_nothing_is_written(tmp_path: Path) -> None:
    path = _filled(tmp_path / "busy.sqlite", 2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with CodingStore(path, timeout_ms=50) as st:
            assert st.count() == 2  # reading does not wait for the writer (WAL)
            with pytest.raises(StoreBusyError, match="busy: another process holds its write lock"):
                st.record("E", "h", P, "add", "A")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with CodingStore(path) as st:
        assert st.count() == 2 and check_store(path).ok


def test_xlsx_coding_tables_are_read_within_the_input_limits(tmp_path: Path) -> None:
    """`store import` of an .xlsx coding table goes through the same checks as other workbooks."""
    import zipfile

    from corpus_tools.errors import UnsafeFileError
    from corpus_tools.store.importing import read_coding_table

    book = tmp_path / "codes.xlsx"
    import pandas as pd

    pd.DataFrame({"entry_id": ["E1"], "coder": ["A"], "codes": [P]}).to_excel(book, index=False)
    assert list(read_coding_table(book)["codes"]) == [P]
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    parts[sheet] = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><worksheet>&lol;</worksheet>'
    hostile = tmp_path / "lol.xlsx"
    with zipfile.ZipFile(hostile, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    with pytest.raises(UnsafeFileError):
        read_coding_table(hostile)
