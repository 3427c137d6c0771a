"""Report context of the reliability section: Krippendorff's alpha per construct and variable with its
interval and the probabilities of falling short of .667 and .800, rare-code warnings, and agreement before
vs after adjudication."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corpus_tools.report.format import table

if TYPE_CHECKING:
    from corpus_tools.report.render import ChartMaker

COLS = ["comparison", "condition", "code", "value", "ci_low", "ci_high", "n_units", "n_positive", "q_below_667",
        "q_below_800", "note"]


def reliability_context(rel: Any, names: dict[str, str], csv: Callable[..., str], maker: ChartMaker | None = None,
                        draw: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Tables for the template; `available` is False when no two coders coded the same passages."""
    cooc_chart = None
    if rel is not None and rel.cooccurrence is not None and not rel.cooccurrence.empty and maker and draw:
        c = rel.cooccurrence
        wide = c.pivot_table(index="code_a", columns="code_b", values="n_both", aggfunc="first", sort=False)
        order = list(dict.fromkeys(c["code_a"]))
        wide = wide.reindex(index=order, columns=order)
        wide.index = [names.get(i, i) for i in wide.index]
        wide.columns = [str(x).split(".")[-1] for x in wide.columns]
        n = int(c["n_passages"].iloc[0])
        cooc_chart = maker.make("code_cooccurrence", f"Code co-occurrence in the coded sample ({n} passages; "
                                "diagonal: passages with the code)", "", draw, wide, "passages", "{:.0f}")
    if rel is None or rel.table is None or rel.table.empty:
        return {"available": False, "notes": list(rel.notes) if rel is not None else [], "cooc_chart": cooc_chart}
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
            "constructs": table(alpha[alpha["level"] == "construct"], COLS, csv="reliability.csv", names=names),
            "variables": table(alpha[alpha["level"] == "variable"], COLS, csv="reliability.csv", names=names),
            "kappa": table(kappa, COLS, csv="reliability.csv", names=names),
            "n_rare": len(rare),
            "adjudication": table(rel.adjudication, csv="adjudication_agreement.csv", names=names)
            if rel.adjudication is not None and not rel.adjudication.empty else None,
            "notes": list(rel.notes), "cooc_chart": cooc_chart}
