"""Span codings and memos through REFI-QDA: code spans and write memos in a store, export a .qdpx (valid against
Project.xsd, offsets pointing at the very text in the archive's sources), import it into a fresh store: the same
offsets, codes, coders, times and memos come back; a second import adds nothing; a span edited to cross entries
is reported, not guessed."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools import schema
from corpus_tools.cli import main
from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.exchange.refi_common import PROJECT_NS, guid
from corpus_tools.exchange.validate import schema_errors
from corpus_tools.jobs.exchange import export_qdpx, import_qdpx, open_project
from corpus_tools.store import CodingStore
from corpus_tools.store.memos import current_memos, write_memo
from corpus_tools.store.spans import code_span, live_spans, remove_span
from tests.support.spans import build_span_corpus, offsets

P, F, L = "opportunity.profitability", "opportunity.feasibility", "motivation.living_demands"
NS = f"{{{PROJECT_NS}}}"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_span_corpus(tmp_path_factory.mktemp("refispans") / "corpus")


def _codes(corpus: Corpus) -> list[str]:
    return [v.id for lex in open_project(corpus.root).lexicons for v in lex.variables]


def _fill(store_path: Path, root: Path) -> None:
    corpus = load_corpus(root)
    codes = _codes(corpus)
    with CodingStore(store_path) as st:
        code_span(st, corpus, "Z1", *offsets("Z1", "利润不错"), P, "ann", codes=codes, note="money made")
        code_span(st, corpus, "Z1", *offsets("Z1", "年轻人开网店，利润"), "activity.low_ambition", "ben", codes=codes)
        code_span(st, corpus, "E1", *offsets("E1", "our own savings"), L, "ann", codes=codes)
        gone = code_span(st, corpus, "E1", *offsets("E1", "logistics"), F, "ann", codes=codes)
        remove_span(st, gone.span_event, "ann")  # removed: must not be exported
        write_memo(st, "document", "Z1", "First draft.", "ann")
        write_memo(st, "document", "Z1", "Profit talk comes before logistics here.\n第二段讲物流。", "ben", expect=1)
        write_memo(st, "code", P, "Money actually made, not hoped for.", "ann")


def _key(s: object) -> tuple[object, ...]:
    return tuple(getattr(s, k) for k in ("doc_id", "entry_id", "start", "end", "code", "coder", "quote",
                                          "timestamp", "note"))


def test_spans_and_memos_round_trip_with_the_same_offsets(root: Path, tmp_path: Path) -> None:
    store = tmp_path / "coding.sqlite"
    _fill(store, root)
    out = tmp_path / "project.qdpx"
    summary = export_qdpx(out, open_project(root, store=store))
    assert (summary.n_spans, summary.n_memos) == (3, 2) and summary.problems == []
    assert {"ann", "ben"} <= set(summary.users)
    with zipfile.ZipFile(out) as zf:
        qde = zf.read("project.qde")
        assert schema_errors(qde, "project") == []
        tree = ET.fromstring(qde)
        corpus = load_corpus(root)
        with CodingStore(store) as st:
            spans = live_spans(st)
        for span in spans:
            sel = next(s for s in tree.iter(f"{NS}PlainTextSelection") if s.get("name") == span.span_id)
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
            assert (start, end) == (span.start, span.end)
            src_guid = guid("source", corpus.config.name, span.doc_id)
            source_text = zf.read(f"sources/{src_guid}.txt").decode("utf-8")
            assert source_text[start:end] == span.quote  # the offsets point at the text shipped in the archive
        assert len(list(tree.iter(f"{NS}Note"))) == 2
        z1 = next(s for s in tree.iter(f"{NS}TextSource") if s.get("name") == "Z1")
        assert [r.get("targetGUID") for r in z1.findall(f"{NS}NoteRef")] == [guid("memo", "document", "Z1")]
        code = next(c for c in tree.iter(f"{NS}Code") if c.get("guid") == guid("code", P))
        assert [r.get("targetGUID") for r in code.findall(f"{NS}NoteRef")] == [guid("memo", "code", P)]

    fresh = tmp_path / "fresh.sqlite"
    result = import_qdpx(out, root, store=fresh)
    assert (result.n_spans, result.n_memos) == (3, 2)
    assert result.imported.unmatched == []
    with CodingStore(store) as a, CodingStore(fresh) as b:
        assert sorted(map(_key, live_spans(a))) == sorted(map(_key, live_spans(b)))
        assert all(s.source == "qdpx" for s in live_spans(b))
        mine = [(m.kind, m.target, m.text, m.coder, m.timestamp) for m in current_memos(a)]
        back = [(m.kind, m.target, m.text, m.coder, m.timestamp) for m in current_memos(b)]
        assert mine == back
    again = import_qdpx(out, root, store=fresh)
    assert (again.n_events, again.n_spans, again.n_memos) == (0, 0, 0)


def test_the_cli_round_trip_says_what_it_carried(root: Path, tmp_path: Path) -> None:
    store = tmp_path / "coding.sqlite"
    _fill(store, root)
    runner = CliRunner()
    out = tmp_path / "p.qdpx"
    res = runner.invoke(main, ["export", "qdpx", str(root), "-o", str(out), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "3 span codings and 2 memos" in res.output
    res = runner.invoke(main, ["import", "qdpx", str(out), str(root), "--store", str(tmp_path / "new.sqlite")])
    assert res.exit_code == 0, res.output
    assert "with 3 span codings and 2 memos" in res.output


def _exported_with_span_moved(root: Path, tmp_path: Path, pick: Callable[[str, ET.Element], bool], start: str,
                              end: str) -> Path:
    """The filled project exported, with the first span selection `pick` (its description, the element) accepts
    given the offsets `start`-`end` in project.qde; the edited archive's path."""
    store = tmp_path / "coding.sqlite"
    _fill(store, root)
    out = tmp_path / "p.qdpx"
    export_qdpx(out, open_project(root, store=store))
    edited = tmp_path / "edited.qdpx"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(edited, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "project.qde":
                ET.register_namespace("", PROJECT_NS)
                tree = ET.fromstring(data)
                sel = next(s for s in tree.iter(f"{NS}PlainTextSelection")
                           if pick(s.findtext(f"{NS}Description") or "", s))
                sel.set("startPosition", start)
                sel.set("endPosition", end)
                data = ET.tostring(tree, encoding="utf-8", xml_declaration=True)
            zout.writestr(item, data)
    return edited


def test_a_span_edited_across_entries_is_reported(root: Path, tmp_path: Path) -> None:
    start = str(offsets("Z1", "利润不错")[0])
    edited = _exported_with_span_moved(
        root, tmp_path, lambda desc, sel: desc.startswith("corpus-tools span coding by ann")
        and sel.get("startPosition") == start,
        start, str(offsets("Z1", "快递公司")[1]))  # stretched into the next paragraph
    result = import_qdpx(edited, root, store=tmp_path / "fresh.sqlite")
    assert result.n_spans == 2
    [bad] = result.imported.unmatched
    assert bad["reason"] == "a span coding must lie inside one entry" and ";" in bad["overlapping"]
    assert any("do not match an entry exactly" in p for p in result.imported.problems)


def test_imported_spans_follow_the_store_rules(root: Path, tmp_path: Path) -> None:
    """A file holding a span that overlaps the coder's stored span of the same code: reported, not stored."""
    store = tmp_path / "coding.sqlite"
    _fill(store, root)
    out = tmp_path / "p.qdpx"
    export_qdpx(out, open_project(root, store=store))
    other = tmp_path / "other.sqlite"
    corpus = load_corpus(root)
    with CodingStore(other) as st:
        code_span(st, corpus, "E1", *offsets("E1", "own savings and"), L, "ann", codes=_codes(corpus))
    result = import_qdpx(out, root, store=other)
    assert result.n_spans == 2
    assert any("not recorded" in p and "overlapping span" in p for p in result.imported.problems)
    with CodingStore(other) as st:
        assert len(live_spans(st)) == 3


def test_export_tables_carry_spans_and_memos(root: Path, tmp_path: Path) -> None:
    store = tmp_path / "coding.sqlite"
    _fill(store, root)
    res = CliRunner().invoke(main, ["export", "tables", str(root), "--store", str(store), "-o", str(tmp_path / "t")])
    assert res.exit_code == 0, res.output
    spans = pd.read_csv(tmp_path / "t" / "spans.csv", encoding="utf-8-sig", keep_default_na=False)
    memos = pd.read_csv(tmp_path / "t" / "memos.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(spans.columns) == list(schema.SPAN_CODINGS) and list(memos.columns) == list(schema.MEMOS)
    start, end = offsets("Z1", "利润不错")
    row = spans[spans["quote"] == "利润不错"].iloc[0]
    assert (int(row["start"]), int(row["end"]), row["code"], row["coder"], row["note"]) == (start, end, P, "ann",
                                                                                          "money made")
    assert len(spans) == 3 and sorted(memos["target"]) == sorted([P, "Z1"])
    assert memos.set_index("target").at["Z1", "version"] == 2


@pytest.mark.parametrize(("start", "end", "reason"), [
    ("x", "5", "offsets are not integers"),
    ("-4", "2", "empty or negative span"),
    ("9", "9", "empty or negative span"),
    ("3", "100000", "a span coding must lie inside one entry"),
])
def test_hostile_span_offsets_are_reported_not_guessed(root: Path, tmp_path: Path, start: str, end: str,
                                                       reason: str) -> None:
    edited = _exported_with_span_moved(
        root, tmp_path, lambda desc, _sel: desc.startswith("corpus-tools span coding by ben"), start, end)
    result = import_qdpx(edited, root, store=tmp_path / "fresh.sqlite")
    assert result.n_spans == 2  # the two untouched spans
    [bad] = result.imported.unmatched
    assert bad["reason"] == reason
    with CodingStore(tmp_path / "fresh.sqlite") as st:
        assert {s.coder for s in live_spans(st)} == {"ann"}
