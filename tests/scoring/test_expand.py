"""Lexicon expansion: candidates with counts and contexts, honest notes, and byte-preserving --accept."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools import schema
from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.errors import ConfigError, LexiconError
from corpus_tools.io.resources import lexicons_dir
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.expand import accept_terms, expand, find_variables, writable_lexicon_path
from corpus_tools.text.tokenize import Tokenizer
from tests.conftest import MakeCorpus
from tests.support.topics import themed_docs

LEXICON_YAML = """\
# a small test codebook; comments, spacing and ordering must survive an accept
name: tiny
version: "1.0"
constructs:
  opportunity:
    label: {en: Opportunity}
    variables:
      feasibility:
        label: {en: Feasibility}   # inline comment
        definition: >-
          Logistics and infrastructure.
        terms:
          en: [courier, parcel*,
               delivery]
          zh: [快递, 物流]
      profitability:
        label: {en: Profitability}
        terms:
          en:
            - profit*
            - "low cost"
  government:
    label: {en: Government}
    variables:
      support:
        label: {en: Support}
        terms:
          en: [subsidy, loans]
"""
TODAY = dt.date(2024, 5, 1)


@pytest.fixture
def lexicon_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_bytes(LEXICON_YAML.encode("utf-8"))
    return path


def test_accept_flow_list_changes_only_that_list(lexicon_file: Path) -> None:
    added = accept_terms(lexicon_file, "opportunity.feasibility", ["truck", "depot"], source="corpus t",
                         reasons={"truck": "candidate rank 1, both"}, today=TODAY)
    assert added == ["truck", "depot"]
    new = lexicon_file.read_text(encoding="utf-8")
    comment = ("          # corpus-tools expand 2024-05-01 (corpus t): accepted truck (candidate rank 1, both), "
               "depot\n")
    assert comment in new
    # undo the two insertions: the rest of the file is byte-for-byte the original
    assert new.replace(comment, "").replace("delivery, truck, depot]", "delivery]") == LEXICON_YAML
    lex = load_lexicon(lexicon_file)
    assert lex.variable("opportunity.feasibility").terms["en"] == ("courier", "parcel*", "delivery", "truck", "depot")
    original = lexicon_file.parent / "orig.yaml"
    original.write_text(LEXICON_YAML, encoding="utf-8")
    before = load_lexicon(original)
    for vid in ("opportunity.profitability", "government.support"):
        assert lex.variable(vid) == before.variable(vid)


def test_accept_block_list_new_language_and_quoting(lexicon_file: Path) -> None:
    accept_terms(lexicon_file, "opportunity.profitability", ["margin: high", "利润"], today=TODAY)
    new = lexicon_file.read_text(encoding="utf-8")
    lex = load_lexicon(lexicon_file)
    v = lex.variable("opportunity.profitability")
    assert v.terms["en"] == ("profit*", "low cost", "margin: high")
    assert v.terms["zh"] == ("利润",)
    kept = [line for line in new.splitlines(keepends=True) if "corpus-tools expand" not in line
            and "margin: high" not in line and "利润" not in line]
    assert "".join(kept) == LEXICON_YAML
    # other variables untouched
    assert lex.variable("government.support").terms == {"en": ("subsidy", "loans")}


def test_accept_is_idempotent_and_keeps_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    original = b"\xef\xbb\xbf" + LEXICON_YAML.replace("\n", "\r\n").encode("utf-8")
    path.write_bytes(original)
    assert accept_terms(path, "government.support", ["grants"], today=TODAY) == ["grants"]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    assert accept_terms(path, "government.support", ["grants", "subsidy"], today=TODAY) == []
    assert path.read_bytes() == raw  # nothing new: file not rewritten
    assert load_lexicon(path).variable("government.support").terms["en"] == ("subsidy", "loans", "grants")


def test_accept_refuses_unknown_variables_and_bundled_lexicons(lexicon_file: Path) -> None:
    before = lexicon_file.read_bytes()
    with pytest.raises(LexiconError):
        accept_terms(lexicon_file, "opportunity.nothing", ["x"])
    assert lexicon_file.read_bytes() == before
    bundled = load_lexicon("mass_entrepreneurship")
    assert bundled.path is not None and bundled.path.resolve().is_relative_to(lexicons_dir().resolve())
    with pytest.raises(ConfigError, match="bundled"):
        writable_lexicon_path(bundled)
    assert writable_lexicon_path(load_lexicon(lexicon_file)) == lexicon_file
    with pytest.raises(LexiconError):
        find_variables([load_lexicon(lexicon_file)], "nothing")
    assert [v.id for _, v in find_variables([load_lexicon(lexicon_file)], "support")] == ["government.support"]


@pytest.fixture
def themed_with_lexicon(make_corpus: MakeCorpus, lexicon_file: Path) -> Corpus:
    root = make_corpus(themed_docs(paragraphs=6), lexicons='["tiny.yaml"]')
    shutil.copy(lexicon_file, root / "tiny.yaml")
    return load_corpus(root)


def test_candidates_have_counts_contexts_and_honest_notes(themed_with_lexicon: Corpus) -> None:
    lex = [load_lexicon(ref, themed_with_lexicon.root) for ref in themed_with_lexicon.config.lexicons]
    res = expand(themed_with_lexicon, Tokenizer(), lex, "opportunity.feasibility", top_n=8)
    c = res.candidates
    assert list(c.columns) == list(schema.EXPANSION_CANDIDATES)
    assert 0 < len(c) <= 8 and list(c["rank"]) == list(range(1, len(c) + 1))
    assert set(c["source"]) <= {"word2vec", "cooccurrence", "both"}
    assert (c["frequency"] >= 3).all() and (c["n_with_variable"] <= c["n_entries"]).all()
    assert not set(c["term"]) & {"courier", "delivery", "parcel", "parcels"}  # already covered terms
    assert c["context_1"].str.contains(r"\[", regex=True).all()
    # the logistics theme co-occurs with the variable's terms
    assert set(c["term"]) & {"truck", "depot", "warehouse", "freight", "shipping", "express", "tracking"}
    assert any("too small for word embeddings" in n for n in res.notes)
    again = expand(themed_with_lexicon, Tokenizer(), lex, "opportunity.feasibility", top_n=8)
    assert again.candidates.equals(c)  # fixed seed, one worker: same candidates


def test_expand_cli_accept_and_help(themed_with_lexicon: Corpus) -> None:
    from corpus_tools.cli import main

    root = themed_with_lexicon.root
    before = (root / "tiny.yaml").read_text(encoding="utf-8")
    res = CliRunner().invoke(main, ["expand", "feasibility", str(root), "-n", "5", "--accept", "truck"])
    assert res.exit_code == 0, res.output
    assert "too small for word embeddings" in res.output and "opportunity.feasibility" in res.output
    after = (root / "tiny.yaml").read_text(encoding="utf-8")
    assert "truck]" in after and "# corpus-tools expand" in after
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    bad = CliRunner().invoke(main, ["expand", "all", str(root), "--accept", "truck"])
    assert bad.exit_code != 0
    bundled = CliRunner().invoke(main, ["expand", "feasibility", "--accept", "x"])
    assert bundled.exit_code == 1 and "bundled lexicon" in bundled.output
    helped = CliRunner().invoke(main, ["expand", "--help"])
    assert helped.exit_code == 0 and "--accept" in helped.output
