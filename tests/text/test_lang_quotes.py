"""Language by share of CJK characters; typographic quotes folded for matching, offsets and ids unchanged."""

from __future__ import annotations

from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.score import Scorer
from corpus_tools.text.lang import cjk_share, detect_lang
from corpus_tools.text.normalize import normalize, normalize_for_tokens, text_hash
from corpus_tools.text.tokenize import Tokenizer

EN = ("Young people in the village opened online shops after returning from Guangzhou, where they had "
      "worked in garment factories. Rents were low and couriers came every day. ")


def test_english_with_chinese_names_stays_english() -> None:
    for names in ("李伟", "李伟 and 陈晓明", "Junpu (军埔村) and Jieyang (揭阳)"):
        assert detect_lang(f"{EN}{names} said so. " + EN) == "en", names
    zh = "军埔村的年轻人在网上开店，卖服装和潮汕小食品，很多人回乡创业，村里的快递点越来越多。"
    assert detect_lang(zh + "他们在Taobao和JD上开店。" + zh) == "zh-Hans"
    assert detect_lang("軍埔村的年輕人開網店，賣服裝和潮汕小食品。") == "zh-Hant"


def test_mixed_only_when_both_scripts_are_substantial() -> None:
    zh = "军埔村的年轻人在淘宝上开网店，租金便宜，门槛也低，很多人回乡创业。" * 2
    assert detect_lang(zh + " " + EN) == "mixed"
    assert 0.2 < cjk_share(zh + " " + EN) < 0.8
    assert detect_lang(EN) == "en" and detect_lang("") == "en"


def test_quotes_fold_with_offsets_unchanged() -> None:
    text = "He said “the rent is low” and didn’t leave; 他说“网店”很好。‘ok’"
    norm = normalize(text)
    assert len(norm) == len(text) and "didn't" in norm and '"the rent is low"' in norm and '"网店"' in norm
    assert normalize_for_tokens(text) == norm
    assert text_hash("他说“网店”") != text_hash('他说"网店"')  # ids are content hashes of 0.1: not folded


def test_curly_apostrophes_are_stop_words_and_possessives_their_word() -> None:
    tok = Tokenizer()
    words = tok.content_words("I don’t think China’s sellers won't stop; it’s the village’s chance.")
    assert words == ["think", "china", "sellers", "stop", "village", "chance"]


def test_terms_match_across_quote_styles() -> None:
    scorer = Scorer([load_lexicon("mass_entrepreneurship")])
    text = "They said “rent” was low, and “租金”便宜。"
    hits = scorer.score_text(text).hits
    assert {text[h.start:h.end] for h in hits} >= {"rent", "租金"}
