"""The compiled matcher (corpus_tools._speedups) gives exactly what the pure-Python reference gives."""

from __future__ import annotations

import os
import random

import pytest

from corpus_tools._native import speedups
from corpus_tools.corpus.loader import Corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.match import Found, Matcher, all_terms
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.scoring.score import Hit, Scorer
from corpus_tools.text import normalize as norm_mod
from corpus_tools.text.tokenize import Tokenizer

pytestmark = pytest.mark.skipif(speedups() is None and bool(os.environ.get("CORPUS_TOOLS_PURE")),
                                reason="CORPUS_TOOLS_PURE is set")


def test_extension_is_built() -> None:
    assert speedups() is not None, (
        "corpus_tools._speedups is not built: install with a C compiler (pip install -e .), "
        "or set CORPUS_TOOLS_PURE=1 to run the suite on the pure-Python matcher")


@pytest.fixture(scope="module")
def scorers() -> tuple[Scorer, Scorer]:
    lexicons = [load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")]
    return Scorer(lexicons, native=True), Scorer(lexicons, native=False)


def test_same_hits_and_counts_on_every_bundled_entry_and_document(junpu: Corpus, scorers) -> None:  # type: ignore[no-untyped-def]
    fast, slow = scorers
    texts = list(junpu.entries["text"]) + list(junpu.docs["text"])
    diffs = [t[:60] for t in texts if fast.score_text(t) != slow.score_text(t)]
    assert not diffs, f"{len(diffs)} of {len(texts)} texts differ, e.g. {diffs[:3]}"
    assert sum(len(fast.score_text(t).hits) for t in texts) > 1000  # the comparison covered real matches


def test_found_objects_match_the_reference(junpu: Corpus) -> None:
    lex = load_lexicon("mass_entrepreneurship")
    tok = Tokenizer()
    tok.add_words(all_terms([lex]))
    fast, slow = Matcher(lex, tok, native=True), Matcher(lex, tok, native=False)
    for text in list(junpu.entries["text"])[:400]:
        got, want = fast.find(text), slow.find(text)
        assert got == want
        assert all(type(f) is Found for f in got[0])


# a lexicon that uses every feature: globs of all kinds, phrases, exclusions, collisions, one-letter terms,
# a term beyond the BMP, two lexicons whose matches overlap
_EDGE = {
    "name": "edge", "constructs": {"c": {"variables": {
        "a": {"label": "a", "definition": "d",
              "terms": {"en": ["entrepreneur*", "*preneur", "*commerc*", "business opportunit*", "barrier* to entry",
                               "e-commerce", "don't", "c++", "at&t", "x", "ΣΟΦΊΑ", "on-line shop*", "a b c",
                               "o2o模式", "app 推广*"],
                        "zh": ["电商", "电子商务", "创业", "门槛", "钱", "𠀋村", "淘宝 村"]},
              "exclude": {"en": ["nonprofit*", "business opportunity cost"], "zh": ["非营利", "创业板"]}},
        "b": {"label": "b", "definition": "d",
              "terms": {"en": ["opportunity", "commerce", "profit*", "entry"], "zh": ["商务", "成本", "创业"]}},
    }}}}
_OTHER = {"name": "aaa_other", "constructs": {"o": {"variables": {
    "v": {"label": "v", "definition": "d", "terms": {"en": ["business", "shop"], "zh": ["电子", "淘宝村"]}}}}}}

_ALPHABET = (list("abcxyz ABC  -'.&+_,;:!?0123456789\n\t")
             + list("电商子务创业门槛钱村淘宝成本非营利板的了，。！？；、 ")
             + ["ΣΟΦΊΑ", "σ", "İ", "Ⓐ", "Ⅻ", "ｅ", "Ｅ", "１", "貼息貸款", "電商", "𠀋", "😀", "\u3000", "’", "ß", "ǅ"]
             + ["entrepreneurs", "intrapreneur", "e-commerce", "ecommerce", "business", "opportunities",
                "barriers", "to", "entry", "nonprofit", "profit", "don't", "c++", "AT&T", "on-line", "shops", "a b c",
                "O2O", "模式", "APP", "推广"])


def _edge_scorers(engine: str = "rjieba") -> tuple[Scorer, Scorer]:
    lexicons = [lexicon_from_dict(_EDGE), lexicon_from_dict(_OTHER)]
    return (Scorer(lexicons, engine=engine, native=True), Scorer(lexicons, engine=engine, native=False))


@pytest.mark.parametrize("text", [
    "", " ", "，。", "x", "X", "电商", "Entrepreneurs and an intrapreneur met in e-commerce; don't.",
    "ΣΟΦΊΑ ΣΟΦΊΑΣ σοφία", "İstanbul İ", "Ⓐ电商Ⓑ", "ｅ－ｃｏｍｍｅｒｃｅ", "貼息貸款和電商", "𠀋村 淘宝 村 淘宝村",
    "nonprofit business opportunity cost", "business opportunities; barriers to entry", "创业板创业 创业",
    "AT&T C++ x-ray a b c a  b  c", "电商，电商。电子商务😀电商", "on-line shops\n\nonline shop",
    "O2O模式 o2o 模式 APP推广 app，推广 淘宝村APP", "模式O2O",
])
def test_edge_cases_agree(text: str) -> None:
    fast, slow = _edge_scorers()
    assert fast.score_text(text) == slow.score_text(text)


def test_random_texts_agree() -> None:
    fast, slow = _edge_scorers()
    rng = random.Random(20261129)
    n_hits = 0
    for _ in range(1500):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40)))
        got, want = fast.score_text(text), slow.score_text(text)
        assert got == want, text
        n_hits += len(got.hits)
    assert n_hits > 500


