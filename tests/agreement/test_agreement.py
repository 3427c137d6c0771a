"""Agreement from coding states: comparisons, conditions (independent vs assisted), constructs, CLI."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from corpus_tools import schema
from corpus_tools.agreement import compute_agreement, format_agreement
from corpus_tools.cli import main
from corpus_tools.errors import AgreementError
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.lexicon.model import Lexicon
from tests.conftest import MakeCorpus
from tests.support.exchange import small_coded_corpus


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return load_lexicon("mass_entrepreneurship")


def synthetic_state(lex: Lexicon, n: int = 60, seed: int = 0, noise: float = 0.05,
                    modes: dict[str, str] | None = None) -> pd.DataFrame:
    """Coders A, B (and C) coding n entries from a shared truth with some noise; `modes` per coder."""
    rng = np.random.default_rng(seed)
    modes = modes or {"A": "imported", "B": "imported"}
    rows = []
    for i in range(n):
        truth = [v for v in lex.variable_ids if rng.random() < 0.2]
        for coder, mode in modes.items():
            codes = [v for v in lex.variable_ids if (v in truth) ^ (rng.random() < noise)]
            rows += [(f"E{i:03d}", f"D{i // 10}", coder, c, mode) for c in codes or ["none"]]
    return pd.DataFrame(rows, columns=list(schema.CODING_STATE))


def stat(table: pd.DataFrame, **where: str) -> pd.Series:
    mask = np.logical_and.reduce([table[k] == v for k, v in where.items()])
    rows = table[mask]
    assert len(rows) == 1, (where, rows)
    return rows.iloc[0]


def test_perfect_agreement_is_one(lex: Lexicon) -> None:
    state = synthetic_state(lex, noise=0.0)
    res = compute_agreement(state, lex, n_boot=50)
    assert set(res.table.columns) == set(schema.AGREEMENT)
    defined = res.table[res.table["value"].notna()]
    assert len(defined) and np.allclose(defined["value"], 1.0)
    assert res.disagreements.empty
    assert (res.table["condition"] == "independent").all()


def test_noise_lowers_agreement_and_constructs_are_any_of_variables(lex: Lexicon) -> None:
    res = compute_agreement(synthetic_state(lex, noise=0.15), lex, n_boot=50)
    alpha = stat(res.table, level="variable", code="(all)", metric="krippendorff_alpha")
    assert 0 < alpha["value"] < 1 and alpha["ci_low"] <= alpha["value"] <= alpha["ci_high"]
    assert alpha["n_units"] == 60 * 9
    construct_rows = res.table[(res.table["level"] == "construct") & (res.table["code"] != "(all)")]
    assert set(construct_rows["code"]) == set(lex.construct_ids)
    prev_var = res.table[(res.table["level"] == "variable") & (res.table["code"] == "opportunity.feasibility")]
    prev_con = res.table[(res.table["level"] == "construct") & (res.table["code"] == "opportunity")]
    assert prev_con["prevalence"].iloc[0] >= prev_var["prevalence"].iloc[0]
    assert len(res.disagreements) > 0 and set(res.disagreements.columns) == set(schema.DISAGREEMENTS)


def test_same_seed_same_output(lex: Lexicon) -> None:
    state = synthetic_state(lex, noise=0.1)
    a = compute_agreement(state, lex, n_boot=80, random_state=3).table
    b = compute_agreement(state.sample(frac=1.0, random_state=1), lex, n_boot=80, random_state=3).table
    pd.testing.assert_frame_equal(a, b)
    c = compute_agreement(state, lex, n_boot=80, random_state=4).table
    assert not a["ci_low"].equals(c["ci_low"])


def test_every_undefined_value_has_a_note(lex: Lexicon) -> None:
    state = synthetic_state(lex, n=12, noise=0.0)
    state = state[state["code"] != "activity.high_ambition"]  # a code nobody uses: no variance
    res = compute_agreement(state, lex, n_boot=30)
    missing = res.table[res.table["value"].isna()]
    assert len(missing) and (missing["note"].str.len() > 0).all()
    row = stat(res.table, level="variable", code="activity.high_ambition", metric="krippendorff_alpha")
    assert "no variance" in row["note"]
    assert stat(res.table, level="variable", code="activity.high_ambition",
                metric="percent_agreement")["value"] == 1.0
    text = format_agreement(res)
    assert "n/a [1]" in text and "no variance" in text and "nan" not in text.lower()


def test_assisted_is_reported_separately(lex: Lexicon) -> None:
    state = synthetic_state(lex, n=40, noise=0.1)
    assisted = state["entry_id"].isin([f"E{i:03d}" for i in range(20)]) & (state["coder"] == "B")
    state.loc[assisted, "mode"] = "assisted"
    res = compute_agreement(state, lex, n_boot=30)
    ind = stat(res.table, condition="independent", level="variable", code="(all)", metric="cohen_kappa")
    ass = stat(res.table, condition="assisted", level="variable", code="(all)", metric="cohen_kappa")
    assert ind["n_units"] == 20 * 9 and ass["n_units"] == 20 * 9
    assert "suggestion-assisted" in format_agreement(res)


def test_three_coders_pairs_and_all(lex: Lexicon) -> None:
    state = synthetic_state(lex, n=30, modes={"A": "blind", "B": "blind", "C": "imported"})
    state = state[~((state["coder"] == "C") & state["entry_id"].isin(["E000", "E001"]))]  # C missing twice
    res = compute_agreement(state, lex, n_boot=20, levels=["construct"])
    comps = list(dict.fromkeys(res.table["comparison"]))
    assert comps == ["A vs B", "A vs C", "B vs C", "all coders (A, B, C)"]
    row = stat(res.table, comparison="all coders (A, B, C)", code="(all)", metric="cohen_kappa")
    assert pd.isna(row["value"]) and "exactly two coders" in row["note"]
    fleiss = stat(res.table, comparison="all coders (A, B, C)", code="opportunity", metric="fleiss_kappa")
    assert fleiss["n_units"] == 28 and "coded by all 3 coders" in fleiss["note"]
    alpha = stat(res.table, comparison="all coders (A, B, C)", code="opportunity", metric="krippendorff_alpha")
    assert alpha["n_units"] == 30  # Krippendorff's alpha keeps the entries C did not code


def test_model_against_each_coder_and_adjudicated_left_out(lex: Lexicon) -> None:
    state = synthetic_state(lex, n=30, modes={"A": "imported", "B": "imported", "model:v1": "model"})
    adj = state[(state["coder"] == "A") & (state["entry_id"] == "E000")].assign(coder="A", mode="adjudicated")
    state = pd.concat([state[~((state["coder"] == "A") & (state["entry_id"] == "E000"))], adj])
    res = compute_agreement(state, lex, n_boot=20, levels=["variable"])
    comps = set(res.table["comparison"])
    assert comps == {"A vs B", "model:v1 vs A", "model:v1 vs B"}
    assert stat(res.table, comparison="model:v1 vs A", code="(all)", metric="percent_agreement")["n_units"] == 29 * 9
    machine = res.table["comparison"].str.startswith("model:")
    assert set(res.table.loc[machine, "condition"]) == {"model"}  # never filed as independent
    assert set(res.table.loc[~machine, "condition"]) == {"independent"}
    assert any("adjudicated" in n for n in res.notes)
    consensus = state[state["coder"] == "A"].assign(coder="consensus", mode="adjudicated")
    res = compute_agreement(pd.concat([state, consensus]), lex, n_boot=0, levels=["variable"])
    assert set(res.table["comparison"]) == comps  # a coder with only adjudicated codings is no comparison
    assert any("no coding left to compare: consensus" in n for n in res.notes)


def test_one_coder_and_no_overlap_are_notes(lex: Lexicon) -> None:
    one = synthetic_state(lex, n=5, modes={"A": "imported"})
    res = compute_agreement(one, lex, n_boot=10)
    assert res.table.empty and any("only one human coder" in n for n in res.notes)
    apart = synthetic_state(lex, n=6)
    apart = apart[((apart["coder"] == "A") & (apart["entry_id"] < "E003")) |
                  ((apart["coder"] == "B") & (apart["entry_id"] >= "E003"))]
    res = compute_agreement(apart, lex, n_boot=10)
    assert len(res.table) and res.table["value"].isna().all()
    assert res.table["note"].str.contains("no overlap").all()
    assert "no overlap" in format_agreement(res)


def test_unknown_codes_and_modes_are_reported(lex: Lexicon) -> None:
    state = synthetic_state(lex, n=10)
    extra = pd.DataFrame([("E000", "D0", "A", "made.up", "imported"), ("E001", "D0", "B", "none", "weird")],
                         columns=list(schema.CODING_STATE))
    res = compute_agreement(pd.concat([state, extra]), lex, n_boot=10)
    assert any("made.up (1)" in n for n in res.notes)
    assert any("weird (1)" in n for n in res.notes)


def test_bad_calls_raise(lex: Lexicon) -> None:
    with pytest.raises(AgreementError):
        compute_agreement(pd.DataFrame(columns=list(schema.CODING_STATE)), lex)
    with pytest.raises(AgreementError):
        compute_agreement(synthetic_state(lex, n=3), lex, levels=["theme"])


def test_cli_on_a_coded_corpus(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = small_coded_corpus(make_corpus)
    out = tmp_path / "agr"
    res = CliRunner().invoke(main, ["agreement", str(root), "-o", str(out), "--n-boot", "50", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "A vs B" in res.output and "Kripp. α" in res.output
    table = pd.read_csv(out / "agreement.csv", encoding="utf-8-sig")
    assert list(table.columns) == list(schema.AGREEMENT)
    assert set(table["comparison"]) == {"A vs B"}
    summary = pd.read_csv(out / "agreement_summary.csv", encoding="utf-8-sig")
    assert {"krippendorff_alpha", "krippendorff_alpha_low", "notes"} <= set(summary.columns)
    dis = pd.read_csv(out / "disagreements.csv", encoding="utf-8-sig")
    assert set(dis["differing"]) == {"ability.organization", "opportunity.profitability"}
    manifest = json.loads((out / "agreement.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["n_boot"] == 50 and manifest["inputs"]["codings_csv"]["rows"] > 0
    again = CliRunner().invoke(main, ["agreement", str(root), "-o", str(tmp_path / "again"), "--n-boot", "50",
                                      "--seed", "1"])
    assert again.stdout == res.stdout  # same seed, same table
    assert (tmp_path / "again" / "agreement.csv").read_bytes() == (out / "agreement.csv").read_bytes()


def test_cli_with_suggestions_table(make_corpus: MakeCorpus, tmp_path: Path) -> None:
    root = small_coded_corpus(make_corpus)
    codings = pd.read_csv(root / "codings.csv")
    a = codings[codings["coder"] == "A"]
    sugg = pd.DataFrame({"id": a["entry_id"], "codes": a["codes"].str.replace("none", "")})
    sugg_path = tmp_path / "sugg.csv"
    sugg.to_csv(sugg_path, index=False)
    res = CliRunner().invoke(main, ["agreement", str(root), "--suggestions", str(sugg_path), "--model-name", "v1",
                                    "--n-boot", "0", "--level", "construct"])
    assert res.exit_code == 0, res.output
    assert "model:v1 vs A" in res.output and "model:v1 vs B" in res.output
    block = res.output.split("model:v1 vs A")[1].split("\n\n")[0]
    assert "1.00" in block


def test_cli_without_codings_is_a_clear_error(make_corpus: MakeCorpus) -> None:
    root = make_corpus([{"doc_id": "D1", "text": "一段。"}])
    res = CliRunner().invoke(main, ["agreement", str(root)])
    assert res.exit_code == 1 and "no codings" in res.output


def test_pairs_are_all_combinations(lex: Lexicon) -> None:
    coders = ["A", "B", "C", "D"]
    state = synthetic_state(lex, n=8, modes=dict.fromkeys(coders, "blind"))
    res = compute_agreement(state, lex, n_boot=0, levels=["construct"], pooled=False)
    pairs = {f"{a} vs {b}" for a, b in itertools.combinations(coders, 2)}
    assert pairs | {"all coders (A, B, C, D)"} == set(res.table["comparison"])


def test_model_vs_assisted_coder_is_its_own_condition(lex: Lexicon) -> None:
    state = synthetic_state(lex, n=20, modes={"A": "blind", "model:v1": "blind"})  # an old frame: model "blind"
    state.loc[(state["coder"] == "A") & (state["entry_id"] >= "E010"), "mode"] = "assisted"
    res = compute_agreement(state, lex, n_boot=0, levels=["variable"])
    assert set(res.table["condition"]) == {"model", "model-assisted"}
    assert stat(res.table, condition="model", code="(all)", metric="percent_agreement")["n_units"] == 10 * 9
    assert stat(res.table, condition="model-assisted", code="(all)", metric="percent_agreement")["n_units"] == 90
    text = format_agreement(res)
    assert "model vs coder" in text and "anchored" in text and "independent" not in text


def test_agreement_leaves_out_what_the_model_was_trained_on(tmp_path: Path) -> None:
    """A model predicting its own training passages looks near-perfect; `suggest` flags them (in_training)
    and `agreement` leaves them out, says how many, and files the model under its own condition."""
    from tests.support.coding import coded_corpus

    corpus = coded_corpus(tmp_path / "corpus", 6, 8, n_a=30, n_b=10)
    runner = CliRunner()
    model, sugg = tmp_path / "model", tmp_path / "sugg.csv"
    assert runner.invoke(main, ["train", str(corpus.root), "-o", str(model)]).exit_code == 0
    res = runner.invoke(main, ["suggest", str(corpus.root), "--model", str(model), "-o", str(sugg)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(sugg, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    trained = set(pd.read_csv(corpus.root / "codings.csv")["entry_id"])
    assert set(table.loc[table["in_training"] == "1", "id"]) == trained  # exactly the 30 training passages
    # coder A goes on coding 12 passages blind after training: those are a fair test of the model
    from corpus_tools.store import CodingStore
    from tests.support.coding import lexicon_labels

    labels = lexicon_labels(corpus)
    fresh = corpus.entries.iloc[30:42]
    with CodingStore(tmp_path / "s.sqlite") as st:
        for eid, h in zip(fresh["entry_id"], fresh["text_hash"], strict=True):
            for code in labels[eid] or ["none"]:
                st.record(eid, h, code, "none-applies" if code == "none" else "add", "A", mode="blind")
    out = tmp_path / "agr"
    res = runner.invoke(main, ["agreement", str(corpus.root), "--suggestions", str(sugg), "--model-name", "m",
                               "--store", str(tmp_path / "s.sqlite"), "--n-boot", "0", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "30 entries the model was trained on (in_training = 1) left out" in res.output
    agr = pd.read_csv(out / "agreement.csv", encoding="utf-8-sig")
    machine = agr[agr["comparison"].str.startswith("model:m vs")]
    assert len(machine) and set(machine["condition"]) == {"model"}  # never "independent"
    pooled = machine[(machine["comparison"] == "model:m vs A") & (machine["code"] == "(all)")
                     & (machine["level"] == "variable")]
    assert set(pooled["n_units"]) == {12 * 9}  # only the passages coded after training
    assert set(machine.loc[machine["comparison"] == "model:m vs B", "n_units"]) == {0}  # B coded training ones only
    manifest = json.loads((out / "agreement.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["suggestions"][0]["in_training_left_out"] == 30
