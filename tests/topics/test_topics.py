"""run_topics end to end: contracts, same seed → same topics, small/empty stages, undated documents."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools import schema
from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics import TopicsResult, run_topics
from tests.conftest import MakeCorpus
from tests.support.topics import themed_docs

LEX = "mass_entrepreneurship"


def _run(corpus: Corpus, **kw: object) -> TopicsResult:
    params: dict[str, object] = {"k_range": [2, 3], "n_seeds": 2, "seed": 0, "seeded": "off", **kw}
    return run_topics(corpus, Tokenizer(), [load_lexicon(LEX)], **params)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def themed(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Three staged themes (6 documents x 8 paragraphs per stage) plus one undated document."""
    import csv

    from tests.conftest import HEADER, STAGES_TOML

    root = tmp_path_factory.mktemp("themed")
    (root / "texts").mkdir()
    (root / "corpus.toml").write_text(f'name = "themed"\nlexicons = ["{LEX}"]\n{STAGES_TOML}', encoding="utf-8")
    with (root / "documents.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        for d in themed_docs(undated=1):
            (root / "texts" / f"{d['doc_id']}.txt").write_text(d["text"], encoding="utf-8")
            w.writerow({**{k: d.get(k, "") for k in HEADER}, "path": f"texts/{d['doc_id']}.txt",
                        "title": d["doc_id"], "source_type": "media"})
    return load_corpus(root)


@pytest.fixture(scope="module")
def themed_result(themed: Corpus) -> TopicsResult:
    return _run(themed)


def test_tables_follow_their_contracts(themed_result: TopicsResult) -> None:
    r = themed_result.check()
    tables = r.to_tables()
    assert set(tables) == {"topic_sweep", "topics", "topic_passages", "topic_alignment", "topic_prevalence",
                           "topic_variables", "topic_effects", "topic_seeded"}
    assert list(r.topics.columns[:len(schema.TOPICS)]) == list(schema.TOPICS)
    assert set(r.k_by_scope) == {"stage:budding", "stage:growth", "stage:mature", "joint"}
    assert r.engine == "tomotopy"
    # every scope's topics are numbered 1..K with K the chosen one
    for scope, k in r.k_by_scope.items():
        assert sorted(r.topics.loc[r.topics["scope"] == scope, "topic"]) == list(range(1, k + 1))
    # passages point at real entries of the right stage
    stage_pass = r.passages[r.passages["scope"] == "stage:growth"]
    assert (stage_pass["stage"] == "growth").all()
    assert stage_pass["doc_id"].str.startswith("G").all()


def test_same_seed_same_topics(themed: Corpus, themed_result: TopicsResult) -> None:
    again = _run(themed)
    for name, frame in themed_result.to_tables().items():
        pd.testing.assert_frame_equal(frame, again.to_tables()[name], obj=name)
    assert again.k_by_scope == themed_result.k_by_scope


def test_two_workers_give_the_same_topics(themed: Corpus, themed_result: TopicsResult) -> None:
    """The K x seed fits of every sweep (per stage, joint, seeded) in two worker processes: identical tables."""
    two = _run(themed, workers=2)
    for name, frame in themed_result.to_tables().items():
        pd.testing.assert_frame_equal(frame, two.to_tables()[name], obj=name)
    assert two.k_by_scope == themed_result.k_by_scope and two.notes == themed_result.notes
    one_seeded, two_seeded = _run(themed, seeded="variable", k_range=[3]), _run(themed, seeded="variable",
                                                                                  k_range=[3], workers=2)
    assert "seeded" in one_seeded.k_by_scope
    for name, frame in one_seeded.to_tables().items():
        pd.testing.assert_frame_equal(frame, two_seeded.to_tables()[name], obj=name)


def test_sweep_picks_from_the_range(themed_result: TopicsResult) -> None:
    sweep = themed_result.sweep
    assert set(sweep["k"]) <= {2, 3}
    for scope, group in sweep.groupby("scope"):
        chosen = set(group.loc[group["chosen"], "k"])
        assert chosen == {themed_result.k_by_scope[str(scope)]}
        assert len(group) == 2 * group["k"].nunique()  # every K with both seeds
    assert sweep["c_v"].between(0, 1).all() and sweep["c_npmi"].between(-1, 1).all()
    assert sweep["stability"].between(0, 1).all()


def test_themes_are_recovered_and_aligned(themed_result: TopicsResult) -> None:
    al = themed_result.alignment
    assert set(al["status"]) <= {"persisted", "split", "merged", "split+merged", "emerged", "faded"}
    assert (al["threshold"] == 0.4).all()
    # logistics runs through budding→growth, government through growth→mature
    persisted = al[al["to_topic"].ge(1) & al["from_topic"].ge(1)]
    assert len(persisted[(persisted["from_stage"] == "budding") & (persisted["to_stage"] == "growth")]) >= 1
    assert len(persisted[(persisted["from_stage"] == "growth") & (persisted["to_stage"] == "mature")]) >= 1
    assert (persisted["similarity"] >= 0.4).all()
    # emerged only where nothing earlier reaches the threshold
    assert (al.loc[al["status"] == "emerged", "similarity"] < 0.4).all()
    topics = themed_result.topics
    budding = " ".join(topics.loc[topics["scope"] == "stage:budding", "top_words"])
    assert "courier" in budding or "parcel" in budding or "delivery" in budding


def test_prevalence_intervals_contain_means(themed_result: TopicsResult) -> None:
    p = themed_result.prevalence
    assert len(p) and (p["lo"] <= p["mean"] + 1e-12).all() and (p["mean"] <= p["hi"] + 1e-12).all()
    # shares of one stage sum to one; the undated document is its own stage (one document)
    assert (p.groupby("stage")["mean"].sum() - 1).abs().max() < 0.02  # means of draws: sum ≈ 1
    unstaged = p[p["stage"] == "unstaged"]
    assert len(unstaged) and (unstaged["n_documents"] == 1).all()
    assert any("without a stage" in n for n in themed_result.notes)


def test_small_and_empty_stages_get_notes(make_corpus: MakeCorpus) -> None:
    docs = themed_docs({"budding": 1, "growth": 0, "mature": 5}, paragraphs=8)
    corpus = load_corpus(make_corpus(docs))
    r = _run(corpus, n_seeds=1)
    assert "stage:mature" in r.k_by_scope and "stage:budding" not in r.k_by_scope
    assert any("stage budding" in n and "fewer than" in n for n in r.notes)
    assert any("stage growth: 0 usable entries" in n for n in r.notes)
    assert r.alignment.empty and not r.prevalence.empty
    assert any("stability and held-out likelihood cannot be measured" in n for n in r.notes)


def test_corpus_without_stages_gets_the_joint_model_only(make_corpus: MakeCorpus) -> None:
    corpus = load_corpus(make_corpus(themed_docs({"growth": 4, "mature": 4}, paragraphs=6), stages=False))
    r = _run(corpus, n_seeds=1)
    assert list(r.k_by_scope) == ["joint"] and r.alignment.empty
    assert set(r.prevalence["stage"]) == {"unstaged"}
    assert any("declares no stages" in n for n in r.notes)


def test_too_little_text_gives_empty_tables(make_corpus: MakeCorpus) -> None:
    corpus = load_corpus(make_corpus([{"doc_id": "D1", "text": "Courier parcel delivery.", "date": "2013-01-01"}]))
    r = _run(corpus)
    assert all(frame.empty for frame in r.to_tables().values())
    assert any("too little text" in n for n in r.notes)
    r.check()


def test_bad_options_raise_config_errors(themed: Corpus) -> None:
    from corpus_tools.errors import ConfigError

    with pytest.raises(ConfigError):
        _run(themed, engine="mallet")
    with pytest.raises(ConfigError):
        _run(themed, n_seeds=0)
    for bad in ({"seeded": "codes"}, {"bilingual": "google"}, {"free_topics": -1}):
        with pytest.raises(ConfigError):  # refused before any fitting
            _run(themed, **bad)


def test_bundled_corpus_variables_and_scripts(junpu: Corpus) -> None:
    r = run_topics(junpu, Tokenizer(), [load_lexicon(LEX), load_lexicon("government_support")], k_range=[4],
                   n_seeds=1, seeded="off")
    assert set(r.k_by_scope) == {"stage:budding", "stage:growth", "stage:mature", "joint"}
    t = r.topics
    # Chinese and English top words are split by script
    assert t["top_words_zh"].str.contains(r"[a-z]", regex=True).sum() == 0
    assert t["top_words_en"].str.contains(r"[\u4e00-\u9fff]", regex=True).sum() == 0
    assert (t["top_words_zh"] != "").any() and (t["top_words_en"] != "").any()
    v = r.variables
    assert v["overlap"].between(0, 1).all()
    assert set(v["variable"]) >= {"opportunity.feasibility", "gov_abilities.training"}
    assert (v["overlap"] > 0).any()  # some topic speaks to some construct
    assert set(r.prevalence["stage"]) >= {"budding", "growth", "mature"}
    assert any("near-duplicate" in n for n in r.notes)


def test_topics_cli_writes_csv(themed: Corpus, tmp_path: Path) -> None:
    from corpus_tools.cli import main

    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["topics", str(themed.root), "-o", str(out), "-k", "2-3", "--n-seeds", "2",
                                    "-q"])
    assert res.exit_code == 0, res.output
    for name in ("topic_sweep", "topics", "topic_passages", "topic_alignment", "topic_prevalence",
                 "topic_variables", "topic_effects", "topic_seeded"):
        assert (out / f"{name}.csv").is_file()
    assert (out / "topics.json").is_file()
    bad = CliRunner().invoke(main, ["topics", str(themed.root), "-k", "x"])
    assert bad.exit_code == 1 and "cannot read topic numbers" in bad.output


