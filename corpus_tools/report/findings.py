"""The findings block at the top of the report: the headline results as plain sentences, each with its interval,
its n, what it is adjusted for and links to its table and evidence.

Fed by the adjusted stage effects (negative binomial, docs/framing.md §1) that survive the declared correction
(Holm); when no effects were estimated, by the unadjusted comparisons (pairwise permutation differences and the
omnibus tests), said as such. Headlines are chosen one per construct family, so three findings are three
different things, strongest (smallest corrected p, then largest effect) first."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ALPHA = 0.05
DECLARED = "Holm"
HEADLINES = 3
COVARIATE_NAMES = {"source_type": "source type", "lang": "language"}


@dataclass
class Finding:
    """One result: the plain sentence, its statistical detail, and where its table and evidence are."""

    text: str
    detail: str
    table: str  # anchor of the table the numbers come from
    csv: str  # the CSV with the full table
    variable: str = ""  # item id: the evidence explorer opens filtered to it
    stage: str = ""
    robustness: str = ""
    kind: str = "adjusted"  # adjusted | unadjusted | none


@dataclass
class Findings:
    """The headline findings (first screen), the others, and how many tests they were chosen from."""

    available: bool
    headlines: list[Finding] = field(default_factory=list)
    more: list[Finding] = field(default_factory=list)
    source: str = ""  # one sentence: where the findings come from and the correction
    n_tests: int = 0
    n_holm: int = 0
    n_bh: int = 0
    n_unadj: int = 0

    @property
    def items(self) -> list[Finding]:
        return [*self.headlines, *self.more]


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:.2f}" if abs(x) >= 0.1 or x == 0 else f"{x:.3f}"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _family(item: str) -> str:
    """The construct an item belongs to (a construct is its own family)."""
    return str(item).split(".")[0]


def _pick(rows: pd.DataFrame, limit: int) -> tuple[list[int], list[int]]:
    """Positions of the headlines (one per construct family) and of the rest, in the given order."""
    heads: list[int] = []
    rest: list[int] = []
    seen: set[str] = set()
    for pos, item in enumerate(rows["variable"] if "variable" in rows else rows["item"]):
        fam = _family(str(item))
        if fam not in seen and len(heads) < limit:
            heads.append(pos)
            seen.add(fam)
        else:
            rest.append(pos)
    return heads, rest


def _name(item: str, names: Mapping[str, str], plain: Mapping[str, str]) -> str:
    """"Infrastructure support (Gov conditions · infrastructure)": the codebook's words, then the label."""
    short = names.get(item, item)
    own = plain.get(item, "")
    return f"{own} ({short})" if own and own.lower() != short.lower() else short


def _adjusted_for(value: Any) -> str:
    if not isinstance(value, str) or value in ("", "nothing"):
        return "not adjusted for any covariate"
    return "adjusted for " + " and ".join(COVARIATE_NAMES.get(c, c) for c in value.split(", "))


def effect_finding(row: Any, names: Mapping[str, str], plain: Mapping[str, str],
                   sensitivity: pd.DataFrame | None = None) -> Finding:
    """One adjusted stage effect as a plain sentence: which stage talks more about it, the rates and
    documents behind that, then the rate ratio with its interval, covariates and corrected p."""
    irr = float(row["irr"])
    more = irr > 1
    rate_a, rate_b = float(row.get("rate_a", math.nan)), float(row.get("rate_b", math.nan))
    n_a, n_b = row.get("n_docs_a", math.nan), row.get("n_docs_b", math.nan)
    rates = ""
    if math.isfinite(rate_a) and math.isfinite(rate_b):
        rates = f": {rate_b:.1f} vs {rate_a:.1f} hits per 1,000 tokens"
        if pd.notna(n_a) and pd.notna(n_b):
            rates += f" ({int(n_b)} and {int(n_a)} documents)"
    how = (f"{irr:.1f} times as often in the {row['stage_b']} stage as in" if more
           else f"less often in the {row['stage_b']} stage than in")
    text = f"{_name(str(row['variable']), names, plain)} is mentioned {how} the {row['stage_a']} stage{rates}."
    detail = (f"Rate ratio {_num(irr)} [95% CI {_num(float(row['irr_lo']))}–{_num(float(row['irr_hi']))}], "
              f"{_adjusted_for(row['adjusted_for'])}; {DECLARED}-corrected p {_p(float(row['p_holm']))}; "
              f"n = {int(row['n_docs'])} documents; {row['model']}.")
    return Finding(text, detail, "effects", "stage_effects.csv", str(row["variable"]), str(row["stage_b"]),
                   _robustness(row, sensitivity))


def _robustness(row: Any, sensitivity: pd.DataFrame | None) -> str:
    """'with <scenario>: <verdict>' for each sensitivity scenario of one effect."""
    if sensitivity is None or sensitivity.empty:
        return ""
    m = sensitivity[(sensitivity["variable"] == row["variable"]) & (sensitivity["contrast"] == row["contrast"])
                    & (sensitivity["level"] == row["level"])]
    return "; ".join(f"with {s}: {v}" for s, v in zip(m["scenario"], m["verdict"], strict=True))


