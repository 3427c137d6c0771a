"""Entries: paragraphs, sentences, speakers, offsets into the original text, and ids that do not move."""

from __future__ import annotations

from corpus_tools.corpus.entries import paragraphs, split_entries
from corpus_tools.corpus.loader import load_corpus
from tests.conftest import MakeCorpus

TRANSCRIPT = """【访谈时间】2015年1月8日

访谈者：你是哪一年开始的？

E1：嗯……2011年吧。那时候就是跟着别人卖T恤。

补充：他笑了。

访谈者：好的。"""


def test_offsets_point_into_original() -> None:
    text = "第一段。\n\n  第二段有空格。  \n\n\n第三段"
    for e in split_entries("D", text):
        assert text[e.start:e.end] == e.text
    assert [e.text for e in split_entries("D", text)] == ["第一段。", "第二段有空格。", "第三段"]


def test_no_blank_lines_means_one_paragraph_per_line() -> None:
    assert len(paragraphs("a\nb\nc")) == 3
    assert len(paragraphs("a\nb\n\nc")) == 2


def test_transcript_speakers() -> None:
    es = list(split_entries("I01", TRANSCRIPT))
    assert [e.speaker for e in es] == ["", "访谈者", "E1", "补充", "访谈者"]
    assert es[2].text.startswith("嗯")  # the label is not part of the entry span
    assert all(TRANSCRIPT[e.start:e.end] == e.text for e in es)


def test_long_paragraph_split_into_sentences() -> None:
    para = "这是第一句，讲物流。" * 20 + "最后一句！" + "English part. Another sentence here? Yes."
    es = list(split_entries("D", para, max_len=100))
    assert len(es) > 20
    assert all(e.text.endswith(("。", "！", ".", "?")) for e in es)
    assert "".join(e.text for e in es).replace(" ", "") == para.replace(" ", "")


def test_ids_stable_under_edits_elsewhere_and_repeats() -> None:
    a = "甲段落。\n\n乙段落。\n\n甲段落。"
    b = "新加的段落。\n\n甲段落。\n\n乙段落（改）。\n\n甲段落。"
    ida = [e.entry_id for e in split_entries("D", a)]
    idb = [e.entry_id for e in split_entries("D", b)]
    assert ida[0] == idb[1] and ida[2] == idb[3] and ida[2].endswith("-2")
    assert ida[1] not in idb  # the edited paragraph gets a new id


def test_ids_ignore_script_width_and_whitespace() -> None:
    s = next(split_entries("D", "軍埔村 電商ＡＢＣ")).entry_id
    t = next(split_entries("D", "军埔村  电商ABC")).entry_id
    assert s == t


def test_ids_stable_across_loads_and_row_order(make_corpus: MakeCorpus) -> None:
    docs = [{"doc_id": "A", "text": "一段。\n\n二段。", "date": "2013"},
            {"doc_id": "B", "text": "Another text.\n\nSecond para.", "date": "2014"}]
    r1 = load_corpus(make_corpus(docs))
    r2 = load_corpus(make_corpus(list(reversed(docs))))
    assert sorted(r1.entries["entry_id"]) == sorted(r2.entries["entry_id"])
