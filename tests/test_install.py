"""A non-editable install (a built wheel) finds the bundled lexicons and corpus from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_data_and_runs_elsewhere(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("corpus_tools-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "corpus_tools/_bundled/lexicons/mass_entrepreneurship.yaml" in names
    assert "corpus_tools/_bundled/corpora/junpu/documents.csv" in names
    assert "corpus_tools/text/data/stopwords-zh.txt" in names
    assert "corpus_tools/exchange/schemas/Project.xsd" in names
    assert any(n.startswith("corpus_tools/report/templates/") for n in names)
    assert any(n.startswith("corpus_tools/web/") and n.endswith(".html") for n in names)
    # the compiled matcher is built into the wheel (a platform wheel, not py3-none-any)
    assert any(n.startswith("corpus_tools/_speedups") and n.endswith((".so", ".pyd")) for n in names), names
    assert "py3-none-any" not in wheel.name
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = """
import corpus_tools, sys
from corpus_tools.cli import main
assert corpus_tools.__file__.startswith(sys.argv[1]), corpus_tools.__file__
from corpus_tools.io.resources import default_corpus, lexicons_dir
assert '_bundled' in str(default_corpus()) and '_bundled' in str(lexicons_dir())
from corpus_tools._native import speedups
assert speedups() is not None and speedups().__file__.startswith(sys.argv[1])
main.main(args=['validate'], standalone_mode=False)
"""
    env = {**{k: v for k, v in os.environ.items() if k != "CORPUS_TOOLS_PURE"}, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", script, str(target)], cwd=elsewhere, env=env, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "118 documents loaded" in out.stderr
