"""Assemble report.html: draw every chart (PNG + SVG), write derived tables as CSV, render the template."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from corpus_tools.corpus.config import UNSTAGED
from corpus_tools.framing.periods import doc_periods, is_dated, period_order
from corpus_tools.io.memory import release_memory
from corpus_tools.io.tables import write_table
from corpus_tools.report import charts_framing as cf
from corpus_tools.report import charts_topics as ct
from corpus_tools.report.effects import effects_context, measures_context
from corpus_tools.report.evidence import top_passages
from corpus_tools.report.explorer import MAX_ROWS, MAX_TEXT_BYTES, explorer_data
from corpus_tools.report.findings import findings, plain_reading
from corpus_tools.report.format import Table, table, truncate
from corpus_tools.report.labels import item_labels, long_labels, plain_names
from corpus_tools.report.overview import crosstab, group_sizes, health_by_variable, rate_matrix, with_total
from corpus_tools.report.reliability import reliability_context
from corpus_tools.report.render import Chart, ChartMaker
from corpus_tools.report.suggestions import suggestions_context
from corpus_tools.report.validation import validation_context
from corpus_tools.scoring.balance import balance_warnings, language_balance

if TYPE_CHECKING:

    from corpus_tools.agreement.lexicon_validation import LexiconValidation
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.framing import FramingResult
    from corpus_tools.io.cache import Cache
    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.scoring.score import ScoreResult
    from corpus_tools.suggest.result import SuggestionsResult
    from corpus_tools.topics import TopicsResult


@dataclass
class ReportInputs:
    """Everything the report shows; all of it was computed (and written as tables) by `analyze`."""

    corpus: Corpus
    lexicons: Sequence[Lexicon]
    doc_scores: ScoreResult
    entry_scores: ScoreResult  # its evidence may be a sample: the top passages' rows (analyze keeps all on disk)
    framing: FramingResult
    topics: TopicsResult | None
    health: pd.DataFrame
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    suggestions: SuggestionsResult | None = None
    validation: LexiconValidation | None = None  # lexicon hits against hand codes (None: no coded entries)
    reliability: Any = None  # jobs.reliability.Reliability (table, adjudication, notes) when coders overlap
    balance: pd.DataFrame | None = None  # scoring.balance.language_balance of the document scores
    evidence_overview: Any = None  # scoring.evidence_queries.EvidenceOverview when the evidence is on disk


@dataclass
class ReportOutput:
    """What `write_report` wrote."""

    html: Path
    charts: list[Chart]
    tables: dict[str, Path]


def write_report(inputs: ReportInputs, out_dir: Path, *, cache: Cache | None = None,
                 progress: Callable[[str], None] | None = None, code_version: str = "",
                 explorer_limits: dict[str, int] | None = None) -> ReportOutput:
    """Write charts/ (PNG + SVG), the report's own tables (CSV) and the self-contained report.html.
    `explorer_limits` (max_rows, max_text_bytes) caps the evidence explorer's embedded data."""
    say = progress or (lambda _m: None)
    maker = ChartMaker(out_dir / "charts", cache, code_version)
    corpus, fr = inputs.corpus, inputs.framing
    stage_ids = corpus.config.stage_ids
    docs = corpus.docs
    names = item_labels(inputs.lexicons)
    long_names = long_labels(inputs.lexicons)
    tab = partial(table, names=names)
    tables: dict[str, Path] = {}

    def csv(name: str, frame: pd.DataFrame) -> str:
        tables[name] = write_table(frame, out_dir / f"{name}.csv")
        return f"{name}.csv"

    balance = inputs.balance if inputs.balance is not None else language_balance(inputs.doc_scores, corpus)
    say("report: corpus overview")
    ov: dict[str, Any] = {}
    for by, label in (("stage", "stage"), ("year", "year"), ("lang", "language")):
        counts = crosstab(docs, by, stage_ids)
        name = f"overview_{by}"
        ov[by] = tab(with_total(counts), csv=csv(name, with_total(counts)))
        ov[f"{by}_chart"] = maker.make(name, f"Documents by {label} and source type", "", cf.stacked_counts, counts,
                                       label)
    say("report: scores and framing charts")
    shares = fr.shares
    stage_order = period_order(list(doc_periods(docs, "stage")), "stage", stage_ids)
    source_order = period_order(list(docs["source_type"].astype(str)), "source_type")
    heat: dict[str, Any] = {}
    for by, order in (("stage", stage_order), ("source_type", source_order)):
        for level in ("construct", "variable"):
            mat = rate_matrix(shares, by, level, order, names)
            n_docs, small = group_sizes(shares, by, [str(c) for c in mat.columns])
            heat[f"{by}_{level}"] = maker.make(f"heatmap_{level}_by_{by}", f"{level.title()} hits per 1,000 tokens "
                                               f"by {by.replace('_', ' ')}", "", cf.heatmap, mat,
                                               "hits per 1,000 tokens", "{:.1f}", [UNSTAGED, "undated", "unknown"],
                                               n_docs, small)
    cons = shares[shares["level"] == "construct"]
    cons_named = cons.assign(item=[names.get(i, i) for i in cons["item"]])  # charts: readable labels
    year_order = period_order(list(doc_periods(docs, "year")), "year")
    framing_charts = {
        "shares_stage": maker.make("construct_shares_by_stage", "Construct shares by stage (95% bootstrap intervals)",
                                   "", cf.shares_with_intervals, cons_named[cons_named["by"] == "stage"],
                                   [s for s in stage_order if s != UNSTAGED]),
        "shares_source": maker.make("construct_shares_by_source", "Construct shares by source type (95% bootstrap "
                                    "intervals)", "", cf.shares_with_intervals,
                                    cons_named[cons_named["by"] == "source_type"],
                                    source_order),
        "series_year": maker.make("framing_by_year", "Framing over time: construct rates by year", "",
                                  cf.time_series,
                                  cons_named[(cons_named["by"] == "year") & cons_named["period"].map(is_dated)],
                                  [y for y in year_order if is_dated(y)]),
    }
    words = fr.words
    word_charts = {
        by: maker.make(f"distinctive_words_by_{by}", f"Distinctive words by {by.replace('_', ' ')}", "",
                       cf.distinctive_words, words[words["by"] == by], order)
        for by, order in (("stage", stage_order), ("source_type", source_order))
    }
    tri = fr.triangulation
    tri_wide = tri[tri["level"] == "variable"].pivot_table(index="item", columns="source_type", values="coverage",
                                                            aggfunc="first", dropna=False, sort=False)
    if len(tri_wide):
        tri_wide = tri_wide.reindex(index=list(dict.fromkeys(tri[tri["level"] == "variable"]["item"])),
                                    columns=list(dict.fromkeys(tri["source_type"])))
        tri_wide.index = [names.get(i, i) for i in tri_wide.index]
        tri_wide.columns.name = None
    tri_n, tri_small = group_sizes(shares, "source_type", [str(c) for c in tri_wide.columns])
    tri_chart = maker.make("triangulation", "Triangulation: share of each source type's documents with evidence",
                           "", cf.heatmap, tri_wide, "share of documents", "{:.2f}", (), tri_n, tri_small)
    say("report: adjusted stage effects")
    effects_ctx = effects_context(fr, names, maker, stage_order, source_order, csv, cf.forest)
    findings_ctx = findings(fr.effects, names, plain_names(inputs.lexicons), fr.sensitivity, fr.diffs, fr.tests,
                            dict(zip(stage_order, group_sizes(shares, "stage", stage_order)[0],
                                                  strict=True)))
    measures_ctx = measures_context(fr, names, maker, stage_order, cf.association_matrix)
    release_memory()  # what the charts and effects left with the allocators: not under the sections below
    say("report: evidence and topics")
    passages = top_passages(inputs.entry_scores.counted_evidence(), corpus.entries, docs)
    evidence = [{"id": v.id, "label": long_names.get(v.id, v.id), "definition": v.definition,
                 "passages": passages.get(v.id, [])}
                for lex in inputs.lexicons for v in lex.variables]
    overview = inputs.evidence_overview  # analyze: the whole evidence is on disk, this is its sample and counts
    var_construct = {v.id: c.id for lex in inputs.lexicons for c in lex.constructs for v in c.variables}
    limits = {"max_rows": MAX_ROWS, "max_text_bytes": MAX_TEXT_BYTES, **(explorer_limits or {})}
    if overview is not None:
        explorer = explorer_data(overview.sample, corpus.entries, docs, names, var_construct,
                                 limits["max_rows"], limits["max_text_bytes"], n_rows=overview.n_rows,
                                 per_doc_hits=overview.per_doc, variables=overview.variables)
    else:
        explorer = explorer_data(inputs.entry_scores.evidence, corpus.entries, docs, names, var_construct,
                                 limits["max_rows"], limits["max_text_bytes"])
    topics_ctx = _topics(inputs.topics, stage_order, maker, csv, names)
    release_memory()  # the explorer's reads of the entries (Arrow pool, the texts' mapped pages)
    say("report: draft codes and model quality")
    suggest_ctx = suggestions_context(inputs.suggestions, corpus, stage_order, names, maker, csv)
    health_tab = health_by_variable(inputs.health)
    health_chart = maker.make("lexicon_health", "Lexicon health: terms that match vs never match", "",
                              cf.lexicon_health, health_tab.rename(index=names))
    never = inputs.health[inputs.health["matches"] == 0] if len(inputs.health) else inputs.health
    ctx = {
        "title": f"corpus-tools report: {corpus.config.name}",
        "corpus": corpus.config, "stage_labels": {s.id: s.label for s in corpus.config.stages},
        "counts": {"documents": len(docs), "entries": len(corpus.entries),
                   "tokens": int(inputs.doc_scores.scores["n_tokens"].sum()) if len(inputs.doc_scores.scores) else 0,
                   "hits": int(inputs.doc_scores.summary.get("counted", len(inputs.entry_scores.counted_evidence()))),
                   "lexicons": [names.get(lx.name, lx.name) for lx in inputs.lexicons]},
        "counting": _counting(inputs.doc_scores),
        "balance": tab(balance, ["variable", "lang", "n_docs", "count", "rate_per_1k", "rate_lo", "rate_hi",
                                   "ratio", "warning", "drivers"], csv="language_balance.csv"),
        "balance_warnings": balance_warnings(balance),
        "overview": ov, "heat": heat, "effects": effects_ctx,
        "n_perm": int(inputs.manifest.get("config", {}).get("permutations", 0) or fr.tests["n_perm"].max() or 0),
        "min_docs": int(inputs.manifest.get("config", {}).get("min_docs", 5)),
        "findings": findings_ctx, "measures": measures_ctx,
        "reliability": reliability_context(inputs.reliability, names, csv, maker, cf.heatmap),
        "framing": framing_charts, "word_charts": word_charts,
        "shares_stage": tab(cons[cons["by"] == "stage"], ["period", "item", "n_docs", "count", "rate_per_1k",
                                                             "rate_lo", "rate_hi", "share", "share_lo", "share_hi",
                                                             "doc_share", "small"], csv="framing_shares.csv"),
        "tests": tab(fr.tests.assign(reading=[plain_reading(r, names) for _, r in fr.tests.iterrows()]),
                     ["by", "level", "lexicon", "reading", *[c for c in fr.tests.columns
                                                            if c not in ("by", "level", "lexicon", "p_chi2")]],
                     csv="framing_tests.csv"),
        "diffs": tab(fr.diffs[fr.diffs["level"] == "construct"], ["by", "group_a", "group_b", "item", "rate_a",
                                                                   "rate_b", "diff", "diff_lo", "diff_hi", "p_perm",
                                                                   "p_holm", "p_bh"], csv="framing_diffs.csv"),
        "words": {by: tab(words[words["by"] == by].groupby("group", sort=False).head(15),
                            ["group", "rank", "word", "count", "count_rest", "doc_freq", "n_docs_group",
                             "top_doc_share", "z", "z_flat", "z_null95", "beyond_null"], csv="distinctive_words.csv")
                  for by in ("stage", "source_type")},
        "words_prior": str(words["prior"].dropna().iloc[0]) if "prior" in words and words["prior"].notna().any()
        else "none computed",
        "tri_chart": tri_chart,
        "tri_summary": tab(fr.triangulation_summary, csv="triangulation_summary.csv"),
        "evidence": evidence, "explorer": explorer, "explorer_json": explorer.markup(),
        "topics": topics_ctx, "suggest": suggest_ctx,
        "validation": validation_context(inputs.validation, names, csv),
        "health_chart": health_chart,
        "health": tab(health_tab.reset_index(), csv=csv("lexicon_health_by_variable", health_tab.reset_index())),
        "never": tab(never, ["lexicon", "variable", "lang", "term"], max_rows=200, csv="lexicon_health.csv"),
        "documents": _documents(docs),
        "notes": [*inputs.notes, *fr.notes, *(inputs.topics.notes if inputs.topics else [])],
        "manifest": JsonPieces(inputs.manifest),
    }
    release_memory()  # the pass over suggestions.parquet
    say("report: writing report.html")
    html = out_dir / "report.html"
    render_to(ctx, html)
    return ReportOutput(html, maker.charts, tables)


