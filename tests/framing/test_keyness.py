"""Distinctive words with dispersion and a document-level permutation null: a word spread over a group's
documents passes; a word from one chatty document, and words in a corpus without group differences, do not."""

from __future__ import annotations

import random
from collections import Counter

from corpus_tools import schema
from corpus_tools.framing.keyness import distinctive_words

COMMON = [f"w{i}" for i in range(60)]


def corpus(seed: int = 0, planted: bool = True) -> tuple[dict[str, Counter[str]], dict[str, str]]:
    rng = random.Random(seed)
    docs, groups = {}, {}
    for g in ("A", "B"):
        for i in range(15):
            d = f"{g}{i}"
            words = rng.choices(COMMON, k=200)
            for w in rng.sample(COMMON, 3):  # bursty: each document repeats a few words of its own
                words += [w] * 12
            if planted and g == "A":
                words += ["spread"] * 4  # every A document uses it a little
            if planted and d == "B0":
                words += ["chatty"] * 60  # one B document uses it a lot
            docs[d] = Counter(words)
            groups[d] = g
    return docs, groups


def test_spread_word_passes_and_one_document_word_is_flagged() -> None:
    docs, groups = corpus()
    frame, notes = distinctive_words(docs, groups, ["A", "B"], by="stage", n_perm=199, seed=1, min_count=3)
    assert list(frame.columns) == list(schema.DISTINCTIVE_WORDS)
    a = frame[frame["group"] == "A"].set_index("word")
    assert a.loc["spread", "beyond_null"] and a.loc["spread", "doc_freq"] == 15 and a.loc["spread", "rank"] == 1
    assert a.loc["spread", "n_docs_group"] == 15 and a.loc["spread", "top_doc_share"] < 0.2
    b = frame[frame["group"] == "B"].set_index("word")
    assert b.loc["chatty", "doc_freq"] == 1 and b.loc["chatty", "top_doc_share"] == 1.0
    assert b.loc["chatty", "z"] > 1.96  # token-level z calls it distinctive ...
    # ... and the document-level null is far higher than 1.96 for a word count driven by one document
    assert b.loc["chatty", "z_null95"] > 1.96
    assert frame["prior"].str.startswith("informative").all() and frame["z_flat"].notna().all()
    assert any("pass the document-level permutation threshold" in n for n in notes)


def test_no_group_difference_few_words_beyond_null() -> None:
    passed, conventional = 0, 0
    for seed in range(10):
        docs, groups = corpus(seed, planted=False)
        frame, _ = distinctive_words(docs, groups, ["A", "B"], n_perm=199, seed=seed, min_count=3)
        passed += int(frame.groupby("group")["beyond_null"].any().sum())
        conventional += int(frame.groupby("group")["z"].max().gt(1.96).sum())
    # bursty noise: z > 1.96 finds "distinctive" words in most groups; the null's threshold in about 5%
    assert conventional >= 12 and passed <= 4


def test_seeded_and_degenerate() -> None:
    docs, groups = corpus()
    f1, _ = distinctive_words(docs, groups, ["A", "B"], n_perm=49, seed=3)
    f2, _ = distinctive_words(docs, groups, ["A", "B"], n_perm=49, seed=3)
    assert f1.equals(f2)
    one, _ = distinctive_words(docs, groups, ["A"], n_perm=9)
    assert one.empty and list(one.columns) == list(schema.DISTINCTIVE_WORDS)
