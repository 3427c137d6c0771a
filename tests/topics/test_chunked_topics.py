"""Bounded memory of the topic step: token ids in a file (TokenDocs), topic shares in files read a block at a time
(FileShares), junk sentences found by hash buckets. Every chunk size gives the same tables as one chunk of
everything, and the reductions over blocks give NumPy's numbers bit for bit."""

from __future__ import annotations

import random
from functools import partial

import numpy as np
import pandas as pd
import pytest

from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.scoring.parallel import run_tasks
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics import engines, run_topics, shares, tokens
from corpus_tools.topics import prepare as prepare_module
from corpus_tools.topics.describe import top_passages
from corpus_tools.topics.effects import topic_effects
from corpus_tools.topics.engines import fold_in_files, make_estimator, transform_many
from corpus_tools.topics.prepare import JunkStripper, strip_junk
from corpus_tools.topics.shares import ArrayShares, FileShares, write_rows
from corpus_tools.topics.tokens import TokenDocs, as_lists
from tests.topics.test_topics import themed  # noqa: F401 (fixture)

WORDS = [f"w{i}" for i in range(30)]


def _lists(n: int = 60, seed: int = 0) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(WORDS) for _ in range(rng.randint(0, 9))] for _ in range(n)]


def test_token_docs_behave_as_the_word_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    lists = _lists()
    docs = TokenDocs.from_lists(lists)
    assert len(docs) == len(lists) and docs == lists and list(docs) == lists
    assert docs[3] == lists[3] and docs[-1] == lists[-1] and docs[5:9] == lists[5:9]
    assert docs.lengths.tolist() == [len(d) for d in lists]
    want: dict[str, int] = {}
    for d in lists:
        for w in d:
            want[w] = want.get(w, 0) + 1
    assert docs.word_counts() == want
    monkeypatch.setattr(tokens, "GAP_TOKENS", 1)  # scattered entries: read in many runs
    monkeypatch.setattr(tokens, "RUN_TOKENS", 5)  # and no run longer than 5 tokens (or one entry)
    monkeypatch.setattr(tokens, "READ_DOCS", 4)
    pos = [0, 1, 2, 7, 30, 31, 59]
    view = docs.take(pos)
    assert view == [lists[i] for i in pos] and view.take([1, 4]) == [lists[1], lists[30]]
    assert as_lists(docs, [31, 2, 7]) == [lists[31], lists[2], lists[7]]  # any order
    assert as_lists(lists, [4, 1]) == [lists[4], lists[1]] and as_lists(lists) is lists
    with pytest.raises(IndexError):
        docs[60]


def test_block_reductions_give_numpys_numbers(tmp_path: object) -> None:
    rng = np.random.default_rng(0)
    for k in (1, 3, 7):
        theta = rng.dirichlet(np.ones(k), size=1001)
        sh = FileShares.allocate(f"{tmp_path}/t{k}.f64", len(theta), k)
        for a in range(0, len(theta), 97):  # written in parts, as the fold-in's workers do
            write_rows(sh.path, a, theta[a:a + 97])
        assert np.array_equal(np.asarray(sh), theta)
        for rows in (1, 10, 5000):
            assert np.array_equal(np.concatenate([b for _a, b in sh.blocks(rows)]), theta)
        old = shares.BLOCK_ROWS
        try:
            shares.BLOCK_ROWS = 13
            assert np.array_equal(sh.mean(), theta.mean(axis=0))  # not merely close: the same order of sums
            assert np.array_equal(sh.column(k - 1), theta[:, k - 1])
        finally:
            shares.BLOCK_ROWS = old
        order = np.arange(k)[::-1]
        assert np.array_equal(np.asarray(sh.permuted(order)), theta[:, order])
        sh.discard()


