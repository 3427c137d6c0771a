"""Progress on the long commands `topics` and `expand`: a StepBar on stderr when it is a terminal, nothing
when it is not (pipes, logs, CI), and the library callbacks behind it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.cli import progress as progress_module
from corpus_tools.cli.progress import StepBar
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.expand import STEPS, expand
from corpus_tools.text.tokenize import Tokenizer
from tests.support.topics import themed_docs

LEXICON = """name: themes
constructs:
  trade:
    label: {en: Trade}
    variables:
      logistics:
        label: {en: Logistics}
        terms: {en: [courier, parcel]}
"""


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def themed(make_corpus: Any) -> Path:
    """An English corpus with enough entries for topic models and a lexicon whose terms occur."""
    root: Path = make_corpus(themed_docs({"budding": 3, "growth": 3, "mature": 3}, paragraphs=6),
                             lexicons='["themes.yaml"]')
    (root / "themes.yaml").write_text(LEXICON, encoding="utf-8")
    return root


def _tty_bar(monkeypatch: pytest.MonkeyPatch) -> _Tty:
    """Make the commands' StepBar draw into a fake terminal; return it."""
    tty = _Tty()
    monkeypatch.setattr(progress_module, "StepBar", lambda enabled=None: StepBar(tty, enabled=enabled))
    return tty


def _no_bar(stderr: str) -> None:
    assert "\r" not in stderr and "[#" not in stderr and "[-" not in stderr, stderr


def test_topics_cli_quiet_without_terminal(themed: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["topics", str(themed), "-o", str(tmp_path / "t"), "-k", "2,3", "--seeds", "1"])
    assert res.exit_code == 0, res.output
    _no_bar(res.stderr)
    assert "topics joint:" not in res.stderr and "fit " not in res.stderr  # no plain progress lines either
    assert "tomotopy:" in res.stderr  # the summary is still there


def test_topics_cli_bar_on_terminal(themed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tty = _tty_bar(monkeypatch)
    res = CliRunner().invoke(main, ["topics", str(themed), "-o", str(tmp_path / "t"), "-k", "2,3", "--seeds", "1",
                                    "--seeded", "off"])  # the seeded model would add its own fit to the count
    assert res.exit_code == 0, res.output
    drawn = tty.getvalue()
    assert drawn.startswith("\r[") and drawn.endswith("\n")
    assert "1/3 reading corpus" in drawn and "3/3 writing tables" in drawn and "] 3/3 done" in drawn
    # 2 K values × 1 seed for each modelled scope, counted across scopes
    assert "2/3 topics joint: K=3, seed 0 (fit " in drawn
    fits = [int(part.split("/")[1].split(")")[0]) for part in drawn.split("(fit ")[1:]]
    assert fits and len(set(fits)) == 1 and fits[0] % 2 == 0
    tty2 = _tty_bar(monkeypatch)
    res = CliRunner().invoke(main, ["topics", str(themed), "-o", str(tmp_path / "q"), "-k", "2", "--seeds", "1",
                                    "-q"])
    assert res.exit_code == 0 and tty2.getvalue() == ""  # -q: no bar even on a terminal


def test_expand_reports_its_steps(themed: Path) -> None:
    corpus = load_corpus(themed)
    calls: list[tuple[str, int, int]] = []
    res = expand(corpus, Tokenizer(), [load_lexicon("themes.yaml", corpus.root)], "all",
                 progress=lambda m, i, n: calls.append((m, i, n)))
    assert len(res.candidates)
    steps = [i for _m, i, _n in calls]
    assert {n for _m, _i, n in calls} == {len(STEPS)}
    assert steps == sorted(steps) and set(steps) == {1, 2, 3, len(STEPS) + 1}
    assert calls[-1] == ("done", len(STEPS) + 1, len(STEPS))
    assert any("trade.logistics" in m for m, i, _n in calls if i == 3)


def test_expand_cli_bar_only_on_terminal(themed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    res = CliRunner().invoke(main, ["expand", "all", str(themed), "-n", "3"])
    assert res.exit_code == 0, res.output
    _no_bar(res.stderr)
    assert "trade.logistics" in res.stdout
    tty = _tty_bar(monkeypatch)
    res = CliRunner().invoke(main, ["expand", "all", str(themed), "-n", "3"])
    assert res.exit_code == 0, res.output
    drawn = tty.getvalue()
    assert "1/4 reading corpus" in drawn and "2/4 tokenizing and matching" in drawn
    assert "3/4 training word embeddings" in drawn and "4/4 ranking candidates for trade.logistics" in drawn
    assert drawn.rstrip().endswith("s") and drawn.endswith("\n") and "[" + "#" * 20 + "]" in drawn  # ends full
