"""Give freed memory back to the operating system between the steps of a long run.

A step that built and dropped large frames leaves the memory with the allocators (pyarrow's pool, glibc's
heap), so the process's resident size keeps the step's peak; the next step then adds its own on top. Releasing
it between steps lets a run's peak be its largest step, not their sum.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any

from corpus_tools.io.mapped import release_pages


@lru_cache(maxsize=1)
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_memory() -> None:
    """Return unused memory of pyarrow's pool and of the C heap (glibc's malloc_trim) to the system; does
    nothing where neither applies. Objects still in use are untouched. The touched pages of memory-mapped
    text columns (io.mapped) are dropped from the resident set too."""
    release_pages()
    if "pyarrow" in sys.modules:  # never import it just for this
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
