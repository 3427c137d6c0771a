"""report.html in a real browser: headless Chromium (Debian's package) driven by Playwright.

Asserts no console errors, no network requests (only the file:// page and data: URIs), that every chart
`analyze` wrote is rendered in the page (one image per chart file, none left as a placeholder), and saves a
screenshot to test-artifacts/report.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus_tools.jobs.analyze import AnalyzeResult, analyze

CHROMIUM = Path("/usr/bin/chromium")
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
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
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
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
            # sorting a table by clicking its header must not raise
            page.click("#overview table.sortable th >> nth=0")
        finally:
            browser.close()
    assert errors == [], f"console errors: {errors}"
    outside = [u for u in requests if not (u.startswith("file://") or u.startswith("data:"))]
    assert outside == [], f"network requests: {outside}"
    assert [u for u in requests if u.startswith("file://")] == [report.resolve().as_uri()]
    # every chart analyze wrote (charts/NAME.png) is one rendered image in the page, and no chart is missing
    assert len(charts) >= 10, charts
    assert all((analysis.out / "charts" / f"{name}.svg").is_file() for name in charts)
    assert len(images) == len(charts), (len(images), sorted(charts))
    assert {i["figure"].removeprefix("chart-") for i in images} == charts
    assert all(i["ok"] for i in images), [i for i in images if not i["ok"]]
    assert placeholders == [], placeholders
    assert "Nothing to draw" not in text
    for section in ("overview", "scores", "framing", "words", "triangulation", "evidence", "topics", "suggestions",
                    "lexicon", "manifest"):
        assert section in sections
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
