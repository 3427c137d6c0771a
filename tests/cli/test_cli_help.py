"""Every command has help text, is documented in the README, and --help imports no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click

from corpus_tools.cli import main

HEAVY = ("pandas", "jieba", "rjieba", "gensim", "sklearn", "tomotopy", "matplotlib")
README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append(((*prefix, name), cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


def test_every_command_has_help() -> None:
    for path, cmd in _commands(main):
        assert (cmd.help or "").strip(), f"`corpus-tools {' '.join(path)}` has no help text"


def test_every_command_is_in_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for path, _cmd in _commands(main):
        assert f"corpus-tools {' '.join(path)}" in readme, f"README does not document `corpus-tools {' '.join(path)}`"


def test_help_imports_no_heavy_library() -> None:
    paths = [list(p) for p, _ in _commands(main)]
    script = f"""
import json, sys
from corpus_tools.cli import main
for path in [[]] + {paths!r}:
    try:
        main.main(args=path + ["--help"], standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"--help imported {loaded}"


def test_version() -> None:
    from click.testing import CliRunner

    res = CliRunner().invoke(main, ["--version"])
    assert res.exit_code == 0 and "corpus-tools" in res.output


def test_python_dash_m_runs_the_same_command_line() -> None:
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "corpus_tools.cli", "--help"], capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0 and "Usage: corpus-tools" in res.stdout and "analyze" in res.stdout
