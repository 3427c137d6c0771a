"""Releasing freed memory between steps leaves live data intact."""

from __future__ import annotations

from corpus_tools.io.memory import release_memory


def test_release_keeps_live_data_and_can_run_any_time() -> None:
    import pyarrow as pa

    kept = pa.array([f"段落{i}" for i in range(50_000)])
    dropped = pa.array(["x" * 100] * 50_000)
    before = pa.total_allocated_bytes()
    del dropped
    release_memory()
    release_memory()
    assert pa.total_allocated_bytes() < before  # the dropped array is gone, the kept one is not
    assert kept[49_999].as_py() == "段落49999" and len(kept) == 50_000
