"""Codebook-lexicons: Table 4 encoded exactly, matching rules, lint, quanteda/LIWC round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_tools.errors import ConfigError, LexiconError
from corpus_tools.lexicon.formats import load_lexicon, read_liwc, read_quanteda, write_liwc, write_quanteda
from corpus_tools.lexicon.lint import lint_lexicon
from corpus_tools.lexicon.match import Matcher
from corpus_tools.lexicon.model import lexicon_from_dict
from corpus_tools.lexicon.yaml_io import write_codebook
from corpus_tools.text.tokenize import Tokenizer

VARIABLE_IDS = [
    "opportunity.profitability", "opportunity.feasibility", "ability.identification", "ability.organization",
    "motivation.self_actualization", "motivation.social_support", "motivation.living_demands",
    "activity.high_ambition", "activity.low_ambition",
]
# Table 4 of the paper, verbatim
TABLE4 = {
    "opportunity.profitability": "Marketing costs; profits, transmission speed; online dealing; low manufacturing cost",
    "opportunity.feasibility": "Network infrastructure; examination and approval formalities; threshold; "
                               "transportation; rent; capital",
    "ability.identification": "Business opportunities; consciousness; innovation ability; reaction capacity",
    "ability.organization": "Product promotion; vendor relations; online promotion and marketing; customer service "
                            "management; network organization",
    "motivation.self_actualization": 'Glory; "ambition"; future development; self-owned brand',
    "motivation.social_support": "Preferential policy; supporting services; entrepreneurial passion; "
                                 "entrepreneurial atmosphere; social culture",
    "motivation.living_demands": "Get rich; life improvement; livelihoods; expanding",
    "activity.high_ambition": "Partnership; recruitment; innovation; opportunity; formal",
    "activity.low_ambition": "Personal investment; family-run business, imitation, simple",
}
TABLE4_ZH = {"opportunity.profitability": ["营销成本", "利润", "传输速度", "网上交易", "低生产成本"],
             "opportunity.feasibility": ["网络基础设施", "审批手续", "门槛", "交通", "租金", "资本"],
             "ability.identification": ["商业机会", "意识", "创新能力", "反应能力"],
             "ability.organization": ["产品推广", "供应商关系", "网络推广", "网络营销", "客服管理", "网络组织"],
             "motivation.self_actualization": ["荣耀", "抱负", "未来发展", "自主品牌"],
             "motivation.social_support": ["优惠政策", "配套服务", "创业激情", "创业氛围", "社会文化"],
             "motivation.living_demands": ["致富", "改善生活", "生计", "扩大"],
             "activity.high_ambition": ["合伙", "招聘", "创新", "机会", "正规"],
             "activity.low_ambition": ["个人投资", "家庭作坊", "模仿", "简单"]}


@pytest.fixture(scope="module")
def me():  # type: ignore[no-untyped-def]
    return load_lexicon("mass_entrepreneurship")


def test_variable_ids_exact(me) -> None:  # type: ignore[no-untyped-def]
    assert me.variable_ids == VARIABLE_IDS
    assert me.construct_ids == ["opportunity", "ability", "motivation", "activity"]


def test_every_table4_keyword_present_in_both_languages(me) -> None:  # type: ignore[no-untyped-def]
    """Table 4 stays visible verbatim (`table4`), and every keyword still matches as a term of its variable
    unless a recorded change removed it with a reason (issue 11: revisions may drop a keyword, never hide it)."""
    tok = Tokenizer()
    for vid, keywords in TABLE4.items():
        v = me.variable(vid)
        paper = [kw.strip().strip('"') for kw in keywords.replace(",", ";").split(";")]
        assert [k.lower() for k in v.table4] == [k.lower() for k in paper], vid
        en = set(v.terms["en"])
        dropped = {t.lower() for ch in v.changes for t in ch.get("removed", ())}
        for kw in paper:
            kw = kw.lower()
            assert v.is_table4(kw)
            if kw in dropped:
                assert kw in v.table4_unmatched() or kw not in en
                continue
            assert kw in en, f"{vid}: Table 4 keyword {kw!r} missing in English"
            assert [f.pattern.variable for f in _matcher(me, tok).find(kw)[0]] == [vid], kw
        for zh in TABLE4_ZH[vid]:
            assert zh in v.terms["zh"], f"{vid}: {zh} missing"
        assert v.definition and v.label["zh"]


def test_issue_examples_and_paper_labels(me) -> None:  # type: ignore[no-untyped-def]
    """The synonyms the core issue names, and Table 4's construct names as the paper writes them. Issue 11
    removed the words that name the phenomenon (电商, 电子商务, 网店, 淘宝店) from profitability after validation:
    they must be gone from every variable and their removal recorded with a reason."""
    terms = {t for v in me.variables for t in v.terms.get("zh", ())}
    assert {"贴息贷款", "门槛"} <= terms
    phenomenon = {"电商", "电子商务", "网店", "淘宝店"}
    assert not phenomenon & terms
    prof = me.variable("opportunity.profitability")
    removed = {t for ch in prof.changes for t in ch.get("removed", ())}
    assert phenomenon <= removed
    assert all(len(str(ch["reason"]).split()) >= 10 for ch in prof.changes)
    assert [c.label["en"] for c in me.constructs] == [
        "Entrepreneurial opportunities", "Entrepreneurial abilities", "Entrepreneurial motivation",
        "Entrepreneurial activities"]


def test_bundled_lexicons_lint_clean(me) -> None:  # type: ignore[no-untyped-def]
    for lex in (me, load_lexicon("government_support")):
        errors = [i for i in lint_lexicon(lex) if i.level == "error"]
        assert not errors, errors


def _matcher(lex, tok: Tokenizer) -> Matcher:  # type: ignore[no-untyped-def]
    from corpus_tools.lexicon.match import all_terms

    tok.add_words(all_terms([lex]))
    return Matcher(lex, tok)


def _lex(terms: dict[str, dict[str, list[str]]], exclude: dict[str, dict[str, list[str]]] | None = None):  # type: ignore[no-untyped-def]
    variables = {}
    for vid, t in terms.items():
        name = vid.split(".")[1]
        variables[name] = {"label": name, "definition": "d", "terms": t,
                           **({"exclude": exclude[vid]} if exclude and vid in exclude else {})}
    return lexicon_from_dict({"name": "t", "constructs": {"c": {"variables": variables}}})


def _match(lex, text: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    tok = Tokenizer()
    m = _matcher(lex, tok)
    found = m.find(text)[0]
    for f in found:  # spans point into the original text, covering exactly the term's tokens
        words = tok.words(text[f.start:f.end])
        assert len(words) == len(f.pattern.parts)
        assert all(f.pattern.part_matches(k, w) for k, w in enumerate(words))
    return [(x.pattern.variable, x.pattern.term) for x in found]


def test_glob_phrase_and_longest_match() -> None:
    lex = _lex({"c.a": {"en": ["entrepreneur*", "business opportunit*", "barrier* to entry"], "zh": ["营销成本"]},
                "c.b": {"en": ["opportunity", "*preneur"], "zh": ["成本"]}})
    got = _match(lex, "Entrepreneurs saw business opportunities; one opportunity. 营销成本和成本. an intrapreneur "
                      "faced barriers to entry")
    assert got == [("c.a", "entrepreneur*"), ("c.a", "business opportunit*"), ("c.b", "opportunity"),
                   ("c.a", "营销成本"), ("c.b", "成本"), ("c.b", "*preneur"), ("c.a", "barrier* to entry")]


def test_exclusions() -> None:
    lex = _lex({"c.a": {"zh": ["公司"], "en": ["company"]}},
               {"c.a": {"zh": ["快递公司"], "en": ["express company"]}})
    assert _match(lex, "快递公司来了，他注册了公司。An express company, his own company.") == [
        ("c.a", "公司"), ("c.a", "company")]


def test_phrases_may_cross_a_change_of_script() -> None:
    lex = _lex({"c.a": {"zh": ["O2O模式", "APP推广", "淘宝 app"], "en": ["o2o"]}, "c.b": {"zh": ["模式"]}})
    got = _match(lex, "他们采用O2O模式做APP推广，也用淘宝APP；单说O2O，或者新模式。")
    assert got == [("c.a", "O2O模式"), ("c.a", "APP推广"), ("c.a", "淘宝 app"), ("c.a", "o2o"), ("c.b", "模式")]
    issues = {(i.code, i.term) for i in lint_lexicon(lex)}
    assert ("mixed-script", "O2O模式") in issues and not any(code == "split" for code, _ in issues)


def test_lone_exclusion_is_not_a_hit() -> None:
    # the exclusion matches but its term does not (nonprofit is not profit*): nothing may be counted
    lex = _lex({"c.a": {"en": ["profit*"], "zh": ["营利"]}}, {"c.a": {"en": ["nonprofit*"], "zh": ["非营利组织"]}})
    assert _match(lex, "It is a nonprofit group.") == []
    assert _match(lex, "这是非营利组织。") == []
    assert _match(lex, "A nonprofit group makes profits.") == [("c.a", "profit*")]


def test_traditional_text_matches_simplified_terms() -> None:
    lex = _lex({"c.a": {"zh": ["贴息贷款"]}})
    assert _match(lex, "政府提供貼息貸款") == [("c.a", "贴息贷款")]


def test_lint_finds_problems() -> None:
    lex = _lex({"c.a": {"en": ["rent", "rent", "mid*dle"], "zh": ["租金"]}, "c.b": {"zh": ["租金"]}})
    codes = {i.code for i in lint_lexicon(lex, texts=["房租很贵，没有别的。"])}
    assert {"duplicate", "collision", "bad-glob", "never-matches"} <= codes


def test_lint_split_in_context() -> None:
    # 'xx' never stands alone: a longer token containing it swallows it
    lex = _lex({"c.a": {"zh": ["电商"]}, "c.b": {"zh": ["电商村"]}})
    issues = lint_lexicon(lex, texts=["这是一个电商村。"])
    assert any(i.code == "split-in-context" and i.term == "电商" for i in issues)


@pytest.mark.parametrize("bad", [
    {"name": "x"}, {"constructs": {}}, {"constructs": {"Bad-Id": {"variables": {"a": {"terms": {"en": ["x"]}}}}}},
    {"constructs": {"c": {"variables": {"a": {"terms": {"en": "notalist"}}}}}},
])
def test_malformed_lexicons(bad: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(LexiconError):
        lexicon_from_dict(bad)


def test_unknown_lexicon_name() -> None:
    with pytest.raises(ConfigError, match="bundled lexicons"):
        load_lexicon("no_such_lexicon")


def _terms(lex) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    return {v.id: {t for _, t in v.all_terms()} for v in lex.variables}


def test_quanteda_round_trip(me, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "me.yml"
    write_quanteda(me, p)
    back = read_quanteda(p)
    assert _terms(back) == _terms(me)
    assert back.variable_ids == me.variable_ids


def test_liwc_round_trip(me, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "me.dic"
    write_liwc(me, p)
    back = read_liwc(p)
    assert _terms(back) == _terms(me)
    assert load_lexicon(p).variable_ids == me.variable_ids


def test_codebook_yaml_round_trip(me, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "cb.yaml"
    write_codebook(me, p)
    back = load_lexicon(p)
    assert _terms(back) == _terms(me)
    assert [v.definition for v in back.variables] == [v.definition for v in me.variables]


def test_liwc_malformed(tmp_path: Path) -> None:
    p = tmp_path / "bad.dic"
    p.write_text("%\n1\tcat\n%\nword\t7\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown category"):
        read_liwc(p)


def test_changes_need_a_reason_and_table4_is_shown() -> None:
    base = {"terms": {"en": ["profit*"]}, "table4": ["Profits", "online dealing"]}
    bad = {**base, "changes": [{"version": "1.1", "removed": ["x"]}]}
    with pytest.raises(LexiconError, match="no reason"):
        lexicon_from_dict({"constructs": {"c": {"variables": {"v": bad}}}})
    with pytest.raises(LexiconError, match="version"):
        lexicon_from_dict({"constructs": {"c": {"variables": {"v": {**base, "changes": [{"reason": "because"}]}}}}})
    with pytest.raises(LexiconError, match="table4"):
        lexicon_from_dict({"constructs": {"c": {"variables": {"v": {**base, "table4": "Profits"}}}}})
    lex = lexicon_from_dict({"constructs": {"c": {"variables": {"v": {
        **base, "changes": [{"version": "1.1", "removed": ["online dealing"], "reason": "names the phenomenon"}]}}}}})
    v = lex.variables[0]
    assert v.table4 == ("Profits", "online dealing") and v.is_table4("profits")
    assert v.table4_unmatched() == ["Profits", "online dealing"]  # profit* is a glob, not the keyword itself
    assert v.changes[0]["reason"] == "names the phenomenon"


def test_lexicon_show_marks_table4_keywords(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from corpus_tools.cli import main

    path = tmp_path / "t.yaml"
    path.write_text("name: t\nconstructs:\n  c:\n    variables:\n      v:\n"
                    "        table4: [Profits, online dealing]\n        terms: {en: [profits]}\n        changes:\n"
                    "          - {version: '2', removed: [online dealing], reason: names the phenomenon}\n",
                    encoding="utf-8")
    r = CliRunner().invoke(main, ["lexicon", "show", str(path), "--changes"])
    assert r.exit_code == 0, r.output
    assert "Table 4: Profits; online dealing (not matched)" in r.output
    assert "reason: names the phenomenon" in r.output
