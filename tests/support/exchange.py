"""Tiny coded corpora for the agreement and exchange tests (a corpus folder plus a codings.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

from corpus_tools.corpus.loader import Corpus, load_corpus
from tests.conftest import MakeCorpus

DOCS = [
    {"doc_id": "D1", "date": "2010-05-03", "source_type": "media", "text":
        "淘宝店的利润很高，成本低。\n\n村里的年轻人学会了开网店。\n\n政府修了路。\n\n大家互相帮忙，亲戚朋友都来了。"},
    {"doc_id": "D2", "date": "2014-03", "source_type": "interview", "lang": "en", "text":
        "We sold online because it was cheap to start.\n\nMy cousin showed me how to run the shop.\n\n"
        "I wanted to prove myself.\n\nWe copied the popular goods."},
    {"doc_id": "D3", "source_type": "government", "text":
        "鎮政府組織培訓。\n\n家庭生活需要收入。\n\n我們要做品牌，走出去。"},
]

# (doc index, paragraph index, coder, codes) -- A codes everything, B double-codes most entries
CODINGS = [
    (0, 0, "A", "opportunity.profitability"), (0, 0, "B", "opportunity.profitability"),
    (0, 1, "A", "ability.identification"), (0, 1, "B", "ability.identification;ability.organization"),
    (0, 2, "A", "none"), (0, 2, "B", "none"),
    (0, 3, "A", "motivation.social_support"), (0, 3, "B", "motivation.social_support"),
    (1, 0, "A", "opportunity.feasibility;opportunity.profitability"), (1, 0, "B", "opportunity.feasibility"),
    (1, 1, "A", "ability.organization"), (1, 1, "B", "ability.organization"),
    (1, 2, "A", "motivation.self_actualization"), (1, 2, "B", "motivation.self_actualization"),
    (1, 3, "A", "activity.low_ambition"),
    (2, 0, "A", "none"), (2, 0, "B", "none"),
    (2, 1, "A", "motivation.living_demands"), (2, 1, "B", "motivation.living_demands"),
    (2, 2, "A", "activity.high_ambition"), (2, 2, "B", "activity.high_ambition"),
]


def entry_rows(corpus: Corpus) -> dict[tuple[int, int], dict[str, object]]:
    """(doc index, paragraph index) -> entry row."""
    out = {}
    for di, doc in enumerate(DOCS):
        es = corpus.entries[corpus.entries["doc_id"] == doc["doc_id"]].sort_values("seq")
        for pi, row in enumerate(es.to_dict("records")):
            out[(di, pi)] = row
    return out


def write_small_codings(root: Path, codings: list[tuple[int, int, str, str]] = CODINGS) -> Path:
    """Write codings.csv for the corpus at `root` (offsets and ids from the loaded corpus)."""
    corpus = load_corpus(root)
    rows = entry_rows(corpus)
    path = root / "codings.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entry_id", "doc_id", "start", "end", "coder", "codes", "note"])
        for di, pi, coder, codes in codings:
            e = rows[(di, pi)]
            w.writerow([e["entry_id"], e["doc_id"], e["start"], e["end"], coder, codes, ""])
    return path


def small_coded_corpus(make_corpus: MakeCorpus, codings: list[tuple[int, int, str, str]] = CODINGS) -> Path:
    """A three-document corpus folder (zh-Hans, en, zh-Hant; one undated) with a codings.csv by A and B."""
    root = make_corpus(DOCS)
    write_small_codings(root, codings)
    return root
