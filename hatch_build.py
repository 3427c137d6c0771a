"""Hatch build hook: compile corpus_tools/_speedups.c (the matcher's hot loop) when a C compiler is there.

Without a compiler the package still installs and works: corpus_tools falls back to the pure-Python
matcher, which gives identical results, only slower. Set CORPUS_TOOLS_REQUIRE_NATIVE=1 to make a failed
compile an error instead (CI does, so a broken extension cannot hide behind the fallback).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_speedups(src: Path, out_dir: Path) -> Path:
    """Build the extension module with setuptools' build_ext; returns the path of the shared library."""
    from setuptools import Distribution, Extension

    ext = Extension("corpus_tools._speedups", [str(src)], extra_compile_args=["-O2"])
    dist = Distribution({"name": "corpus-tools-speedups", "ext_modules": [ext]})
    cmd: Any = dist.get_command_obj("build_ext")
    cmd.build_lib = str(out_dir / "lib")
    cmd.build_temp = str(out_dir / "tmp")
    cmd.ensure_finalized()
    cmd.run()
    return Path(cmd.get_outputs()[0])


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the C speedups into the wheel (or next to the sources for editable installs)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        if version == "editable":  # never leave a stale build next to the sources
            pkg = root / "corpus_tools"
            for old in [*pkg.glob("_speedups*.so"), *pkg.glob("_speedups*.pyd")]:
                old.unlink()
        self._tmp = Path(tempfile.mkdtemp(prefix="corpus-tools-build-"))
        try:
            built = compile_speedups(root / "corpus_tools" / "_speedups.c", self._tmp)
        except Exception as exc:
            if os.environ.get("CORPUS_TOOLS_REQUIRE_NATIVE"):
                raise
            self.app.display_warning(f"corpus-tools: C speedups not built ({exc}); the pure-Python matcher "
                                     "will be used (same results, slower)")
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version == "editable":
            shutil.copy2(built, root / "corpus_tools" / built.name)
        else:
            build_data["force_include"][str(built)] = f"corpus_tools/{built.name}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