@dataclass
class JsonPieces:
    """`json.dumps(value, ensure_ascii=False, indent=2, default=str)` for the template, iterated in pieces of about
    `size` characters (the run manifest lists every input file: megabytes at 100,000 documents), never whole."""

    value: Any
    size: int = 1 << 16

    def __iter__(self) -> Iterator[str]:
        encoder = json.JSONEncoder(ensure_ascii=False, indent=2, default=str)
        buf: list[str] = []
        n = 0
        for chunk in encoder.iterencode(self.value):
            buf.append(chunk)
            n += len(chunk)
            if n >= self.size:
                yield "".join(buf)
                buf, n = [], 0
        if buf:
            yield "".join(buf)

    def __str__(self) -> str:
        return "".join(self)


def sample_lines(samples: dict[str, Any]) -> list[str]:
    """One sentence per topic scope fitted on a stratified sample (TopicsResult.sweep_samples): what K was
    chosen on, what the topics were fitted on and where every entry's topic shares come from."""
    out = []
    for scope, info in samples.items():
        n, total = int(info.get("size", 0)), int(info.get("of", 0))
        by = " × ".join(info.get("stratified_by", [])) or "stratum"
        if info.get("final_fit", "all") == "sample":
            out.append(f"{scope}: K chosen and topics fitted on a stratified sample of {n:,} of {total:,} entries "
                       f"(by {by}, seed {info.get('seed', 0)}); the topic shares of all {total:,} entries were "
                       f"inferred with the topics held fixed (fold-in), so passages, prevalence and effects "
                       f"cover every entry.")
        else:
            out.append(f"{scope}: K chosen on a stratified sample of {n:,} of {total:,} entries (by {by}, seed "
                       f"{info.get('seed', 0)}); the chosen K was then fitted on all {total:,} entries.")
    return out


