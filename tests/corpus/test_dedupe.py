"""Near-duplicate detection: planted copies are found with their exact Jaccard similarity, nothing else is."""

from __future__ import annotations

import random
import zlib

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
