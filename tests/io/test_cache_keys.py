"""Cache keys follow the code: every source file that can affect a cached result is hashed into its key."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

import corpus_tools
from corpus_tools.io.cache import code_hash, source_files
from corpus_tools.jobs.analyze import STEP_CODE
from corpus_tools.jobs.draft_codes import CODE_PARTS

PKG = Path(corpus_tools.__file__).resolve().parent
STEPS = {**{f"analyze:{k}": v for k, v in STEP_CODE.items()}, "draft_codes": CODE_PARTS}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("corpus_tools", cache_dir=None)


def _file(module: str) -> Path:
    base = PKG.parent.joinpath(*module.split("."))
    return base / "__init__.py" if (base / "__init__.py").is_file() else base.with_suffix(".py")


@pytest.mark.parametrize("step", sorted(STEPS))
def test_every_module_a_step_imports_is_in_its_key(step: str, graph: grimp.ImportGraph) -> None:
    entries = STEPS[step]
    needed = set(entries)
    for m in entries:
        needed |= graph.find_upstream_modules(m)
    needed = {m for m in needed if m != "corpus_tools._speedups"}  # compiled: covered by its C sources below
    covered = set(source_files(*entries))
    missing = sorted(m for m in needed if _file(m) not in covered)
    assert not missing, f"{step}: modules that affect the result but are not hashed: {missing}"
    if "corpus_tools._native" in needed:
        names = {p.name for p in covered}
        # the C sources and headers count too
        assert {"_speedups.c", "_speedups_resolve.h", "_speedups_negation.h", "_speedups_shingles.h"} <= names


def test_a_name_that_does_not_exist_is_an_error_not_a_silent_skip() -> None:
    with pytest.raises(ValueError, match="no module"):
        code_hash("corpus_tools.no_such_module")


def test_keys_differ_between_steps_and_are_stable() -> None:
    assert code_hash(*STEP_CODE["scores"]) == code_hash(*STEP_CODE["scores"])
    assert code_hash(*STEP_CODE["scores"]) != code_hash(*STEP_CODE["topics"])
