"""REFI-QDA: codebook and project exports validate, and codings survive a round trip through .qdpx."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.exchange import read_qdc, read_qdpx, write_qdc, write_qdpx
from corpus_tools.exchange.refi_common import CODEBOOK_NS, PROJECT_NS, guid, parse_description
from corpus_tools.exchange.state import gather_codings
from corpus_tools.exchange.validate import schema_errors
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.lexicon.yaml_io import write_codebook
from tests.conftest import MakeCorpus
from tests.support.exchange import small_coded_corpus

P = f"{{{PROJECT_NS}}}"
CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
# small documents in the shape of the REFI-QDA examples: one parent code with one codable child, and a
# project with a user, that codebook, a Date variable and one coded selection in a plain-text source
EXAMPLE_QDC = f"""<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="{CODEBOOK_NS}" origin="test">
  <Codes>
    <Code guid="2f241b0f-5cbe-4cc0-bd4d-4bf32e4b8cc7" name="Emotions" isCodable="false">
      <Code guid="00477428-cbe1-4a22-895b-736777f469ad" name="Joy" isCodable="true" color="#FFCC00">
        <Description>Expressions of happiness or delight.</Description>
      </Code>
    </Code>
  </Codes>
</CodeBook>"""
EXAMPLE_QDE = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{PROJECT_NS}" name="Example" origin="test" creatingUserGUID="a3a36815-92ba-401d-b8d3-45f9b0391758">
  <Users><User guid="a3a36815-92ba-401d-b8d3-45f9b0391758" name="Researcher"/></Users>
  <CodeBook><Codes>
    <Code guid="2f241b0f-5cbe-4cc0-bd4d-4bf32e4b8cc7" name="Emotions" isCodable="false">
      <Code guid="00477428-cbe1-4a22-895b-736777f469ad" name="Joy" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables><Variable guid="acf52719-588b-4f35-8526-0a6bcf4cb42a" name="Interview date" typeOfVariable="Date"/>
  </Variables>
  <Sources>
    <TextSource guid="f58b04bc-8d2c-4555-abfa-ffb4cdb1e0e2" name="Interview 1">
      <PlainTextContent>I was so happy to see everyone again.</PlainTextContent>
      <PlainTextSelection guid="90859dae-f82a-4c65-8cf2-9351430a4e21" name="so happy" startPosition="6"
                          endPosition="14">
        <Coding guid="5ab7be7f-c325-457c-bb8d-8c9f04cee63f" creatingUser="a3a36815-92ba-401d-b8d3-45f9b0391758">
          <CodeRef targetGUID="00477428-cbe1-4a22-895b-736777f469ad"/>
        </Coding>
      </PlainTextSelection>
      <VariableValue>
        <VariableRef targetGUID="acf52719-588b-4f35-8526-0a6bcf4cb42a"/><DateValue>2024-03-15</DateValue>
      </VariableValue>
    </TextSource>
  </Sources>
</Project>"""


