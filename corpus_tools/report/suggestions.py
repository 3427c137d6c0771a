"""The report's "Draft codes and model quality" section: the cross-validated quality table, the learning
curve, suggested codes per variable and stage, example suggestions with their why, and what it all means."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools.report import charts_suggest as cs
from corpus_tools.report.format import Table, cell, table, truncate
from corpus_tools.suggest.prevalence import adjusted_prevalence, error_rates

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
    meta = corpus.entries_with_meta()
    frame = res.suggestions
    n_with = int((frame["codes"] != "").sum())
    ctx: dict[str, Any] = {
        "enabled": True, "source": res.source, "model_version": res.model_version,
        "model_dir": str(res.model_dir) if res.model_dir else "", "quality": res.evaluation is not None,
        "notes": list(res.notes), "coders": _coders(res),
        "cards": [(str(len(frame)), "entries with draft codes computed"), (str(n_with), "with at least one code"),
                  (res.source, "source of the draft codes"), (res.model_version, "model version")],
    }
    by_stage, stage_sizes = _by_stage(res, meta, stage_order)
    shown = by_stage.assign(variable=[names.get(v, v) for v in by_stage["variable"]])
    ctx["by_stage"] = table(shown, csv=csv("suggestions_by_stage", by_stage), names=names)
    prev = _prevalence(res, meta, stage_order)
    ctx["prevalence"] = table(prev.assign(code=[names.get(c, c) for c in prev["code"]]),
                              csv=csv("prevalence_by_stage", prev), names=names)
    ctx["stage_sizes"] = " · ".join(f"{s} {n}" for s, n in stage_sizes.items())
    ctx["examples"] = _examples(res, meta, names)
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


def _by_stage(res: SuggestionsResult, meta: pd.DataFrame,
              stage_order: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Suggested codes per variable (rows) and stage (columns) with a total; entries per stage."""
    stage_of = dict(zip(meta["entry_id"], meta["stage"].astype(str), strict=True))
    frame = res.suggestions
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
    return counts.reset_index(), {s: int(sizes.get(s, 0)) for s in order}


def _prevalence(res: SuggestionsResult, meta: pd.DataFrame, stage_order: list[str]) -> pd.DataFrame:
    """Share of held-out passages per code and stage, raw and by Forman's adjusted count (suggest.prevalence)."""
    stage_of = dict(zip(meta["entry_id"].astype(str), meta["stage"].astype(str), strict=True))
    frame = res.suggestions
    rates = error_rates(res.evaluation.per_variable, res.evaluation.n_entries) if res.evaluation else None
    return adjusted_prevalence(frame, res.codes, [stage_of.get(str(e), "") for e in frame["id"]], rates,
                               order=stage_order)


def _examples(res: SuggestionsResult, meta: pd.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """A few suggestions with their why: per variable, its most confident uncoded passage."""
    frame = res.suggestions
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
        if len(picked) >= N_EXAMPLES:
            break
    ent = meta.set_index("entry_id")
    out = []
    for i in picked:
        r = frame.loc[i]
        eid = str(r["id"])
        e = ent.loc[eid] if eid in ent.index else None
        out.append({
            "id": eid, "doc_id": str(r.get("doc_id", "")),
            "title": str(e["title"]) if e is not None else "", "stage": str(e["stage"]) if e is not None else "",
            "source_type": str(e["source_type"]) if e is not None else "",
            "text": truncate(str(e["text"]), 320) if e is not None else "",
            "codes": [f"{names.get(c, c)} {float(r[c]):.2f}" for c in str(r["codes"]).split(";") if c],
            "why_terms": str(r["why_terms"]), "why_features": str(r["why_features"]),
            "similar": (f"{r['similar_id']} ({r['similar_codes'] or 'none'}; cosine {float(r['similar_score']):.2f}"
                        + (f"; {r['similar_origin']}" if str(r.get("similar_origin", "")) else "") + ")"
                        if str(r["similar_id"]) else ""),
        })
    return out
