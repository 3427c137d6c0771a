"""`analyze` with draft codes: a coded corpus gives the model's cross-validated quality, a saved model and
suggestions for every entry; an uncoded one gives lexicon suggestions and says what the quality section
needs; the cache skips training on the second run."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools import schema
from corpus_tools.cli import main
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.errors import OutputError
from corpus_tools.jobs.analyze import analyze
from corpus_tools.jobs.suggest import evaluate
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.store import CodingStore
from corpus_tools.suggest.persistence import load_model
from tests.support.coding import synthetic_docs, write_codings

FAST: dict[str, Any] = {"topics": False, "n_boot": 30, "n_perm": 29, "folds": 3}
HOSTILE = "<script>alert('x')</script> 利润 赚钱 利润 盈利 收入 赚钱 利润"


def _section(html: str) -> str:
    return html.split('<section id="suggestions">', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def coded_root(make_corpus: Any) -> Path:
    """A synthetic corpus (12 documents x 10 entries) whose first 100 entries are coded by A (20 also by B),
    plus an uncoded document with hostile markup."""
    docs = [*synthetic_docs(12, 10), {"doc_id": "Z99", "text": HOSTILE, "date": "2016-01-01"}]
    root = make_corpus(docs)
    (root / "corpus.toml").write_text((root / "corpus.toml").read_text(encoding="utf-8")
                                      + '\n[codings]\ndescription = "Test coders <b>A</b> and B."\n', encoding="utf-8")
    write_codings(load_corpus(root), 100, 20)
    return root


def test_analyze_with_codings_trains_evaluates_and_reports(coded_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = analyze(coded_root, out, **FAST)
    corpus = load_corpus(coded_root)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    info = manifest["suggestions"]
    assert info["source"] == "model" and info["training"]["n_passages"] == 100
    assert info["training"]["coders"] == {"A": 100, "B": 20} and info["model_dir"] == "model"
    # suggestions.csv: the `suggest` contract, one row per entry
    sug = pd.read_csv(res.files["suggestions"], keep_default_na=False)
    codes = list(load_lexicon("mass_entrepreneurship").variable_ids)
    assert list(sug.columns) == ["id", "doc_id", *codes, *schema.SUGGESTION_WHY]
    assert list(sug["id"]) == list(corpus.entries["entry_id"])
    assert set(sug["source"]) == {"model"} and set(sug["model_version"]) == {info["model_version"]}
    assert ((sug[codes] >= 0) & (sug[codes] <= 1)).all().all() and (sug["codes"] != "").any()
    # evaluation tables, as `corpus-tools evaluate` computes them with the same seed
    ev = pd.read_csv(res.files["evaluation"])
    assert list(ev.columns) == list(schema.EVALUATION) and list(ev["variable"]) == [*codes, "macro"]
    curve = pd.read_csv(res.files["learning_curve"])
    assert list(curve.columns) == list(schema.LEARNING_CURVE) and len(curve) >= 2
    same = evaluate(coded_root, None, folds=3, seed=0, learning_curve=False)
    assert ev["f1"].round(4).tolist() == same.per_variable["f1"].round(4).tolist()
    assert info["evaluation"]["n_entries"] == 100 and set(info["evaluation"]["macro"]) >= {
        "precision", "recall", "f1", "kappa", "f1_low", "f1_high"}
    assert info["evaluation"]["grouping"] == "document" and "all" in info["evaluation"]["by_language"]
    # the saved model is the plain-data format `review --model` and `serve` load
    model = load_model(out / "model")
    assert model.version == info["model_version"] and (out / "model" / "evaluation.json").is_file()
    assert not list(out.rglob("*.pkl")) and not list(out.rglob("*.pickle"))
    # one set of quality figures: model_quality.csv (the record saved with the model) = evaluation.csv's
    # cross-validated figures + the threshold the model applies, and the dashboard reads the same record
    from corpus_tools.review.dashboard import model_quality

    mq = pd.read_csv(res.files["model_quality"]).set_index("code")
    per_var = ev.set_index("variable")
    for j, code in enumerate(codes):
        assert mq.at[code, "threshold"] == pytest.approx(float(model.thresholds_[j]), abs=1e-4)
        if per_var.at[code, "support"]:
            assert mq.at[code, "f1"] == pytest.approx(per_var.at[code, "f1"], abs=1e-4)
    dash = model_quality(out / "model")
    assert dash is not None and all(f["threshold"] == pytest.approx(mq.at[f["code"], "threshold"], abs=1e-4)
                                    for f in dash.fits)
    # the report section: quality table, learning curve (PNG + SVG), counts by stage, escaped examples, meaning
    section = _section(Path(res.files["report"]).read_text(encoding="utf-8"))
    assert "Cross-validated quality per variable" in section and 'id="chart-learning_curve"' in section
    assert (out / "charts" / "learning_curve.png").is_file() and (out / "charts" / "learning_curve.svg").is_file()
    assert "cross-validated on 100 coded passages" in section and "coder A: 100 passage(s)" in section
    assert "Test coders &lt;b&gt;A&lt;/b&gt; and B." in section
    assert "<script>" not in section and "&lt;script&gt;" in section  # the hostile passage, escaped
    assert "macro" in section and "suggestions_by_stage.csv" in section
    # ... and the report's quality table is that record too: its CSV link and the applied thresholds
    assert 'href="model_quality.csv"' in section and "threshold applied" in section
    from corpus_tools.report.format import cell

    quality = section[section.index("threshold applied") - 2000:]
    quality = quality[:quality.index("</table>")]
    heads = re.findall(r"<th[^>]*>(.*?)</th>", quality)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", quality, re.S)]
    shown = {row[0]: row[heads.index("threshold applied")] for row in cells if row}
    assert len(shown) == len(codes) and sorted(shown.values()) == sorted(cell(mq.at[c, "threshold"]) for c in codes)
    by_stage = pd.read_csv(res.files["suggestions_by_stage"])
    assert list(by_stage["variable"]) == codes and (by_stage["total"] == by_stage.drop(
        columns=["variable", "total"]).sum(axis=1)).all()


def test_cache_skips_training_and_codings_change_invalidates(coded_root: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = analyze(coded_root, tmp_path / "o1", cache_dir=cache_dir, **FAST)
    assert "suggestions" in first.cache["misses"]
    second = analyze(coded_root, tmp_path / "o2", cache_dir=cache_dir, **FAST)
    assert second.cache["misses"] == {} and {"suggestions", "model"} <= set(second.cache["hits"])
    manifest = json.loads((tmp_path / "o2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cache"]["hits"]["model"] == 1
    for name in ("suggestions.csv", "evaluation.csv", "learning_curve.csv", "model/model.json", "model/arrays.npz"):
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes(), name
    assert load_model(tmp_path / "o2" / "model").version == manifest["suggestions"]["model_version"]
    # a changed coding retrains; the scores stay cached
    path = coded_root / "codings.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][5] = "activity.high_ambition" if rows[1][5] != "activity.high_ambition" else "none"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    third = analyze(coded_root, tmp_path / "o3", cache_dir=cache_dir, report=False, **FAST)
    assert "suggestions" in third.cache["misses"] and "scores" in third.cache["hits"]
    # decisions in the project's store (OUT/coding.sqlite) are learned from too
    entry = load_corpus(coded_root).entries.iloc[110]
    with CodingStore(tmp_path / "o3" / "coding.sqlite") as store:
        store.record(entry["entry_id"], entry["text_hash"], "activity.high_ambition", "add", "C")
    fourth = analyze(coded_root, tmp_path / "o3", cache_dir=cache_dir, report=False, **FAST)
    assert fourth.suggestions is not None and fourth.suggestions.sources == {"store": 1, "codings.csv": 100}
    assert fourth.suggestions.n_coded == 101 and "suggestions" in fourth.cache["misses"]


def test_analyze_without_codings_uses_the_lexicon(make_corpus: Any, tmp_path: Path) -> None:
    root = make_corpus(synthetic_docs(4, 6))
    out = tmp_path / "out"
    res = analyze(root, out, **FAST)
    assert res.suggestions is not None and res.suggestions.source == "lexicon"
    sug = pd.read_csv(res.files["suggestions"], keep_default_na=False)
    assert set(sug["source"]) == {"lexicon"} and sug["model_version"].iloc[0].startswith("lexicon:")
    assert list(sug.columns) == ["id", "doc_id", *res.suggestions.codes, *schema.SUGGESTION_WHY]
    assert "evaluation" not in res.files and not (out / "model").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["suggestions"]["source"] == "lexicon" and "evaluation" not in manifest["suggestions"]
    section = _section(Path(res.files["report"]).read_text(encoding="utf-8"))
    assert "No model quality yet: this needs coded passages" in section and "learning_curve" not in section
    # too few coded passages: still the lexicon, and the report says why
    write_codings(load_corpus(root), 5)
    again = analyze(root, out, **FAST)
    assert again.suggestions is not None and again.suggestions.source == "lexicon"
    assert "only 5 coded passage(s) found" in _section(Path(again.files["report"]).read_text(encoding="utf-8"))
    # a folder at OUT/model that is not a saved model is never deleted
    (out / "model").mkdir()
    (out / "model" / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="not a saved suggestion model"):
        analyze(root, out, report=False, **FAST)
    assert (out / "model" / "mine.txt").is_file()


def test_cli_no_suggestions(make_corpus: Any, tmp_path: Path) -> None:
    root = make_corpus(synthetic_docs(3, 4))
    out = tmp_path / "cli"
    res = CliRunner().invoke(main, ["analyze", str(root), "-o", str(out), "--no-topics", "--no-suggestions",
                                    "--n-boot", "20", "--permutations", "19"])
    assert res.exit_code == 0, res.output
    assert not (out / "suggestions.csv").exists() and "suggestions\t" not in res.output
    assert "Draft codes were not computed in this run" in (out / "report.html").read_text(encoding="utf-8")
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["config"]["suggestions"]["enabled"] is False


def test_serve_finds_the_model_analyze_saved(tmp_path: Path) -> None:
    from corpus_tools.web.config import resolve_config

    assert resolve_config(tmp_path).model_dir is None
    (tmp_path / "analysis" / "model").mkdir(parents=True)
    (tmp_path / "analysis" / "model" / "model.json").write_text("{}", encoding="utf-8")
    assert resolve_config(tmp_path).model_dir == tmp_path / "analysis" / "model"
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text("{}", encoding="utf-8")
    assert resolve_config(tmp_path).model_dir == tmp_path / "model"  # the project's own model comes first
