"""docs/architecture.md stays true: every module path it names exists; the package top holds only the front."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
TOP_ALLOWED = {"__init__.py", "_version.py", "errors.py", "schema.py", "_native.py", "_speedups.c",
               "_speedups_resolve.h", "_speedups_negation.h", "_speedups_shingles.h", "_speedups.pyi", "py.typed"}


def test_every_path_the_architecture_doc_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    paths = set(re.findall(r"(corpus_tools/[\w/]+(?:\.\w+)?|tests/[\w/]+\.py)", text))
    paths |= {f"corpus_tools/{p}" for p in re.findall(r"`((?:jobs|store|io|report|topics|lexicon)/[\w/]+\.py)`", text)}
    assert len(paths) > 30  # the doc really names the rooms
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_the_package_top_holds_only_the_front_and_shared_modules() -> None:
    top = {p.name for p in (ROOT / "corpus_tools").iterdir()
           if p.is_file() and not p.name.endswith(".so") and not p.name.endswith(".pyd")}
    assert top <= TOP_ALLOWED, f"loose modules at the package top: {sorted(top - TOP_ALLOWED)}"


def test_every_room_declares_its_public_names() -> None:
    for init in sorted((ROOT / "corpus_tools").glob("*/__init__.py")):
        if init.parent.name in {"cli"}:
            continue  # the command line's front is `main`
        assert "__all__" in init.read_text(encoding="utf-8"), f"{init.relative_to(ROOT)} has no __all__"
