"""The report's "Draft codes and model quality" section: the cross-validated quality table, the learning
curve, suggested codes per variable and stage, example suggestions with their why, and what it all means.

The table of every entry's suggestions stays on disk (suggestions.parquet): one pass over it, a batch of rows
at a time, keeps only counts per code and stage, counts per stage and document for the adjusted prevalence and
a few candidate rows per code for the examples; the corpus gives each row's stage through its document and
the texts of the handful of examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools.io.mapped import factorize, release_pages
from corpus_tools.io.parquet_parts import iter_frames
from corpus_tools.report import charts_suggest as cs
from corpus_tools.report.format import Table, cell, table, truncate
from corpus_tools.suggest.prevalence import PrevalenceCounts, code_matrix, error_rates, held_out
from corpus_tools.suggest.result import READ_ROWS

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.report.render import ChartMaker
    from corpus_tools.suggest.result import SuggestionsResult

N_EXAMPLES = 6


def suggestions_context(res: SuggestionsResult | None, corpus: Corpus, stage_order: list[str],
                        names: dict[str, str], maker: ChartMaker,
                        csv: Callable[[str, pd.DataFrame], str]) -> dict[str, Any]:
    """Everything the template shows in the section (plain strings and Table rows; escaped by Jinja)."""
    if res is None:
        return {"enabled": False}
    tally = tally_suggestions(res, corpus)
    n_with = res.n_with_codes
    ctx: dict[str, Any] = {
        "enabled": True, "source": res.source, "model_version": res.model_version,
        "model_dir": str(res.model_dir) if res.model_dir else "", "quality": res.evaluation is not None,
        "notes": list(res.notes), "coders": _coders(res),
        "cards": [(str(res.n_entries), "entries with draft codes computed"), (str(n_with), "with at least one code"),
                  (res.source, "source of the draft codes"), (res.model_version, "model version")],
    }
    by_stage, stage_sizes = _by_stage(res, tally, stage_order)
    shown = by_stage.assign(variable=[names.get(v, v) for v in by_stage["variable"]])
    ctx["by_stage"] = table(shown, csv=csv("suggestions_by_stage", by_stage), names=names)
    prev = _prevalence(res, tally, stage_order)
    ctx["prevalence"] = table(prev.assign(code=[names.get(c, c) for c in prev["code"]]),
                              csv=csv("prevalence_by_stage", prev), names=names)
    ctx["stage_sizes"] = " · ".join(f"{s} {n}" for s, n in stage_sizes.items())
    ctx["examples"] = _examples(tally, corpus, names)
    ev = res.evaluation
    if ev is None:
        ctx["meaning"] = _meaning_lexicon(res)
        return ctx
    macro = ev.macro
    ci = f" [{cell(macro['f1_low'])}, {cell(macro['f1_high'])}]" if "f1_low" in macro else ""
    ctx["cards"][2:2] = [(str(ev.n_entries), "coded passages (grouped cross-validation)"),
                         (cell(macro["f1"]) + ci, "macro F1 [95% CI]"), (cell(macro["kappa"]), "mean kappa")]
    ctx["table"] = _quality_table(res, names)
    if ev.by_language is not None and len(ev.by_language):
        ctx["by_language"] = table(ev.by_language, csv="evaluation_by_language.csv", names=names)
    ctx["curve_chart"] = maker.make("learning_curve", "Learning curve: held-out quality vs number of coded passages",
                                    "", cs.learning_curve, ev.learning_curve, macro["f1"], ev.n_entries)
    ctx["curve"] = table(ev.learning_curve, csv="learning_curve.csv", names=names)
    ctx["meaning"] = _meaning_model(res)
    return ctx


def _quality_table(res: SuggestionsResult, names: dict[str, str]) -> Table:
    """Per code quality: the model's own quality record (model_quality.csv: the threshold the saved model
    applies beside the folds' median, the same figures the review app shows), else the evaluation's rows."""
    ev = res.evaluation
    assert ev is not None
    pv = ev.per_variable
    if res.quality is not None and res.quality.codes:
        q = res.quality.frame().rename(columns={"code": "variable"})
        unsure = dict(zip(pv["variable"], pv["unsure"], strict=True)) if "unsure" in pv.columns else {}
        q["unsure"] = [unsure.get(v) for v in q["variable"]]
        csv_name = "model_quality.csv"
    else:
        q, csv_name = pv.copy(), "evaluation.csv"
    q["variable"] = [names.get(v, v) for v in q["variable"]]
    q = q.rename(columns={"support": "coded positives", "predicted": "suggested"})
    cols = ["variable", "n_passages", "coded positives", "suggested", "precision", "recall", "f1", "f1_low",
            "f1_high", "kappa", "threshold", "fold_threshold", "unsure", "note"]
    return table(q, [c for c in cols if c in q.columns], csv=csv_name, names=names)


def _coders(res: SuggestionsResult) -> str:
    """`coder A: 682 passages; coder B: 169 passages` plus who they are (corpus.toml), or a warning."""
    if not res.coders:
        return ""
    who = "; ".join(f"coder {c}: {n} passage(s)" for c, n in res.coders.items())
    origin = ", ".join(f"{k}: {v}" for k, v in res.sources.items())
    about = res.coder_note or ("corpus.toml does not say who these coders are (add a [codings] description); "
                               "say it when you report these figures.")
    return f"Coded by {who} (from {origin}). {about}"


def _meaning_model(res: SuggestionsResult) -> list[str]:
    ev = res.evaluation
    assert ev is not None
    return [
        f"The quality figures are cross-validated on {ev.n_entries} coded passages ({ev.folds}-fold, seed {ev.seed}), "
        f"grouped by document: every passage was predicted by a model that saw no passage of its document nor of a "
        f"near-duplicate reprint of it ({ev.n_groups} groups), and thresholds and calibration were chosen inside "
        "the training folds only. The F1 interval [95% CI] comes from resampling the document groups; the "
        "table by language repeats the figures for each language from the same predictions. They are the figures "
        "`corpus-tools evaluate` prints." + (f" They are {ev.scope_note}." if ev.scope_note else ""),
        "A code counts for a passage when at least half of its coders gave it (adjudicated codes win), so the "
        "figures measure agreement with these coders, not with a gold standard.",
        "Precision: of the codes the model suggests, the share the coders gave. Recall: of the codes the coders "
        "gave, the share the model suggests. F1: their harmonic mean. Kappa: Cohen's kappa between model and "
        "coders per variable, agreement beyond chance (0 = chance level, 1 = perfect; undefined when one side uses "
        "one label only). Macro: the unweighted mean over variables (precision, recall and F1 over the variables "
        "the coders used). Threshold applied: the score at or above which the saved model suggests the code (the "
        "line on the review app's score bars); folds' threshold: the median of the thresholds the "
        "cross-validation folds chose (the figures above were computed with those). The same record is in "
        "model_quality.csv and on the review app's dashboard.",
        "The learning curve repeats the cross-validation on growing subsets of the coded passages: a curve "
        "still rising at the right means that coding more passages should improve the suggestions.",
        f"The draft codes below (and suggestions.csv) come from the model trained on all {res.n_coded} coded "
        f"passages and saved in {res.model_dir}; on those passages themselves they are not a test. A person "
        f"decides: review them with `corpus-tools review --model {res.model_dir}` or `corpus-tools serve`.",
    ]


def _meaning_lexicon(res: SuggestionsResult) -> list[str]:
    return [
        "No model quality yet: this needs coded passages. Add a codings.csv to the corpus folder "
        "(docs/corpus-format.md), or code passages with `corpus-tools review` or `corpus-tools serve`, then run "
        "analyze again (at least 10 coded passages). This section will then show cross-validated precision, "
        "recall, F1 and Cohen's kappa (model vs coders) per variable and a learning curve.",
        "Until then the draft codes come from the lexicon (cold start, source “lexicon”): a variable is suggested "
        "wherever one of its terms occurs (score 1 − 0.5^hits, so one hit reaches the 0.5 threshold). They are "
        "keyword matches, not judgements of meaning.",
    ]


@dataclass
class SuggestionTally:
    """What the section needs of the table of every entry's suggestions, gathered batch by batch."""

    codes: list[str]
    by_stage: dict[str, np.ndarray] = field(default_factory=dict)  # stage -> suggested codes per code
    stage_sizes: Counter[str] = field(default_factory=Counter)  # stage -> entries
    prevalence: PrevalenceCounts | None = None
    # per code, the best candidates for its example: (-score, row) -> the row, among uncoded rows ("pool")
    # and among all rows with a code ("all", used when no uncoded row has one)
    candidates: dict[str, dict[str, dict[tuple[float, int], dict[str, Any]]]] = field(default_factory=dict)
    n_pool: int = 0

    def __post_init__(self) -> None:
        self.prevalence = PrevalenceCounts(self.codes)
        self.candidates = {"pool": {c: {} for c in self.codes}, "all": {c: {} for c in self.codes}}

    def add(self, batch: pd.DataFrame, stages: list[str], coded: set[str], offset: int) -> None:
        """One batch of rows (rows `offset`... of the table) with each row's stage."""
        present = code_matrix(batch["codes"], self.codes)
        stage_arr = np.asarray(stages, dtype=object)
        for s in dict.fromkeys(stages):
            mask = stage_arr == s
            self.stage_sizes[s] += int(mask.sum())
            got = present[mask].sum(axis=0, dtype=np.int64)
            self.by_stage[s] = self.by_stage[s] + got if s in self.by_stage else got
        assert self.prevalence is not None
        self.prevalence.add(list(batch["doc_id"]), stages, present, held_out(batch.get("in_training"), len(batch)))
        with_codes = (batch["codes"] != "").to_numpy(dtype=bool)
        pool = with_codes & ~batch["id"].isin(coded).to_numpy(dtype=bool)
        self.n_pool += int(pool.sum())
        rows = np.arange(len(batch))
        for j, c in enumerate(self.codes):
            scores = batch[c].astype(float).to_numpy()
            for kind, where in (("pool", pool), ("all", with_codes)):
                sel = where & present[:, j] & ~np.isnan(scores)
                if not sel.any():
                    continue
                best = self.candidates[kind][c]
                top = np.lexsort((rows[sel], -scores[sel]))[:N_EXAMPLES]
                for i in rows[sel][top]:
                    best[(-float(scores[i]), offset + int(i))] = batch.iloc[int(i)].to_dict()
                for k in sorted(best)[N_EXAMPLES:]:
                    del best[k]


