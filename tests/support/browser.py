"""A live review app on 127.0.0.1 for browser tests, and helpers that select text in a page the way a coder does."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api  # a dev dependency: its absence must fail the suite, not skip it

from corpus_tools.web import close_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# outside CI a developer without Chromium may skip; in CI (CI=true) a missing browser fails loudly
_NO_BROWSER = not CHROMIUM.is_file() or shutil.which("chromium") is None
NEEDS_BROWSER = pytest.mark.skipif(not os.environ.get("CI") and _NO_BROWSER,
                                   reason="Debian's chromium package is not installed (scripts/system-packages.txt)")


def launch() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download), for a module-scoped fixture."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def page_factory(browser: Any, viewport: dict[str, int],
                 allowed: Callable[[str], bool] = lambda _: False) -> Iterator[Callable[..., Any]]:
    """For a fixture: `make(width=None, height=None)` opens a page in a fresh browser context (separate
    cookies = separate browsers; `viewport` unless a size is given). At the end every console error or page
    error not `allowed` fails the test (a script error, a CSP violation, a missing asset)."""
    contexts, errors = [], []

    def make(width: int | None = None, height: int | None = None) -> Any:
        size = {"width": width, "height": height} if width and height else viewport
        ctx = browser.new_context(viewport=size, locale="zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(15_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    unexpected = [e for e in errors if not allowed(e)]
    assert not unexpected, unexpected

# selects text between two phrases of the page's #doctext (first occurrence of each), as a drag would
SELECT_JS = """([from, to]) => {
  const walker = document.createTreeWalker(document.getElementById('doctext'), NodeFilter.SHOW_TEXT);
  const nodes = [];
  let all = '';
  let node;
  while ((node = walker.nextNode())) { nodes.push([node, all.length]); all += node.data; }
  const point = (pos) => {  // the text node and offset of a position in the concatenated text
    let hit = nodes[0];
    for (const n of nodes) { if (n[1] <= pos) hit = n; else break; }
    return [hit[0], pos - hit[1]];
  };
  const i = all.indexOf(from);
  const j = all.indexOf(to, i);
  if (i < 0 || j < 0) throw new Error('phrase not on the page: ' + from + ' / ' + to);
  const [a, ai] = point(i);
  const [b, bj] = point(j + to.length - 1);
  const range = document.createRange();
  range.setStart(a, ai);
  range.setEnd(b, bj + 1);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}"""


class Live:
    """A running app on 127.0.0.1 with its store path."""

    def __init__(self, app: Any, store: Path) -> None:
        from werkzeug.serving import make_server

        self.app, self.store = app, store
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
        close_app(self.app)


def select_text(page: Any, first: str, last: str | None = None) -> None:
    """Select from the start of `first` to the end of `last` (default: `first` itself) in the document text."""
    page.evaluate(SELECT_JS, [first, last or first])
