"""A tiny corpus for span codings and memos: Chinese and English documents, an astral character (emoji) before
the planted spans (so code-point and UTF-16 offsets differ), a transcript with speaker labels outside entries,
and helpers that find a planted phrase's document offsets."""

from __future__ import annotations

from pathlib import Path

from tests.support.corpus import write_corpus

DOCS: list[dict[str, str]] = [
    {"doc_id": "Z1", "title": "军埔电商记", "source_type": "media", "date": "2012-05-01", "lang": "zh-Hans",
     "text": "😀 军埔村的年轻人开网店，利润不错，很多人赚钱了。\n\n"
             "快递公司进村以后，物流方便了很多。\n\n"
             "村里的老人说，大家都想脱贫致富。"},
    {"doc_id": "E1", "title": "A seller's story 🛒", "source_type": "interview", "date": "2015-01-10", "lang": "en",
     "text": "Q: How did you start?\n\n"
             "A: We 🙂 used our own savings and some profits from the first month.\n\n"
             "A: Broadband and logistics made it possible to sell online."},
]


def build_span_corpus(root: Path) -> Path:
    """Write the corpus folder (no codings.csv); returns its path."""
    return write_corpus(root, "spantiny", DOCS)


def text_of(doc_id: str) -> str:
    """The planted text of a document."""
    return next(d["text"] for d in DOCS if d["doc_id"] == doc_id)


def offsets(doc_id: str, phrase: str) -> tuple[int, int]:
    """Document offsets (code points) of the first occurrence of `phrase`."""
    start = text_of(doc_id).index(phrase)
    return start, start + len(phrase)
