"""`analyze` on a planted corpus: government documents only in the growth stage, with many training terms,
while media documents mention training at the same rate in every stage. The adjusted stage effect must
not find a stage difference that the unadjusted comparison shows; a bad covariate is reported, not fatal."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pandas as pd

from corpus_tools.jobs.analyze import analyze

FILLER = ("家人 父母 孩子 亲戚 邻居 兄弟 姐妹 叔叔 家庭 婚礼 节日 老人 外婆 表哥 乡亲 早上 晚上 街道"  # noqa: SIM905
          .split())
DATES = {"budding": ["2009-03-01", "2010-05-01", "2011-07-01"], "growth": ["2013-03-01", "2014-05-01"],
         "mature": ["2015-06-01", "2016-08-01", "2017-02-01"]}


def planted_docs(seed: int = 0, n_media: int = 10, n_gov: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    docs = []

    def text(n_paras: int, p_term: float, per_para: int) -> str:
        paras = []
        for _ in range(n_paras):
            words = rng.choices(FILLER, k=14)
            if rng.random() < p_term:
                for _ in range(per_para):
                    words.insert(rng.randrange(len(words)), "培训")
            paras.append("，".join(words) + "。")
        return "\n\n".join(paras)

    for stage, dates in DATES.items():
        for i in range(n_media):
            docs.append({"doc_id": f"M{stage[0]}{i}", "date": dates[i % len(dates)], "source_type": "media",
                         "text": text(rng.randint(4, 9), 0.35, 1)})
    for i in range(n_gov):
        docs.append({"doc_id": f"G{i}", "date": DATES["growth"][i % 2], "source_type": "government",
                     "text": text(rng.randint(6, 10), 0.9, 3)})
    return docs


def test_planted_confounder_end_to_end(make_corpus: Any, tmp_path: Path) -> None:
    root = make_corpus(planted_docs(), lexicons='["government_support", "mass_entrepreneurship"]')
    res = analyze(root, tmp_path / "out", topics=False, suggestions=False, n_boot=50, n_perm=49,
                  adjust=["source_type", "no_such_column"])
    assert any("'no_such_column' is not a document column" in p for p in res.problems)
    eff = pd.read_csv(res.files["stage_effects"])
    row = eff[(eff["variable"] == "gov_abilities.training") & (eff["contrast"] == "growth vs budding")].iloc[0]
    assert row["irr_unadj_lo"] > 1.0  # the unadjusted comparison shows a growth "rise"
    assert row["irr_lo"] < 1.0 < row["irr_hi"]  # adjusted for source type: none
    assert row["adjusted_for"] == "source_type" and row["lexicon"] == "government_support"
    strata = pd.read_csv(res.files["stage_source_rates"])
    assert set(strata[strata["stage"] == "growth"]["source_type"]) == {"media", "government"}
    html = Path(res.files["report"]).read_text(encoding="utf-8")
    for anchor in ('id="findings"', 'id="effects"', 'id="chart-stage_effects"', "Rates within strata"):
        assert anchor in html, anchor
    assert "no_such_column" in html  # the note is in the report, and the rest rendered
    fig2 = pd.read_csv(res.files["measures_constructs"])
    assert {"entry", "document"} == set(fig2["unit"]) and "all stages" in set(fig2["stage"])
    assert 'id="chart-measures_constructs_entry"' in html
    assert 'id="manifest"' in html


def test_reliability_section_from_codings(tmp_path: Path) -> None:
    from tests.support.coding import coded_corpus

    corpus = coded_corpus(tmp_path / "corpus", n_docs=8, per_doc=6, n_a=40, n_b=30)
    res = analyze(corpus.root, tmp_path / "out", topics=False, suggestions=False, n_boot=50, n_perm=49)
    table = pd.read_csv(res.files["reliability"])
    alpha = table[(table["metric"] == "krippendorff_alpha") & (table["code"] == "(all)")]
    assert len(alpha) and alpha["q_below_800"].notna().any()
    rare = table[(table["n_positive"] < 10) & table["value"].notna()]
    assert rare["ci_low"].isna().all() and rare["note"].str.contains("fewer than 10").all()
    html = Path(res.files["report"]).read_text(encoding="utf-8")
    assert 'id="reliability"' in html and "P(α &lt; .800)" in html and "No passage has been adjudicated" in html
    assert 'id="chart-code_cooccurrence"' in html and Path(res.files["code_cooccurrence"]).is_file()


def test_cli_unknown_covariate_is_a_clear_warning(make_corpus: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from corpus_tools.cli import main

    root = make_corpus(planted_docs(n_media=6, n_gov=5), lexicons='["government_support"]')
    res = CliRunner().invoke(main, ["analyze", str(root), "-o", str(tmp_path / "out"), "--no-topics",
                                    "--no-suggestions", "--n-boot", "20", "--permutations", "19",
                                    "--adjust", "source_type,colour"])
    assert res.exit_code == 0, res.output
    assert "adjustment column 'colour' is not a document column" in res.output
    assert "Traceback" not in res.output and (tmp_path / "out" / "report.html").is_file()
    eff = pd.read_csv(tmp_path / "out" / "stage_effects.csv")
    assert set(eff["adjusted_for"].dropna()) == {"source_type"}
