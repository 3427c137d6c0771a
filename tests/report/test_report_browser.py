"""report.html in a real browser: headless Chromium (Debian's package) driven by Playwright.

Asserts no console errors, no network requests (only the file:// page and data: URIs), that every chart
`analyze` wrote is rendered in the page (one image per chart file, none left as a placeholder), that the three
main findings are on the first screen, that the evidence explorer filters, that the document view shows the
evidence highlighted, that anchors clear the sticky header, that every linked file exists beside the report and
that the report stays under 3 MB; saves screenshots to test-artifacts/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from corpus_tools.jobs.analyze import AnalyzeResult, analyze

CHROMIUM = Path("/usr/bin/chromium")
MAX_BYTES = 3_000_000
VIEWPORT = {"width": 1280, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# outside CI a developer without Chromium may skip; in CI (CI=true) a missing browser fails loudly
pytestmark = pytest.mark.skipif(not os.environ.get("CI") and not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed (/usr/bin/chromium); "
                                       "scripts/system-deps.sh installs it")


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> AnalyzeResult:
    """`analyze` of the bundled corpus (its report.html and chart files), with a small topic sweep to keep
    the test fast."""
    out = tmp_path_factory.mktemp("browser") / "analysis"
    return analyze(out=out, k_range=[3], n_seeds=1, n_boot=100, n_perm=99)


def test_report_in_chromium(analysis: AnalyzeResult) -> None:
    from playwright import sync_api

    report = analysis.files["report"]
    charts = {name.removeprefix("chart_") for name in analysis.files if name.startswith("chart_")}
    errors: list[str] = []
    requests: list[str] = []
    seen: dict[str, object] = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            page.goto(report.resolve().as_uri(), wait_until="load")
            page.wait_for_load_state("networkidle")
            images = page.eval_on_selector_all(
                "figure img, figure svg",
                "els => els.map(e => ({figure: e.closest('figure').id, tag: e.tagName, ok: e.tagName === 'IMG' ?"
                " (e.complete && e.naturalWidth > 0) : e.getBoundingClientRect().width > 0}))")
            placeholders = page.eval_on_selector_all(".chart-missing", "els => els.map(e => e.textContent)")
            text = page.inner_text("body")
            sections = page.eval_on_selector_all("main section", "els => els.map(e => e.id)")
            # the first screen: the findings block and its headline sentences, without scrolling
            seen["findings_top"] = page.locator("#findings").bounding_box()["y"]  # type: ignore[index]
            seen["headlines"] = page.eval_on_selector_all(
                "#findings ol.headlines li .finding-text",
                f"els => els.filter(e => e.getBoundingClientRect().bottom <= {VIEWPORT['height']})"
                ".map(e => e.textContent)")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
            # sorting a table by clicking its header must not raise
            page.click("#overview table.sortable th >> nth=0")
            # the explorer: filters change the row count
            count = page.locator("#ex-count")
            seen["all"] = count.inner_text()
            page.select_option("#ex-stage", "mature")
            seen["mature"] = count.inner_text()
            page.fill("#ex-text", "培训")
            seen["mature_training"] = count.inner_text()
            seen["rows_shown"] = page.locator("#ex-table tbody tr").count()
            seen["marks_in_rows"] = page.eval_on_selector_all("#ex-table tbody td.kwic mark",
                                                              "els => els.map(e => e.textContent)")
            page.click("#ex-reset")
            page.select_option("#ex-source", "media")
            seen["media"] = count.inner_text()
            page.select_option("#ex-lang", label="English")
            seen["media_en"] = count.inner_text()
            page.click("#ex-reset")
            # a finding's evidence link filters the explorer to its variable and stage
            page.click("#findings ol.headlines a.explore >> nth=0")
            seen["from_finding"] = count.inner_text()
            seen["finding_filter"] = page.eval_on_selector("#ex-variable", "e => e.value")
            # the document view: the text with its entries and the evidence highlighted
            page.click("#ex-table tbody a.doclink >> nth=0")
            page.wait_for_selector("#docview[open]")
            seen["doc_marks"] = page.eval_on_selector_all("#docview mark.evidence",
                                                          "els => els.map(e => e.textContent)")
            seen["doc_entries"] = page.locator("#docview .doc-entry").count()
            page.screenshot(path=str(ARTIFACTS / "report-document.png"), full_page=False)
            page.keyboard.press("Escape")
            seen["closed"] = page.eval_on_selector("#docview", "e => !e.open")
            # an anchor lands below the sticky navigation bar, not under it
            page.goto(report.resolve().as_uri() + "#framing-tests")
            nav = page.locator("nav.toc").bounding_box()
            target = page.locator("#framing-tests").bounding_box()
            seen["anchor_clear"] = (target["y"], nav["y"] + nav["height"])  # type: ignore[index]
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        finally:
            browser.close()
    assert errors == [], f"console errors: {errors}"
    outside = [u for u in requests if not (u.startswith("file://") or u.startswith("data:"))]
    assert outside == [], f"network requests: {outside}"
    assert {u.split("#")[0] for u in requests if u.startswith("file://")} == {report.resolve().as_uri()}
    # every chart analyze wrote (charts/NAME.png) is one rendered image in the page, and no chart is missing
    assert len(charts) >= 10, charts
    assert all((analysis.out / "charts" / f"{name}.svg").is_file() for name in charts)
    assert len(images) == len(charts), (len(images), sorted(charts))
    assert {i["figure"].removeprefix("chart-") for i in images} == charts
    assert all(i["ok"] for i in images), [i for i in images if not i["ok"]]
    assert placeholders == [], placeholders
    assert "Nothing to draw" not in text
    for section in ("findings", "overview", "scores", "framing", "words", "triangulation", "evidence", "topics",
                    "suggestions", "lexicon", "manifest"):
        assert section in sections
    assert sections[0] == "findings"
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
    # three main findings, in sentences with an interval and n, on the first screen
    assert float(seen["findings_top"]) < VIEWPORT["height"]  # type: ignore[arg-type]
    headlines = list(seen["headlines"])  # type: ignore[call-overload]
    assert len(headlines) >= 3, headlines
    assert all("hits per 1,000 tokens" in h and "documents" in h for h in headlines[:3]), headlines
    assert "95% CI" in text.split("Corpus overview")[0]
    # the explorer: all evidence rows, and each filter narrows them
    def n(label: object) -> int:
        return int(str(label).split(" of ")[0])
    total = int(str(seen["all"]).split(" of ")[1].split()[0])
    evidence_rows = sum(1 for _ in (analysis.out / "evidence.csv").open(encoding="utf-8-sig")) - 1
    assert n(seen["all"]) == total == evidence_rows  # every hit of evidence.csv, not 3 per variable
    assert 0 < n(seen["mature"]) < total and 0 < n(seen["mature_training"]) < n(seen["mature"])
    assert 0 < n(seen["media_en"]) < n(seen["media"]) < total
    assert int(str(seen["rows_shown"])) == min(200, n(seen["mature_training"]))
    assert seen["marks_in_rows"] and all(m for m in seen["marks_in_rows"])  # type: ignore[attr-defined]
    assert str(seen["finding_filter"]).startswith(("v:", "c:")) and 0 < n(seen["from_finding"]) < total
    assert seen["doc_marks"] and int(str(seen["doc_entries"])) > 0 and seen["closed"] is True
    top, nav_bottom = seen["anchor_clear"]  # type: ignore[misc]
    assert top >= nav_bottom - 1, seen["anchor_clear"]
    # every file the report links to exists beside it (CSVs, chart files)
    files = {unquote(h.split("#")[0]) for h in hrefs if h and not h.startswith("#")}
    assert any(f.endswith(".csv") for f in files) and "evidence.csv" in files
    missing = sorted(f for f in files if not (analysis.out / f).is_file())
    assert missing == [], missing
    assert not [f for f in files if re.match(r"^[a-z]+://", f)]
    # self-contained and light: one file under 3 MB
    assert report.stat().st_size <= MAX_BYTES, report.stat().st_size
