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


def test_release_collects_what_only_reference_cycles_keep() -> None:
    import gc
    import weakref

    import numpy as np

    class Fit:  # a result and its model referring to each other, as statistical fits leave them
        pass

    fit, model = Fit(), Fit()
    fit.model, model.fit = model, fit
    fit.data = np.ones(10_000)
    gone = weakref.ref(fit)
    was_enabled = gc.isenabled()
    gc.disable()  # no automatic pass may collect the cycle first
    try:
        del fit, model
        assert gone() is not None  # a cycle outlives its last outside reference
        release_memory()
        assert gone() is None
    finally:
        if was_enabled:
            gc.enable()

