"""The HTML report: escaping, self-containment, charts (PNG + SVG, Chinese glyphs present), fake topics."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from corpus_tools import schema
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.framing import run_framing
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.report import ReportInputs, write_report
from corpus_tools.report.evidence import highlight
from corpus_tools.report.fonts import cjk_family, rc_params
from corpus_tools.report.format import cell, table
from corpus_tools.scoring.health import lexicon_health
from corpus_tools.scoring.score import Scorer, score_corpus
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics import TopicsResult

EVIL = "<script>alert('x')</script>"


def fake_topics() -> TopicsResult:
    """A small TopicsResult honouring the schema.TOPIC_* contracts (two stages + joint)."""
    topics = pd.DataFrame([
        {"scope": "stage:budding", "stage": "budding", "topic": 1, "label": "网店 创业",
         "top_words_zh": "网店 创业 利润", "top_words_en": "", "top_words": "网店 创业 利润", "weight": 0.6},
        {"scope": "stage:budding", "stage": "budding", "topic": 2, "label": "shops", "top_words_zh": "",
         "top_words_en": "shop village", "top_words": "shop village", "weight": 0.4},
        {"scope": "stage:growth", "stage": "growth", "topic": 1, "label": "培训", "top_words_zh": "培训 政府",
         "top_words_en": "", "top_words": "培训 政府", "weight": 1.0},
        {"scope": "joint", "stage": "", "topic": 1, "label": "网店", "top_words_zh": "网店 培训", "top_words_en": "",
         "top_words": "网店 培训", "weight": 1.0},
    ], columns=list(schema.TOPICS))
    passages = pd.DataFrame([{"scope": "stage:budding", "topic": 1, "rank": 1, "entry_id": "e1", "doc_id": "A",
                              "title": "t", "stage": "budding", "score": 0.9, "text": f"网店 {EVIL}"}],
                            columns=list(schema.TOPIC_PASSAGES))
    sweep = pd.DataFrame([{"scope": s, "k": k, "seed": 0, "c_npmi": 0.1 * k, "c_v": 0.5, "stability": 0.8,
                           "chosen": k == 2} for s in ("stage:budding", "joint") for k in (2, 3)],
                         columns=list(schema.TOPIC_SWEEP))
    alignment = pd.DataFrame([{"from_stage": "budding", "from_topic": 1, "to_stage": "growth", "to_topic": 1,
                               "similarity": 0.5, "status": "persisted"},
                              {"from_stage": "budding", "from_topic": 2, "to_stage": "growth", "to_topic": -1,
                               "similarity": 0.1, "status": "faded"}], columns=list(schema.TOPIC_ALIGNMENT))
    prevalence = pd.DataFrame([{"topic": 1, "stage": s, "mean": 0.5, "lo": 0.4, "hi": 0.6, "method": "bootstrap"}
                               for s in ("budding", "growth")], columns=list(schema.TOPIC_PREVALENCE))
    variables = pd.DataFrame([{"scope": "stage:budding", "topic": 1, "lexicon": "mass_entrepreneurship",
                               "construct": "opportunity", "variable": "opportunity.profitability", "overlap": 0.3,
                               "matched_terms": "利润"}], columns=list(schema.TOPIC_VARIABLES))
    return TopicsResult(sweep, topics, passages, alignment, prevalence, variables, "fake",
                        {"stage:budding": 2, "stage:growth": 1, "joint": 1}, ["fake topics for a test"])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> ReportInputs:
    from tests.support.corpus import HEADER, STAGES_TOML

    root = tmp_path_factory.mktemp("rep") / "corpus"
    (root / "texts").mkdir(parents=True)
    (root / "corpus.toml").write_text('name = "tiny & <odd>"\nlexicons = ["mass_entrepreneurship"]\n' + STAGES_TOML,
                                      encoding="utf-8")
    docs = [("A", "2010-03-01", "media", f"村里的网店利润很高。{EVIL}\n\n快递和物流也方便，开网店赚钱。"),
            ("B", "2014-06-01", "government", "政府组织电商培训，提供免费场地和贷款。\n\n培训班很受欢迎。"),
            ("C", "2015-02-01", "interview", "Running an online shop makes money; the threshold is low.")]
    lines = [",".join(HEADER)]
    for did, date, src, text in docs:
        (root / "texts" / f"{did}.txt").write_text(text, encoding="utf-8")
        lines.append(",".join([did, f"texts/{did}.txt", f"title {did} <b>&", src, "", date] + [""] * 6))
    (root / "documents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = load_corpus(root)
    lex = [load_lexicon("mass_entrepreneurship")]
    tok = Tokenizer()
    scorer = Scorer(lex, tok)
    doc_scores = score_corpus(corpus, scorer, "document")
    entry_scores = score_corpus(corpus, scorer, "entry")
    framing = run_framing(corpus, doc_scores, tok, n_boot=50, n_perm=49)
    return ReportInputs(corpus, lex, doc_scores, entry_scores, framing, fake_topics(),
                        lexicon_health(lex, tok, corpus), {"command": "test", "note": EVIL})


@pytest.fixture(scope="module")
def built(inputs: ReportInputs, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("rep_out")
    rep = write_report(inputs, out)
    return out, rep.html.read_text(encoding="utf-8")


def test_report_written_piece_by_piece_is_the_rendered_page(inputs: ReportInputs, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from corpus_tools.report import build

    seen: list[str] = []
    render_to = build.render_to

    def both(ctx: dict[str, Any], path: Path) -> Path:
        seen.append(build.render(ctx))
        return render_to(ctx, path)

    monkeypatch.setattr(build, "render_to", both)
    rep = write_report(inputs, tmp_path)
    assert len(seen) == 1 and len(seen[0]) > 10_000 and rep.html.read_bytes() == seen[0].encode("utf-8")


def test_corpus_text_is_escaped(built: tuple[Path, str]) -> None:
    _, html = built
    assert EVIL not in html
    assert "&lt;script&gt;alert(" in html
    assert "<b>&" not in html and "title A &lt;b&gt;&amp;" in html
    assert "tiny &amp; &lt;odd&gt;" in html
    assert html.count("<script>") == 1  # only the report's own sorting script


def test_report_is_self_contained(built: tuple[Path, str]) -> None:
    _, html = built
    srcs = re.findall(r'\ssrc="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    hrefs = re.findall(r'\shref="([^"]*)"', html)
    assert all("://" not in h and not h.startswith("//") for h in hrefs), hrefs
    assert "<link" not in html and "@import" not in html and "url(" not in html


def test_report_sections_and_topics(built: tuple[Path, str]) -> None:
    _, html = built
    for section in ("overview", "scores", "framing", "words", "triangulation", "evidence", "topics", "lexicon",
                    "documents", "manifest"):
        assert f'id="{section}"' in html
    assert "网店 创业 利润" in html and "fake topics for a test" in html
    assert "<mark>" in html  # highlighted evidence
    assert 'id="doc-A"' in html and 'href="#doc-A"' in html


def test_charts_written_as_png_and_svg(built: tuple[Path, str]) -> None:
    out, html = built
    pngs = sorted((out / "charts").glob("*.png"))
    assert len(pngs) >= 10
    for png in pngs:
        svg = png.with_suffix(".svg")
        assert svg.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<text" not in svg.read_text(encoding="utf-8")  # glyphs as paths: no font needed to view
        assert f"charts/{png.name}" in html
    assert {"topic_sweep.png", "topic_alignment.png", "topic_prevalence.png"} <= {p.name for p in pngs}
    for name in ("overview_stage", "overview_year", "overview_lang", "lexicon_health_by_variable"):
        assert (out / f"{name}.csv").is_file()


def test_cjk_font_renders_chinese_without_missing_glyphs(tmp_path: Path) -> None:
    import matplotlib
    from matplotlib.figure import Figure

    assert cjk_family() is not None, "no CJK font: install corpus-tools' dependency noto-cjk-sans-otc"
    rc: Any = rc_params()
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for boxes
        fig = Figure(figsize=(3, 1))
        fig.text(0.1, 0.5, "创业机会 盈利性 網購 繁體 English")
        fig.savefig(tmp_path / "zh.png")


def test_highlight_segments() -> None:
    segs = highlight("abc 网店 def 网店", [(4, 6), (11, 13)])
    assert segs == [("abc ", False), ("网店", True), (" def ", False), ("网店", True)]
    long = "x" * 1000 + "HIT" + "y" * 1000
    cut = highlight(long, [(1000, 1003)], window=20, max_chars=100)
    assert cut[0] == ("…", False) and ("HIT", True) in cut and cut[-1] == ("…", False)
    assert sum(len(t) for t, _ in cut) < 200


def test_cell_and_table_formatting() -> None:
    assert cell(float("nan")) == "–" and cell(3) == "3" and cell(0.12345) == "0.123" and cell(2.0) == "2"
    assert cell(0.00001) == "1.0e-05" and cell(None) == "–" and cell(True) == "yes"
    t = table(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}), max_rows=2, csv="t.csv")
    assert t.rows == [["1", "x"], ["2", "y"]] and t.omitted == 1 and t.numeric == [True, False]


def test_report_says_when_lexicons_are_not_validated(built: tuple[Path, str]) -> None:
    _, html = built
    assert 'id="lexicon-validation"' in html and "No coded entries in this corpus" in html


def test_report_validation_section(make_corpus: Any, tmp_path: Path) -> None:
    """With coded entries, the section shows each variable's figures with intervals, the confusion view and
    the false hits with an escaped example passage; the tables are written next to the report."""
    from corpus_tools.agreement.lexicon_validation import validate_lexicons
    from tests.support.validation import expected_counts, planted_corpus

    corpus, docs = planted_corpus(make_corpus)
    lex = [load_lexicon(corpus.root / "demo.yaml")]
    tok = Tokenizer()
    scorer = Scorer(lex, tok)
    doc_scores = score_corpus(corpus, scorer, "document")
    entry_scores = score_corpus(corpus, scorer, "entry")
    framing = run_framing(corpus, doc_scores, tok, n_boot=20, n_perm=19)
    val = validate_lexicons(corpus, lex, scorer, n_boot=100)
    inputs = ReportInputs(corpus, lex, doc_scores, entry_scores, framing, None, lexicon_health(lex, tok, corpus),
                          {"command": "test"}, validation=val)
    rep = write_report(inputs, tmp_path / "out")
    html = rep.html.read_text(encoding="utf-8")
    section = html[html.index('id="lexicon-validation"'):html.index('id="framing"')]
    c = expected_counts(docs, "demo.money")
    assert f"{c['tp'] / (c['tp'] + c['fp']):.2f} [" in section  # precision with its interval
    assert "Demo · money" in section and "entries fired" in section and "«利润»" in section
    written = pd.read_csv(tmp_path / "out" / "lexicon_validation.csv", keep_default_na=False)
    assert len(written) == len(val.table)
    assert (tmp_path / "out" / "lexicon_false_hits.csv").is_file()


RAW = ("rate_lo", "rate_hi", "share_hi", "doc_share", "p_chi2", "sources_available", "cramers_v", "n_docs")


def test_headers_are_readable_and_raw_names_stay_in_the_csvs(built: tuple[Path, str]) -> None:
    import html as htmllib

    out, html = built
    headers = {htmllib.unescape(h) for h in re.findall(r'<th scope="col">(.*?)</th>', html)}
    assert headers and not [h for h in headers if "_" in h or h in RAW], sorted(headers)
    assert "hits per 1,000 tokens [95% CI]" in headers and "plain reading" in headers
    assert "Opportunity · profitability" in html  # variable ids by their label, in tables and findings
    assert "no topic" in html  # topic -1 of the alignment table
    written = pd.read_csv(out / "overview_stage.csv")  # the report's own CSVs keep the raw names
    assert next(iter(written.columns)) == "stage"


def test_every_table_links_its_csv(built: tuple[Path, str]) -> None:
    _, html = built
    blocks = html.split('<div class="tablewrap">')[1:]
    assert len(blocks) >= 10
    for block in blocks:
        tail = block.split("</table></div>", 1)[1][:400]
        assert re.search(r'href="[^"#]+\.csv"', tail) or 'id="ex-table"' in block, block[:300]


def test_stage_tests_have_a_plain_reading(built: tuple[Path, str]) -> None:
    _, html = built
    section = html[html.index('id="framing-tests"'):html.index('id="effects"')]
    assert "plain reading" in section and "Not tested (left out (fewer than 5 documents)" in section  # 3 documents


def _explorer_payload(html: str) -> dict[str, Any]:
    import json

    raw = html.split('<script type="application/json" id="explorer-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in raw  # corpus text cannot close the script element
    return dict(json.loads(raw))


def test_explorer_embeds_every_hit_with_exact_offsets(built: tuple[Path, str]) -> None:
    _, html = built
    data = _explorer_payload(html)
    assert data["n_rows"] == len(data["rows"]) > 0  # every evidence row, not 3 per variable
    for doc, entry, _var, start, end, matched, _flags in data["rows"]:
        text = data["entries"][entry][2]
        assert data["entries"][entry][0] == doc
        assert text[start:end] == matched, (text, start, end, matched)  # highlights land on the hit
    assert {d[0] for d in data["docs"]} == {"A", "B", "C"} and all(d[6] for d in data["docs"])
    assert any(EVIL in e[2] for e in data["entries"])  # the text is there, only escaped for the script element


def test_explorer_caps_rows_and_text() -> None:
    from corpus_tools.report.explorer import explorer_data
    from corpus_tools.report.labels import item_labels

    entries = pd.DataFrame({"entry_id": ["A:1", "A:2", "B:1"], "doc_id": ["A", "A", "B"], "start": [0, 10, 0],
                            "text": ["网店利润很高。培训", "培训班很受欢迎", "Running an online shop"]})
    docs = pd.DataFrame({"doc_id": ["A", "B"], "title": ["a", "b"], "source_type": ["media", "interview"],
                         "stage": ["budding", "growth"], "lang": ["zh-Hans", "en"], "date": ["2010", "2015"]})
    ev = pd.DataFrame({"doc_id": ["A", "A", "A", "B"], "entry_id": ["A:1", "A:1", "A:2", "B:1"],
                       "variable": ["o.p", "o.p", "g.t", "o.f"], "start": [2, 0, 10, 8], "end": [4, 2, 12, 14],
                       "matched": ["利润", "网店", "培训", "online"], "counted": [True, True, False, True],
                       "negated": [False, False, True, False], "overlap": [False] * 4})
    full = explorer_data(ev, entries, docs, item_labels([]), {"o.p": "o", "g.t": "g", "o.f": "o"})
    assert not full.capped and full.n_shown == 4
    assert [r[6] for r in full.payload["rows"]] == ["c", "c", "n", "c"]  # the negated hit is marked, not dropped
    small = explorer_data(ev, entries, docs, {}, {}, max_rows=3, max_text_bytes=len("Running an online shop"))
    assert small.capped and small.n_shown == 3 and small.n_docs_text == 1
    rows = small.payload["rows"]
    assert {r[2] for r in rows} == {0, 1, 2}  # round-robin: every variable keeps a row
    no_text = [r for r in rows if r[1] < 0]  # document A (3 hits) is over the budget: its hits keep context
    assert no_text and all(len(r) == 8 for r in no_text)
    assert [d[6] for d in small.payload["docs"]] == [False, True]


def test_explorer_without_evidence() -> None:
    from corpus_tools import schema
    from corpus_tools.report.explorer import explorer_data

    entries = pd.DataFrame({"entry_id": ["A:1"], "doc_id": ["A"], "start": [0], "text": ["</script><b>x"]})
    docs = pd.DataFrame({"doc_id": ["A"], "title": ["t"], "source_type": ["media"], "stage": ["s"], "lang": ["en"],
                         "date": [float("nan")]})
    data = explorer_data(pd.DataFrame(columns=list(schema.EVIDENCE)), entries, docs, {}, {})
    assert data.payload["rows"] == [] and not data.capped and data.payload["docs"][0][5] == ""
    assert "<" not in data.json() and "\\u003c/script\\u003e" in data.json()


def test_lazy_table_rows_are_the_rows_formatted_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """table(lazy=True) (the documents table: a row per document) formats its rows a block at a time as the page is
    written: the same rows, in order, as formatting the whole frame at once."""
    from corpus_tools.report import format as fmt

    frame = pd.DataFrame({"doc_id": [f"d{i}" for i in range(23)], "rate": [i / 7 for i in range(23)],
                          "rate_lo": [i / 8 for i in range(23)], "rate_hi": [i / 6 for i in range(23)],
                          "title": ["<t>", float("nan"), "网店"] * 7 + ["x", "y"]})
    want = fmt.table(frame, csv="x.csv")
    monkeypatch.setattr(fmt, "LAZY_ROWS", 5)
    got = fmt.table(frame, csv="x.csv", lazy=True)
    assert list(got.rows) == want.rows and len(got.rows) == len(want.rows) == 23
    assert got.rows[7] == want.rows[7] and got.rows[3:9] == want.rows[3:9]
    assert (got.columns, got.numeric, got.omitted, got.raw) == (want.columns, want.numeric, want.omitted, want.raw)


def test_manifest_in_pieces_is_the_json_text() -> None:
    """The page's run manifest is written in pieces (JsonPieces): together exactly json.dumps' text."""
    import json

    from corpus_tools.report.build import JsonPieces

    value = {"corpus": {"inputs": [{"path": f"docs/{i}.txt", "sha1": "ab" * 20} for i in range(300)]},
             "名": "网店 <&>", "n": [1, 2.5, None, True], "path": Path("x/y")}
    want = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    for size in (1, 7, 1000, 1 << 20):
        pieces = list(JsonPieces(value, size))
        assert "".join(pieces) == want and (size > len(want) or len(pieces) > 1)
    assert str(JsonPieces(value)) == want