class _DocStages:
    """Each row's stage (as text; "nan" for a missing stage or an unknown document) through its document, looked up
    by Arrow (`index_in`) in the documents' ids: no index of every document's id as Python strings (a pandas map
    by document id built one)."""

    def __init__(self, docs: pd.DataFrame) -> None:
        import pyarrow as pa

        self.ids = pa.array(docs["doc_id"].astype(str), type=pa.large_string(), from_pandas=True)
        codes, uniques = factorize(docs["stage"].astype(str))
        self.labels = np.asarray([*(str(u) for u in uniques), "nan"], dtype=object)
        self.codes = np.where(codes < 0, len(uniques), codes)

    def __call__(self, doc_ids: pd.Series) -> list[str]:
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = pa.array(doc_ids.astype(str), type=pa.large_string(), from_pandas=True)
        pos = pc.fill_null(pc.index_in(wanted, value_set=self.ids), -1).to_numpy(zero_copy_only=False)
        code = np.where(pos >= 0, self.codes[np.maximum(pos, 0)], len(self.labels) - 1) if len(self.codes) else \
            np.full(len(pos), len(self.labels) - 1)
        return list(self.labels[code])


def tally_suggestions(res: SuggestionsResult, corpus: Corpus, batch_rows: int | None = None) -> SuggestionTally:
    """One pass over res.path, `batch_rows` rows at a time (default READ_ROWS): the counts and candidates the
    section shows. Each row's stage is its document's (the corpus's documents, not a merged copy of every
    entry)."""
    stage_of = _DocStages(corpus.docs)
    tally = SuggestionTally(list(res.codes))
    coded = {str(i) for i in res.coded_ids}
    offset = 0
    for batch in iter_frames(res.path, batch_rows=batch_rows or READ_ROWS):
        stages = stage_of(batch["doc_id"])
        tally.add(batch.reset_index(drop=True), stages, coded, offset)
        offset += len(batch)
    return tally


