"""Grouped cross-validation: documents and their reprints are held out together (a planted leak must be
caught), groups merge near-duplicates, intervals and per-language figures come from the same predictions."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.errors import ModelError
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.suggest.evaluation import cross_validate, paired_difference, splits
from corpus_tools.suggest.features import TextAnalyzer
from corpus_tools.suggest.groups import passage_groups
from corpus_tools.suggest.training import TrainingData, collect
from tests.support.coding import FILLER_EN, write_corpus

LEX = ["mass_entrepreneurship"]
PLANTED = "opportunity.profitability"


def _leaky_corpus(root: Path, n_docs: int = 24, per_doc: int = 4, seed: int = 1) -> Corpus:
    """Documents whose code is a property of the document (even ids: PLANTED), not of any word a model could
    generalise from; each passage carries its document's own marker word, and every document is reprinted
    once under another id. Ungrouped folds leak the label through the marker and the reprint."""
    rng = random.Random(seed)
    docs = []
    for d in range(n_docs):
        marker = "".join(rng.choice("bcdfghjklmnpqrstvwz") for _ in range(7))  # no digit: parity must not leak
        paras = [" ".join([*rng.sample(FILLER_EN, 6), marker, *rng.sample(FILLER_EN, 3)]) + "." for _ in range(per_doc)]
        text = "\n\n".join(paras)
        docs.append({"doc_id": f"D{d:02d}", "text": text, "date": "2012-01-01"})
        docs.append({"doc_id": f"R{d:02d}", "text": text, "date": "2013-01-01"})  # the reprint
    write_corpus(root, docs)
    corpus = load_corpus(root)
    with (root / "codings.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entry_id", "doc_id", "start", "end", "coder", "codes", "note"])
        for eid, did in zip(corpus.entries["entry_id"], corpus.entries["doc_id"], strict=True):
            w.writerow([eid, did, "", "", "A", PLANTED if int(did[1:]) % 2 == 0 else "none", ""])
    return corpus


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return _leaky_corpus(tmp_path_factory.mktemp("leaky") / "corpus")


def test_reprints_join_their_document_group(leaky: Corpus) -> None:
    data = collect(leaky, None, load_lexicon("mass_entrepreneurship").variable_ids)
    assert len(data) == 24 * 2 * 4
    assert len(set(data.groups)) == 24  # each document merged with its reprint
    by_doc: dict[str, set[str]] = {}
    for eid, g in zip(data.ids, data.groups, strict=True):
        by_doc.setdefault(g, set()).add(eid.split(":")[0][1:])
    assert all(len(nums) == 1 for nums in by_doc.values())  # D03 and R03 share a group, nothing else does
    assert set(data.langs) == {"en"}
    for train, test in splits(data, 4, 0):
        assert not {data.groups[i] for i in train} & {data.groups[i] for i in test}


def test_planted_leak_grouped_cv_is_lower_than_ungrouped(leaky: Corpus) -> None:
    analyzer = TextAnalyzer(LEX)
    data = collect(leaky, None, load_lexicon("mass_entrepreneurship").variable_ids)
    grouped = cross_validate(data, analyzer, folds=4, learning_curve=False, n_boot=200)
    naive = cross_validate(data, analyzer, folds=4, learning_curve=False, grouping="none", n_boot=200)
    f_grouped = float(grouped.per_variable.set_index("variable").loc[PLANTED, "f1"])
    f_naive = float(naive.per_variable.set_index("variable").loc[PLANTED, "f1"])
    assert f_naive > 0.75  # the leak: the marker word and the reprint give the label away
    assert f_grouped < f_naive - 0.25
    assert grouped.grouping == "document" and grouped.n_groups == 24 and naive.n_groups == len(data)
    assert "grouped by document" in grouped.kind and "not grouped" in naive.kind


def test_passage_groups_without_a_corpus_merge_near_duplicates() -> None:
    base = "村里的年轻人在网上开店卖衣服，利润比打工高，很多家庭都跟着做起来了。"
    texts = [base, base + "记者", "完全不同的一段话，讲的是道路和宽带建设的事情，和上面没有关系。", "Short."]
    groups, langs = passage_groups(None, ["a", "b", "c", "d"], texts)
    assert groups[0] == groups[1] != groups[2] and len(set(groups)) == 3
    assert langs[0] == "zh-Hans" and langs[3] == "en"


def test_intervals_per_language_and_paired_difference(leaky: Corpus) -> None:
    codes = load_lexicon("mass_entrepreneurship").variable_ids
    data = collect(leaky, None, codes)
    half = len(data) // 2
    langs = ["en"] * half + ["zh-Hans"] * (len(data) - half)
    data = TrainingData(data.ids, data.texts, data.Y, data.codes, groups=data.groups, langs=langs)
    res = cross_validate(data, TextAnalyzer(LEX), folds=3, learning_curve=False, n_boot=200)
    bl = res.by_language
    assert bl is not None and list(bl["lang"]) == ["all", "en", "zh-Hans"]
    assert list(bl["n_passages"]) == [len(data), half, len(data) - half]
    m = res.macro
    assert m["f1_low"] <= m["f1"] <= m["f1_high"]
    pred = np.zeros_like(data.Y)
    same = paired_difference(data, pred, pred, data.groups, 100)
    assert same == (0.0, 0.0, 0.0)
    better = pred.copy()
    better[:, codes.index(PLANTED)] = data.Y[:, codes.index(PLANTED)]
    d, lo, _hi = paired_difference(data, pred, better, data.groups, 200)
    assert d == pytest.approx(1.0) and lo > 0.5


def test_one_document_cannot_be_cross_validated_by_groups() -> None:
    data = TrainingData([str(i) for i in range(12)], ["x"] * 12, np.eye(12, 2, dtype=np.int8), ["a", "b"],
                        groups=["doc:1"] * 12)
    with pytest.raises(ModelError, match="one document"):
        splits(data, 5, 0)


def test_inner_folds_keep_groups_whole_and_balance_positives() -> None:
    from corpus_tools.suggest.model import grouped_stratified_folds

    rng = np.random.default_rng(3)
    groups = np.array([f"g{i // 7}" for i in range(700)], dtype=object)
    y = (rng.random(700) < 0.15).astype(int)
    folds = grouped_stratified_folds(y, groups, 5, random_state=1)
    assert len(folds) == 5
    seen = np.zeros(700, dtype=int)
    for train, test in folds:
        seen[test] += 1
        assert not set(groups[train]) & set(groups[test])
        assert abs(int(y[test].sum()) - y.sum() / 5) <= 7  # at most one group's worth of positives off
    assert (seen == 1).all()
    assert [t.tolist() for _, t in folds] == [t.tolist() for _, t in grouped_stratified_folds(y, groups, 5, 1)]


def test_figures_on_a_test_half_only(leaky: Corpus) -> None:
    """With a development/test split, every passage is trained on but only the test half is scored."""
    from corpus_tools.jobs.suggest import evaluate, scored_passages

    data = collect(leaky, None, load_lexicon("mass_entrepreneurship").variable_ids)
    assert scored_passages(leaky, data) == (None, "")
    docs = sorted(set(leaky.entries["doc_id"]))
    (leaky.root / "validation_split.csv").write_text(
        "doc_id,split\n" + "".join(f"{d},{'test' if i % 3 == 0 else 'dev'}\n" for i, d in enumerate(docs)),
        encoding="utf-8")
    try:
        flags, note = scored_passages(leaky, data)
        assert flags is not None and 0 < sum(flags) < len(flags) and "test half" in note
        res = evaluate(leaky.root, None, folds=3, learning_curve=False)
        assert res.n_entries == sum(flags) and "test half" in res.kind and res.scope_note == note
    finally:
        (leaky.root / "validation_split.csv").unlink()
