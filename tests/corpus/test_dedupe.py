"""Near-duplicate detection: planted copies are found with their exact Jaccard similarity, nothing else is."""

from __future__ import annotations

import random
import zlib

import numpy as np

from corpus_tools.corpus.dedupe import near_duplicates, shingle_array, shingles

WORDS = ["淘宝", "网店", "村民", "快递", "政府", "培训", "利润", "租金", "shop", "village", "loan", "rent", "服装"]


def _jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def test_shingles_are_the_hashed_five_grams() -> None:
    text = "Taobao village, 军埔村!"
    arr = shingle_array(text)
    assert list(arr) == sorted(set(arr.tolist())) and shingles(text) == set(arr.tolist())
    assert zlib.crc32(b"taoba") in shingles(text)  # lower-cased, spaces and punctuation dropped
    assert len(shingle_array("abc")) == 1 and len(shingle_array("  ")) == 0


def test_planted_copies_are_found_against_brute_force() -> None:
    rng = random.Random(7)
    base = ["".join(rng.choice(WORDS) for _ in range(40)) for _ in range(60)]
    texts = list(base)
    planted = {}
    for _ in range(25):  # copies with a few words changed, placed later
        src = rng.randrange(len(base))
        words = [rng.choice(WORDS) for _ in range(3)]
        texts.append(base[src][:30] + "".join(words) + base[src][30:])
        planted[len(texts) - 1] = src
    order = list(range(len(texts)))
    found = near_duplicates(texts, order, threshold=0.8)
    sets = [shingles(t) for t in texts]
    for i, hit in enumerate(found):
        earlier = [(j, _jaccard(sets[i], sets[j])) for j in range(i)]
        best = [j for j, s in earlier if s >= 0.8]
        if hit is None:
            assert not best, i  # LSH missed nothing a brute-force scan finds here
        else:
            j, sim = hit
            assert j == min(best) and abs(sim - _jaccard(sets[i], sets[j])) < 1e-12
    assert all(found[i] is not None for i in planted)
    assert all(found[i] is None for i in range(60) if not any(_jaccard(sets[i], sets[j]) >= 0.8 for j in range(i)))


def test_nothing_to_compare_is_no_duplicate() -> None:
    assert near_duplicates([]) == []
    assert near_duplicates(["", "short"]) == [None, None]  # both below min_chars
    assert near_duplicates(["a long enough text about rents", ""]) == [None, None]