def _by_stage(res: SuggestionsResult, tally: SuggestionTally,
              stage_order: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Suggested codes per variable (rows) and stage (columns) with a total; entries per stage."""
    stages = set(tally.stage_sizes)
    order = [s for s in stage_order if s in stages] + sorted(stages - set(stage_order))
    counts = pd.DataFrame({s: tally.by_stage[s] for s in order}, index=pd.Index(res.codes, name="variable"),
                          columns=order, dtype=np.int64)
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts.reset_index(), {s: int(tally.stage_sizes.get(s, 0)) for s in order}


def _prevalence(res: SuggestionsResult, tally: SuggestionTally, stage_order: list[str]) -> pd.DataFrame:
    """Share of held-out passages per code and stage, raw and by Forman's adjusted count (suggest.prevalence)."""
    rates = error_rates(res.evaluation.per_variable, res.evaluation.n_entries) if res.evaluation else None
    assert tally.prevalence is not None
    return tally.prevalence.estimate(rates, order=stage_order)


def _entry(corpus: Corpus, eid: str, row: int) -> dict[str, str] | None:
    """Title, stage, source type and text of entry `eid` (expected at position `row` of the corpus's entries;
    looked up a slice at a time otherwise), or None when the corpus has no such entry."""
    ent = corpus.entries
    ids = ent["entry_id"]
    pos = row if 0 <= row < len(ent) and str(ids.iloc[row]) == eid else -1
    step = READ_ROWS
    for a in range(0, len(ent), step) if pos < 0 else ():
        hit = np.flatnonzero(ids.iloc[a:a + step].astype(str).to_numpy() == eid)
        if len(hit):
            pos = a + int(hit[0])
            break
    if pos < 0:
        return None
    did = ent["doc_id"].iloc[pos]
    docs = corpus.docs
    meta = docs[docs["doc_id"] == did]
    m = meta.iloc[0] if len(meta) else None
    text = str(ent["text"].iloc[pos])
    release_pages()  # a mapped text read maps a large block of the file: dropped again at once
    return {k: str(m[k]) if m is not None else "nan" for k in ("title", "stage", "source_type")} | {"text": text}


def _examples(tally: SuggestionTally, corpus: Corpus, names: dict[str, str]) -> list[dict[str, Any]]:
    """A few suggestions with their why: per variable, its most confident uncoded passage."""
    kind = "pool" if tally.n_pool else "all"
    picked: list[int] = []
    rows: dict[int, dict[str, Any]] = {}
    for code in tally.codes:
        best = tally.candidates[kind][code]
        for key in sorted(best):
            if key[1] not in picked:
                picked.append(key[1])
                rows[key[1]] = best[key]
                break
        if len(picked) >= N_EXAMPLES:
            break
    out = []
    for i in picked:
        r = rows[i]
        eid = str(r["id"])
        e = _entry(corpus, eid, i)
        out.append({
            "id": eid, "doc_id": str(r.get("doc_id", "")),
            "title": e["title"] if e is not None else "", "stage": e["stage"] if e is not None else "",
            "source_type": e["source_type"] if e is not None else "",
            "text": truncate(e["text"], 320) if e is not None else "",
            "codes": [f"{names.get(c, c)} {float(r[c]):.2f}" for c in str(r["codes"]).split(";") if c],
            "why_terms": str(r["why_terms"]), "why_features": str(r["why_features"]),
            "similar": (f"{r['similar_id']} ({r['similar_codes'] or 'none'}; cosine {float(r['similar_score']):.2f}"
                        + (f"; {r['similar_origin']}" if str(r.get("similar_origin", "")) else "") + ")"
                        if str(r["similar_id"]) else ""),
        })
    return out
