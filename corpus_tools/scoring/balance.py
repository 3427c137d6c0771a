"""Language balance: is a variable's rate an artefact of the language mix?

A lexicon whose Chinese list names the phenomenon (电商) while the English list does not gives Chinese
texts many times the rate of English texts on the same topic; any comparison of stages or outlets whose
language mix changes then measures the mix. For each variable this module gives the rate per 1,000 tokens
by language (Chinese pools Simplified and Traditional documents) with a seeded bootstrap interval over
documents, and flags variables whose rates differ more than `threshold` times between Chinese and English,
naming the terms that drive the higher rate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corpus_tools.schema import check
from corpus_tools.scoring.evidence_queries import term_counts

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.scoring.score import ScoreResult

LANGUAGE_BALANCE = ("lexicon", "construct", "variable", "lang", "n_docs", "n_tokens", "count", "rate_per_1k",
                    "rate_lo", "rate_hi", "ratio", "warning", "drivers")
THRESHOLD = 3.0
BOOT_CELLS = 1_000_000  # resampled document indices drawn at a time (8 MB, and as much for a column's gathered values)


def language_of(lang: str) -> str:
    """The language a documents.csv `lang` value belongs to: zh (zh-Hans, zh-Hant, zh), en, or as written."""
    s = str(lang or "").strip()
    if s.lower().startswith("zh"):
        return "zh"
    if s.lower().startswith("en"):
        return "en"
    return s or "unknown"


def language_balance(scores: ScoreResult, corpus: Corpus, *, threshold: float = THRESHOLD, min_count: int = 5,
                     n_boot: int = 1000, ci: float = 0.95, seed: int = 0, top_terms: int = 3,
                     terms: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (variable, language) with its documents, tokens, counted hits, rate per 1,000 tokens
    and bootstrap interval; `ratio` = higher / lower of the Chinese and English rates (inf when one is 0),
    `warning` when the ratio exceeds `threshold` with at least `min_count` hits in the higher language
    (both languages present), `drivers` = that language's most frequent terms with their share of its hits.
    Entry-level scores are summed to documents. Counts are what the scores count (negated hits and
    excluded speakers left out). The driving terms come from `terms` (scoring.evidence_queries.term_counts, e.g.
    of an evidence file on disk) or else from the scores' counted evidence."""
    frame = scores.scores
    if frame.empty:
        return pd.DataFrame(columns=list(LANGUAGE_BALANCE))
    check(frame, ["doc_id", *scores.variable_ids, "n_tokens"], "scores")
    per_doc = frame.groupby("doc_id", sort=False)[[*scores.variable_ids, "n_tokens"]].sum()
    langs = corpus.docs.set_index("doc_id")["lang"].map(language_of)
    per_doc["__lang"] = langs.reindex(per_doc.index).fillna("unknown").to_numpy()
    if terms is None:
        terms = term_counts(scores.counted_evidence(), langs.to_dict())
    lex_of = scores.construct_lexicon
    rng = np.random.default_rng(seed)
    order = sorted(set(per_doc["__lang"]), key=lambda g: (g not in ("zh", "en"), g))
    rows: list[dict[str, object]] = []
    groups = {g: per_doc[per_doc["__lang"] == g] for g in order}
    boots = {g: _boot_sums(d, [*scores.variable_ids, "n_tokens"], n_boot, rng) if len(d) and n_boot else None
             for g, d in groups.items()}
    alpha = (1 - ci) / 2
    for vid in scores.variable_ids:
        construct = vid.split(".", 1)[0]
        rates: dict[str, float] = {}
        block: list[dict[str, object]] = []
        for g in order:
            d = groups[g]
            count, tokens = float(d[vid].sum()), float(d["n_tokens"].sum())
            rate = 1000 * count / tokens if tokens else float("nan")
            lo = hi = float("nan")
            sums = boots[g]
            if sums is not None and len(d) >= 2:
                c, t = sums[vid], sums["n_tokens"]
                with np.errstate(divide="ignore", invalid="ignore"):
                    reps = np.where(t > 0, 1000 * c / np.where(t > 0, t, 1), np.nan)
                lo, hi = (float(x) for x in np.nanquantile(reps, [alpha, 1 - alpha]))
            rates[g] = rate
            block.append({"lexicon": lex_of.get(construct, ""), "construct": construct, "variable": vid, "lang": g,
                          "n_docs": len(d), "n_tokens": int(tokens), "count": int(count),
                          "rate_per_1k": _r(rate), "rate_lo": _r(lo), "rate_hi": _r(hi)})
        ratio, warn, drivers = _compare(vid, rates, block, terms, threshold, min_count, top_terms)
        for r in block:
            r.update(ratio=ratio, warning=warn, drivers=drivers)
        rows.extend(block)
    return pd.DataFrame(rows, columns=list(LANGUAGE_BALANCE))


