"""The report's draft-codes section reads suggestions.parquet batch by batch and gets the same tables and
examples as the former pass over the whole table merged with every entry's metadata, whatever the batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from corpus_tools.corpus.loader import Corpus, load_corpus
from corpus_tools.io.parquet_parts import read_frame
from corpus_tools.lexicon.formats import load_lexicon
from corpus_tools.report import suggestions as rs
from corpus_tools.report.format import truncate
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.parallel import SuggesterSpec, suggest_to_parquet
from corpus_tools.suggest.persistence import save_model
from corpus_tools.suggest.prevalence import adjusted_prevalence
from corpus_tools.suggest.result import SuggestionsResult
from corpus_tools.suggest.training import collect
from tests.support.coding import coded_corpus
from tests.support.corpus import STAGES_TOML

LEX = ["mass_entrepreneurship"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, SuggestionsResult]:
    """A coded corpus in three stages, a model trained on its coded passages and its suggestions file."""
    root = tmp_path_factory.mktemp("section") / "corpus"
    coded_corpus(root, 9, 8, n_a=40, n_b=0)
    (root / "corpus.toml").write_text((root / "corpus.toml").read_text(encoding="utf-8") + STAGES_TOML,
                                      encoding="utf-8")
    corpus = load_corpus(root)
    data = collect(corpus, None, load_lexicon(LEX[0]).variable_ids)
    model = SuggestionModel(LEX, random_state=1).fit(data.texts, data.Y, data.codes, data.ids)
    folder = tmp_path_factory.mktemp("model") / "m"
    save_model(model, folder)
    table = suggest_to_parquet(SuggesterSpec.saved(folder), corpus, folder.parent / "s.parquet", chunk_entries=10)
    res = SuggestionsResult(table.path, list(model.codes_), "model", model.version, table.n_entries,
                            table.n_with_codes, model_dir=folder, coded_ids=list(data.ids))
    return corpus, res


def _reference(res: SuggestionsResult, corpus: Corpus, stage_order: list[str],
               names: dict[str, str]) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame, list[dict[str, Any]]]:
    """The former section: the whole table in memory, stages from entries_with_meta."""
    meta = corpus.entries_with_meta()
    frame = read_frame(res.path)
    stage_of = dict(zip(meta["entry_id"], meta["stage"].astype(str), strict=True))
    stages = pd.Series([stage_of.get(str(e), "") for e in frame["id"]], index=frame.index)
    order = [s for s in stage_order if s in set(stages)] + sorted(set(stages) - set(stage_order))
    long = pd.DataFrame({"stage": stages, "code": frame["codes"].str.split(";")}).explode("code")
    long = long[long["code"].fillna("") != ""]
    counts = pd.crosstab(long["code"], long["stage"]) if len(long) else pd.DataFrame()
    counts = counts.reindex(index=res.codes, columns=order, fill_value=0).fillna(0).astype(int)
    counts["total"] = counts.sum(axis=1)
    counts.index.name = "variable"
    counts.columns.name = None
    sizes = stages.value_counts()
    prev = adjusted_prevalence(frame, res.codes, list(stages), None, order=stage_order)
    coded = set(res.coded_ids)
    with_codes = frame[frame["codes"] != ""]
    pool = with_codes[~with_codes["id"].isin(coded)]
    pool = pool if len(pool) else with_codes
    lists = pool["codes"].str.split(";")
    picked: list[int] = []
    for code in res.codes:
        sub = pool[lists.apply(lambda cs, c=code: c in cs)]
        sub = sub[~sub.index.isin(picked)]
        if len(sub):
            picked.append(int(sub[code].astype(float).idxmax()))
        if len(picked) >= rs.N_EXAMPLES:
            break
    ent = meta.set_index("entry_id")
    examples = []
    for i in picked:
        r = frame.loc[i]
        e = ent.loc[str(r["id"])]
        examples.append({
            "id": str(r["id"]), "doc_id": str(r["doc_id"]), "title": str(e["title"]), "stage": str(e["stage"]),
            "source_type": str(e["source_type"]), "text": truncate(str(e["text"]), 320),
            "codes": [f"{names.get(c, c)} {float(r[c]):.2f}" for c in str(r["codes"]).split(";") if c],
            "why_terms": str(r["why_terms"]), "why_features": str(r["why_features"]),
            "similar": (f"{r['similar_id']} ({r['similar_codes'] or 'none'}; cosine {float(r['similar_score']):.2f}"
                        + (f"; {r['similar_origin']}" if str(r.get("similar_origin", "")) else "") + ")"
                        if str(r["similar_id"]) else "")})
    return counts.reset_index(), {s: int(sizes.get(s, 0)) for s in order}, prev, examples


class _Maker:
    def make(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.mark.parametrize("coded", ["training", "all", "none"])
def test_section_batch_by_batch_equals_the_whole_table(made: tuple[Corpus, SuggestionsResult], coded: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, res = made
    ids = list(read_frame(res.path)["id"])
    res.coded_ids = {"training": res.coded_ids, "all": ids, "none": []}[coded]  # "all": examples from coded rows
    names = {res.codes[0]: "First code"}
    order = ["growth", "budding"]  # a stage left out of the order comes after, sorted
    by_stage, sizes, prev, examples = _reference(res, corpus, order, names)
    assert len(sizes) == 3 and by_stage["total"].sum() > 0 and len(examples) >= 3
    seen = []
    for rows in (1, 7, 10_000):
        monkeypatch.setattr(rs, "READ_ROWS", rows)
        tables: dict[str, pd.DataFrame] = {}

        def csv(name: str, frame: pd.DataFrame, tables: dict[str, pd.DataFrame] = tables) -> str:
            tables[name] = frame
            return f"{name}.csv"

        ctx = rs.suggestions_context(res, corpus, order, names, _Maker(), csv)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(tables["suggestions_by_stage"], by_stage, check_column_type=False)
        pd.testing.assert_frame_equal(tables["prevalence_by_stage"], prev)
        assert ctx["examples"] == examples
        assert ctx["stage_sizes"] == " · ".join(f"{s} {n}" for s, n in sizes.items())
        seen.append(ctx)
    assert all(c == seen[0] for c in seen)


def test_examples_find_their_entry_when_the_table_is_not_in_corpus_order(made: tuple[Corpus, SuggestionsResult],
                                                                         tmp_path: Path) -> None:
    corpus, res = made
    frame = read_frame(res.path)
    flipped = tmp_path / "flipped.parquet"
    frame.iloc[::-1].reset_index(drop=True).to_parquet(flipped, index=False)
    other = SuggestionsResult(flipped, res.codes, res.source, res.model_version, res.n_entries, res.n_with_codes,
                              coded_ids=res.coded_ids)
    got = rs._examples(rs.tally_suggestions(other, corpus), corpus, {})
    want = _reference(other, corpus, [], {})[3]
    assert got == want and len(got) >= 3


def test_doc_stages_by_arrow_are_the_pandas_map() -> None:
    """Each suggestion row's stage through its document, looked up by Arrow: the same text as mapping the doc ids
    through the documents' stage column (missing stage and unknown document: "nan")."""
    from corpus_tools.report.suggestions import _DocStages

    docs = pd.DataFrame({"doc_id": pd.Series(["d1", "d2", "d3", "d4"], dtype="str"),
                         "stage": pd.Series(["early", None, "late", "early"], dtype="str")})
    rows = pd.Series(["d3", "d1", "zz", "d2", "d4", "d1", None], dtype="str")
    want = [str(s) for s in rows.map(docs.set_index("doc_id")["stage"]).astype(str)]
    assert _DocStages(docs)(rows) == want == ["late", "early", "nan", "nan", "early", "early", "nan"]
    objects = docs.astype(object)
    assert _DocStages(objects)(rows.astype(object)) == want
    assert _DocStages(docs.iloc[:0])(rows) == ["nan"] * len(rows)
