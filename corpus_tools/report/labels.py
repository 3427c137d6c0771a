"""One label map for the report: readable names for variables, constructs, lexicons, table columns and coded
values (`opportunity.feasibility` → "Opportunity · feasibility", `rate_lo` → "rate, 95% CI" merged with its
estimate, topic -1 → "no topic"). Raw names stay in the CSVs written beside report.html."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus_tools.lexicon.model import Construct, Lexicon, Variable

# table columns → header text (columns not listed: underscores become spaces)
COLUMNS: dict[str, str] = {
    "by": "compared by", "period": "group", "item": "construct / variable", "variable": "variable",
    "construct": "construct", "lexicon": "codebook", "level": "level", "n_docs": "documents (n)",
    "n_tokens": "tokens", "count": "hits", "rate_per_1k": "hits per 1,000 tokens", "share": "share of codebook hits",
    "doc_share": "share of documents with a hit", "small": "too few documents", "groups": "groups",
    "n_hits": "hits (n)", "chi2": "chi-square", "dof": "df", "p_chi2": "asymptotic p", "p_perm": "permutation p",
    "n_perm": "permutations", "cramers_v": "Cramér's V", "note": "note", "group_a": "group a", "group_b": "group b",
    "rate_a": "rate in a", "rate_b": "rate in b", "diff": "difference b − a", "p_holm": "p (Holm)",
    "p_bh": "p (Benjamini–Hochberg)", "p": "p", "p_adj": "p (adjusted)", "irr": "rate ratio, adjusted",
    "irr_unadj": "rate ratio, unadjusted", "contrast": "stages compared", "model": "model",
    "n_sources": "source types", "sources_available": "source types with evidence", "sources": "sources",
    "verdict": "verdict", "lang": "language", "ratio": "zh / en ratio", "warning": "warning",
    "drivers": "terms driving it",
    "group": "group", "rank": "rank", "word": "word", "count_rest": "count elsewhere", "doc_freq": "documents using it",
    "n_docs_group": "documents in group", "top_doc_share": "share from its top document", "z": "z",
    "z_flat": "z (flat prior)", "z_null95": "null threshold (95%)", "beyond_null": "beyond the null",
    "scenario": "scenario", "n_moved": "documents moved", "irr_main": "rate ratio, main analysis",
    "p_adj_main": "p (Holm), main analysis", "unit": "unit", "stage": "stage", "measure": "government measure",
    "n_units": "units (n)", "n_both": "both present", "log_or": "log odds ratio", "scope": "scope", "k": "K",
    "seeds": "seeds", "c_npmi": "coherence (NPMI)", "c_v": "coherence (Cv)", "stability": "stability",
    "exclusivity": "exclusivity", "heldout_ll": "held-out log-likelihood", "heldout_gain": "held-out gain",
    "score": "score", "chosen": "chosen", "from_stage": "from stage", "from_topic": "from topic",
    "to_stage": "to stage", "to_topic": "to topic", "similarity": "similarity", "status": "status",
    "threshold": "threshold applied", "fold_threshold": "folds' threshold (median)", "fallback": "fallback",
    "topic": "topic", "mean": "prevalence", "method": "method", "covariate": "covariate",
    "value": "value", "estimate": "estimate", "kind": "kind", "holds_up": "holds up", "seed_share": "seed-term share",
    "coherence": "coherence", "weight": "weight", "hand_code_lift": "lift in hand-coded entries",
    "top_words": "top words", "comparison": "comparison", "condition": "condition", "code": "code",
    "n_positive": "passages with the code", "q_below_667": "P(α < .667)", "q_below_800": "P(α < .800)",
    "n_passages": "passages (n)", "precision": "precision", "recall": "recall", "f1": "F1", "kappa": "kappa",
    "unsure": "not sure", "raw_share": "raw share", "adjusted_share": "adjusted share", "tpr": "true positive rate",
    "fpr": "false positive rate", "n_training_excluded": "training passages left out", "n_entries": "entries (n)",
    "n_documents": "documents (n)", "n_groups": "document groups", "n_train": "training passages",
    "macro_f1": "macro F1", "macro_precision": "macro precision", "macro_recall": "macro recall",
    "mean_kappa": "mean kappa", "folds": "folds", "n_false": "false hits", "false_coded_as": "coded instead as",
    "term": "term", "terms": "terms", "matched": "matching terms", "never": "never matching", "doc_id": "document",
    "title": "title", "source_type": "source type", "outlet": "outlet", "date": "date", "path": "file",
    "year": "year", "total": "total", "example": "example", "fired": "terms fire for", "coded": "coded",
    "reading": "plain reading",
}
INTERVAL = " [95% CI]"
# an estimate column and its interval columns, merged into one "x [lo, hi]" column for display
_BOUNDS = (("_lo", "_hi"), ("_low", "_high"))
_SHARED_BOUNDS = {"rate_per_1k": ("rate_lo", "rate_hi"), "mean": ("lo", "hi"), "estimate": ("lo", "hi"),
                  "log_or": ("lo", "hi"), "value": ("ci_low", "ci_high"),
                  "raw_share": ("raw_lo", "raw_hi"), "adjusted_share": ("adjusted_lo", "adjusted_hi")}
LANGUAGES = {"zh": "Chinese", "zh-Hans": "Chinese (Simplified)", "zh-Hant": "Chinese (Traditional)", "en": "English",
             "all": "all languages"}
TOPIC_COLUMNS = ("topic", "from_topic", "to_topic")
ID_COLUMNS = ("variable", "item", "construct", "measure", "code", "code_a", "code_b", "fired", "coded")


def humanize(name: str) -> str:
    """`social_support` → "social support"; `by_source_type` stays readable; empty stays empty."""
    return str(name).replace("_", " ").strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def item_label(item_id: str, short: str = "") -> str:
    """Readable label of a construct or variable id: `opportunity.feasibility` → "Opportunity · feasibility"
    (a lexicon's own `short` label wins)."""
    if short:
        return short
    parts = str(item_id).split(".")
    return " · ".join([_cap(humanize(parts[0])), *(humanize(p) for p in parts[1:])])


def item_labels(lexicons: Sequence[Lexicon]) -> dict[str, str]:
    """Readable label per construct and variable id and per lexicon name, for every table and chart."""
    out: dict[str, str] = {}
    for lex in lexicons:
        out[lex.name] = _cap(humanize(lex.name))
        for c in lex.constructs:
            out[c.id] = item_label(c.id, c.label.get("short", ""))
            for v in c.variables:
                out[v.id] = item_label(v.id, v.label.get("short", ""))
    return out


def long_labels(lexicons: Sequence[Lexicon]) -> dict[str, str]:
    """Label with the codebook's own English and Chinese names, for headings and tooltips:
    "Opportunity · feasibility — Feasibility of entrepreneurial opportunities 创业机会的可行性"."""
    out: dict[str, str] = {}
    for lex in lexicons:
        for c in lex.constructs:
            items: list[Construct | Variable] = [c, *c.variables]
            for item in items:
                own = " ".join(x for x in (item.label.get("en", ""), item.label.get("zh", "")) if x)
                short = item_label(item.id, item.label.get("short", ""))
                out[item.id] = f"{short} — {own}" if own else short
    return out


def column_label(column: str, names: Mapping[str, str] | None = None) -> str:
    """Header text of a table column: the label map, an item's label (pivoted tables), else humanized."""
    col = str(column)
    if col in COLUMNS:
        return COLUMNS[col]
    if names and col in names:
        return names[col]
    if col in LANGUAGES:
        return LANGUAGES[col]
    return humanize(col)


def interval_columns(columns: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Estimate column → its (low, high) columns, for every estimate whose bounds are both present."""
    present = set(columns)
    out: dict[str, tuple[str, str]] = {}
    for c in columns:
        for lo_sfx, hi_sfx in _BOUNDS:
            if f"{c}{lo_sfx}" in present and f"{c}{hi_sfx}" in present:
                out[c] = (f"{c}{lo_sfx}", f"{c}{hi_sfx}")
                break
        else:
            pair = _SHARED_BOUNDS.get(c)
            if pair and pair[0] in present and pair[1] in present:
                out[c] = pair
    return out


def value_label(column: str, value: str, names: Mapping[str, str] | None = None) -> str:
    """A cell's display text: item ids and codebook names by their label, topic -1 as "no topic", language
    codes and grouping columns spelled out."""
    col = str(column)
    if col in TOPIC_COLUMNS and value in ("-1", "-1.0"):
        return "no topic"
    if names and (col in ID_COLUMNS or col == "lexicon") and value in names:
        return names[value]
    if col == "lang" and value in LANGUAGES:
        return LANGUAGES[value]
    if col == "by":
        return humanize(value)
    return value


def plain_names(lexicons: Sequence[Lexicon]) -> dict[str, str]:
    """Item id → the codebook's own English label ("Infrastructure support"), for the findings' sentences."""
    out: dict[str, str] = {}
    for lex in lexicons:
        for c in lex.constructs:
            items: list[Construct | Variable] = [c, *c.variables]
            for item in items:
                if item.label.get("en"):
                    out[item.id] = item.label["en"]
    return out