def _boot_sums(d: pd.DataFrame, columns: list[str], n_boot: int, rng: np.random.Generator,
               cells: int | None = None) -> dict[str, np.ndarray]:
    """Per column: its sum over each of `n_boot` resamples of the rows (documents) with replacement. The
    resampled row indices are drawn a block of replicates at a time (at most `cells` indices: the same draws as
    all at once), not n_boot x documents at once (800 MB at 100,000 documents)."""
    n = len(d)
    block = max(1, int((cells or BOOT_CELLS) // n))
    values = {c: d[c].to_numpy(dtype=float) for c in columns}
    out = {c: np.empty(n_boot) for c in columns}
    for b0 in range(0, n_boot, block):
        idx = rng.integers(0, n, size=(min(block, n_boot - b0), n))
        for c in columns:
            out[c][b0:b0 + len(idx)] = values[c][idx].sum(axis=1)
    return out


def _r(x: float) -> float:
    return x if math.isnan(x) else round(x, 4)


def _compare(vid: str, rates: dict[str, float], block: list[dict[str, object]], terms: pd.DataFrame,
             threshold: float, min_count: int, top_terms: int) -> tuple[float, bool, str]:
    """(ratio of the higher to the lower zh/en rate, warning?, the higher language's driving terms)."""
    zh, en = rates.get("zh"), rates.get("en")
    if zh is None or en is None or math.isnan(zh) or math.isnan(en):  # not both languages (or no tokens in one)
        return float("nan"), False, ""
    high, low = ("zh", "en") if zh >= en else ("en", "zh")
    if rates[high] == 0:
        return float("nan"), False, ""
    ratio = float("inf") if rates[low] == 0 else rates[high] / rates[low]
    count_high = next(int(r["count"]) for r in block if r["lang"] == high)  # type: ignore[call-overload]
    warn = ratio > threshold and count_high >= min_count
    drivers = ""
    if warn and len(terms):
        sub = terms[(terms["variable"] == vid) & (terms["lang"] == high)]  # most hits first, then by term
        total = max(1, int(sub["n"].sum()))
        drivers = f"{high}: " + "; ".join(f"{t} ×{int(n)} ({100 * int(n) / total:.0f}%)"
                                          for t, n in zip(sub["term"][:top_terms], sub["n"][:top_terms], strict=True))
    return (round(ratio, 3) if ratio != float("inf") else ratio), warn, drivers


def balance_warnings(balance: pd.DataFrame, threshold: float = THRESHOLD) -> list[str]:
    """One sentence per flagged variable, for the report, the manifest and the CLI."""
    out: list[str] = []
    if balance.empty:
        return out
    for vid, grp in balance[balance["warning"].astype(bool)].groupby("variable", sort=False):
        r = {str(g): row for g, row in zip(grp["lang"], grp.itertuples(index=False), strict=True)}
        zh, en = r.get("zh"), r.get("en")
        if zh is None or en is None:
            continue
        ratio = grp["ratio"].iloc[0]
        times = "only in one language" if ratio == float("inf") else f"{ratio:.1f}x"
        out.append(f"language balance: {vid} is {zh.rate_per_1k:.2f} hits per 1,000 tokens in Chinese texts "
                   f"(n={zh.n_docs} documents) vs {en.rate_per_1k:.2f} in English texts (n={en.n_docs}): "
                   f"{times}, more than {threshold:g}x; driven by {grp['drivers'].iloc[0]}. Comparisons across "
                   "groups whose language mix differs measure the mix; check the terms of both languages")
    return out
