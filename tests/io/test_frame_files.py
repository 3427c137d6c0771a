"""Frames handed between processes in Arrow IPC files: same columns, dtypes and values; strings mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpus_tools.io.frame_files import read_frame, write_frame
from corpus_tools.io.mapped import is_mapped, release_pages


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "doc_id": pd.Series([f"D{i}" for i in range(n)], dtype="str"),
        "title": pd.Series([None if i % 5 == 0 else f"村里 {i} 😀" for i in range(n)], dtype="str"),
        "seq": np.arange(n, dtype=np.int64),
        "score": rng.normal(size=n),
        "missing": np.where(np.arange(n) % 3 == 0, np.nan, 1.5),
        "year": pd.array([None if i % 4 == 0 else 2008 + i % 9 for i in range(n)], dtype="Int64"),
        "flag": np.arange(n) % 2 == 0,
        "mixed": pd.Series([None if i % 2 else f"x{i}" for i in range(n)], dtype=object),
    })


@pytest.mark.parametrize("n", [0, 1, 257])
def test_a_frame_comes_back_the_same(tmp_path: Path, n: int) -> None:
    frame = _frame(n)
    path = write_frame(frame, tmp_path / "f.arrow")
    assert [p.name for p in tmp_path.iterdir()] == ["f.arrow"]  # written under another name, then renamed
    back = read_frame(path)
    pd.testing.assert_frame_equal(back, frame)
    if n:
        assert is_mapped(back["doc_id"]) and (n == 1 or is_mapped(back["title"]))
        back.loc[0, "seq"] = 99  # numbers are copies: a step may write to them
        assert frame.loc[0, "seq"] == 0
    path.unlink()  # the mapping stays readable
    release_pages()
    pd.testing.assert_frame_equal(back.drop(columns="seq").iloc[1:], frame.drop(columns="seq").iloc[1:])


def test_a_chunked_string_column_comes_back_in_one_chunk(tmp_path: Path) -> None:
    halves = [pd.DataFrame({"t": pd.Series(["a", "bb", None], dtype="str")})] * 2
    frame = pd.concat(halves, ignore_index=True)
    back = read_frame(write_frame(frame, tmp_path / "f.arrow"))
    pd.testing.assert_frame_equal(back, frame)
    assert back["t"].array.__arrow_array__().num_chunks == 1
