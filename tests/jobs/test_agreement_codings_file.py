"""`agreement --codings FILE`: a second codebook's codes (their own file) get agreement figures too."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools.cli import main
from corpus_tools.errors import ConfigError
from corpus_tools.jobs.agreement import run_agreement
from tests.conftest import MakeCorpus
from tests.support.validation import planted_corpus


def test_agreement_on_a_codebook_file(make_corpus: MakeCorpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    corpus, _ = planted_corpus(make_corpus, codings_name="codings_demo.csv", coders=("A", "B"))
    path = corpus.root / "codings_demo.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    b = raw.index[raw["coder"] == "B"]
    flipped = b[:5]
    raw.loc[flipped, "codes"] = "none"  # B disagrees on five entries (some already none: fewer disagreements)
    raw.to_csv(path, index=False)
    a_codes = raw[raw["coder"] == "A"].set_index("entry_id")["codes"]
    b_codes = raw[raw["coder"] == "B"].set_index("entry_id")["codes"]
    n_diff = int((a_codes != b_codes.reindex(a_codes.index)).sum())
    run = run_agreement(corpus.root, codings="codings_demo.csv", n_boot=50, out=tmp_path / "agr")
    assert "A" in run.text and "B" in run.text
    table = run.result.table
    pa = table[(table["metric"] == "percent_agreement") & (table["code"] == "(all)")]
    assert len(pa)
    assert (tmp_path / "agr").is_dir()
    assert n_diff > 0  # the planted disagreement exists, so agreement cannot be perfect
    assert (pa["value"].astype(float) < 1).all()


def test_one_coder_and_mixed_sources(make_corpus: MakeCorpus) -> None:
    corpus, _ = planted_corpus(make_corpus, codings_name="codings_demo.csv", coders=("A",))
    run = run_agreement(corpus.root, codings="codings_demo.csv", n_boot=0)
    assert "No agreement could be computed" in run.text and "one human coder" in run.text
    with pytest.raises(ConfigError, match="--codings"):
        run_agreement(corpus.root, codings="codings_demo.csv", store=corpus.root / "x.sqlite")
    r = CliRunner().invoke(main, ["agreement", str(corpus.root), "--codings", "codings_demo.csv", "--n-boot", "0"])
    assert r.exit_code == 0 and "No agreement could be computed" in r.output
