"""Tokenizer: offsets into the original, t2s and width folding, engines agree, injection, isolation."""

from __future__ import annotations

import pytest

from corpus_tools.corpus.loader import Corpus
from corpus_tools.errors import ConfigError
from corpus_tools.text.normalize import normalize, to_simplified
from corpus_tools.text.tokenize import Tokenizer


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


def test_normalize_keeps_length() -> None:
    for s in ["軍埔村電子商務", "ＡＢＣ　１２３", "İstanbul ß", "乾隆年間的頭髮"]:
        assert len(normalize(s)) == len(s)
    assert normalize("軍埔村ＡＢＣ") == "军埔村abc"
    assert to_simplified("電商") == "电商"


def test_offsets_into_original_traditional_and_fullwidth(tok: Tokenizer) -> None:
    text = "軍埔村的網店，ＴＡＯＢＡＯ shop's owners 2014年賺錢"
    toks = tok.tokenize(text)
    assert "网店" in toks.words and "taobao" in toks.words
    for w, s, e in toks.spans():
        assert normalize(text[s:e]) == w


def test_mixed_english_chinese(tok: Tokenizer) -> None:
    words = tok.words("E-commerce in 军埔村 took off; 电商 boomed.")
    assert words[:3] == ["e-commerce", "in", "军埔村"]
    assert "电商" in words and "boomed" in words


def test_content_words_drop_stopwords(tok: Tokenizer) -> None:
    words = tok.content_words("The village is in Guangdong 我们的村子在广东 2014")
    assert "the" not in words and "我们" not in words and "2014" not in words
    assert "village" in words and "广东" in words


def test_injection_keeps_terms_whole_and_instances_isolated() -> None:
    a = Tokenizer(user_words=["门槛低"])
    b = Tokenizer()
    assert a.words("贴息贷款门槛低") == ["贴息贷款", "门槛低"]
    assert b.words("贴息贷款门槛低") == ["贴息贷款", "门槛", "低"]
    assert a.keeps_whole("門檻低")  # Traditional input converted before the check


def test_unknown_engine() -> None:
    with pytest.raises(ConfigError, match="engine"):
        Tokenizer("nltk")


def test_engines_agree_on_bundled_corpus(junpu: Corpus) -> None:
    """rjieba (default) and the reference jieba give identical tokens on every entry."""
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.lexicon.match import all_terms

    terms = all_terms([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")])
    r, j = Tokenizer("rjieba", terms), Tokenizer("jieba", terms)
    texts = list(junpu.entries["text"])
    diffs = [t for t in texts if r.words(t) != j.words(t)]
    assert not diffs, f"{len(diffs)} of {len(texts)} entries differ, e.g. {diffs[:2]}"


def test_fast_normalisation_gives_same_words_as_full(junpu: Corpus, tok: Tokenizer) -> None:
    from corpus_tools.text.normalize import normalize, normalize_for_tokens

    for text in junpu.docs["text"]:
        assert tok.tokenize_normalized(normalize(text)).words == tok.tokenize_normalized(
            normalize_for_tokens(text)).words
