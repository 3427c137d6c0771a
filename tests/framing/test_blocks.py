"""Resampling weights and permuted labels are drawn in blocks sized to the number of documents (bounded memory at
archive scale); any block size gives the same intervals and p-values as drawing all replicates at once."""

from __future__ import annotations

import numpy as np
import pytest

from corpus_tools.framing import compare, matrix
from corpus_tools.framing.cooccurrence import association


def _all(monkeypatch: pytest.MonkeyPatch, cells: float) -> dict[str, object]:
    monkeypatch.setattr(matrix, "BLOCK_CELLS", cells)
    rng = np.random.default_rng(11)
    n = 60
    counts = rng.poisson(2.0, size=(n, 3)).astype(float)
    tokens = rng.integers(50, 200, size=n).astype(float)
    codes = rng.integers(0, 3, size=n)
    G = (rng.random((n * 4, 2)) < 0.3).astype(float)
    M = (rng.random((n * 4, 3)) < 0.3).astype(float)
    docs = np.repeat(np.arange(n), 4)
    return {
        "boot": matrix.bootstrap_sums(np.column_stack([counts, tokens]), 210, np.random.default_rng(1)),
        "chi2": compare._perm_chi2(codes, counts, 3, 5.0, 111, np.random.default_rng(2)),
        "perm_p": compare._perm_p(counts, tokens, 20, np.array([0.5, -0.2, 0.1]), 111, np.random.default_rng(3)),
        **{f"fig2_{k}": v for k, v in association(G, M, docs, docs % 3, n_boot=130, n_perm=30,
                                                  rng=np.random.default_rng(4)).items()},
    }


def test_any_block_size_gives_the_same_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _all(monkeypatch, 1e12)  # every replicate in one block (up to the former fixed caps)
    for cells in (1, 7, 130, 5_000):  # one replicate per block, and blocks that do not divide the count
        got = _all(monkeypatch, cells)
        for key, want in whole.items():
            np.testing.assert_array_equal(np.asarray(got[key]), np.asarray(want), err_msg=f"{key} at {cells}")
    assert matrix.block_size(100_000, 200) < 200 and matrix.block_size(10, 200) == 200
