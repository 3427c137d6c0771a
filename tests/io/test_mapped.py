"""Memory-mapped text columns: the same values as on the heap, no files left behind, pages dropped on request."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpus_tools.corpus import loader
from corpus_tools.corpus.loader import load_corpus
from corpus_tools.io.mapped import (
    TextSpill,
    as_series,
    factorize,
    is_mapped,
    iter_texts,
    map_column,
    release_pages,
    text_reader,
)
from corpus_tools.io.memory import release_memory
from tests.conftest import MakeCorpus


def _resident_file_kb() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("RssFile:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def test_mapped_column_has_the_same_values_and_index(tmp_path: Path) -> None:
    values = pd.Series(["村里租金便宜", None, "", "Rents are low.", "𠀀 emoji 😀", "a\nb"] * 7, dtype="str",
                       index=pd.RangeIndex(10, 52))
    mapped = map_column(values, tmp_path, rows=5)  # several record batches
    pd.testing.assert_series_equal(mapped, values)
    assert is_mapped(mapped) and not is_mapped(values)
    assert list(tmp_path.iterdir()) == []  # the file is unlinked as soon as it is mapped
    release_pages()
    release_memory()
    pd.testing.assert_series_equal(mapped, values)  # dropped pages are read again from the page cache
    assert list(iter_texts(mapped, rows=4)) == list(values)
    assert mapped.iloc[3:5].tolist() == ["Rents are low.", "𠀀 emoji 😀"]


def test_empty_spill_gives_an_empty_column(tmp_path: Path) -> None:
    column = TextSpill(tmp_path).column()
    assert len(column) == 0
    assert list(tmp_path.iterdir()) == []


def test_release_pages_drops_the_pages_read(tmp_path: Path) -> None:
    if _resident_file_kb() is None:
        pytest.skip("no /proc/self/status RssFile here")
    big = pd.Series(["段落" * 2000 + str(i) for i in range(4000)], dtype="str")  # about 48 MB of UTF-8
    mapped = map_column(big, tmp_path)
    release_pages()
    before = _resident_file_kb()
    assert before is not None
    assert int(mapped.str.len().sum()) > 0  # reads every page
    touched = _resident_file_kb()
    release_pages()
    after = _resident_file_kb()
    assert touched is not None and after is not None
    assert touched - before > 20_000  # the pages read became resident ...
    assert after - before < 5_000  # ... and were dropped again


def test_loading_with_spill_gives_the_same_corpus(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    docs = [{"doc_id": f"D{i}", "date": f"{2009 + i % 8}-05-01",
             "text": f"第{i}段：村里租金便宜，门槛低，很多年轻人开网店。\n\nRents are low, {i} shops opened.\n\n"
                     + ("Menu | Home | News\n\n" if i % 3 == 0 else "") + "政府提供培训和贷款。" * (i % 4 + 1)}
            for i in range(40)]
    root = make_corpus(docs)
    spill = tmp_path / "spill"
    heap = load_corpus(root)
    mapped = load_corpus(root, spill=spill, workers=1)
    pd.testing.assert_frame_equal(mapped.entries, heap.entries)
    pd.testing.assert_frame_equal(mapped.docs, heap.docs)
    pd.testing.assert_frame_equal(mapped.problems, heap.problems)
    assert is_mapped(mapped.entries["text"]) and is_mapped(mapped.docs["text"])
    assert list(spill.iterdir()) == []
    np.testing.assert_array_equal(mapped.content_mask(), (heap.entries["junk"] == "").to_numpy())
    assert mapped.content_mask().sum() == len(heap.content_entries)


def test_a_failed_load_leaves_no_spill_file(make_corpus: MakeCorpus, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_corpus([{"doc_id": "D1", "text": "村里租金便宜，门槛低。"}])

    def broken(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(loader, "flag_junk", broken)
    spill = tmp_path / "spill"
    with pytest.raises(KeyboardInterrupt):
        load_corpus(root, spill=spill)
    assert list(spill.iterdir()) == []


@pytest.mark.parametrize("sort", [False, True])
def test_factorize_matches_pandas_without_python_strings(tmp_path: Path, sort: bool) -> None:
    """Arrow's dictionary encoding gives pandas' codes and uniques (first appearance or sorted; -1 for missing),
    for a mapped column of many chunks' worth of values and for plain object columns."""
    import pyarrow as pa

    values = ["b", "a", None, "b", "ç", "Z", "é", "a", ""] * 50
    mapped = map_column(pd.Series(values, dtype="str"), tmp_path, rows=7)
    chunked = as_series(pa.chunked_array([pa.array(values[:100]), pa.array(values[100:])]))
    for series in (mapped, chunked, pd.Series(values, dtype=object), pd.Series([], dtype="str")):
        codes, uniques = factorize(series, sort=sort)
        want_codes, want_uniques = pd.factorize(series, sort=sort)
        assert codes.tolist() == list(want_codes)
        assert list(uniques) == list(want_uniques)


def test_array_spill_gives_the_parts_joined_mapped_or_in_memory(tmp_path: Path) -> None:
    from corpus_tools.io.mapped import ArraySpill

    rng = np.random.default_rng(3)
    parts = [rng.integers(-2**31, 2**31 - 1, size=n, dtype=np.int64) for n in (0, 5, 1, 0, 1000)]
    want = np.concatenate(parts).astype(np.int32)
    for mapped in (True, False):
        spill = ArraySpill(tmp_path, np.int32)
        for p in parts:
            spill.write(p.astype(np.int32))
        got = spill.array(mapped=mapped)
        assert got.dtype == np.int32 and np.array_equal(got, want)
        assert got.flags.writeable is not mapped  # a mapped array is the file's pages: read only
        release_pages()
        assert np.array_equal(got, want)  # dropped pages come back from the file
    assert not list(tmp_path.glob(".array-*"))  # files removed once read or mapped
    empty = ArraySpill(tmp_path, np.int64)
    assert empty.array().shape == (0,)
    failed = ArraySpill(tmp_path, np.int32)
    failed.write(np.arange(3))
    failed.abort()
    assert not list(tmp_path.glob(".array-*"))


def test_text_reader_reads_a_mapped_column_from_its_file(tmp_path: Path) -> None:
    """Texts read at random with `text_reader` equal the column's values (missing: ""), across the batches the
    spill was written in and for non-ASCII text; a column that is not mapped has no reader."""
    values = ["村里租金便宜", None, "", "Rents are low 😀", "é" * 5000, "x"] * 40
    mapped = map_column(pd.Series(values, dtype="str"), tmp_path, rows=7)
    read = text_reader(mapped)
    assert read is not None
    rng = np.random.default_rng(0)
    for i in [*rng.integers(0, len(values), 100).tolist(), 0, len(values) - 1]:
        assert read(i) == (values[i] or "")
    assert text_reader(pd.Series(values, dtype="str")) is None
    assert text_reader(pd.Series([1, 2])) is None
