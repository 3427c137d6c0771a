"""Coding tables (CSV/XLSX), gathering codings from several sources, and the export/import commands."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools import schema
from corpus_tools.cli import main
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.exchange import codebook_frame, gather_codings, presence_frame
from corpus_tools.exchange.validate import schema_errors
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import Lexicon
from tests.conftest import MakeCorpus
from tests.support.exchange import small_coded_corpus


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return load_lexicon("mass_entrepreneurship")


def test_presence_matrix(make_corpus: MakeCorpus, lex: Lexicon) -> None:
    corpus = load_corpus(small_coded_corpus(make_corpus))
    state = gather_codings(corpus, [lex]).state
    frame = presence_frame(state, [lex], corpus)
    assert list(frame.columns) == [*schema.PRESENCE_KEYS, *lex.variable_ids, *lex.construct_ids]
    assert len(frame) == state.groupby(["entry_id", "coder"]).ngroups
    values = frame[lex.variable_ids + lex.construct_ids]
    assert set(values.to_numpy().ravel()) <= {0, 1}
    none_rows = state[state["code"] == "none"].groupby(["entry_id", "coder"]).ngroups
    assert (values[lex.variable_ids].sum(axis=1) == 0).sum() == none_rows
    for c in lex.constructs:  # a construct is present when any of its variables is
        assert (frame[c.id] == frame[[v.id for v in c.variables]].max(axis=1)).all()
    texts = corpus.docs.set_index("doc_id")["text"]
    for row in frame.itertuples():
        assert texts[row.doc_id][row.start:row.end] == row.text


def test_codebook_table(lex: Lexicon) -> None:
    frame = codebook_frame([lex])
    assert list(frame.columns) == list(schema.CODEBOOK_TABLE) and list(frame["variable"]) == lex.variable_ids
    assert "利润" in frame.loc[0, "terms_zh"].split("; ")


def test_store_wins_over_codings_csv(make_corpus: MakeCorpus, lex: Lexicon, tmp_path: Path) -> None:
    from corpus_tools.store import CodingStore

    corpus = load_corpus(small_coded_corpus(make_corpus))
    csv_state = gather_codings(corpus, [lex]).state
    eid = csv_state[csv_state["coder"] == "A"]["entry_id"].iloc[0]
    text_hash = corpus.entries.set_index("entry_id").at[eid, "text_hash"]
    with CodingStore(tmp_path / "s.sqlite") as store:
        store.record(eid, text_hash, "none", "none-applies", "A", mode="blind")
    got = gather_codings(corpus, [lex], store=tmp_path / "s.sqlite")
    mine = got.state[(got.state["entry_id"] == eid) & (got.state["coder"] == "A")]
    assert list(mine["code"]) == ["none"] and list(mine["mode"]) == ["blind"]
    assert any("store's (later) coding is used" in p for p in got.problems)
    assert got.decisions is not None and len(got.decisions) == 1
    assert len(got.state) == len(csv_state) - len(csv_state[(csv_state["entry_id"] == eid)
                                                            & (csv_state["coder"] == "A")]) + 1


def test_missing_store_is_not_created(make_corpus: MakeCorpus, lex: Lexicon, tmp_path: Path) -> None:
    from corpus_tools.errors import ConfigError

    corpus = load_corpus(small_coded_corpus(make_corpus))
    with pytest.raises(ConfigError, match="does not exist"):
        gather_codings(corpus, [lex], store=tmp_path / "nope.sqlite")
    assert not (tmp_path / "nope.sqlite").exists()


def test_export_tables_csv_and_xlsx(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = small_coded_corpus(make_corpus)
    runner = CliRunner()
    res = runner.invoke(main, ["export", "tables", str(root), "-o", str(tmp_path / "tables")])
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "tables").iterdir()} == {"codings.csv", "presence.csv", "codebook.csv"}
    res = runner.invoke(main, ["export", "tables", str(root), "-o", str(tmp_path / "codes.xlsx")])
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(tmp_path / "codes.xlsx", sheet_name=None)
    assert set(sheets) == {"codings", "presence", "codebook"}
    csv = pd.read_csv(tmp_path / "tables" / "presence.csv", encoding="utf-8-sig")
    assert sheets["presence"]["entry_id"].tolist() == csv["entry_id"].tolist()
    bad = runner.invoke(main, ["export", "tables", str(root), "-o", str(tmp_path / "codes.txt")])
    assert bad.exit_code == 1 and "folder" in bad.output


def test_export_import_commands_round_trip(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = small_coded_corpus(make_corpus)
    runner = CliRunner()
    res = runner.invoke(main, ["export", "qdc", str(root), "-o", str(tmp_path / "book.qdc")])
    assert res.exit_code == 0, res.output
    assert schema_errors((tmp_path / "book.qdc").read_bytes(), "codebook") == []
    res = runner.invoke(main, ["import", "qdc", str(tmp_path / "book.qdc"), "-o", str(tmp_path / "book.yaml")])
    assert res.exit_code == 0 and "9 variables" in res.output  # the tiny corpus declares one lexicon
    assert load_lexicon(tmp_path / "book.yaml").variable_ids == load_lexicon("mass_entrepreneurship").variable_ids
    res = runner.invoke(main, ["export", "qdpx", str(root), "-o", str(tmp_path / "p.qdpx")])
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        assert schema_errors(zf.read("project.qde"), "project") == []
    out = tmp_path / "back.csv"
    store = tmp_path / "store.sqlite"
    res = runner.invoke(main, ["import", "qdpx", str(tmp_path / "p.qdpx"), str(root), "-o", str(out),
                               "--store", str(store), "--unmatched", str(tmp_path / "unmatched.csv")])
    assert res.exit_code == 0, res.output
    original = pd.read_csv(root / "codings.csv", dtype=str, keep_default_na=False)
    back = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(back.columns) == list(schema.CODINGS)
    key = ["entry_id", "coder"]
    merged = original.merge(back, on=key, suffixes=("", "_back"))
    assert len(merged) == len(original) == len(back)
    norm = lambda s: ";".join(sorted(s.split(";")))  # noqa: E731
    assert (merged["codes"].map(norm) == merged["codes_back"].map(norm)).all()
    assert (merged["start"] == merged["start_back"]).all()
    assert "decisions added" in res.output
    again = runner.invoke(main, ["import", "qdpx", str(tmp_path / "p.qdpx"), str(root), "--store", str(store)])
    assert again.exit_code == 0 and "0 decisions added" in again.output
    nothing = runner.invoke(main, ["import", "qdpx", str(tmp_path / "p.qdpx"), str(root)])
    assert nothing.exit_code == 1 and "nothing to do" in nothing.output


def test_wrong_suffixes_are_clear_errors(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = small_coded_corpus(make_corpus)
    runner = CliRunner()
    res = runner.invoke(main, ["export", "qdpx", str(root), "-o", str(tmp_path / "p.zip")])
    assert res.exit_code == 1 and ".qdpx" in res.output
    res = runner.invoke(main, ["export", "qdc", "-l", "mass_entrepreneurship", "-o", str(tmp_path / "b.xml")])
    assert res.exit_code == 1 and ".qdc" in res.output


def test_export_tables_with_store_has_the_decision_log(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    from corpus_tools.store import CodingStore

    root = small_coded_corpus(make_corpus)
    corpus = load_corpus(root)
    e = corpus.entries.iloc[0]
    with CodingStore(tmp_path / "s.sqlite") as store:
        store.record(e["entry_id"], e["text_hash"], "ability.organization", "add", "C", mode="assisted")
        wrong = store.record(e["entry_id"], e["text_hash"], "ability.identification", "add", "C", mode="assisted")
        (undo,) = store.undo([wrong], "C")
    res = CliRunner().invoke(main, ["export", "tables", str(root), "--store", str(tmp_path / "s.sqlite"), "-o",
                                    str(tmp_path / "t.xlsx")])
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(tmp_path / "t.xlsx", sheet_name=None)
    assert list(sheets) == ["decisions", "codings", "presence", "codebook", "spans", "memos"]
    assert list(sheets["decisions"].columns) == [*schema.DECISIONS, *schema.DECISION_LINK]
    res = CliRunner().invoke(main, ["export", "tables", str(root), "--store", str(tmp_path / "s.sqlite"), "-o",
                                    str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output
    for log in (sheets["decisions"], pd.read_csv(tmp_path / "csv" / "decisions.csv", encoding="utf-8-sig")):
        links = log.set_index("event_id")["undoes"]
        assert links.loc[undo] == wrong and links.drop(undo).isna().all()  # the undo link survives export
    c_rows = sheets["presence"][sheets["presence"]["coder"] == "C"]
    assert len(c_rows) == 1 and c_rows["mode"].iloc[0] == "assisted" and c_rows["ability"].iloc[0] == 1


def test_xlsx_drops_characters_excel_cannot_hold(tmp_path: Path) -> None:
    from corpus_tools.exchange import write_tables

    frame = pd.DataFrame({"text": ["tab\tok", "vertical\x0btab", "bell\x07"], "n": [1, 2, 3]})
    (path,) = write_tables(tmp_path / "x.xlsx", {"t": frame})
    back = pd.read_excel(path)
    assert back["text"].tolist() == ["tab\tok", "verticaltab", "bell"] and back["n"].tolist() == [1, 2, 3]


def test_suggestion_tables_become_a_model_coder(make_corpus: MakeCorpus, lex: Lexicon, tmp_path: Path) -> None:
    from corpus_tools.exchange import read_suggestions

    corpus = load_corpus(small_coded_corpus(make_corpus))
    ids = list(corpus.entries["entry_id"][:3])
    table = pd.DataFrame({"id": [*ids, "X:unknown"], "codes": ["ability.organization", "", "made.up", "none"],
                          "model_version": ["sm-1"] * 4})
    table.to_csv(tmp_path / "s.csv", index=False)
    state, problems = read_suggestions(tmp_path / "s.csv", corpus, None, lex.variable_ids)
    assert set(state["coder"]) == {"model:sm-1"} and list(state["code"]) == ["ability.organization", "none", "none"]
    assert set(state["mode"]) == {schema.MACHINE_MODE}  # a model's codings are never "blind" human coding
    assert any("not an entry" in p for p in problems) and any("not in the lexicon" in p for p in problems)
    named, _ = read_suggestions(tmp_path / "s.csv", corpus, "model:v2", lex.variable_ids)
    assert set(named["coder"]) == {"model:v2"}


def test_suggestions_the_model_was_trained_on_can_be_left_out(make_corpus: MakeCorpus, lex: Lexicon,
                                                              tmp_path: Path) -> None:
    from corpus_tools.exchange import read_suggestions

    corpus = load_corpus(small_coded_corpus(make_corpus))
    ids = list(corpus.entries["entry_id"][:4])
    table = pd.DataFrame({"id": ids, "codes": ["ability.organization"] * 4, "in_training": [1, 0, 1, 0]})
    table.to_csv(tmp_path / "s.csv", index=False)
    kept, problems = read_suggestions(tmp_path / "s.csv", corpus, "model:v1", lex.variable_ids)
    assert set(kept["entry_id"]) == set(ids) and not problems  # exports keep every suggestion
    fair, problems = read_suggestions(tmp_path / "s.csv", corpus, "model:v1", lex.variable_ids,
                                      exclude_training=True)
    assert set(fair["entry_id"]) == {ids[1], ids[3]}
    assert any("2 entries the model was trained on" in p for p in problems)
    table.drop(columns="in_training").to_csv(tmp_path / "old.csv", index=False)
    old, problems = read_suggestions(tmp_path / "old.csv", corpus, "model:v1", lex.variable_ids,
                                     exclude_training=True)
    assert len(old) == 4 and any("no in_training column" in p for p in problems)
