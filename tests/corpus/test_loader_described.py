"""The optional about_date and period columns of documents.csv."""

from __future__ import annotations

from pathlib import Path

from corpus_tools.corpus.loader import load_corpus
from tests.support.corpus import STAGES_TOML


def test_about_date_and_period_are_read_and_checked(tmp_path: Path) -> None:
    root = tmp_path / "c"
    (root / "texts").mkdir(parents=True)
    (root / "corpus.toml").write_text('name = "t"\nlexicons = ["mass_entrepreneurship"]\n' + STAGES_TOML,
                                      encoding="utf-8")
    rows = [("A", "2013-05", ""), ("B", "", "growth"), ("C", "someday", ""), ("D", "", "golden age")]
    lines = ["doc_id,path,title,source_type,date,about_date,period"]
    for did, about, period in rows:
        (root / "texts" / f"{did}.txt").write_text("村里开网店。", encoding="utf-8")
        lines.append(f"{did},texts/{did}.txt,{did},interview,2015-01-10,{about},{period}")
    (root / "documents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = load_corpus(root)
    docs = corpus.docs.set_index("doc_id")
    assert docs.loc["A", "about_date"] == "2013-05" and docs.loc["B", "period"] == "growth"
    assert docs.loc["C", "about_date"] == "" and docs.loc["D", "period"] == ""
    assert {"bad-about-date", "unknown-period"} <= set(corpus.problems["code"])
    assert (docs["stage"] == "mature").all()  # the stage is still by publication date


def test_further_columns_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "c"
    (root / "texts").mkdir(parents=True)
    (root / "corpus.toml").write_text('name = "t"\nlexicons = ["mass_entrepreneurship"]\n', encoding="utf-8")
    (root / "texts" / "A.txt").write_text("村里开网店。", encoding="utf-8")
    (root / "texts" / "B.txt").write_text("政府培训。", encoding="utf-8")
    (root / "documents.csv").write_text("doc_id,path,title,source_type,region,text\n"
                                        "A,texts/A.txt,A,media,east,ignored\nB,texts/B.txt,B,media,west,ignored\n",
                                        encoding="utf-8")
    docs = load_corpus(root).docs.set_index("doc_id")
    assert list(docs["region"]) == ["east", "west"]
    assert docs.loc["A", "text"] == "村里开网店。"  # a column named like a derived one never overrides it
