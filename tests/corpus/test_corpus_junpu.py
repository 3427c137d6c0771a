"""The bundled Junpu corpus meets its issue: counts, languages, stages, lengths, formats, coded sample."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.store.codings import read_codings

VARS = load_lexicon("mass_entrepreneurship").variable_ids


def _length(text: str, lang: str) -> int:
    return len(text.split()) if lang == "en" else len(re.findall(r"[\u4e00-\u9fff]", text))


def test_counts_by_source_type(junpu: Corpus) -> None:
    assert junpu.docs["source_type"].value_counts().to_dict() == {"media": 104, "interview": 8, "government": 6}
    roles = junpu.docs.loc[junpu.docs["source_type"] == "interview", "role"].value_counts().to_dict()
    assert roles == {"entrepreneur": 6, "official": 2}


def test_language_mix(junpu: Corpus) -> None:
    media = junpu.docs[junpu.docs["source_type"] == "media"]
    share = media["lang"].value_counts(normalize=True)
    assert 0.50 <= share["zh-Hans"] <= 0.60
    assert 0.08 <= share["zh-Hant"] <= 0.14
    assert 0.30 <= share["en"] <= 0.40


def test_dates_follow_stages_and_peak(junpu: Corpus) -> None:
    media = junpu.docs[junpu.docs["source_type"] == "media"]
    years = media["year"].value_counts()
    assert years.index.min() == 2008 and years.index.max() == 2017
    assert years[[2013, 2014, 2015]].sum() > 0.5 * len(media)  # coverage peaks 2013-2015
    stages = junpu.docs["stage"].value_counts()
    assert stages["budding"] >= 10 and stages["growth"] >= 30 and stages["mature"] >= 30
    precision = media["date"].str.len().map({10: "day", 7: "month", 4: "year", 0: "none"}).value_counts()
    assert precision["month"] >= 4 and precision["year"] >= 2 and precision["none"] == 1


def test_lengths(junpu: Corpus) -> None:
    for r in junpu.docs.itertuples():
        n = _length(r.text, r.lang)
        if r.source_type == "media":
            lo, hi = (150, 900) if r.lang == "en" else (250, 1500)
        elif r.source_type == "interview":
            lo, hi = 1500, 4000
        else:
            lo, hi = 800, 3000
        assert lo <= n <= hi, f"{r.doc_id}: {n}"


def test_formats_and_encodings(junpu: Corpus) -> None:
    d = junpu.docs.set_index("doc_id")
    suffixes = Counter(p.rsplit(".", 1)[1] for p in d["path"])
    assert suffixes["docx"] >= 3 and suffixes["html"] >= 1
    assert (d.loc[d["source_type"] == "interview", "path"].str.endswith(".docx")).sum() >= 2
    gov = d[d["source_type"] == "government"]
    assert (gov["path"].str.endswith(".docx")).any() and (gov["encoding"] == "gb18030").sum() >= 1
    assert "big5" in set(d["encoding"])


def test_near_duplicate_reprints_flagged(junpu: Corpus) -> None:
    dups = junpu.docs.loc[junpu.docs["dup_of"] != "", ["doc_id", "dup_of"]]
    assert {("M027", "M026"), ("M046", "M045"), ("M072", "M071")} <= set(map(tuple, dups.to_numpy()))


def test_interview_turns_keep_speakers(junpu: Corpus) -> None:
    e = junpu.entries_with_meta()
    turns = e[e["source_type"] == "interview"]
    assert {"访谈者", "E1", "E6", "O1", "O2"} <= set(turns["speaker"])


@pytest.fixture(scope="module")
def codings(junpu: Corpus) -> pd.DataFrame:
    c = read_codings(junpu, VARS)
    assert c.problems == []  # every coded entry resolves to its text, with matching offsets
    return c.long


def test_coded_sample_size_and_coverage(junpu: Corpus, codings: pd.DataFrame) -> None:
    a = codings[codings["coder"] == "A"]
    assert a["entry_id"].nunique() >= 600
    per_var = a["code"].value_counts()
    for v in VARS:
        assert per_var.get(v, 0) >= 40, v
    assert per_var["none"] > 0
    meta = junpu.entries_with_meta().set_index("entry_id")
    coded = meta.loc[a["entry_id"].unique()]
    assert set(coded["source_type"]) == {"media", "interview", "government"}
    assert {"budding", "growth", "mature"} <= set(coded["stage"])
    assert (a.groupby("entry_id").size() > 1).any()  # multi-label


def test_second_coder_subset(codings: pd.DataFrame) -> None:
    b = set(codings.loc[codings["coder"] == "B", "entry_id"])
    a = set(codings.loc[codings["coder"] == "A", "entry_id"])
    assert len(b) >= 150 and b <= a


def test_coded_by_meaning_not_keywords(junpu: Corpus, codings: pd.DataFrame) -> None:
    from corpus_tools.scoring.score import Scorer, score_corpus

    s = score_corpus(junpu, Scorer([load_lexicon("mass_entrepreneurship")]), "entry").scores.set_index("entry_id")
    a = codings[(codings["coder"] == "A") & (codings["code"] != "none")]
    without_kw = sum(s.at[r.entry_id, r.code] == 0 for r in a.itertuples())
    coded = a.groupby("entry_id")["code"].apply(set)
    kw_not_coded = sum(1 for eid, cs in coded.items() for v in VARS if s.at[eid, v] > 0 and v not in cs)
    assert without_kw >= 50 and kw_not_coded >= 50


def test_entries_table_written_in_chunks_is_the_same_file(junpu: Corpus, tmp_path: Path) -> None:
    """entries.csv written `rows` entries at a time (analyze's bounded-memory path) has exactly the bytes of the
    whole frame written at once; an empty corpus still gets its header."""
    from corpus_tools.io.tables import write_chunks, write_table

    whole = write_table(junpu.entries_with_meta(), tmp_path / "whole.csv").read_bytes()
    assert write_chunks(junpu.entries_with_meta_chunks(rows=97), tmp_path / "chunks.csv").read_bytes() == whole
    assert sum(len(c) for c in junpu.entries_with_meta_chunks(rows=500)) == len(junpu.entries)
    empty = dataclasses.replace(junpu, entries=junpu.entries.iloc[:0])
    assert (write_chunks(empty.entries_with_meta_chunks(), tmp_path / "e.csv").read_bytes()
            == write_table(empty.entries_with_meta(), tmp_path / "e2.csv").read_bytes())
