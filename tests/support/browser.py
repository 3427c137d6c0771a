"""A live review app on 127.0.0.1 for browser tests, and helpers that select text in a page the way a coder does."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from corpus_tools.web import close_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

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
