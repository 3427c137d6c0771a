"""Lazy public names for a package's `__init__`: `__all__` says what the room offers, and a name's module is
imported on first use, so importing a room (or the CLI's `--help`) never pays for libraries it does not use."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any


def lazy_attr(package: str, exports: Mapping[str, str], name: str) -> Any:
    """The public `name` of `package`, imported from the module `exports` maps it to (module `__getattr__`)."""
    if name in exports:
        return getattr(import_module(exports[name]), name)
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
