"""The one merge of store decisions with codings.csv, and its three readers (training, exchange, project state)."""

from __future__ import annotations

from pathlib import Path

from corpus_tools.exchange.state import gather_codings
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.store.coding_state import CODINGS_FILE, STORE, merge_codings, project_state
from corpus_tools.store.store import CodingStore
from corpus_tools.suggest.training import collect, entry_labels
from tests.conftest import MakeCorpus
from tests.support.coding import coded_corpus

LEX = load_lexicon("mass_entrepreneurship")
CODES = list(LEX.variable_ids)


def test_store_wins_per_entry_and_coder_and_every_reader_sees_the_same_merge(make_corpus: MakeCorpus,
                                                                              tmp_path: Path) -> None:
    corpus = coded_corpus(make_corpus, n_docs=4, per_doc=5, n_a=12, n_b=4)
    e = corpus.entries
    first, second, fresh = (str(x) for x in e["entry_id"].iloc[[0, 1, 15]])
    hashes = dict(zip(e["entry_id"], e["text_hash"], strict=True))
    with CodingStore(tmp_path / "s.sqlite") as store:
        store.record(first, hashes[first], "none", "none-applies", "A")  # overrides A's codings.csv row
        store.record(second, hashes[second], CODES[0], "add", "C")  # a coder codings.csv does not know
        store.record(fresh, hashes[fresh], CODES[1], "add", "A")  # an entry codings.csv does not code
        merged = merge_codings(store.state(corpus), corpus, CODES)
        s = merged.state
        a_first = s[(s["entry_id"] == first) & (s["coder"] == "A")]
        assert list(a_first["code"]) == ["none"]  # the store's later decision, not the csv's codes
        b_first = s[(s["entry_id"] == first) & (s["coder"] == "B")]
        assert len(b_first) and set(b_first["mode"]) != {"assisted"}  # B only in codings.csv: kept from there
        assert merged.overridden == 1
        assert merged.pairs == {STORE: 3, CODINGS_FILE: 12 + 4 - 1}
        assert merged.entries == {STORE: 3, CODINGS_FILE: 12}
        assert not s.duplicated().any()

        # the three readers: project state, exchange's gathered codings, training data
        ps = project_state(store, corpus, CODES)
        gathered = gather_codings(corpus, [LEX], store=tmp_path / "s.sqlite")
        key = ["entry_id", "coder", "code", "mode"]
        as_set = {tuple(r) for r in s[key].astype(str).to_numpy()}
        assert {tuple(r) for r in ps.state[key].astype(str).to_numpy()} == as_set
        assert {tuple(r) for r in gathered.state[key].astype(str).to_numpy()} == as_set
        assert any("both in codings.csv and in the store" in p for p in gathered.problems)
        data = collect(corpus, store, CODES)
        labels = entry_labels(s)
        assert data.ids == [i for i in labels if i in set(e["entry_id"])]
        got = {i: {c for c, y in zip(CODES, row, strict=True) if y} for i, row in zip(data.ids, data.Y, strict=True)}
        assert got == {i: {c for c in labels[i] if c in CODES} for i in data.ids}
        assert data.sources == {STORE: 3, CODINGS_FILE: 12}


def test_without_store_or_codings_file(make_corpus: MakeCorpus) -> None:
    corpus = coded_corpus(make_corpus, n_docs=2, per_doc=3, n_a=4, n_b=0)
    only_csv = merge_codings(None, corpus, CODES)
    assert only_csv.pairs == {CODINGS_FILE: 4} and STORE not in only_csv.entries
    nothing = merge_codings(None, corpus, CODES, use_codings_file=False)
    assert nothing.state.empty and nothing.pairs == {} and nothing.problems == []
