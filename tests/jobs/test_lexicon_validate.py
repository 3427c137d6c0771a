"""`corpus-tools lexicon validate`: the CLI twin writes the three tables and turns bad input into one message."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from corpus_tools import schema
from corpus_tools.cli import main
from corpus_tools.jobs.lexicon_validate import run_lexicon_validation
from tests.conftest import MakeCorpus
from tests.support.validation import expected_counts, planted_corpus


def test_cli_writes_the_validation_tables(make_corpus: MakeCorpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    corpus, docs = planted_corpus(make_corpus)
    out = tmp_path / "val"
    r = CliRunner().invoke(main, ["lexicon", "validate", str(corpus.root), "-o", str(out), "--n-boot", "50"])
    assert r.exit_code == 0, r.output
    assert "demo.money" in r.output
    table = pd.read_csv(out / "lexicon_validation.csv", keep_default_na=False)
    assert list(table.columns[:9]) == ["lexicon", "variable", "term", "lang", "n_hits", "precision", "recall", "f1",
                                       "kappa"]
    assert list(table.columns) == list(schema.LEXICON_VALIDATION)
    var = table[(table["variable"] == "demo.money") & (table["term"] == "") & (table["lang"] == "all")].iloc[0]
    c = expected_counts(docs, "demo.money")
    assert var["n_hits"] == c["tp"] + c["fp"]
    assert (out / "lexicon_confusion.csv").is_file() and (out / "lexicon_false_hits.csv").is_file()


def test_library_twin_and_split_file(make_corpus: MakeCorpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    corpus, docs = planted_corpus(make_corpus)
    split = tmp_path / "split.csv"
    pd.DataFrame({"doc_id": [d["doc_id"] for d in docs],
                  "split": ["test" if i < 3 else "dev" for i in range(len(docs))]}).to_csv(split, index=False)
    run = run_lexicon_validation(corpus.root, split="test", split_file=split, n_boot=0)
    assert run.result.samples["demo"]["documents"] == 3 and run.files == {}


def test_cli_bad_input_is_one_clear_message(make_corpus: MakeCorpus) -> None:
    corpus, _ = planted_corpus(make_corpus)
    (corpus.root / "codings.csv").unlink()
    r = CliRunner().invoke(main, ["lexicon", "validate", str(corpus.root)])
    assert r.exit_code == 1 and "no coded entries" in r.output and "Traceback" not in r.output
    (corpus.root / "demo.yaml").write_text((corpus.root / "demo.yaml").read_text(encoding="utf-8")
                                           .replace("[利润, 赚钱]", "[利润, '']"), encoding="utf-8")
    r = CliRunner().invoke(main, ["lexicon", "validate", str(corpus.root)])
    assert r.exit_code == 1 and "empty term" in r.output and "Traceback" not in r.output


def test_analyze_shows_the_test_half_when_the_corpus_has_a_split(make_corpus: MakeCorpus) -> None:
    from corpus_tools.jobs.analyze import _validation
    from corpus_tools.lexicon.formats import load_lexicon
    from corpus_tools.scoring.score import Scorer

    corpus, docs = planted_corpus(make_corpus)
    lex = [load_lexicon(corpus.root / "demo.yaml")]
    assert _validation(corpus, lex, Scorer(lex), 0, 0).split == "all"  # type: ignore[union-attr]
    pd.DataFrame({"doc_id": [d["doc_id"] for d in docs],
                  "split": ["test" if i % 2 else "dev" for i in range(len(docs))]}).to_csv(
        corpus.root / "validation_split.csv", index=False)
    res = _validation(corpus, lex, Scorer(lex), 0, 0)
    assert res is not None and res.split == "test"
    assert res.samples["demo"]["documents"] == len(docs) // 2
    (corpus.root / "codings.csv").unlink()
    assert _validation(corpus, lex, Scorer(lex), 0, 0) is None  # no coded entries: no section, no error