def test_reference_engine_agrees(junpu: Corpus) -> None:
    fast, slow = _edge_scorers("jieba")
    for text in [*list(junpu.entries["text"])[:150], "创业板创业 创业 e-commerce 电商"]:
        assert fast.score_text(text) == slow.score_text(text)


def test_hits_are_hit_tuples(scorers) -> None:  # type: ignore[no-untyped-def]
    fast, _ = scorers
    hits = fast.score_text("政府提供贴息贷款，电商很多。").hits
    assert hits and all(type(h) is Hit for h in hits)
    assert hits[0]._asdict()["term"] in {"贴息贷款", "电商"}


def test_fast_normalisation_is_identical(junpu: Corpus) -> None:
    fast = speedups()
    assert fast is not None
    for text in [*junpu.docs["text"], *_ALPHABET, "".join(_ALPHABET)]:
        for t2s in (True, False):
            want = norm_mod._normalize_for_tokens_py(text, t2s)
            out, lower_words = norm_mod._normalize_for_scan(text, t2s, fast)
            assert (norm_mod._lower(out) if lower_words else out) == want
            if lower_words:  # only Latin words are left to lower-case: everything else is final
                assert out.lower() == want and len(out) == len(want)


class _BadEngine:
    def __init__(self, result: object) -> None:
        self.result = result

    def __call__(self, run: str, hmm: bool) -> object:
        return self.result


@pytest.mark.parametrize(("result", "error", "message"), [
    (["电"], ValueError, "lost characters"), ([1, 2], TypeError, "non-string"), (5, TypeError, "sequence")])
def test_a_misbehaving_engine_raises_clearly(result: object, error: type[Exception], message: str) -> None:
    fast, _ = _edge_scorers()
    ctx = list(fast._hit_ctx or ())
    ctx[0] = _BadEngine(result)
    with pytest.raises(error, match=message):
        fast.matcher.scan_native("电商", tuple(ctx))


def test_malformed_context_is_refused() -> None:
    fast, _ = _edge_scorers()
    with pytest.raises(TypeError):
        fast.matcher.scan_native("电商", (1, 2, 3))


_SUFFIXES = {"name": "suffixes", "constructs": {"s": {"variables": {
    "v": {"label": "v", "definition": "d",
          "terms": {"en": ["*n't", "*t", "*preneur", "*ing x", "*" + "long" * 17, "*ΣΟΦΊΑ", "*ǅa"],
                    "zh": ["*利润", "*𠀋村"]}}}}}}
_SUFFIX_ALPHABET = ["don't", "DON'T", "don’t", "can't", "t", "at", "it", "not", "tea", "entrepreneur",
                    "ENTREPRENEURS", "preneur", "making x", "making", "x", "long" * 17, "a" + "long" * 17,
                    ("LONG" * 17).upper(), "long" * 16, "ΣΟΦΊΑ", "φιλοσοφία", "σοφίας", "ǅa", "ǆa", "Ǆa", "纯利润",
                    "利润", "利", "润", "𠀋村", "𠀋", "村", " ", " ", "，", "\n", "-", "'"]


@pytest.mark.parametrize("seed", [1, 2])
def test_suffix_globs_agree(seed: int) -> None:
    """Suffix globs are filtered by a hash of each suffix length in use, read backwards (lower-cased on the
    way, beyond the BMP, 64 characters or longer): never a match the reference finds is lost."""
    lexicons = [lexicon_from_dict(_SUFFIXES)]
    fast, slow = Scorer(lexicons, native=True), Scorer(lexicons, native=False)
    rng = random.Random(seed)
    n_hits = 0
    for _ in range(600):
        text = "".join(rng.choice(_SUFFIX_ALPHABET) + rng.choice(["", " ", " "]) for _ in range(rng.randint(0, 12)))
        got, want = fast.score_text(text), slow.score_text(text)
        assert got == want, text
        n_hits += len(got.hits)
    assert n_hits > 1000
