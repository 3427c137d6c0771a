"""`analyze` end to end on awkward corpora (one stage empty, English only, undated documents), the cache
(hit, miss, invalidation, corruption), the progress bar and the CLI twin."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
from click.testing import CliRunner

from corpus_tools.cache import Cache, make_key
from corpus_tools.cli import main
from corpus_tools.cli.progress import StepBar
from corpus_tools.pipeline import analyze

FAST: dict[str, Any] = {"k_range": [2], "n_seeds": 1, "n_boot": 50, "n_perm": 49}

ZH = ["军埔村的年轻人在淘宝上开网店，卖服装和食品，利润不错，赚钱比打工快。",
      "政府组织电商培训班，提供免费场地、宽带和小额贷款，降低创业门槛。",
      "快递公司在村里设点，物流方便了，租金也不高，启动资金少。",
      "店主说开网店要有眼光，能发现商机，还要懂管理和营销。"]
EN = ["Young villagers opened online shops on Taobao and made money; profits were good and costs low.",
      "The government offered free training, broadband and small loans, lowering the threshold for start-ups.",
      "Courier companies set up in the village; logistics improved and rent stayed cheap.",
      "Sellers said you need an eye for business opportunities and the skill to manage a shop."]


def _docs(texts: list[str], dates: list[str], **extra: str) -> list[dict[str, str]]:
    return [{"doc_id": f"D{i}", "date": d, "text": "\n\n".join([t, *texts[:i % len(texts)]]), **extra}
            for i, (t, d) in enumerate(zip(texts * 3, dates, strict=False))]


def _check_report(res: Any) -> str:
    html = Path(res.files["report"]).read_text(encoding="utf-8")
    assert "<html" in html and 'id="manifest"' in html
    manifest = json.loads(Path(res.files["manifest"]).read_text(encoding="utf-8"))
    assert manifest["outputs"]["report"] == "report.html"
    for name in ("framing_shares", "framing_tests", "distinctive_words", "triangulation", "topics"):
        assert Path(res.files[name]).is_file(), name
    return html


def test_analyze_one_stage_empty(make_corpus: Any, tmp_path: Path) -> None:
    dates = ["2009-05-01", "2010-06-01", "2011-01-01", "2016-03-01", "2016-07-01", "2017-01-01"] * 2
    root = make_corpus(_docs(ZH, dates))  # nothing in the growth stage (2013-2014)
    res = analyze(root, tmp_path / "out", **FAST)
    html = _check_report(res)
    shares = pd.read_csv(res.files["framing_shares"])
    growth = shares[(shares["by"] == "stage") & (shares["period"] == "growth")]
    assert len(growth) and (growth["n_docs"] == 0).all()
    assert "&#39;growth&#39; has no documents" in html or "'growth' has no documents" in html


def test_analyze_english_only(make_corpus: Any, tmp_path: Path) -> None:
    dates = ["2009-05-01", "2013-06-01", "2014-01-01", "2016-03-01", "2010-07-01", "2015-01-01"] * 2
    root = make_corpus(_docs(EN, dates, lang="en"))
    res = analyze(root, tmp_path / "out", use_cache=False, **FAST)
    _check_report(res)
    assert not (tmp_path / "out" / ".cache").exists() and res.cache["dir"] is None
    words = pd.read_csv(res.files["distinctive_words"])
    assert words["word"].astype(str).str.match(r"^[a-z]").all()


def test_analyze_undated_documents(make_corpus: Any, tmp_path: Path) -> None:
    dates = ["", "2013-06-01", "", "2016-03", "2014", ""] * 2
    root = make_corpus(_docs(ZH, dates, source_type="interview"))
    res = analyze(root, tmp_path / "out", **FAST)
    html = _check_report(res)
    shares = pd.read_csv(res.files["framing_shares"])
    assert "undated" in set(shares[shares["by"] == "year"]["period"])
    assert "year-only" in set(shares[shares["by"] == "quarter"]["period"])
    assert "undated document(s)" in html
    assert Path(res.files["by_year"]).is_file()


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
    res = CliRunner().invoke(main, ["analyze", str(root), "-o", str(out), "--no-topics", "--bootstrap", "20",
                                    "--permutations", "19"])
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file() and "report\t" in res.output
    assert (out / ".cache" / "scores").is_dir()  # default cache location: OUT/.cache
    assert "[#" not in res.output  # CliRunner's stderr is no terminal: no progress bar
