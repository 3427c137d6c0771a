"""Report context of the reliability section: Krippendorff's alpha per construct and variable with its
interval and the probabilities of falling short of .667 and .800, rare-code warnings, and agreement before
vs after adjudication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corpus_tools.report.format import table

COLS = ["comparison", "condition", "code", "value", "ci_low", "ci_high", "n_units", "n_positive", "q_below_667",
        "q_below_800", "note"]


def reliability_context(rel: Any, names: dict[str, str], csv: Callable[..., str]) -> dict[str, Any]:
    """Tables for the template; `available` is False when no two coders coded the same passages."""
    if rel is None or rel.table is None or rel.table.empty:
        return {"available": False, "notes": list(rel.notes) if rel is not None else []}
    t = rel.table
    alpha = t[t["metric"] == "krippendorff_alpha"].copy()
    alpha["code"] = [names.get(c, c) for c in alpha["code"]]
    kappa = t[(t["metric"] == "cohen_kappa") & (t["level"] == "variable")].copy()
    kappa["code"] = [names.get(c, c) for c in kappa["code"]]
    pooled = alpha[(alpha["code"] == "(all)") & (alpha["level"] == "variable")]
    headline = ""
    if len(pooled) and pooled["value"].notna().any():
        r = pooled[pooled["value"].notna()].iloc[0]
        headline = (f"{r['comparison']} ({r['condition']}): Krippendorff's α = {r['value']:.2f} "
                    f"[{r['ci_low']:.2f}, {r['ci_high']:.2f}] over {int(r['n_units'])} passage × code units; "
                    f"probability that α is below .800: {r['q_below_800']:.2f}, below .667: {r['q_below_667']:.2f}.")
    rare = alpha[(alpha["n_positive"].fillna(0) < 10) & (alpha["code"] != "(all)")]
    return {"available": True, "headline": headline,
            "constructs": table(alpha[alpha["level"] == "construct"], COLS, csv="reliability.csv"),
            "variables": table(alpha[alpha["level"] == "variable"], COLS, csv="reliability.csv"),
            "kappa": table(kappa, COLS, csv="reliability.csv"),
            "n_rare": len(rare),
            "adjudication": table(rel.adjudication, csv="adjudication_agreement.csv")
            if rel.adjudication is not None and not rel.adjudication.empty else None,
            "notes": list(rel.notes)}