def diff_finding(row: Any, names: Mapping[str, str], plain: Mapping[str, str],
                 n_docs: Mapping[str, int]) -> Finding:
    """One unadjusted pairwise difference (framing_diffs.csv) as a plain sentence."""
    a, b = str(row["group_a"]), str(row["group_b"])
    more = float(row["diff"]) > 0
    n = f" ({n_docs[b]} and {n_docs[a]} documents)" if a in n_docs and b in n_docs else ""
    text = (f"{_name(str(row['item']), names, plain)} is mentioned {'more' if more else 'less'} often in the {b} "
            f"stage than in the {a} stage: {float(row['rate_b']):.1f} vs {float(row['rate_a']):.1f} hits per "
            f"1,000 tokens{n}.")
    detail = (f"Difference {_num(float(row['diff']))} [95% CI {_num(float(row['diff_lo']))}–"
              f"{_num(float(row['diff_hi']))}] per 1,000 tokens, not adjusted for source type or language; "
              f"permutation p, {DECLARED}-corrected, {_p(float(row['p_holm']))}.")
    return Finding(text, detail, "framing-tests", "framing_diffs.csv", str(row["item"]), b, kind="unadjusted")


def plain_reading(row: Any, names: Mapping[str, str]) -> str:
    """The plain reading of one omnibus test row (framing_tests.csv): do the groups differ, and how much."""
    p = float(row["p_perm"]) if pd.notna(row.get("p_perm")) else math.nan
    v = float(row["cramers_v"]) if pd.notna(row.get("cramers_v")) else math.nan
    lex = names.get(str(row["lexicon"]), str(row["lexicon"]))
    groups = "stages" if row["by"] == "stage" else "source types"
    if not math.isfinite(p):
        return f"Not tested ({row['note']})." if isinstance(row.get("note"), str) and row["note"] else "Not tested."
    size = ("negligible" if v < 0.1 else "small" if v < 0.3 else "medium" if v < 0.5 else "large") \
        if math.isfinite(v) else "unknown"
    if p < ALPHA:
        return (f"The {groups} differ in which {row['level']}s of {lex} they talk about (p {_p(p)}); "
                f"the difference is {size} (V = {v:.2f}).")
    return (f"No clear difference between the {groups} in the mix of {lex} {row['level']}s (p {_p(p)}, "
            f"V = {v:.2f}).")


def findings(effects: pd.DataFrame | None, names: Mapping[str, str], plain: Mapping[str, str] | None = None,
             sensitivity: pd.DataFrame | None = None, diffs: pd.DataFrame | None = None,
             tests: pd.DataFrame | None = None, n_docs: Mapping[str, int] | None = None,
             limit: int = 8) -> Findings:
    """Headline findings: adjusted stage effects surviving Holm, strongest first, one per construct family in
    the headlines; without adjusted effects, the unadjusted stage differences surviving Holm; when nothing
    survives, the omnibus tests' plain readings say so. `plain`: item id → the codebook's own words."""
    plain = plain or {}
    if effects is not None and not effects.empty:
        tested = effects[effects["p"].notna()]
        ok = tested[tested["p_holm"] < ALPHA]
        size = ok["irr"].astype(float).map(lambda x: abs(math.log(x)) if x > 0 else 0.0)
        ok = ok.assign(_size=size).sort_values(["p_holm", "_size"], ascending=[True, False]).head(limit)
        heads, rest = _pick(ok, HEADLINES)
        items = [effect_finding(r, names, plain, sensitivity) for _, r in ok.iterrows()]
        out = Findings(True, [items[i] for i in heads], [items[i] for i in rest], n_tests=len(tested),
                       n_holm=int((tested["p_holm"] < ALPHA).sum()), n_bh=int((tested["p_bh"] < ALPHA).sum()),
                       n_unadj=int((tested["p_unadj_holm"] < ALPHA).sum()))
        out.source = (f"Stage differences adjusted for source type and language that survive {DECLARED}'s "
                      f"correction over all {out.n_tests} stage contrasts (α = 0.05): {out.n_holm} do "
                      f"({out.n_bh} at a 5% false discovery rate; {out.n_unadj} without the adjustment).")
        if not out.headlines:
            out.headlines = _nothing_survives(tests, names)
        return out
    if diffs is not None and not diffs.empty and "p_holm" in diffs:
        sd = diffs[(diffs["by"] == "stage") & diffs["p_holm"].notna()]
        ok = sd[sd["p_holm"] < ALPHA].assign(_size=lambda f: f["diff"].abs())
        ok = ok.sort_values(["p_holm", "_size"], ascending=[True, False]).head(limit)
        heads, rest = _pick(ok.rename(columns={"item": "variable"}), HEADLINES)
        items = [diff_finding(r, names, plain, n_docs or {}) for _, r in ok.iterrows()]
        out = Findings(True, [items[i] for i in heads], [items[i] for i in rest], n_tests=len(sd),
                       n_holm=len(ok))
        out.source = (f"No adjusted stage effects in this run: unadjusted stage differences (permutation tests) "
                      f"that survive {DECLARED}'s correction over all {len(sd)} pairwise differences; they may "
                      "reflect where source types and languages sit.")
        if not out.headlines:
            out.headlines = _nothing_survives(tests, names)
        return out
    if tests is None or tests.empty:
        return Findings(False, source="No stage comparison could be estimated in this run.")
    return Findings(True, _nothing_survives(tests, names), source="No pairwise stage comparison in this run.")


def _nothing_survives(tests: pd.DataFrame | None, names: Mapping[str, str]) -> list[Finding]:
    """When no single difference survives: the omnibus tests by stage, read plainly."""
    out = [Finding("No single stage difference survives the correction: differences in the rates below may come "
                   "from where source types and languages sit, or be too small to tell apart in this corpus.", "",
                   "effects", "stage_effects.csv", kind="none")]
    if tests is not None and not tests.empty:
        for _, r in tests[(tests["by"] == "stage") & (tests["level"] == "construct")].iterrows():
            out.append(Finding(plain_reading(r, names), f"n = {int(r['n_docs'])} documents, {int(r['n_hits'])} hits; "
                               "permutation test of the chi-square statistic, unadjusted.", "framing-tests",
                               "framing_tests.csv", kind="unadjusted"))
    return out