def sweep_by_k(sweep: pd.DataFrame) -> pd.DataFrame:
    """The whole K sweep, one row per scope and K: seeds fitted, mean coherence over seeds, stability,
    exclusivity, held-out likelihood and gain, the score K is chosen by, chosen."""
    cols = ["scope", "k", "seeds", "c_npmi", "c_v", "stability", "exclusivity", "heldout_ll", "heldout_gain",
            "score", "chosen"]
    if sweep.empty:
        return pd.DataFrame(columns=cols)
    sweep = sweep.reindex(columns=list(dict.fromkeys([*sweep.columns, *cols[3:], "seed"])))
    out = sweep.groupby(["scope", "k"], sort=False).agg(
        seeds=("seed", "nunique"), c_npmi=("c_npmi", "mean"), c_v=("c_v", "mean"), stability=("stability", "mean"),
        exclusivity=("exclusivity", "mean"), heldout_ll=("heldout_ll", "mean"),
        heldout_gain=("heldout_gain", "mean"), score=("score", "mean"), chosen=("chosen", "max")).reset_index()
    out["chosen"] = out["chosen"].astype(bool)
    return out[cols]


def _topics(res: TopicsResult | None, stage_order: list[str], maker: ChartMaker,
            csv: Callable[[str, pd.DataFrame], str], names: dict[str, str]) -> dict[str, Any]:
    """Topic tables per scope with their representative passages, and the topic charts."""
    tab = partial(table, names=names)
    if res is None or res.topics.empty:
        return {"available": False, "engine": res.engine if res else "", "scopes": []}
    scopes = []
    for scope, grp in res.topics.groupby("scope", sort=False):
        rows = []
        for rec in grp.sort_values("topic").itertuples(index=False):
            t = int(rec.topic)
            ps = res.passages[(res.passages["scope"] == scope) & (res.passages["topic"] == t)].sort_values("rank")
            vs = res.variables[(res.variables["scope"] == scope) & (res.variables["topic"] == t)]
            vs = vs[vs["overlap"] > 0].sort_values("overlap", ascending=False).head(3)
            rows.append({"topic": t, "label": rec.label, "zh": rec.top_words_zh, "en": rec.top_words_en,
                         "weight": rec.weight, "variables": [f"{names.get(v, v)} ({o:.2f})" for v, o in
                                                             zip(vs["variable"], vs["overlap"], strict=True)],
                         "passages": [{"doc_id": p.doc_id, "title": p.title, "text": truncate(p.text, 260)}
                                      for p in ps.head(2).itertuples(index=False)]})
        scopes.append({"scope": scope, "k": res.k_by_scope.get(str(scope), len(rows)), "topics": rows})
    scopes.sort(key=lambda s: (s["scope"] == "joint", stage_order.index(s["scope"][6:])
                               if s["scope"][6:] in stage_order else 99))
    return {
        "available": True, "engine": res.engine, "scopes": scopes, "samples": sample_lines(res.sweep_samples),
        "sweep_chart": maker.make("topic_sweep", "Choosing K: coherence, stability, exclusivity and held-out fit "
                                  "by number of topics", "", ct.sweep, res.sweep),
        "sweep": tab(sweep_by_k(res.sweep), csv=csv("topic_sweep_by_k", sweep_by_k(res.sweep))),
        "alignment_chart": maker.make("topic_alignment", "Topics aligned across consecutive stages", "",
                                      ct.alignment, res.alignment, res.topics, stage_order),
        "alignment": tab(res.alignment, csv="topic_alignment.csv"),
        "prevalence_chart": maker.make("topic_prevalence", "Joint model: topic prevalence per stage with intervals",
                                       "", ct.prevalence, res.prevalence, res.topics, stage_order),
        "prevalence": tab(res.prevalence, csv="topic_prevalence.csv"),
        "effects_charts": [maker.make("topic_effects_" + "".join(ch if ch.isalnum() else "_" for ch in cov),
                                      f"Joint model: topic prevalence by {cov} with intervals", "", ct.effects,
                                      res.effects, res.topics, str(cov))
                           for cov in ct.effect_covariates(res.effects)],
        "effects": tab(res.effects, max_rows=60, csv="topic_effects.csv"),
        "seeded": tab(res.seeded, ["topic", "kind", "item", "holds_up", "seed_share", "coherence", "stability",
                                     "exclusivity", "weight", "hand_code_lift", "top_words"],
                        csv="topic_seeded.csv") if not res.seeded.empty else None,
    }