@pytest.fixture(scope="module")
def lexicons() -> list[Lexicon]:
    return [load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")]


def _same_codebook(a: list[Lexicon], b: Lexicon) -> None:
    va = [v for lex in a for v in lex.variables]
    assert [(v.id, v.label, v.definition, v.terms, v.exclude) for v in va] == \
        [(v.id, v.label, v.definition, v.terms, v.exclude) for v in b.variables]
    ca = [c for lex in a for c in lex.constructs]
    assert [(c.id, c.label, c.definition) for c in ca] == [(c.id, c.label, c.definition) for c in b.constructs]


def test_qdc_validates_and_has_the_code_tree(lexicons: list[Lexicon], tmp_path: Path) -> None:
    path = write_qdc(lexicons, tmp_path / "codebook.qdc")
    data = path.read_bytes()
    assert schema_errors(data, "codebook") == []
    root = ET.fromstring(data)
    tops = root.findall(f"{{{CODEBOOK_NS}}}Codes/{{{CODEBOOK_NS}}}Code")
    constructs = [c for c in tops if c.get("isCodable") == "false"]
    assert len(constructs) == 8 and tops[-1].get("name") == "No code applies (none)"
    first = constructs[0].findall(f"{{{CODEBOOK_NS}}}Code")
    assert [c.get("isCodable") for c in first] == ["true", "true"]
    described = parse_description(first[0].findtext(f"{{{CODEBOOK_NS}}}Description") or "")
    assert described.code_id == "opportunity.profitability" and "利润" in described.terms["zh"]
    assert first[0].get("guid") == guid("code", "opportunity.profitability")


def test_qdc_round_trip_gives_the_same_codebook(lexicons: list[Lexicon], tmp_path: Path) -> None:
    path = write_qdc(lexicons, tmp_path / "codebook.qdc")
    imported = read_qdc(path)
    assert imported.problems == []
    _same_codebook(lexicons, imported.lexicon)
    write_codebook(imported.lexicon, tmp_path / "back.yaml")
    _same_codebook(lexicons, load_lexicon(tmp_path / "back.yaml"))
    assert write_qdc(lexicons, tmp_path / "again.qdc").read_bytes() == path.read_bytes()


def test_foreign_codebooks(tmp_path: Path) -> None:
    (tmp_path / "example.qdc").write_text(EXAMPLE_QDC, encoding="utf-8")
    example = read_qdc(tmp_path / "example.qdc")
    joy = example.lexicon.variables[0]
    assert (joy.id, joy.definition) == ("emotions.joy", "Expressions of happiness or delight.")
    flat = tmp_path / "flat.qdc"
    flat.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="{CODEBOOK_NS}"><Codes>
  <Code guid="11111111-1111-4111-8111-111111111111" name="Logistics" isCodable="true">
    <Description>Parcels and couriers.
Keywords: 快递; courier; 物流</Description></Code>
  <Code guid="21111111-1111-4111-8111-111111111111" name="Family" isCodable="false">
    <Code guid="31111111-1111-4111-8111-111111111111" name="Kin help" isCodable="false">
      <Code guid="41111111-1111-4111-8111-111111111111" name="Cousins" isCodable="true"/>
    </Code>
  </Code>
  <Code guid="51111111-1111-4111-8111-111111111111" name="Empty" isCodable="false"/>
</Codes></CodeBook>""", encoding="utf-8")
    imported = read_qdc(flat)
    lex = imported.lexicon
    assert lex.variable_ids == ["logistics.logistics", "family.kin_help_cousins"]
    assert lex.variables[0].terms == {"zh": ("快递", "物流"), "en": ("courier",)}
    assert lex.variables[0].definition == "Parcels and couriers."
    assert any("Empty" in p for p in imported.problems)


def _state(corpus: Corpus, lexicons: list[Lexicon]) -> pd.DataFrame:
    """codings.csv plus a model coder and an assisted coding: everything the export must carry."""
    state = gather_codings(corpus, lexicons).state
    a = state[state["coder"] == "A"]
    model = a.assign(coder="model:v1", mode=schema.MACHINE_MODE)
    state = pd.concat([state, model], ignore_index=True)
    first_b = state.index[state["coder"] == "B"][0]
    state.loc[first_b, "mode"] = "assisted"
    return state


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    cols = list(schema.CODING_STATE)
    return frame[cols].astype(str).sort_values(cols).reset_index(drop=True)


def test_qdpx_export_validates_with_offsets_users_and_variables(make_corpus: MakeCorpus, tmp_path: Path,
                                                                lexicons: list[Lexicon]) -> None:
    corpus = load_corpus(small_coded_corpus(make_corpus))
    state = _state(corpus, lexicons)
    out = tmp_path / "p.qdpx"
    summary = write_qdpx(out, corpus, state, lexicons, created=CREATED)
    assert summary.problems == [] and summary.n_sources == 3 and summary.users == ["A", "B", "model:v1"]
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        qde = zf.read("project.qde")
        texts = {n: zf.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    assert schema_errors(qde, "project") == []
    assert len(texts) == 3 and all(n.endswith(".txt") for n in texts)
    root = ET.fromstring(qde)
    assert [u.get("name") for u in root.iter(f"{P}User")] == ["A", "B", "model:v1"]
    entries = corpus.entries.set_index("entry_id")
    n_sel = 0
    for src in root.iter(f"{P}TextSource"):
        text = texts[f"sources/{src.get('plainTextPath', '').removeprefix('internal://')}"]
        assert text == corpus.docs.set_index("doc_id").at[src.get("name"), "text"]
        for sel in src.iter(f"{P}PlainTextSelection"):
            n_sel += 1
            s, e = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
            assert text[s:e] == entries.at[sel.get("name"), "text"]
    assert n_sel == state["entry_id"].nunique()
    kinds = {v.get("name"): v.get("typeOfVariable") for v in root.iter(f"{P}Variable")}
    assert kinds["date"] == "Date" and kinds["year"] == "Integer" and kinds["stage"] == "Text"
    d1 = next(s for s in root.iter(f"{P}TextSource") if s.get("name") == "D1")
    assert d1.find(f"{P}VariableValue/{P}DateValue").text == "2010-05-03"  # type: ignore[union-attr]
    d3 = next(s for s in root.iter(f"{P}TextSource") if s.get("name") == "D3")
    assert d3.find(f"{P}VariableValue/{P}DateValue") is None  # undated: no date value, but a stage
    assert "unstaged" in [t.text for t in d3.iter(f"{P}TextValue")]
    again = tmp_path / "q.qdpx"
    write_qdpx(again, corpus, state.sample(frac=1.0, random_state=2), lexicons, created=CREATED)
    assert again.read_bytes() == out.read_bytes()  # same data, same bytes


def test_qdpx_round_trip_gives_identical_codings(make_corpus: MakeCorpus, tmp_path: Path,
                                                 lexicons: list[Lexicon]) -> None:
    corpus = load_corpus(small_coded_corpus(make_corpus))
    state = _state(corpus, lexicons)
    out = tmp_path / "p.qdpx"
    write_qdpx(out, corpus, state, lexicons, created=CREATED)
    back = read_qdpx(out, corpus, lexicons)
    assert back.problems == [] and back.unmatched == []
    assert back.n_selections == back.n_matched == state["entry_id"].nunique()
    pd.testing.assert_frame_equal(_sorted(back.codings), _sorted(state))


def test_qdpx_never_labels_model_codings_blind(make_corpus: MakeCorpus, tmp_path: Path,
                                               lexicons: list[Lexicon]) -> None:
    from corpus_tools.jobs.exchange import import_qdpx
    from corpus_tools.store import CodingStore

    root = small_coded_corpus(make_corpus)
    corpus = load_corpus(root)
    state = _state(corpus, lexicons)
    state.loc[state["coder"] == "model:v1", "mode"] = "blind"  # e.g. a frame built by hand or by an old version
    out = tmp_path / "p.qdpx"
    write_qdpx(out, corpus, state, lexicons, created=CREATED)
    with zipfile.ZipFile(out) as zf:
        qde = zf.read("project.qde").decode("utf-8")
    assert "model:v1=model" in qde and "model:v1=blind" not in qde
    back = read_qdpx(out, corpus, lexicons).codings
    assert set(back.loc[back["coder"] == "model:v1", "mode"]) == {schema.MACHINE_MODE}
    assert set(back.loc[back["coder"] != "model:v1", "mode"]) <= {"imported", "assisted"}
    # the store holds human decisions only: the model's codings are reported, not recorded
    res = import_qdpx(out, root, store=tmp_path / "s.sqlite")
    assert any("machine coder(s) model:v1" in p for p in res.imported.problems)
    with CodingStore(tmp_path / "s.sqlite") as st:
        assert set(st.state(corpus)["coder"]) == {"A", "B"}


def rewrite(src: Path, dst: Path, edit_xml: Callable[[ET.Element], None],
            edit_text: Callable[[str], str] | None = None) -> Path:
    """Copy a .qdpx, editing project.qde (and every source text) the way a QDA program might."""
    ET.register_namespace("", PROJECT_NS)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "project.qde":
                root = ET.fromstring(data)
                edit_xml(root)
                data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
            elif edit_text is not None:
                data = edit_text(data.decode("utf-8")).encode("utf-8")
            zout.writestr(name, data)
    return dst


def test_import_after_edits_in_a_qda_program(make_corpus: MakeCorpus, tmp_path: Path,
                                             lexicons: list[Lexicon]) -> None:
    corpus = load_corpus(small_coded_corpus(make_corpus))
    state = gather_codings(corpus, lexicons).state
    exported = tmp_path / "p.qdpx"
    write_qdpx(exported, corpus, state, lexicons, created=CREATED)
    d2 = corpus.entries[corpus.entries["doc_id"] == "D2"].sort_values("seq")
    last = d2.iloc[-1]

    def edit(root: ET.Element) -> None:
        for code in root.iter(f"{P}Code"):  # renamed codes and dropped descriptions keep their GUID
            code.set("name", code.get("name", "") + " (renamed)")
            for d in code.findall(f"{P}Description"):
                code.remove(d)
        codes = root.find(f"{P}CodeBook/{P}Codes")
        ET.SubElement(codes, f"{P}Code", guid="99999999-9999-4999-8999-999999999999", name="Logistics",  # type: ignore[arg-type]
                      isCodable="true")
        src = next(s for s in root.iter(f"{P}TextSource") if s.get("name") == "D2")
        src.set("name", "Interview with E1")  # renamed source: found by GUID
        sel = ET.Element(f"{P}PlainTextSelection", guid="88888888-8888-4888-8888-888888888888", name="part",
                         startPosition=str(int(last["start"]) + 1), endPosition=str(int(last["end"])))
        cod = ET.SubElement(sel, f"{P}Coding", guid="77777777-7777-4777-8777-777777777777",
                            creatingUser=guid("user", "B"))
        ET.SubElement(cod, f"{P}CodeRef", targetGUID=guid("code", "activity.low_ambition"))
        new = ET.Element(f"{P}PlainTextSelection", guid="66666666-6666-4666-8666-666666666666", name="whole",
                         startPosition=str(int(last["start"])), endPosition=str(int(last["end"])))
        for i, target in enumerate((guid("code", "activity.low_ambition"), "99999999-9999-4999-8999-999999999999")):
            c = ET.SubElement(new, f"{P}Coding", guid=f"5555555{i}-5555-4555-8555-555555555555",
                              creatingUser=guid("user", "B"))
            ET.SubElement(c, f"{P}CodeRef", targetGUID=target)
        at = list(src).index(src.findall(f"{P}PlainTextSelection")[0])
        src.insert(at, sel)
        src.insert(at, new)
        texts = corpus.docs.set_index("doc_id")["text"]
        by_guid = {guid("source", corpus.config.name, d): d for d in texts.index}
        for s in root.iter(f"{P}TextSource"):  # the program stores CRLF text and counts the CRs
            text = texts[by_guid[s.get("guid", "")]]
            for x in s.iter(f"{P}PlainTextSelection"):
                for att in ("startPosition", "endPosition"):
                    pos = int(x.get(att, ""))
                    x.set(att, str(pos + text.count("\n", 0, pos)))

    edited = rewrite(exported, tmp_path / "edited.qdpx", edit, lambda t: t.replace("\n", "\r\n"))
    back = read_qdpx(edited, corpus, lexicons)
    assert back.unmatched == []  # the part of an entry comes back as a span coding, offsets mapped back
    [part] = back.spans.to_dict("records")
    assert (part["entry_id"], part["start"], part["end"], part["coder"], part["code"]) == (
        last["entry_id"], int(last["start"]) + 1, int(last["end"]), "B", "activity.low_ambition")
    assert any("Logistics (1)" in p for p in back.problems)
    added = back.codings[(back.codings["entry_id"] == last["entry_id"]) & (back.codings["coder"] == "B")]
    assert list(added["code"]) == ["activity.low_ambition"]  # CRLF text: offsets mapped back
    rest = back.codings[~back.codings.index.isin(added.index)]
    pd.testing.assert_frame_equal(_sorted(rest), _sorted(state))


def test_foreign_project_is_reported_not_guessed(make_corpus: MakeCorpus, tmp_path: Path,
                                                 lexicons: list[Lexicon]) -> None:
    qdpx = tmp_path / "example.qdpx"
    with zipfile.ZipFile(qdpx, "w") as zf:
        zf.writestr("project.qde", EXAMPLE_QDE)
    other = load_corpus(make_corpus([{"doc_id": "I1", "text": "A different interview."}]))
    back = read_qdpx(qdpx, other, lexicons)
    assert back.codings.empty and back.n_selections == 0
    assert any("matches no corpus document" in p for p in back.problems)
    same = load_corpus(make_corpus([{"doc_id": "I1", "text": "I was so happy to see everyone again."}]))
    back = read_qdpx(qdpx, same, lexicons)  # found by its text; "so happy" is a part of an entry: a span coding
    assert back.codings.empty and back.n_selections == 1 and back.n_matched == 0 and back.unmatched == []
    assert back.spans.empty and any("Joy (1)" in p for p in back.problems)  # its code is not a lexicon variable


def test_store_import_records_only_differences(make_corpus: MakeCorpus, tmp_path: Path,
                                               lexicons: list[Lexicon]) -> None:
    from corpus_tools.exchange.store_io import record_in_store
    from corpus_tools.store import CodingStore

    corpus = load_corpus(small_coded_corpus(make_corpus))
    state = gather_codings(corpus, lexicons).state
    store_path = tmp_path / "coding.sqlite"
    n = record_in_store(store_path, state, corpus, source="qdpx", note="test")
    assert n == len(state)
    with CodingStore(store_path) as store:
        pd.testing.assert_frame_equal(_sorted(store.state(corpus)), _sorted(state))
    assert record_in_store(store_path, state, corpus, source="qdpx") == 0  # same codings: nothing new
    changed = state.copy()
    row = changed.index[(changed["coder"] == "A") & (changed["code"] == "ability.identification")][0]
    changed.loc[row, "code"] = "ability.organization"
    assert record_in_store(store_path, changed, corpus, source="qdpx") == 2  # one add, one remove
    with CodingStore(store_path) as store:
        pd.testing.assert_frame_equal(_sorted(store.state(corpus)), _sorted(changed))
        log = store.decisions()
    assert list(log["decision"].tail(2)) == ["add", "remove"] and set(log["source"]) == {"qdpx"}


def test_schemas_ship_unchanged_with_their_licence() -> None:
    import hashlib

    from corpus_tools.exchange.validate import SCHEMA_DIR

    expected = {"Codebook.xsd": "bc4706a6fdb736cc3248de1753366f2b1f5b13e6828d319cea2874deb7e61b52",
                "Project.xsd": "a2cc1ffb4ab1c07c51d6c78e69f2c9968458a9f0ad3b317ddde27f1e86f15a15"}
    for name, sha in expected.items():
        assert hashlib.sha256((SCHEMA_DIR / name).read_bytes()).hexdigest() == sha
    licence = (SCHEMA_DIR / "LICENSE-REFI-QDA.md").read_text(encoding="utf-8")
    assert "MIT" in licence and "Permission is hereby granted" in licence
    assert schema_errors(EXAMPLE_QDC.encode(), "codebook") == []  # documents of the REFI examples' shape
    assert schema_errors(EXAMPLE_QDE.encode(), "project") == []
    broken = EXAMPLE_QDC.replace(' guid="00477428-cbe1-4a22-895b-736777f469ad"', "")
    assert any("guid" in e for e in schema_errors(broken.encode(), "codebook"))


def test_qdpx_import_checks_the_store_first(make_corpus: MakeCorpus, tmp_path: Path,
                                            lexicons: list[Lexicon]) -> None:
    """Importing codings into a store whose append-only guard was removed is refused before anything is written."""
    import sqlite3

    from corpus_tools.errors import StoreDamagedError
    from corpus_tools.jobs.exchange import import_qdpx
    from corpus_tools.store import CodingStore

    root = small_coded_corpus(make_corpus)
    corpus = load_corpus(root)
    out = tmp_path / "p.qdpx"
    write_qdpx(out, corpus, _state(corpus, lexicons), lexicons, created=CREATED)
    store = tmp_path / "s.sqlite"
    with CodingStore(store) as st:
        st.record("E1", "h", "opportunity.profitability", "add", "A")
    conn = sqlite3.connect(store, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS events_append_only_delete")
    conn.close()
    with pytest.raises(StoreDamagedError, match="failed its check"):
        import_qdpx(out, root, store=store)
    with CodingStore(store) as st:
        assert len(st.events()) == 1  # nothing was recorded