def test_blocks_of_many_topics_are_capped_by_cells_with_the_same_numbers(tmp_path: object,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    theta = rng.dirichlet(np.ones(22), size=3000)
    sh = FileShares.allocate(f"{tmp_path}/t.f64", len(theta), 22)
    write_rows(sh.path, 0, theta)
    monkeypatch.setattr(shares, "READ_CELLS", 22 * 100)  # 100 rows a block (BLOCK_ROWS would read them all)
    assert [len(b) for _a, b in sh.blocks()][:2] == [100, 100]
    assert np.array_equal(sh.mean(), theta.mean(axis=0)) and np.array_equal(sh.column(21), theta[:, 21])
    long_enough, doc = rng.random(len(theta)) > 0.2, rng.permutation(np.repeat(np.arange(1000), 3))
    capped = top_passages(sh, long_enough, doc)
    monkeypatch.setattr(shares, "READ_CELLS", 1 << 40)
    assert len(next(sh.blocks())[1]) == len(theta)
    assert top_passages(sh, long_enough, doc) == capped == top_passages(theta, long_enough, doc)
    sh.discard()


def test_fold_in_to_files_gives_transform_manys_numbers(tmp_path: object) -> None:
    lists = [d for d in _lists(120, seed=3) if d]
    models = [make_estimator("tomotopy", 3, s, iterations=30).fit(lists) for s in (0, 1)]
    want = transform_many(models, lists, chunk=8)
    docs = TokenDocs.from_lists(lists)
    for run in (None, partial(run_tasks, workers=2)):
        got = fold_in_files(models, docs.take(np.arange(len(docs))), None, str(tmp_path), chunk=8, run=run)
        assert all(np.array_equal(np.asarray(g), w) for g, w in zip(got, want, strict=True))


def test_repeated_sentences_do_not_depend_on_hash_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    furniture = "Follow the county e-commerce office for the latest news."
    rng = random.Random(4)
    texts, doc_ids = [], []
    for d in range(40):
        for p in range(3):
            own = f"Shop {d} paragraph {p} sells jackets and shoes online every day."
            texts.append(f"{own} {furniture}" if d % 2 == 0 and p == 0 else own)
            doc_ids.append(f"d{d}")
    rng.shuffle(texts)
    want = strip_junk(texts, doc_ids)
    assert want[1].repeated_sentences == 20 and all(furniture not in t for t in want[0])
    for buckets in (1, 4):  # every sentence shares a bucket: only the exact count decides
        monkeypatch.setattr(JunkStripper, "BUCKETS", buckets)
        got = strip_junk(texts, doc_ids)
        assert got[0] == want[0] and got[1] == want[1] and got[2] == want[2]


def test_effects_and_passages_do_not_depend_on_the_block_size() -> None:
    rng = np.random.default_rng(7)
    n, k = 400, 4
    for grouped in (True, False):  # a document's entries together (as in a corpus) or spread out
        doc = np.sort(rng.integers(0, 60, n)) if grouped else rng.integers(0, 60, n)
        cov = pd.DataFrame({"stage": np.array(["a", "b", "c"])[doc % 3],  # one level per document
                            "speaker": rng.choice(["p", "q", ""], n)})  # levels within documents
        thetas = [rng.dirichlet(np.ones(k), n) for _ in range(2)]
        lengths = rng.integers(3, 40, n)
        ids = [f"D{d:03d}" for d in doc]
        runs = [topic_effects(thetas, lengths, cov, ids, seed=1, draws_per_seed=20, entry_draws=n * 8,
                              block_rows=rows) for rows in (1, 9, 10 ** 6)]
        assert runs[0] == runs[1] == runs[2] and len(runs[0][0]) == k * 6  # 3 stages, p, q, (missing)
        theta = np.round(thetas[0], 1)  # ties
        long_enough = lengths >= 10
        picks = []
        for rows in (1, 9, 10 ** 6):
            old, shares.BLOCK_ROWS = shares.BLOCK_ROWS, rows
            try:
                picks.append(top_passages(ArrayShares(theta), long_enough, doc))
            finally:
                shares.BLOCK_ROWS = old
        assert picks[0] == picks[1] == picks[2]
        for t, picked in enumerate(picks[0]):  # the best long entry of the best documents, one per document
            order = sorted(range(n), key=lambda i: (not long_enough[i], -theta[i, t], i))
            want: list[int] = []
            for i in order:
                if all(doc[j] != doc[i] for j in want):
                    want.append(i)
            assert [i for i, _s in picked] == want[:5]


def test_run_topics_gives_the_same_tables_with_tiny_chunks(themed, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]  # noqa: F811
                                                           ) -> None:
    params = {"k_range": [3], "n_seeds": 2, "seed": 0, "seeded": "variable", "sweep_sample": 40}
    lex = [load_lexicon("mass_entrepreneurship")]
    whole = run_topics(themed, Tokenizer(), lex, **params)  # type: ignore[arg-type]
    monkeypatch.setattr(prepare_module, "PREPARE_CHUNK", 3)  # entries read and tokenized 3 at a time
    monkeypatch.setattr(shares, "BLOCK_ROWS", 4)  # topic shares read 4 entries at a time
    monkeypatch.setattr(engines, "FOLD_IN_CHUNK", 2)
    monkeypatch.setattr(engines, "FOLD_IN_TASK", 4)
    monkeypatch.setattr(tokens, "READ_DOCS", 3)
    monkeypatch.setattr(JunkStripper, "BUCKETS", 2)
    read: list[int] = []
    block = FileShares.block
    monkeypatch.setattr(FileShares, "block", lambda self, a, b: read.append(b - a) or block(self, a, b))

    def no_whole_matrix(*_a: object, **_k: object) -> None:
        raise AssertionError("a sampled scope's fold-in returned every entry's shares to the main process")

    monkeypatch.setattr("corpus_tools.topics.sweep.transform_many", no_whole_matrix)
    chunked = run_topics(themed, Tokenizer(), lex, **params)  # type: ignore[arg-type]
    assert {"joint", "seeded", "stage:growth"} <= set(chunked.sweep_samples)
    for name, frame in whole.to_tables().items():
        pd.testing.assert_frame_equal(frame, chunked.to_tables()[name], check_exact=True, obj=name)
    assert whole.notes == chunked.notes and whole.sweep_samples == chunked.sweep_samples
    # shares were read back from the fold-in's files a few entries at a time (effects: whole documents)
    assert read and max(read) <= 4 + max(len(themed.entries[themed.entries["doc_id"] == d]) for d in
                                         themed.entries["doc_id"].unique())
