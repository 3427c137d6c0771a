"""Junk entries: planted menus, markup, pinyin runs and boilerplate are flagged and left out of scores and
topics; real passages (even repeated ones) are not."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.corpus.junk import junk_summary, text_reason
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.score import Scorer, score_corpus
from tests.conftest import MakeCorpus

MENU = "Home | News | Business | Contact"
RELATED = "Related Stories"
REAL = "Young people in the village opened online shops because the rent was low."


def _web_docs() -> list[dict[str, str]]:
    docs = []
    for i in range(4):
        body = f"Article {i}: sellers in Junpu talk about profits and low barriers to entry in year {2010 + i}."
        docs.append({"doc_id": f"W{i}", "outlet": "Web Daily", "date": f"{2012 + i}",
                     "text": f"{MENU}\n\n!\n\n{body}\n\n{RELATED}\n\n|\n\nJūnpǔ Cūn zhòng chuàng"})
    # the same real sentence in two documents of another outlet is a quotation, not boilerplate
    docs.append({"doc_id": "P1", "outlet": "Paper", "date": "2013", "text": f"{REAL}\n\nMore text on rent."})
    docs.append({"doc_id": "P2", "outlet": "Paper", "date": "2014", "text": f"Another story.\n\n{REAL}"})
    # no outlet: repeated lines are not judged as boilerplate
    docs += [{"doc_id": f"N{i}", "date": "2014", "text": f"{RELATED}\n\nThe rent is low, story {i}."} for i in range(3)]
    return docs


def test_planted_junk_is_flagged_and_nothing_else(make_corpus: MakeCorpus) -> None:
    c = load_corpus(make_corpus(_web_docs()))
    flagged = c.entries[c.entries["junk"] != ""]
    got = {(d, t, r) for d, t, r in zip(flagged["doc_id"], flagged["text"], flagged["junk"], strict=True)}
    expected = set()
    for i in range(4):
        expected |= {(f"W{i}", MENU, "boilerplate"), (f"W{i}", "!", "markup"), (f"W{i}", RELATED, "boilerplate"),
                     (f"W{i}", "|", "markup"), (f"W{i}", "Jūnpǔ Cūn zhòng chuàng", "pinyin")}
    assert got == expected
    assert junk_summary(c.entries) == {"boilerplate": 8, "markup": 8, "pinyin": 4}
    notes = [p for p in c.problem_list if p.code == "junk-entries"]
    assert {p.doc_id for p in notes} == {"W0", "W1", "W2", "W3"} and all(p.level == "note" for p in notes)


def test_junk_counts_nothing_unless_kept(make_corpus: MakeCorpus) -> None:
    c = load_corpus(make_corpus([{"doc_id": f"W{i}", "outlet": "Web", "text": f"rent rent\n\nStory {i} on profits."}
                                 for i in range(3)]))
    assert set(c.entries["junk"]) == {"", "boilerplate"}  # "rent rent" repeats in three pages of the outlet
    scorer = Scorer([load_lexicon("mass_entrepreneurship")])
    res = score_corpus(c, scorer, "entry")
    assert len(res.scores) == len(c.entries)  # junk rows stay, counting nothing (rate missing)
    junk_rows = res.scores[res.scores["entry_id"].isin(c.entries.loc[c.entries["junk"] != "", "entry_id"])]
    assert (junk_rows["total"] == 0).all() and junk_rows["rate_per_1k"].isna().all()
    assert set(res.evidence["matched"].str.lower()) == {"profits"}
    kept = score_corpus(dataclasses.replace(c, keep_junk=True), scorer, "document")
    assert kept.scores["opportunity.feasibility"].sum() == 6  # "rent" twice in each of three documents


def test_validate_lists_junk_and_analyze_counts_it(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = make_corpus(_web_docs())
    r = CliRunner().invoke(main, ["validate", str(root)])
    assert r.exit_code == 0 and "junk-entries: 5 junk entries left out of scores and topics" in r.output
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["analyze", str(root), "-o", str(out), "--no-topics", "--no-suggestions",
                                  "--n-boot", "20", "--permutations", "19"])
    assert r.exit_code == 0, r.output
    assert "20 junk entries left out of scores and topics (8 boilerplate, 8 markup, 4 pinyin)" in r.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["corpus"]["junk_entries"] == {"boilerplate": 8, "markup": 8, "pinyin": 4}
    assert "junk entries left out" in (out / "report.html").read_text(encoding="utf-8")


def test_html_outside_the_main_content_is_junk(make_corpus: MakeCorpus) -> None:
    article = " ".join(["Sellers in Junpu say the rent is low and profits are high."] * 4)
    page = (f"<html><body><div class='nav'><ul><li>Home</li><li>Local news</li><li>Business</li></ul></div>"
            f"<div class='article'><h1>Junpu shops</h1><div class='meta'>2013-11-26 Source: Web Daily</div>"
            f"<p>{article}</p><p>Officials promised better roads and cheaper broadband for the village.</p></div>"
            f"<div class='footer'><p>Copyright 2013 Web Daily. All rights reserved.</p></div></body></html>")
    c = load_corpus(make_corpus([{"doc_id": "H1", "file": "H1.html", "title": "Junpu shops", "text": page}]))
    e = c.entries.set_index("text")["junk"]
    assert e["Home"] == "outside-main" and e["Copyright 2013 Web Daily. All rights reserved."] == "outside-main"
    assert e["Junpu shops"] == ""  # the headline (the document's title) is content
    assert e["Officials promised better roads and cheaper broadband for the village."] == ""
    assert c.docs.at[0, "text"].startswith("Home")  # the text stays all visible blocks: offsets hold


def test_text_reasons() -> None:
    assert [text_reason(t) for t in ("a", "12", "——", "&nbsp;", "[Home](/)", "<br/>")] == [
        "short", "short", "markup", "markup", "markup", "markup"]
    assert text_reason("对。") == "short" and text_reason("是这样。") == ""
    assert text_reason("Li Wei (李伟) said rent was low.") == "" and text_reason("Zhāng Wěi said so.") == ""
