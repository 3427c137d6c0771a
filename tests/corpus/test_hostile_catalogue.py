"""The hostile-input catalogue (tests/support/hostile.py) through the CLI: validate and score.

For every case: no traceback, one clear line per problem, exit code 1 for errors (or the bad row skipped
with a problem record while the rest of the run completes), and limits enforced before anything big is
decompressed.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from corpus_tools.cli import main
from corpus_tools.corpus.loader import load_corpus
from tests.support.hostile import Case, catalogue, document_xml, docx_bytes, with_bad

CASES = catalogue()


def _run(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_reports_each_case_clearly(case: Case, tmp_path: Path) -> None:
    root = tmp_path / case.name
    case.build(root)
    r = _run(["validate", str(root)])
    expected_exit = case.validate_exit if case.validate_exit is not None else (0 if case.kind == "loaded" else 1)
    assert r.exit_code == expected_exit, r.output
    lines = r.stdout.splitlines()
    if case.kind == "fatal":
        message = r.stderr if r.stderr.startswith("Error:") else "\n".join(ln for ln in lines if ln.startswith("ERROR"))
        assert case.code in message, r.output
        return
    hits = [ln for ln in lines if f" {case.code}: " in ln] if case.code else []
    assert len(hits) == case.count, r.output  # one clear line per problem
    if case.kind == "row":
        assert hits[0].startswith("ERROR")
        assert lines[-1].startswith("ERROR"), "errors come last"
    summary = r.stderr.strip().splitlines()[-1]
    assert f"{len(case.loaded)} documents loaded" in summary, r.output
    assert set(load_corpus(root).docs["doc_id"]) == set(case.loaded)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_score_skips_or_refuses_each_case(case: Case, tmp_path: Path) -> None:
    root = tmp_path / case.name
    case.build(root)
    out = tmp_path / "scores.csv"
    r = _run(["score", str(root), "-o", str(out)])
    if case.kind == "fatal":
        assert r.exit_code == 1 and r.stderr.startswith("Error:") and case.code in r.stderr, r.output
        assert len(r.stderr.strip().splitlines()) <= 2  # the message and at most a hint
        return
    assert r.exit_code == 0, r.output
    if case.kind == "row":
        assert "skipped" in r.stderr
    scored = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(scored["doc_id"]) == set(case.loaded)  # the rest of the run completed


@pytest.mark.parametrize(("name", "word"), [("utf16le-no-bom-en", "Villagers"), ("utf16le-no-bom-zh", "淘宝村"),
                                           ("utf16be-no-bom-en", "Villagers"), ("nul-bytes", "Rent was cheap")])
def test_loaded_texts_are_clean(name: str, word: str, tmp_path: Path) -> None:
    """UTF-16 without BOM decodes to real words; NULs never reach docs or entries."""
    next(c for c in CASES if c.name == name).build(tmp_path / name)
    c = load_corpus(tmp_path / name)
    odd = c.entries[c.entries["doc_id"] == "ODD"]
    assert odd["text"].str.contains(word, regex=False).any()
    assert not c.entries["text"].str.contains("\x00", regex=False).any()
    assert not c.docs["text"].str.contains("\x00", regex=False).any()


@pytest.mark.slow
def test_analyze_completes_on_a_corpus_with_every_row_level_problem(tmp_path: Path) -> None:
    """One corpus carrying several bad rows at once: analyze skips them and writes its tables."""
    root = tmp_path / "mixed"
    with_bad(root, {"doc_id": "BAD", "path": "texts/BAD.docx"},
             {"texts/BAD.docx": docx_bytes("<w:document><w:body><w:p>"), "texts/ODD.txt": b"a\x00b\n\nc"})
    with (root / "documents.csv").open("a", encoding="utf-8") as fh:
        fh.write("ODD,texts/ODD.txt,Odd,media,,2014,,,,,rot13,\n")
        fh.write('Q,texts/GOOD.txt,"open quote,media,,2014,,,,,,\n')
    r = _run(["analyze", str(root), "-o", str(tmp_path / "out"), "--no-topics", "--no-suggestions", "-q",
              "--no-cache", "--n-boot", "20", "--permutations", "19"])
    assert r.exit_code == 0, r.output
    problems = pd.read_csv(tmp_path / "out" / "problems.csv", dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")
    assert {"undecodable", "bad-encoding", "unterminated-quote"} <= set(problems["code"])
    docs = pd.read_csv(tmp_path / "out" / "documents.csv", dtype=str, encoding="utf-8-sig")
    assert list(docs["doc_id"]) == ["GOOD"]


def test_bombs_are_refused_before_they_are_unpacked(tmp_path: Path) -> None:
    """Memory stays bounded: a document.xml of 30 MB (30 KB zipped) is refused from its declared size."""
    root = tmp_path / "bomb"
    big = document_xml(["a"]).replace("<w:body>", "<w:body>" + "<w:p/>" * 5_000_000)
    with_bad(root, {"doc_id": "BAD", "path": "texts/BAD.docx"}, {"texts/BAD.docx": docx_bytes(big)},
             "[limits]\nmax_xml_bytes = 1000000\nmax_ratio = 100000\n")
    del big
    tracemalloc.start()
    try:
        c = load_corpus(root)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [p.code for p in c.problem_list if p.level == "error"] == ["over-limit"]
    assert "max_xml_bytes" in next(p.message for p in c.problem_list if p.code == "over-limit")
    assert peak < 8_000_000, peak


def test_reading_in_worker_processes_gives_the_same_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files read and split in two forked workers: the same documents, entries and problems, in the same order,
    as one process, for every loadable hostile case and the bundled corpus (duplicate ids, missing files, bad
    encodings, over-limit files among good ones)."""
    from corpus_tools.corpus import loader
    from corpus_tools.io.resources import default_corpus

    monkeypatch.setattr(loader, "_PARALLEL_MIN_ROWS", 0)
    roots = [default_corpus()]
    for case in CASES:
        if case.kind != "fatal":
            case.build(tmp_path / case.name)
            roots.append(tmp_path / case.name)
    for root in roots:
        one, two = load_corpus(root, workers=1), load_corpus(root, workers=2)
        pd.testing.assert_frame_equal(one.docs, two.docs)
        pd.testing.assert_frame_equal(one.entries, two.entries)
        pd.testing.assert_frame_equal(one.problems, two.problems)
        assert one.problem_list == two.problem_list, root
