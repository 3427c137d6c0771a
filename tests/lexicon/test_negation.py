"""Negation scope: planted negations are found in Simplified, Traditional and English text, and nothing else."""

from __future__ import annotations

import random
from pathlib import Path

import opencc
import pytest

from corpus_tools.errors import ConfigError, LexiconError
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.lexicon.negation import load_rules, rules_from_dict
from corpus_tools.scoring.score import Scorer

LEX = lexicon_from_dict({"name": "t", "constructs": {"opp": {"variables": {
    "profit": {"terms": {"zh": ["赚钱", "利润"], "en": ["profit*", "make money"]}},
    "support": {"terms": {"zh": ["支持", "贷款", "配套服务"], "en": ["support", "loan*"]}}}}}})

ZH_NEG = [("没有得到政府的", "支持", ""), ("开网店不", "赚钱", ""), ("做这个不太", "赚钱", ""),
          ("缺乏", "贷款", ""), ("无法获得", "贷款", ""), ("他们并没有什么", "支持", ""), ("", "配套服务", "跟不上"),
          ("", "利润", "不高"), ("未能得到", "支持", ""), ("", "贷款", "不足")]
ZH_POS = [("不仅", "赚钱", "，而且开心"), ("他们不断", "赚钱", ""), ("不管怎样都能", "赚钱", ""),
          ("如果没有这个", "贷款", "，店开不起来"), ("虽然不难，但是", "赚钱", ""), ("不怕辛苦。大家都来", "支持", ""),
          ("政府", "支持", "很多"), ("额度不低于五万的", "贷款", ""), ("村里", "利润", "很高")]
EN_NEG = [("We did not get any ", "support", ""), ("They don't make a ", "profit", ""),
          ("They don’t make a ", "profit", ""), ("Sellers never got a ", "loan", ""), ("without any ", "support", ""),
          ("a lack of ", "support", ""), ("nobody offered ", "loans", ""), ("shops cannot ", "make money", "")]
EN_POS = [("not only ", "profit", " but fun"), ("No doubt the ", "profit", " grew"),
          ("They did not stop. The ", "profit", " rose"), ("There was no rain, but ", "support", " came"),
          ("Strong ", "support", " from the town"),
          ("It is not easy to find a shop in the village, and the ", "profit", " is high")]


@pytest.fixture(scope="module", params=["in-matcher", "windowed"])
def scorer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scorer:
    """The default rules run inside the matcher; a rule file with a `re:` cue takes the windowed path
    (re-tokenizing around each hit): both must find the same planted negations."""
    if request.param == "in-matcher":
        sc = Scorer([LEX], count_negated=False)
        assert sc.negation is not None and sc.negation.in_matcher
        return sc
    import yaml

    from corpus_tools.lexicon.negation import DEFAULT_RULES

    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    data["en"]["before"].append("re:(?!)")  # a regex that never matches: forces the windowed path only
    path = tmp_path_factory.mktemp("rules") / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    sc = Scorer([LEX], negation=path)
    assert sc.negation is not None and not sc.negation.in_matcher
    return sc


def _planted(rng: random.Random, cases: list[tuple[str, str, str]], negated: bool, filler: list[str],
             sep: str) -> list[tuple[str, bool]]:
    out = []
    for left, term, right in cases:
        pre = rng.choice(filler)  # messy surroundings: other clauses, whitespace, punctuation
        out.append((f"{pre}{sep}{left}{term}{right}{sep}", negated))
    return out


