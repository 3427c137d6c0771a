"""`prepare` with the tokens analyze already holds: the same topic input as tokenizing again, and only the
entries that junk stripping changed are tokenized."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corpus_tools.corpus.loader import load_corpus
from corpus_tools.framing import entry_content_words
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.match import all_terms
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics.prepare import prepare
from tests.support.topics import themed_docs

JUNK = ["Share this | Facebook | Twitter | Email | Print", "xiāng kāi fā shop owners sell online"]


def _corpus(make_corpus: Any) -> Any:
    docs = themed_docs({"budding": 2, "growth": 2, "mature": 2}, paragraphs=6)
    for i, d in enumerate(docs):  # a menu line and a pinyin run in some entries: strip_junk changes those
        d["text"] = d["text"].replace("\n\n", f"\n{JUNK[i % 2]}\n", 1) if i % 3 else d["text"]
    mixed = {"doc_id": "Z01", "date": "2016-05-01", "lang": "zh-Hans",
             "text": "军埔村的年轻人在网上开店卖衣服。\n\n电商协会组织培训，快递公司进村收件。"}
    return load_corpus(make_corpus([*docs, mixed]))


class CountingTokenizer(Tokenizer):
    """A tokenizer that counts the texts it is asked for content words."""

    calls = 0

    def content_words(self, text: str) -> list[str]:  # type: ignore[override]
        CountingTokenizer.calls += 1
        return super().content_words(text)


def test_given_tokens_give_the_same_input_and_only_changed_entries_are_tokenized(make_corpus: Any) -> None:
    corpus = _corpus(make_corpus)
    lex = [load_lexicon("mass_entrepreneurship")]
    plain = prepare(corpus, Tokenizer(), lex)
    tok = CountingTokenizer()
    tok.add_words(all_terms(lex))  # as analyze's scorer does before its tokens step
    tokens = entry_content_words(corpus, tok)
    n_entries = CountingTokenizer.calls
    CountingTokenizer.calls = 0
    reused = prepare(corpus, tok, lex, tokens=tokens)
    assert reused.docs == plain.docs and reused.vocabulary == plain.vocabulary and reused.notes == plain.notes
    pd.testing.assert_frame_equal(reused.entries, plain.entries)
    assert any("boilerplate" in n or "pinyin" in n for n in plain.notes)  # strip_junk did change entries
    assert 0 < CountingTokenizer.calls < n_entries / 2  # only those were tokenized again
    # an entry missing from the given tokens is tokenized: the same input again
    CountingTokenizer.calls = 0
    some = dict(list(tokens.items())[::2])
    assert prepare(corpus, tok, lex, tokens=some).docs == plain.docs
    assert CountingTokenizer.calls > 0
