"""The report's lexicon-validation section: lexicon hits against hand codes, next to the score tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools.report.format import MISSING, table

if TYPE_CHECKING:
    from corpus_tools.agreement.lexicon_validation import LexiconValidation


def _ci(row: pd.Series, m: str) -> str:
    v, lo, hi = row[m], row[f"{m}_lo"], row[f"{m}_hi"]
    if pd.isna(v):
        return MISSING
    return f"{v:.2f} [{lo:.2f}, {hi:.2f}]" if not (pd.isna(lo) or pd.isna(hi)) else f"{v:.2f}"


def validation_context(result: LexiconValidation | None, names: dict[str, str],
                       csv: Callable[[str, pd.DataFrame], str]) -> dict[str, Any] | None:
    """Per lexicon: the sample used, variable figures with intervals, F1 by language, the confusion view and
    the terms with most false hits (tables also written as CSV through `csv`). None without coded entries."""
    if result is None:
        return None
    t = result.table
    blocks = []
    csv("lexicon_validation", t)
    csv("lexicon_confusion", result.confusion)
    csv("lexicon_false_hits", result.false_hits)
    for name, sample in result.samples.items():
        rows = t[(t["lexicon"] == name) & (t["term"] == "")]
        if not len(rows):
            continue
        overall = rows[rows["lang"] == "all"]
        figures = pd.DataFrame({
            "variable": [names.get(v, v) for v in overall["variable"]],
            "coded": overall["n_coded"].to_numpy(), "hits": overall["n_hits"].to_numpy(),
            **{label: [_ci(r, m) for _, r in overall.iterrows()]
               for label, m in (("precision", "precision"), ("recall", "recall"), ("F1", "f1"),
                                ("kappa", "kappa"))}})
        by_lang = rows[rows["lang"] != "all"].assign(
            cell=lambda f: [f"{MISSING if pd.isna(x) else f'{x:.2f}'} (n={n})" for x, n in zip(f["f1"], f["n_coded"],
                                                                                               strict=True)])
        lang_tab = by_lang.pivot_table(index="variable", columns="lang", values="cell", aggfunc="first",
                                       sort=False).reset_index()
        lang_tab.columns.name = None
        conf = result.confusion[result.confusion["lexicon"] == name]
        conf_tab = conf.pivot_table(index="fired", columns="coded", values="n_entries", aggfunc="first",
                                    sort=False).reset_index()
        conf_tab.columns.name = None
        fired = conf.drop_duplicates("fired").set_index("fired")["n_fired"]
        conf_tab.insert(1, "entries fired", [int(fired.get(f, 0)) for f in conf_tab["fired"]])
        fh = result.false_hits[(result.false_hits["lexicon"] == name) & (result.false_hits["n_false"] > 0)]
        fh = fh.assign(example=fh["examples"].str.split(" \\| ").str[0])
        blocks.append({
            "name": name, "sample": sample,
            "figures": table(figures, csv="lexicon_validation.csv", names=names),
            "langs": table(lang_tab, csv="lexicon_validation.csv", names=names),
            "confusion": table(conf_tab, csv="lexicon_confusion.csv", names=names),
            "false_hits": table(fh, ["term", "variable", "lang", "n_false", "n_hits", "precision",
                                     "false_coded_as", "example"], max_rows=15, csv="lexicon_false_hits.csv",
                                names=names),
        })
    return {"split": result.split, "blocks": blocks, "notes": result.notes}