def _counting(scores: ScoreResult) -> dict[str, Any]:
    """What the scores count and leave out (negated hits, excluded speakers, spans two lexicons claim)."""
    sm: dict[str, Any] = {"hits": len(scores.evidence), "counted": len(scores.counted_evidence()), "negated": 0,
                          "overlap": 0, "excluded_hits": 0, "excluded_entries": 0, "excluded_roles": [],
                          "count_negated": False}
    sm.update(scores.summary)
    sm["excluded_roles"] = ", ".join(map(str, sm["excluded_roles"]))
    return sm


def _documents(docs: pd.DataFrame) -> Table:
    cols = ["doc_id", "title", "source_type", "outlet", "date", "stage", "lang", "path"]
    return table(docs, cols, csv="documents.csv", lazy=True)  # a row per document: formatted as the page is written


def _template() -> Any:
    env = Environment(loader=PackageLoader("corpus_tools.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2")


def render(ctx: dict[str, Any]) -> str:
    """Render the report template (Jinja2, autoescaping on: every corpus string is HTML-escaped)."""
    return str(_template().render(**ctx))


def render_to(ctx: dict[str, Any], path: Path) -> Path:
    """`render` written to `path` piece by piece as the template yields it (the same bytes, without the whole
    page held as one string and its encoded copy)."""
    with path.open("w", encoding="utf-8") as fh:
        for piece in _template().generate(**ctx):
            fh.write(piece)
    return path