def _check(scorer: Scorer, samples: list[tuple[str, bool]], lang_tag: str) -> None:
    for text, negated in samples:
        ts = scorer.score_text(text)
        assert ts.hits, (lang_tag, text)
        last = max(range(len(ts.hits)), key=lambda k: ts.hits[k].start)  # the planted hit is the last one
        cue = ts.cues[last] if ts.cues is not None else ""
        assert bool(cue) == negated, (lang_tag, text, cue)


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_negations_zh_hans_and_hant(scorer: Scorer, seed: int) -> None:
    rng = random.Random(seed)
    filler = ["今年天气很好", "  村里很热闹！", "记者走访了几家店铺；", "他说：", ""]
    samples = _planted(rng, ZH_NEG, True, filler, "。") + _planted(rng, ZH_POS, False, filler, "。")
    _check(scorer, samples, "zh-Hans")
    s2t = opencc.OpenCC("s2t").convert
    _check(scorer, [(s2t(t), n) for t, n in samples], "zh-Hant")


def test_traditional_examples(scorer: Scorer) -> None:
    for text in ("開網店不賺錢", "沒有政府的支持", "配套服務跟不上"):
        ts = scorer.score_text(text)
        assert ts.cues is not None and all(ts.cues), text


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_negations_en(scorer: Scorer, seed: int) -> None:
    rng = random.Random(seed)
    filler = ["The weather was fine", "In 2014,", "  Sellers  said", ""]
    samples = _planted(rng, EN_NEG, True, filler, ". ") + _planted(rng, EN_POS, False, filler, ". ")
    _check(scorer, samples, "en")


def test_negated_hits_not_counted_unless_asked(scorer: Scorer) -> None:
    text = "开网店不赚钱。赚钱很难说。We did not get support."
    ts = scorer.score_text(text)
    assert len(ts.hits) == 3 and ts.cues is not None and [bool(c) for c in ts.cues] == [True, False, True]
    assert len(ts.counted()) == 1 and len(ts.counted(count_negated=True)) == 3
    both = Scorer([LEX], count_negated=True)
    assert both.row(ts.n_tokens, ts.counted(both.count_negated))["total"] == 3


def test_negation_off_and_compiled_equals_python() -> None:
    text = "开网店不赚钱，沒有政府支持。They don’t make a profit."
    off = Scorer([LEX], negation=False).score_text(text)
    assert off.cues is None and len(off.hits) == 3
    try:
        fast = Scorer([LEX], native=True)
    except ImportError:
        pytest.skip("compiled matcher not built")
    assert fast.score_text(text) == Scorer([LEX], native=False).score_text(text)


def test_custom_rule_file(tmp_path: Path) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text("zh:\n  window_before: 2\n  before: [从来不]\nen:\n  before: ['re:un\\w+']\n", encoding="utf-8")
    sc = Scorer([LEX], negation=f)
    assert sc.score_text("他从来不赚钱").cues == ["从来不"]
    assert sc.score_text("开网店不赚钱").cues is None  # 不 is not a cue of this file
    assert sc.score_text("an unlikely profit").cues == ["re:un\\w+"]
    assert sc.manifest()["negation"]["source"] == str(f)  # type: ignore[index]


@pytest.mark.parametrize("data, error, words", [
    ({"zh": {"before": ["re:(unclosed"]}}, LexiconError, "does not compile"),
    ({"zh": {"before": ["a*b"]}}, LexiconError, "does not compile"),
    ({"zh": {"before": [""]}}, LexiconError, "non-empty"),
    ({"en": {"before": [False]}}, LexiconError, "quotes|true/false"),
    ({"zh": {"window_before": -1}}, ConfigError, "0 to 20"),
    ({"zh": {"befor": ["不"]}}, ConfigError, "unknown key"),
    ({"fr": {}}, ConfigError, "unknown section"),
    ([1, 2], ConfigError, "mapping"),
])
def test_bad_rules_clear_errors(data: object, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        rules_from_dict(data, "r.yaml")


def test_rule_without_a_word_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text("zh:\n  before: [不, '！？']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="do not compile"):
        Scorer([LEX], negation=f)


def test_default_rules_load_and_name_themselves() -> None:
    rules = load_rules()
    assert rules.source == "default" and rules.langs["zh"].before and rules.langs["en"].before
