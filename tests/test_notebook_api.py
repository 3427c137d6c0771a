"""The notebook session of docs/notebook.md as a script: a GBK table with semicolons and an outlet column,
through the public API only, to scores, concordances and the full analysis."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import corpus_tools as ct
from corpus_tools.errors import InputTableError
from tests.support.tables import texts_frame, write_gbk_semicolon


def test_public_api_session(tmp_path: Path) -> None:
    table = write_gbk_semicolon(texts_frame(12), tmp_path / "texts.csv")
    corpus = ct.Corpus.from_table(table, title="标题")
    assert len(corpus.docs) == 12 and "region" in corpus.meta_columns
    assert "<b>Corpus texts</b>: 12 documents" in corpus._repr_html_()
    scores = ct.score(corpus)
    assert isinstance(scores, pd.DataFrame) and {"outlet", "region", "rate_per_1k"} <= set(scores.columns)
    by_outlet = ct.score(corpus, by="outlet")
    assert set(by_outlet["outlet"]) == {"南方日报", "Global Retail Review"}
    lines = ct.kwic("租金 OR opportunity.profitability", corpus)
    assert len(lines) > 0 and {"doc_id", "start", "end", "matched", "outlet"} <= set(lines.columns)
    text = dict(zip(corpus.docs["doc_id"], corpus.docs["text"], strict=True))
    assert all(text[d][s:e] == m for d, s, e, m in zip(lines["doc_id"], lines["start"], lines["end"],
                                                        lines["matched"], strict=True))
    res = ct.analyze(corpus, out=tmp_path / "analysis", topics=False, suggestions=False, n_boot=20, n_perm=19,
                     by=["outlet"])
    assert res.n_documents == 12 and res.files["report"].is_file() and "by_outlet" in res._repr_html_()


def test_frames_and_the_bundled_corpus(tmp_path: Path) -> None:
    df = texts_frame(4).rename(columns={"text": "body"})
    c = ct.Corpus.from_frame(df, text="body", title="标题")
    assert list(c.docs["doc_id"]) == ["D01", "D02", "D03", "D04"]
    assert ct.Corpus.from_frame(df, text="body", title="标题").root == c.root  # same frame, same folder
    with pytest.raises(InputTableError, match="did you mean 'body'"):
        ct.Corpus.from_frame(df, text="bdy")
    assert ct.score(df, text="body")["total"].sum() > 0
    assert ct.bundled_corpus().config.name == "junpu"
    assert set(ct.evidence(df, text="body")["outlet"]) <= {"南方日报", "Global Retail Review"}