def test_compiled_shingles_and_band_keys_equal_the_python_ones(monkeypatch) -> None:
    """The compiled shingle hashes and MinHash band keys give exactly the Python numbers (mixed scripts,
    Traditional characters, astral characters, texts shorter than a shingle)."""
    import corpus_tools.corpus.dedupe as dd

    if dd._FAST is None:
        import pytest

        pytest.skip("compiled speedups not built")
    rng = random.Random(3)
    alphabet = [*WORDS, "軍埔", "電商", "😀", "é", "ß", "x", "  ", "，", "Ⅻ", "ﬁ", "_", "\u3000", "Ｒｅｎｔ", "’", "¼",
                "𠀀"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    texts += ["abc", "abcde", "abcdef", "", "😀😀😀😀😀😀"]
    texts += [texts[i] + "x" for i in range(0, 300, 7)]  # near-duplicates to find
    fast_sh = [shingle_array(t).tolist() for t in texts]
    fast_keys, fast_present = dd._band_keys(texts, 0)
    fast_dups = near_duplicates(texts, None, 0.6)
    monkeypatch.setattr(dd, "_FAST", None)
    assert fast_sh == [shingle_array(t).tolist() for t in texts]
    slow_keys, slow_present = dd._band_keys(texts, 0)
    every = range(dd._BANDS + 2)
    assert (np.stack([fast_keys.get(k) for k in every]) == np.stack([slow_keys.get(k) for k in every])).all()
    assert (fast_present == slow_present).all()
    assert fast_dups == near_duplicates(texts, None, 0.6) and sum(d is not None for d in fast_dups) >= 25


def test_an_arrow_column_is_read_lazily_with_the_same_answers() -> None:
    """`column_texts` reads an Arrow-backed column text by text (no list of every text); near_duplicates gives
    the same answers as on the list, across chunk boundaries, and missing texts read as empty."""
    import pandas as pd
    import pyarrow as pa

    from corpus_tools.corpus.dedupe import column_texts

    rng = random.Random(5)
    texts = ["".join(rng.choice(WORDS) for _ in range(12)) for _ in range(40)]
    texts += [t + "村" for t in texts[:10]]
    chunked = pa.chunked_array([pa.array(texts[:17]), pa.array([], type=pa.string()), pa.array(texts[17:])])
    column = chunked.to_pandas()
    lazy = column_texts(column)
    assert not isinstance(lazy, list) and len(lazy) == len(texts)
    assert list(lazy) == texts and [lazy[i] for i in range(len(texts))] == texts and lazy[-1] == texts[-1]
    assert list(lazy[3:20:4]) == texts[3:20:4]
    assert near_duplicates(lazy, None, 0.7) == near_duplicates(texts, None, 0.7)
    assert list(column_texts(pd.Series(["a", None], dtype="str"))) == ["a", ""]
    assert column_texts(pd.Series(["a", 1], dtype=object)) == ["a", ""]


def test_exact_copies_take_the_first_copys_answer_as_brute_force_does() -> None:
    """Copies with the same shingles (differing only in case, width, spaces or punctuation) are answered from
    their first copy: the same answers as comparing every earlier text, in any rank order."""
    rng = random.Random(11)
    base = ["".join(rng.choice(WORDS) for _ in range(30)) for _ in range(30)]
    texts = list(base)
    for _ in range(40):
        src = rng.choice(texts)
        kind = rng.randrange(3)
        if kind == 0:  # an exact copy, written differently
            texts.append(" " + src.upper().replace("淘宝", "淘宝，") + "！")
        elif kind == 1:  # a near copy
            texts.append(src + rng.choice(WORDS))
        else:  # an unrelated text
            texts.append("".join(rng.choice(WORDS) for _ in range(30)))
    sets = [shingles(t) for t in texts]
    for order in (list(range(len(texts))), rng.sample(range(len(texts)), len(texts))):
        found = near_duplicates(texts, order, threshold=0.7)
        for i, hit in enumerate(found):
            best = [j for j in range(len(texts)) if order[j] < order[i] and _jaccard(sets[i], sets[j]) >= 0.7]
            if hit is None:
                assert not best, i
            else:
                assert hit[0] == min(best, key=lambda j: (order[j], j)), i
                assert abs(hit[1] - _jaccard(sets[i], sets[hit[0]])) < 1e-12


def test_a_passage_repeated_more_than_a_bucket_holds_is_still_found() -> None:
    """Six hundred copies of one passage fill LSH buckets beyond what is compared pair by pair; every later copy
    still points at the first."""
    passage = "每篇报道末尾都有同一段版权声明，未经许可不得转载本网站内容。"
    texts = [passage] * 600 + ["另一段完全不同的文字，讲的是军埔村的年轻人开网店的故事。"]
    found = near_duplicates(texts, None, 0.7)
    assert found[0] is None and all(f == (0, 1.0) for f in found[1:600]) and found[600] is None


def test_a_tiny_shingle_cache_gives_the_same_answers(monkeypatch) -> None:
    """Evicting every cached shingle array at once (a budget of 0 bytes) changes nothing but the time."""
    import corpus_tools.corpus.dedupe as dd

    rng = random.Random(2)
    texts = ["".join(rng.choice(WORDS) for _ in range(25)) for _ in range(80)]
    texts += [t + rng.choice(WORDS) for t in texts[:40]] + texts[:20]
    want = near_duplicates(texts, None, 0.7)
    monkeypatch.setattr(dd, "_CACHE_BYTES", 0)
    assert near_duplicates(texts, None, 0.7) == want and sum(w is not None for w in want) >= 40


def test_keys_in_scratch_files_give_the_same_answers_and_leave_no_files(tmp_path) -> None:
    """With a scratch folder the LSH keys wait in files: the same answers as in memory, as arrays, and the folder
    is left as it was."""
    from corpus_tools.corpus.dedupe import near_duplicate_arrays

    rng = random.Random(5)
    base = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))) for _ in range(400)]
    texts = base + [t + " extra" for t in base[::3]] + [t.upper() for t in base[::5]] + ["short", ""]
    order = list(range(len(texts)))[::-1]
    of, sim = near_duplicate_arrays(texts, order, 0.6, scratch=tmp_path)
    assert not list(tmp_path.iterdir())
    want = near_duplicates(texts, order, 0.6)
    assert [(int(j), float(s)) if j >= 0 else None for j, s in zip(of, sim, strict=True)] == want
    assert sum(d is not None for d in want) >= 100
    assert sim[of < 0].tolist() == [0.0] * int((of < 0).sum())
