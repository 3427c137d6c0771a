"""EntryWords (content-word counts per entry as one sparse matrix, packed a slice at a time) gives the same
document x word counts, and so the same distinctive words, as the list of words per entry it replaces."""

from __future__ import annotations

import random
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from corpus_tools.framing import EntryWords, entry_content_words, run_framing


def _reference_doc_word_counts(entries: pd.DataFrame,
                               tokens: Mapping[str, Sequence[str]]) -> tuple[Any, list[str], list[str]]:
    """The whole-dict pass EntryWords replaced (one row per document in order of first entry)."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    doc_index: dict[str, int] = {}
    rows, cols = array("i"), array("i")
    for e, d in zip(entries["entry_id"], entries["doc_id"], strict=True):
        r = doc_index.setdefault(str(d), len(doc_index))
        ws = tokens.get(str(e), ())
        rows.extend([r] * len(ws))
        cols.extend([vocab.setdefault(w, len(vocab)) for w in ws])
    counts = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (np.frombuffer(rows, dtype=np.int32),
                                                                      np.frombuffer(cols, dtype=np.int32))),
                               shape=(len(doc_index), len(vocab)))
    return counts, list(vocab), list(doc_index)


def _dense_by_word(counts: Any, words: list[str]) -> pd.DataFrame:
    return pd.DataFrame(counts.toarray(), columns=words).reindex(columns=sorted(words))


def _messy_tokens(seed: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(40)] + ["网店", "电商", "培训", "Taobao"]
    rows, tokens = [], {}
    for i in range(120):
        doc = f"d{rng.randrange(15)}"
        eid = f"e{i:03d}"
        rows.append({"entry_id": eid, "doc_id": doc})
        if rng.random() < 0.8:  # some entries have no words (junk, empty)
            tokens[eid] = [rng.choice(vocab) for _ in range(rng.randrange(0, 12))]
    tokens["orphan"] = ["w1", "w2"]  # an entry the frame does not list (e.g. a duplicate left out)
    return pd.DataFrame(rows), tokens


@pytest.mark.parametrize("slice_entries", [1, 3, 1000])
def test_doc_counts_equal_the_whole_dict_pass(slice_entries: int) -> None:
    entries, tokens = _messy_tokens(seed=slice_entries)
    ew = EntryWords.from_token_lists(list(tokens), tokens.values(), slice_entries=slice_entries)
    for ent in (entries, entries.iloc[::2], entries.iloc[:0]):  # all, a dedupe-like subset, none
        got, got_words, got_docs = ew.doc_counts(ent["entry_id"], ent["doc_id"])
        want, want_words, want_docs = _reference_doc_word_counts(ent, tokens)
        assert got_docs == want_docs
        assert sorted(got_words) == sorted(want_words)
        pd.testing.assert_frame_equal(_dense_by_word(got, got_words), _dense_by_word(want, want_words),
                                      check_dtype=False)


def test_frames_round_trip_and_slices_agree() -> None:
    _, tokens = _messy_tokens(seed=7)
    small = EntryWords.from_token_lists(list(tokens), tokens.values(), slice_entries=2)
    whole = EntryWords.from_mapping(tokens)
    back = EntryWords.from_frames({k: pd.read_parquet(_parquet(v)) for k, v in small.frames().items()})
    for ew in (whole, back):
        assert list(ew.entry_ids) == list(small.entry_ids) and ew.words == small.words
        assert (ew.counts != small.counts).nnz == 0
    assert int(small.counts.sum()) == sum(len(v) for v in tokens.values())


def _parquet(frame: pd.DataFrame) -> Any:
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    buf.seek(0)
    return buf


def test_distinctive_words_same_from_counts_and_from_word_lists(make_corpus) -> None:  # type: ignore[no-untyped-def]
    from corpus_tools.corpus.loader import load_corpus
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.scoring.score import Scorer, score_corpus
    from corpus_tools.text.tokenize import Tokenizer

    early = ["村里的网店利润很高，快递和物流也方便。", "年轻人开网店赚钱，淘宝店铺越来越多。",
             "网店快递物流方便，利润高。"]
    late = ["政府组织电商培训，提供免费场地和贷款。", "培训班很受欢迎，政府补贴电商。", "政府提供贷款和培训。"]
    docs = [{"doc_id": f"A{i}", "date": f"2010-0{1 + i % 9}-01", "text": early[i % 3] + "\n\n" + early[(i + 1) % 3]}
            for i in range(6)]
    docs += [{"doc_id": f"B{i}", "date": f"2014-0{1 + i % 9}-01", "source_type": "interview" if i % 2 else "media",
              "text": late[i % 3] + "\n\n" + late[(i + 2) % 3]} for i in range(6)]
    corpus = load_corpus(make_corpus(docs))
    tok = Tokenizer()
    scores = score_corpus(corpus, Scorer([load_lexicon("mass_entrepreneurship")], tok), "entry")
    kwargs: dict[str, Any] = {"n_boot": 20, "n_perm": 19, "seed": 3, "min_docs": 2, "min_count": 1}
    by_lists = run_framing(corpus, scores, tokens=entry_content_words(corpus, tok), **kwargs)
    by_counts = run_framing(corpus, scores, tokens=EntryWords.of_corpus(corpus, tok, slice_entries=2), **kwargs)
    by_tokenizer = run_framing(corpus, scores, tok, **kwargs)
    assert len(by_lists.words) > 0
    pd.testing.assert_frame_equal(by_lists.words, by_counts.words)
    pd.testing.assert_frame_equal(by_lists.words, by_tokenizer.words)


@pytest.mark.parametrize("step", [1, 4, 10_000])
def test_doc_words_view_gives_the_tables_of_the_built_matrix(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    """Distinctive words from DocWords (documents x words summed from the entries' rows when asked, never built)
    equal those from the documents x words matrix doc_counts builds: same documents, words, group sums,
    document frequencies and top-document shares, for entries out of document order, entries without words,
    a dedupe-like subset, entries given in reverse order of their rows, and slices (of documents and of the
    entries' rows summed per product) of any size."""
    from corpus_tools.framing import entry_words, keyness
    from corpus_tools.framing.keyness import distinctive_words_matrix

    monkeypatch.setattr(keyness, "SELECT_ROWS", step)
    monkeypatch.setattr(entry_words, "PRODUCT_ROWS", step)
    entries, tokens = _messy_tokens(seed=step)
    ew = EntryWords.from_token_lists(list(tokens), tokens.values(), slice_entries=7)
    rng = random.Random(step)
    for ent in (entries, entries.iloc[::2], entries.iloc[::-1]):
        rows = ew.rows_of(ent["entry_id"])
        built, words, docs = ew.doc_counts([], ent["doc_id"], rows=rows)
        view = ew.doc_words(ent["doc_id"], rows)
        assert view.docs == docs and view.words == words and view.shape == built.shape
        assert view.total() == view.total(step=3) == int(built.sum())
        np.testing.assert_array_equal(view.row_block(0, len(docs), np.int32).toarray(), built.toarray())
        as_float = view.typed(np.float64)
        assert as_float.dtype == np.float64 and as_float.entries is view.entries  # made float a slice at a time
        np.testing.assert_array_equal(as_float.row_block(1, len(docs) - 1, np.float64).toarray(),
                                      built[1:len(docs) - 1].toarray().astype(float))
        groups = np.array([rng.randrange(-1, 3) for _ in docs])
        want_sums = np.stack([np.asarray(built[groups == g].sum(axis=0)).ravel() for g in range(3)])
        np.testing.assert_array_equal(as_float.group_sums(groups, 3, np.float64).toarray(), want_sums)
        labels = {d: rng.choice(["early", "mid", "late", "unstaged"]) for d in docs}
        kwargs: dict[str, Any] = {"by": "stage", "min_count": 2, "top_n": 6, "n_perm": 29, "seed": 3}
        want, want_notes = distinctive_words_matrix(built, words, docs, labels, ["early", "mid", "late"], **kwargs)
        got, got_notes = distinctive_words_matrix(view, words, docs, labels, ["early", "mid", "late"], **kwargs)
        assert len(want) > 0 and got_notes == want_notes
        pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize("slice_entries", [1, 4, 1000])
def test_mapped_build_equals_the_in_memory_one_and_caches_in_parts(tmp_path: Path, slice_entries: int) -> None:
    from corpus_tools.io.cache import Cache
    from corpus_tools.io.mapped import release_pages

    _, tokens = _messy_tokens(seed=11)
    mem = EntryWords.from_token_lists(list(tokens), tokens.values(), slice_entries=slice_entries)
    mapped = EntryWords.from_token_lists(list(tokens), tokens.values(), slice_entries=slice_entries,
                                         scratch=tmp_path / "scratch")
    assert not mapped.counts.data.flags.writeable and not mapped.counts.indices.flags.writeable  # the file's pages
    assert list((tmp_path / "scratch").iterdir()) == []  # the files are unlinked once mapped
    release_pages()  # dropped pages are read again from the file
    assert list(mapped.entry_ids) == list(mem.entry_ids) and mapped.words == mem.words
    for a, b in ((mapped.counts.indptr, mem.counts.indptr), (mapped.counts.indices, mem.counts.indices),
                 (mapped.counts.data, mem.counts.data)):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    cache = Cache(tmp_path / "cache")
    cache.save_frames("tokens", "k", mapped.cache_frames(rows=7))  # cells in parts of 7 rows
    hit = cache.load_frames("tokens", "k")
    assert hit is not None
    back = EntryWords.from_frames(hit[0])
    assert list(back.entry_ids) == list(mem.entry_ids) and back.words == mem.words
    assert (back.counts != mem.counts).nnz == 0
    entries = pd.DataFrame({"entry_id": list(tokens), "doc_id": [f"d{i % 5}" for i in range(len(tokens))]})
    got, got_words, got_docs = mapped.doc_counts(entries["entry_id"], entries["doc_id"])
    want, want_words, want_docs = mem.doc_counts(entries["entry_id"], entries["doc_id"])
    assert got_docs == want_docs and got_words == want_words and (got != want).nnz == 0


def test_no_entries_gives_an_empty_matrix_mapped_or_not(tmp_path: Path) -> None:
    from corpus_tools.io.cache import Cache

    for scratch in (None, tmp_path):
        ew = EntryWords.from_token_lists([], [], scratch=scratch)
        assert ew.counts.shape == (0, 0) and ew.counts.nnz == 0
        cache = Cache(tmp_path / f"cache-{scratch is None}")
        cache.save_frames("tokens", "k", ew.cache_frames())
        hit = cache.load_frames("tokens", "k")
        assert hit is not None and EntryWords.from_frames(hit[0]).counts.shape == (0, 0)
