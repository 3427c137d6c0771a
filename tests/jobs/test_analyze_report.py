"""`analyze` end to end on awkward corpora (one stage empty, English only, undated documents) with topics
modelled in each, the cache (hit, miss, invalidation, corruption, equivalent settings), the progress bar and
the CLI twin (including -k/--k-range)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import pandas as pd
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.cli.progress import StepBar
from corpus_tools.io.cache import Cache, make_key
from corpus_tools.jobs.analyze import analyze
from tests.support.topics import THEMES, paragraph

FAST: dict[str, Any] = {"k_range": [2], "n_seeds": 1, "n_boot": 50, "n_perm": 49}

ZH = ["军埔村的年轻人在淘宝上开网店，卖服装和食品，利润不错，赚钱比打工快。",
      "政府组织电商培训班，提供免费场地、宽带和小额贷款，降低创业门槛。",
      "快递公司在村里设点，物流方便了，租金也不高，启动资金少。",
      "店主说开网店要有眼光，能发现商机，还要懂管理和营销。"]
EN = ["Young villagers opened online shops on Taobao and made money; profits were good and costs low.",
      "The government offered free training, broadband and small loans, lowering the threshold for start-ups.",
      "Courier companies set up in the village; logistics improved and rent stayed cheap.",
      "Sellers said you need an eye for business opportunities and the skill to manage a shop."]
ZH_THEMES = {  # words of four themes, space-separated
    "logistics": "快递 包裹 物流 仓库 货车 发货 配送 运费 打包 取件 网点 快运 揽收 分拣 托运",
    "family": "家人 父母 孩子 亲戚 邻居 兄弟 姐妹 叔叔 家庭 婚礼 节日 老人 外婆 表哥 乡亲",
    "government": "政府 官员 政策 培训 贷款 补贴 部门 许可 登记 项目 检查 委员会 干部 扶持 文件",
    "brands": "品牌 公司 商标 设计 质量 工厂 专利 标签 营销 时尚 目录 展厅 系列 款式 面料",
}


def _docs(texts: list[str], dates: list[str], **extra: str) -> list[dict[str, str]]:
    """Tiny documents (a few repeated sentences): too little text for topic models."""
    return [{"doc_id": f"D{i}", "date": d, "text": "\n\n".join([t, *texts[:i % len(texts)]]), **extra}
            for i, (t, d) in enumerate(zip(texts * 3, dates, strict=False))]


def _themed(dates: list[str], english: bool = False, paragraphs: int = 8, seed: int = 0,
            **extra: str) -> list[dict[str, str]]:
    """One document per date: a sentence with lexicon terms plus `paragraphs` seeded themed paragraphs
    (entries enough for per-stage and joint topic models); Chinese unless `english` (then lang "en")."""
    rng = random.Random(seed)
    docs = []
    for i, d in enumerate(dates):
        if not english:
            paras = ["，".join(rng.choice(ZH_THEMES[t].split()) for _ in range(12)) + "。"
                     for t in (rng.choice(sorted(ZH_THEMES)) for _ in range(paragraphs))]
        else:
            paras = [paragraph(rng, rng.choice(sorted(THEMES))) for _ in range(paragraphs)]
        base = EN if english else ZH
        docs.append({"doc_id": f"D{i}", "date": d, "text": "\n\n".join([base[i % len(base)], *paras]),
                     **({"lang": "en"} if english else {}), **extra})
    return docs


def _check_report(res: Any) -> str:
    html = Path(res.files["report"]).read_text(encoding="utf-8")
    assert "<html" in html and 'id="manifest"' in html
    manifest = json.loads(Path(res.files["manifest"]).read_text(encoding="utf-8"))
    assert manifest["outputs"]["report"] == "report.html"
    for name in ("framing_shares", "framing_tests", "distinctive_words", "triangulation", "topics",
                 "language_balance"):
        assert Path(res.files[name]).is_file(), name
    counts = manifest["scoring"]["counts"]  # what was counted and left out (negation, speakers, overlap)
    assert {"hits", "counted", "negated", "overlap", "excluded_entries", "excluded_hits"} <= set(counts)
    ev = pd.read_csv(res.files["evidence"])
    assert int(ev["counted"].sum()) == counts["counted"] and int(ev["negated"].sum()) == counts["negated"]
    assert "What is counted" in html and "Language balance" in html
    return html


def _check_topics(res: Any, html: str) -> dict[str, int]:
    """Topics were modelled (rows in topics.csv, a joint model) and the report shows them; → K by scope."""
    topics = pd.read_csv(res.files["topics"])
    assert len(topics) and "joint" in set(topics["scope"])
    k_by_scope = json.loads(Path(res.files["manifest"]).read_text(encoding="utf-8"))["config"]["topics"]["k_by_scope"]
    assert "joint" in k_by_scope
    assert "No topic model in this run" not in html
    assert 'id="chart-topic_sweep"' in html and 'id="chart-topic_prevalence"' in html
    assert '<h3>joint <span class="muted">(K = ' in html
    return dict(k_by_scope)


def test_analyze_one_stage_empty(make_corpus: Any, tmp_path: Path) -> None:
    dates = ["2009-05-01", "2010-06-01", "2011-01-01", "2016-03-01", "2016-07-01", "2017-01-01"] * 2
    root = make_corpus(_themed(dates))  # nothing in the growth stage (2013-2014)
    res = analyze(root, tmp_path / "out", **{**FAST, "k_range": [2, 3]})
    html = _check_report(res)
    shares = pd.read_csv(res.files["framing_shares"])
    growth = shares[(shares["by"] == "stage") & (shares["period"] == "growth")]
    assert len(growth) and (growth["n_docs"] == 0).all()
    assert "&#39;growth&#39; has no documents" in html or "'growth' has no documents" in html
    k_by_scope = _check_topics(res, html)
    assert {"stage:budding", "stage:mature"} <= set(k_by_scope) and "stage:growth" not in k_by_scope
    assert 'id="chart-topic_alignment"' in html  # budding and mature are aligned across the empty stage
    # the report's sweep table is the whole sweep: every K of every scope, one chosen K per scope
    by_k = pd.read_csv(res.files["topic_sweep_by_k"])
    assert set(by_k["scope"]) == set(k_by_scope)
    # the seeded scope's K is its codebook items plus the free topics, not the sweep's range
    assert all(ks == [2, 3] for scope, ks in by_k.groupby("scope")["k"].apply(sorted).items() if scope != "seeded")
    if "seeded" in k_by_scope:
        assert "Seeded topics: does the codebook hold up" in html and 'href="topic_seeded.csv"' in html
    chosen = by_k[by_k["chosen"]]
    assert dict(zip(chosen["scope"], chosen["k"], strict=True)) == k_by_scope
    assert 'href="topic_sweep_by_k.csv"' in html and 'href="topic_sweep.csv"' in html


def test_analyze_english_only(make_corpus: Any, tmp_path: Path) -> None:
    dates = ["2009-05-01", "2013-06-01", "2014-01-01", "2016-03-01", "2010-07-01", "2015-01-01"] * 2
    root = make_corpus(_themed(dates, english=True))
    res = analyze(root, tmp_path / "out", use_cache=False, chunk_entries=3, **FAST)
    html = _check_report(res)
    assert not (tmp_path / "out" / ".cache").exists() and res.cache["dir"] is None
    # the explorer's data comes from evidence.parquet (analyze keeps the evidence on disk): every row of it here
    import json

    raw = html.split('<script type="application/json" id="explorer-data">', 1)[1].split("</script>", 1)[0]
    explorer = json.loads(raw)
    evidence = pd.read_parquet(tmp_path / "out" / "evidence.parquet")
    assert explorer["n_rows"] == len(evidence) == len(explorer["rows"]) > 0
    assert len(pd.read_csv(res.files["evidence"])) == len(evidence)
    words = pd.read_csv(res.files["distinctive_words"])
    assert words["word"].astype(str).str.match(r"^[a-z]").all()
    _check_topics(res, html)
    topics = pd.read_csv(res.files["topics"], keep_default_na=False)
    assert topics["top_words"].str.match(r"^[a-z]").all() and (topics["top_words_zh"] == "").all()


def test_analyze_undated_documents(make_corpus: Any, tmp_path: Path) -> None:
    dates = ["", "2013-06-01", "", "2016-03", "2014", ""] * 2
    root = make_corpus(_themed(dates, source_type="interview"))
    res = analyze(root, tmp_path / "out", **FAST)
    html = _check_report(res)
    shares = pd.read_csv(res.files["framing_shares"])
    assert "undated" in set(shares[shares["by"] == "year"]["period"])
    assert "year-only" in set(shares[shares["by"] == "quarter"]["period"])
    assert "undated document(s)" in html
    assert Path(res.files["by_year"]).is_file()
    _check_topics(res, html)
    prevalence = pd.read_csv(res.files["topic_prevalence"])
    assert "unstaged" in set(prevalence["stage"])  # undated entries are in the joint model


def test_cache_hit_miss_and_invalidation(make_corpus: Any, tmp_path: Path) -> None:
    dates = ["2009-05-01", "2013-06-01", "2014-01-01", "2016-03-01"] * 3
    root = make_corpus(_docs(ZH, dates))
    cache_dir = tmp_path / "cache"
    first = analyze(root, tmp_path / "o1", cache_dir=cache_dir, **FAST)
    assert first.cache["hits"] == {} and {"scores", "tokens", "framing", "topics"} <= set(first.cache["misses"])
    second = analyze(root, tmp_path / "o2", cache_dir=cache_dir, **FAST)
    assert second.cache["misses"] == {}
    assert {"scores", "tokens", "framing", "topics", "charts"} <= set(second.cache["hits"])
    for name in ("framing_shares", "distinctive_words", "scores_entries", "evidence", "topics"):
        assert Path(first.files[name]).read_bytes() == Path(second.files[name]).read_bytes(), name
    assert (Path(first.files["chart_heatmap_variable_by_stage"]).read_bytes()
            == Path(second.files["chart_heatmap_variable_by_stage"]).read_bytes())
    # another seed: scores and tokens stay valid, seeded results are recomputed
    third = analyze(root, tmp_path / "o3", cache_dir=cache_dir, seed=1, report=False, **FAST)
    assert {"scores", "tokens"} <= set(third.cache["hits"]) and {"framing", "topics"} <= set(third.cache["misses"])
    # an edited text invalidates everything derived from the corpus
    text = root / "texts" / "D0.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\n\n新增一段：网店利润。", encoding="utf-8")
    fourth = analyze(root, tmp_path / "o4", cache_dir=cache_dir, report=False, **FAST)
    assert {"scores", "tokens", "framing", "topics"} <= set(fourth.cache["misses"])
    assert "scores" not in fourth.cache["hits"]


def test_cache_store_and_corrupt_entry(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = make_key(a=1)
    assert key == make_key(a=1) and key != make_key(a=2)
    frame = pd.DataFrame({"entry_id": ["e1", "e2"], "words": [["网店", "利润"], []]})
    cache.save_frames("tokens", key, {"tokens": frame}, {"n": 2})
    hit = cache.load_frames("tokens", key)
    assert hit is not None and hit[1] == {"n": 2} and list(hit[0]["tokens"]["words"][0]) == ["网店", "利润"]
    (tmp_path / "tokens" / key / "tokens.parquet").write_bytes(b"not parquet")
    assert cache.load_frames("tokens", key) is None
    assert cache.summary()["hits"] == {"tokens": 1} and cache.summary()["misses"] == {"tokens": 1}
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.pickle"))
    off = Cache(None)
    off.save_frames("tokens", key, {"tokens": frame})
    assert off.load_frames("tokens", key) is None and not off.enabled


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_quiet_without_terminal() -> None:
    quiet = io.StringIO()
    bar = StepBar(quiet)
    bar("scoring", 2, 7)
    bar.close()
    assert quiet.getvalue() == ""
    tty = _Tty()
    bar = StepBar(tty)
    bar("scoring", 2, 7)
    bar.close()
    assert "2/7 scoring" in tty.getvalue() and tty.getvalue().startswith("\r[##") and tty.getvalue().endswith("\n")


def test_cli_analyze_twin(make_corpus: Any, tmp_path: Path) -> None:
    root = make_corpus(_docs(ZH, ["2013-06-01", "2016-01-01"] * 2))
    out = tmp_path / "cli"
    res = CliRunner().invoke(main, ["analyze", str(root), "-o", str(out), "--no-topics", "--n-boot", "20",
                                    "--permutations", "19"])
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file() and "report\t" in res.output
    assert (out / ".cache" / "scores").is_dir()  # default cache location: OUT/.cache
    assert "[#" not in res.output  # CliRunner's stderr is no terminal: no progress bar


def test_equivalent_topic_settings_share_a_cache_entry(make_corpus: Any, tmp_path: Path) -> None:
    root = make_corpus(_themed(["2010-05-01", "2013-06-01", "2016-03-01"] * 4, english=True, paragraphs=4))
    cache_dir = tmp_path / "cache"
    quick: dict[str, Any] = {"n_seeds": 1, "n_boot": 20, "n_perm": 19, "report": False, "suggestions": False,
                             "cache_dir": cache_dir}
    first = analyze(root, tmp_path / "o1", topic_engine=None, k_range=[3, 2], **quick)
    assert "topics" in first.cache["misses"]
    # the default engine named explicitly, and the same K values in another order: the same cached models
    second = analyze(root, tmp_path / "o2", topic_engine="tomotopy", k_range=(2, 3, 3), **quick)
    assert "topics" in second.cache["hits"] and "topics" not in second.cache["misses"]
    manifest = json.loads(Path(second.files["manifest"]).read_text(encoding="utf-8"))
    assert manifest["config"]["topics"]["engine"] == "tomotopy" and manifest["config"]["topics"]["k_range"] == [2, 3]
    assert "joint" in manifest["config"]["topics"]["k_by_scope"]  # real models were cached, not an empty result
    assert Path(first.files["topics"]).read_bytes() == Path(second.files["topics"]).read_bytes()
    other = analyze(root, tmp_path / "o3", topic_engine="gensim", k_range=[2, 3], **quick)
    assert "topics" in other.cache["misses"]


def test_cli_analyze_k_range(make_corpus: Any, tmp_path: Path) -> None:
    root = make_corpus(_themed(["2010-05-01", "2013-06-01", "2016-03-01"] * 4, english=True, paragraphs=4))
    out = tmp_path / "cli"
    args = ["analyze", str(root), "-o", str(out), "--no-suggestions", "--n-seeds", "1", "--n-boot", "20",
            "--permutations", "19", "-q"]
    res = CliRunner().invoke(main, [*args, "-k", "2-4:2"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["topics"]["k_range"] == [2, 4]
    sweep = pd.read_csv(out / "topic_sweep.csv")
    assert set(sweep.loc[sweep["scope"] != "seeded", "k"]) == {2, 4}
    res = CliRunner().invoke(main, [*args, "--k-range", "3", "--seeded", "off", "--prevalence-by", "outlet,nope",
                                    "--sweep-sample", "30"])
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out / "topic_sweep.csv")["k"]) == {3}
    assert "covariate" in pd.read_csv(out / "topic_effects.csv").columns
    # the joint scope was sampled: the manifest and the report say what was fitted on what
    topics = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["config"]["topics"]
    joint = topics["sweep_samples"]["joint"]
    assert topics["final_fit"] == "sample" and joint["size"] == 30 and joint["topics_fitted_on"] == 30
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"joint: K chosen and topics fitted on a stratified sample of 30 of {joint['of']} entries" in html
    prevalence = pd.read_csv(out / "topic_prevalence.csv")
    assert prevalence.loc[prevalence["topic"] == 1, "n_entries"].sum() == joint["of"]  # every entry's shares
    bad = CliRunner().invoke(main, [*args[:3], str(tmp_path / "never"), *args[4:], "-k", "four"])
    assert bad.exit_code == 1 and "cannot read topic numbers 'four'" in bad.output
    assert not (tmp_path / "never").exists()  # refused before anything ran
