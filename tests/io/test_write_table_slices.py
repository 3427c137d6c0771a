"""write_table writes a large CSV a slice of rows at a time (bounded memory) with the same bytes as at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpus_tools.io import tables
from corpus_tools.io.cells import safe_frame


def _messy(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    cells = ["=SUM(A1)", "plain", "村里的网店", 'say "hi", then\nleave', "", None, "+1", "@x", "-2", "\x00nul"]
    return pd.DataFrame({"id": [f"e{i}" for i in range(n)], "text": [cells[i % len(cells)] for i in range(n)],
                         "x": rng.random(n), "k": rng.integers(0, 5, n), "maybe": [np.nan if i % 3 else 1.5
                                                                                  for i in range(n)],
                         "=bad name": [bool(i % 2) for i in range(n)]})


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("rows", [1, 4, 7, 1000])
def test_sliced_csv_has_the_bytes_of_the_whole_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int,
                                                     raw: bool) -> None:
    frame = _messy(23)
    whole = tmp_path / "whole.csv"
    safe_frame(frame, raw).to_csv(whole, index=False, encoding="utf-8-sig")  # the former one-shot write
    monkeypatch.setattr(tables, "CSV_SLICE_ROWS", rows)
    out = tables.write_table(frame, tmp_path / "sliced.csv", raw=raw)
    assert out.read_bytes() == whole.read_bytes()
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and out.read_bytes().count(b"\xef\xbb\xbf") == 1
