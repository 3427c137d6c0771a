"""The compiled speedups (corpus_tools._speedups), when built; None means the pure-Python code runs.

Both give identical results (tests/lexicon/test_native.py); CORPUS_TOOLS_PURE=1 forces the pure-Python code,
e.g. to rule the extension out when something looks wrong.
"""

from __future__ import annotations

import os
from types import ModuleType


def speedups() -> ModuleType | None:
    """The extension module, or None when it is not built or CORPUS_TOOLS_PURE is set."""
    if os.environ.get("CORPUS_TOOLS_PURE"):
        return None
    try:
        from corpus_tools import _speedups  # noqa: PLC0415 (the compiled extension is optional)
    except ImportError:
        return None
    return _speedups
