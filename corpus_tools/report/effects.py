"""Report context for the adjusted stage effects: the effects table and forest chart,
the stage x source strata and the sensitivity of each headline effect to the stage assignment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools.report.findings import COVARIATE_NAMES
from corpus_tools.report.format import table

if TYPE_CHECKING:

    from corpus_tools.framing import FramingResult
    from corpus_tools.report.render import ChartMaker

def covariates(adjusted_for: Any) -> str:
    """"source_type, lang" → "source type and language" (the covariates in words)."""
    if not isinstance(adjusted_for, str) or adjusted_for in ("", "nothing"):
        return "nothing"
    return " and ".join(COVARIATE_NAMES.get(c.strip(), c.strip()) for c in adjusted_for.split(","))


def effects_context(fr: FramingResult, names: dict[str, str], maker: ChartMaker, stage_order: Sequence[str],
                    source_order: Sequence[str], csv: Callable[[str, pd.DataFrame], str],
                    draw_forest: Callable[..., Any]) -> dict[str, Any]:
    """Tables and chart of the adjusted stage effects section."""
    eff = fr.effects
    if eff is None or eff.empty:
        return {"available": False, "adjusted_for": covariates(", ".join(fr.adjusted_for))}
    cols = ["lexicon", "variable", "contrast", "irr", "irr_lo", "irr_hi", "p", "p_holm", "p_bh", "irr_unadj",
            "irr_unadj_lo", "irr_unadj_hi", "n_docs", "model", "note"]
    cons = eff[eff["level"] == "construct"]
    vars_ = eff[eff["level"] == "variable"]
    forest = maker.make("stage_effects", "Stage effects per construct: adjusted (filled) and unadjusted (open) "
                        "incidence-rate ratios with 95% intervals", "", draw_forest, cons, names)
    ctx: dict[str, Any] = {
        "available": True, "adjusted_for": covariates(eff["adjusted_for"].iloc[0]), "forest": forest,
        "constructs": table(cons, cols, csv="stage_effects.csv", names=names),
        "variables": table(vars_, cols, csv="stage_effects.csv", names=names),
        "n_tests": int(eff["p"].notna().sum()),
        "models": ", ".join(f"{m}: {n}" for m, n in eff["model"].value_counts().items()),
    }
    strata = fr.strata
    if strata is not None and not strata.empty:
        sc = strata[strata["level"] == "construct"]
        wide = sc.pivot_table(index=["stage", "source_type", "n_docs", "small"], columns="item", values="rate_per_1k",
                              aggfunc="first", sort=False).reset_index()
        wide.columns.name = None
        wide["stage"] = wide["stage"].astype(str)
        rank_s = {s: i for i, s in enumerate(stage_order)}
        rank_t = {s: i for i, s in enumerate(source_order)}
        wide = wide.sort_values(["stage", "source_type"], key=lambda s: s.map(rank_s if s.name == "stage"
                                                                                else rank_t).fillna(99))
        wide["n_docs"] = [f"{n} (few: not compared)" if small else str(n)
                          for n, small in zip(wide["n_docs"], wide["small"], strict=True)]
        wide = wide.drop(columns=["small"])
        ctx["strata"] = table(wide, csv=csv("stage_source_rates_constructs", wide), names=names)
    else:
        ctx["strata"] = None
    sens = fr.sensitivity
    if sens is not None and not sens.empty:
        head = sens[(sens["level"] == "construct") | (sens["significant_main"] == True)]  # noqa: E712
        ctx["sensitivity"] = table(head, ["scenario", "n_moved", "lexicon", "variable", "contrast", "irr_main",
                                          "p_adj_main", "irr", "irr_lo", "irr_hi", "p_adj", "verdict"],
                                   csv="stage_effects_sensitivity.csv", names=names)
        ctx["sensitivity_summary"] = "; ".join(
            f"{scen}: {int((g['verdict'] == 'keeps sign and significance').sum())} of "
            f"{int(g['significant_main'].sum())} significant effects keep sign and significance, "
            f"{int((g['verdict'] == 'sign flips').sum())} of {len(g)} effects flip sign"
            for scen, g in sens.groupby("scenario", sort=False))
    else:
        ctx["sensitivity"] = None
        ctx["sensitivity_summary"] = ""
    return ctx



def measures_context(fr: FramingResult, names: dict[str, str], maker: ChartMaker, stage_order: Sequence[str],
                     draw: Callable[..., Any]) -> dict[str, Any]:
    """The Fig. 2 section: association matrices (construct level, entry and document units) and the table."""
    m = fr.measures
    if m is None or m.empty:
        return {"available": False}
    panels = ["all stages", *[s for s in stage_order if s in set(m["stage"])]]
    cons = m[m["level"] == "construct"]
    charts = {unit: maker.make(f"measures_constructs_{unit}", f"Government measures x entrepreneurship constructs "
                               f"({unit} level): log odds ratio of co-occurrence", "", draw,
                               cons[cons["unit"] == unit], names, panels)
              for unit in ("entry", "document")}
    cols = ["unit", "stage", "measure", "construct", "n_units", "n_both", "log_or", "lo", "hi", "p_perm", "p_holm",
            "p_bh"]
    shown = cons[cons["stage"] == "all stages"]
    return {"available": True, "charts": charts,
            "table": table(shown, cols, csv="measures_constructs.csv", names=names),
            "n_perm": int(m["n_perm"].max())}
