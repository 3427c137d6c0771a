"""Who is speaking (interviewer turns left out of scores) and spans claimed by two lexicons (flagged,
counted once per lexicon; framing tests per lexicon)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corpus_tools.corpus.config import parse_scoring
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.corpus.speakers import entry_roles, label_key
from corpus_tools.errors import ConfigError
from corpus_tools.framing import run_framing
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.score import Scorer, corpus_scorer, score_levels
from tests.conftest import MakeCorpus

BOTH = '["mass_entrepreneurship", "government_support"]'
INTERVIEW = ("【访谈时间】2015年1月\n\n访谈者：你们赚钱吗？有没有贴息贷款？\n\nE1：赚钱，我们拿到了贴息贷款。\n\n"
             "访谈者：物流怎么样？\n\nE1：物流方便，租金便宜。\n\n问：品牌呢？\n\nE1：在做品牌。")
MEDIA_QA = "记者：网店赚钱吗？\n\n店主：赚钱，物流方便。\n\n记者：贷款呢？"


def _corpus(make_corpus: MakeCorpus, toml_extra: str = "") -> Path:
    root = make_corpus([
        {"doc_id": "I1", "text": INTERVIEW, "source_type": "interview", "speaker": "E1", "role": "entrepreneur",
         "date": "2015-01-08", "lang": "zh-Hans"},
        {"doc_id": "M1", "text": MEDIA_QA, "date": "2014-05-01", "lang": "zh-Hans"},
        {"doc_id": "M2", "text": "村里的物流很方便，政府提供贴息贷款，很多人开网店赚钱。", "date": "2013-05-01",
         "lang": "zh-Hans"},
        {"doc_id": "M3", "text": "Sellers say the loans and the low rent helped; profits are rising.",
         "date": "2016-05-01", "lang": "en"},
    ], lexicons=BOTH)
    if toml_extra:
        with (root / "corpus.toml").open("a", encoding="utf-8") as fh:
            fh.write(toml_extra)
    return root


def test_label_key() -> None:
    assert label_key("【记者】") == "记者" and label_key("店主（同期声）") == "店主" and label_key("Q") == "q"


def test_interviewer_turns_excluded_by_default(make_corpus: MakeCorpus) -> None:
    corpus = load_corpus(_corpus(make_corpus))
    roles = dict(zip(corpus.entries["entry_id"], entry_roles(corpus), strict=True))
    by_doc = corpus.entries.assign(role=corpus.entries["entry_id"].map(roles))
    i1 = by_doc[by_doc["doc_id"] == "I1"]
    assert list(i1["role"]) == ["", "interviewer", "entrepreneur", "interviewer", "entrepreneur", "interviewer",
                                "entrepreneur"]
    assert set(by_doc[by_doc["doc_id"] == "M1"]["role"]) == {""}  # labels apply to interview documents only
    lexs = [load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")]
    docs, entries = score_levels(corpus, corpus_scorer(corpus, lexs))
    ev = entries.evidence
    asked = ev[ev["role"] == "interviewer"]
    assert len(asked) >= 3 and not asked["counted"].any()  # kept as evidence, not counted
    assert docs.summary["excluded_entries"] == 3 and docs.summary["excluded_hits"] == len(asked)
    i1_row = docs.scores.set_index("doc_id").loc["I1"]
    answers = ev[(ev["doc_id"] == "I1") & ev["counted"]]
    assert i1_row["total"] == len(answers) > 0
    # with nothing excluded, the interviewer's hits count too
    _, all_in = score_levels(corpus, corpus_scorer(corpus, lexs), exclude_roles=[])
    assert all_in.scores["total"].sum() == entries.scores["total"].sum() + len(asked)


def test_scoring_table_configures_roles(make_corpus: MakeCorpus) -> None:
    root = _corpus(make_corpus, '\n[scoring]\nexclude_roles = []\nlabel_source_types = ["interview", "media"]\n')
    corpus = load_corpus(root)
    assert corpus.config.scoring.exclude_roles == ()
    roles = entry_roles(corpus)
    m1 = [r for r, d in zip(roles, corpus.entries["doc_id"], strict=True) if d == "M1"]
    assert m1 == ["interviewer", "", "interviewer"]


@pytest.mark.parametrize("raw, words", [({"exclude_roles": 3}, "list of strings"), ({"negation": 1}, "negation"),
                                        ({"count_negated": "yes"}, "count_negated"), ({"exclud": []}, "unknown")])
def test_bad_scoring_table(raw: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_scoring(raw)


def test_overlap_flagged_and_counted_once_per_lexicon(make_corpus: MakeCorpus) -> None:
    corpus = load_corpus(_corpus(make_corpus))
    sc = Scorer([load_lexicon("mass_entrepreneurship"), load_lexicon("government_support")])
    ts = sc.score_text("政府提供贴息贷款。")
    over = ts.overlap()
    assert over is not None
    lexs = {h.lexicon for h, o in zip(ts.hits, over, strict=True) if o}
    assert lexs == {"mass_entrepreneurship", "government_support"}
    assert all(o for o in over)
    alone = Scorer([load_lexicon("mass_entrepreneurship")]).score_text("政府提供贴息贷款。")
    assert alone.overlap() is None  # one lexicon: nothing to flag
    docs, entries = score_levels(corpus, sc)
    ev = entries.evidence
    flagged = ev[ev["overlap"] != ""]
    assert len(flagged) >= 2 and set(flagged["overlap"]) <= {"mass_entrepreneurship", "government_support"}
    assert docs.summary["overlap"] == len(flagged)
    res = run_framing(corpus, docs, n_boot=20, n_perm=19)
    tests = res.tests
    assert set(tests["lexicon"]) == {"mass_entrepreneurship", "government_support"}
    assert any("per lexicon" in n for n in res.notes)
    shares = res.shares[(res.shares["by"] == "stage") & (res.shares["level"] == "construct")]
    lex_of = docs.construct_lexicon
    for (_period, _lex), grp in shares.assign(lex=shares["item"].map(lex_of)).groupby(["period", "lex"]):
        if grp["count"].sum() > 0:  # shares sum to 1 within each lexicon, never across both
            assert grp["share"].sum() == pytest.approx(1.0, abs=1e-6)


def test_cli_count_negated_and_bad_rules(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from corpus_tools.cli import main

    root = make_corpus([{"doc_id": "D1", "text": "开网店不赚钱。开网店很赚钱。", "date": "2014-01-01"}])
    out = tmp_path / "s.csv"
    runner = CliRunner()
    res = runner.invoke(main, ["score", str(root), "-o", str(out), "--evidence", str(tmp_path / "e.csv")])
    assert res.exit_code == 0, res.output
    default = int(pd.read_csv(out)["opportunity.profitability"].iloc[0])
    ev = pd.read_csv(tmp_path / "e.csv")
    assert int(ev["negated"].sum()) == 1 and not ev.loc[ev["negated"], "counted"].any()
    res = runner.invoke(main, ["score", str(root), "-o", str(out), "--count-negated"])
    assert res.exit_code == 0 and int(pd.read_csv(out)["opportunity.profitability"].iloc[0]) == default + 1
    bad = tmp_path / "rules.yaml"
    bad.write_text("zh:\n  before: ['re:(不']\n", encoding="utf-8")
    res = runner.invoke(main, ["score", str(root), "-o", str(out), "--negation-rules", str(bad)])
    assert res.exit_code == 1 and "does not compile" in res.output and "Traceback" not in res.output