def test_topics_cli_help() -> None:
    from corpus_tools.cli import main

    res = CliRunner().invoke(main, ["topics", "--help"])
    assert res.exit_code == 0 and "--topic-engine" in res.output and "--n-seeds" in res.output


def test_topics_cli_options_bad_input_is_a_note_or_a_clear_error(themed: Corpus, tmp_path: Path) -> None:
    from corpus_tools.cli import main

    out = tmp_path / "o"
    res = CliRunner().invoke(main, ["topics", str(themed.root), "-o", str(out), "-k", "2", "--n-seeds", "1", "-q",
                                    "--seeded", "off", "--prevalence-by", "outlet,nope", "--sweep-sample", "60",
                                    "--final-fit", "all"])
    assert res.exit_code == 0, res.output
    assert "--prevalence-by nope: no such metadata column" in res.output  # a note; the run went on
    meta = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert meta["settings"]["final_fit"] == "all" and meta["settings"]["sweep_sample"] == 60
    assert meta["sweep_samples"]["joint"]["final_fit"] == "all" and "fitted on all" in res.output
    effects = pd.read_csv(out / "topic_effects.csv")
    assert {"stage", "year"} <= set(effects["covariate"])
    bad = CliRunner().invoke(main, ["topics", str(themed.root), "-o", str(out), "-k", "2", "--n-seeds", "1", "-q",
                                    "--bilingual", "dictionary", "--dictionary", str(tmp_path / "none.txt")])
    assert bad.exit_code == 1 and "cannot read the bilingual dictionary" in bad.output
    assert "Traceback" not in bad.output
    bad = CliRunner().invoke(main, ["topics", str(themed.root), "-o", str(out), "--final-fit", "some"])
    assert bad.exit_code == 2 and "'some' is not one of 'sample', 'all'" in bad.output
