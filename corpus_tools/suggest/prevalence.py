"""Prevalence of draft codes by group, corrected for the model's errors: Forman's adjusted classify-and-count
(ACC; Forman 2008, "Quantifying counts and costs via classification", Data Min. Knowl. Disc. 17(2)).

The raw share of passages a classifier labels with a code is biased towards its error rates; with the
cross-validated true and false positive rates, p = (p_observed - fpr) / (tpr - fpr), clipped to [0, 1].
Passages the model was trained on are left out (their predictions are in-sample). The interval combines a
bootstrap over documents (sampling of passages) with Jeffreys-Beta draws of tpr and fpr (their own
uncertainty from the cross-validation counts)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corpus_tools import schema

MIN_DISCRIMINATION = 0.2  # tpr - fpr below this: the adjustment divides by almost nothing, no estimate


def error_rates(per_variable: pd.DataFrame, n_entries: int) -> dict[str, tuple[int, int, int, int]]:
    """Per code (TP, FN, FP, TN) from an evaluation table (support, predicted, recall) over the passages coded
    under the code's codebook (`n_passages`; n_entries when the table has no such column)."""
    out = {}
    for rec in per_variable.to_dict("records"):
        if str(rec["variable"]).startswith("macro"):  # "macro" and the per-codebook "macro:<lexicon>" rows
            continue
        pos = int(rec["support"])
        tp = round(float(rec["recall"]) * pos)
        fp = int(rec["predicted"]) - tp
        n = int(rec["n_passages"]) if rec.get("n_passages") is not None and rec["n_passages"] == rec["n_passages"] \
            else n_entries
        out[str(rec["variable"])] = (tp, pos - tp, fp, n - pos - fp)
    return out


def adjusted_prevalence(suggestions: pd.DataFrame, codes: Sequence[str], groups: Sequence[str],
                        rates: dict[str, tuple[int, int, int, int]] | None, *, order: Sequence[str] = (),
                        n_boot: int = 1000, ci: float = 0.95, seed: int = 0, min_docs: int = 5) -> pd.DataFrame:
    """One row per (code, group): raw classify-and-count share and Forman's adjusted share with interval.

    `suggestions` has id, doc_id, codes (';'-joined) and in_training; `groups` gives each row's group (stage)."""
    frame = suggestions.assign(_group=list(groups))
    held = frame[pd.to_numeric(frame.get("in_training", 0), errors="coerce").fillna(0).astype(int) == 0]
    n_training = len(frame) - len(held)
    labels = held["codes"].fillna("").astype(str).str.split(";")
    present = {c: np.array([c in row for row in labels], dtype=float) for c in codes}
    rng = np.random.default_rng([seed, 12])
    alpha = (1 - ci) / 2
    rows = []
    group_list = [g for g in order if g in set(held["_group"])] + sorted(set(held["_group"]) - set(order))
    for g in group_list:
        mask = (held["_group"] == g).to_numpy()
        docs = held["doc_id"].astype(str).to_numpy()[mask]
        doc_codes, inv = np.unique(docs, return_inverse=True)
        n_docs = len(doc_codes)
        w = rng.multinomial(n_docs, np.full(n_docs, 1 / n_docs), size=n_boot).astype(float) \
            if n_docs >= min_docs and n_boot > 0 else None
        per_doc_n = np.bincount(inv, minlength=n_docs).astype(float)
        for c in codes:
            y = present[c][mask]
            raw = float(y.mean()) if len(y) else float("nan")
            row = {"code": c, "group": g, "n_entries": int(mask.sum()), "n_docs": n_docs, "n_training_excluded":
                   n_training, "raw_share": raw, "raw_lo": np.nan, "raw_hi": np.nan, "tpr": np.nan, "fpr": np.nan,
                   "adjusted_share": np.nan, "adjusted_lo": np.nan, "adjusted_hi": np.nan, "note": ""}
            boot = None
            if w is not None:
                per_doc_y = np.bincount(inv, weights=y, minlength=n_docs)
                boot = (w @ per_doc_y) / (w @ per_doc_n)
                row["raw_lo"], row["raw_hi"] = np.quantile(boot, [alpha, 1 - alpha])
            else:
                row["note"] = f"fewer than {min_docs} documents: no interval"
            r = (rates or {}).get(c)
            if r is None:
                row["note"] = "; ".join(x for x in (row["note"], "no cross-validated error rates (lexicon "
                                                    "suggestions or no coded passages): raw share only") if x)
            else:
                tp, fn, fp, tn = r
                tpr = tp / (tp + fn) if tp + fn else float("nan")
                fpr = fp / (fp + tn) if fp + tn else float("nan")
                row.update(tpr=tpr, fpr=fpr)
                if not np.isfinite(tpr) or not np.isfinite(fpr) or tpr - fpr < MIN_DISCRIMINATION:
                    row["note"] = "; ".join(x for x in (row["note"], f"tpr - fpr below {MIN_DISCRIMINATION}: the "
                                                        "classifier barely separates the code, no adjusted share")
                                            if x)
                else:
                    row["adjusted_share"] = float(np.clip((raw - fpr) / (tpr - fpr), 0, 1))
                    if boot is not None:
                        t = rng.beta(tp + 0.5, fn + 0.5, size=n_boot)
                        f = rng.beta(fp + 0.5, tn + 0.5, size=n_boot)
                        with np.errstate(divide="ignore", invalid="ignore"):
                            adj = np.clip((boot - f) / (t - f), 0, 1)
                        adj = adj[np.isfinite(adj) & (t - f > 0)]
                        if len(adj):
                            row["adjusted_lo"], row["adjusted_hi"] = np.quantile(adj, [alpha, 1 - alpha])
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(schema.PREVALENCE))
    for col in ("raw_share", "raw_lo", "raw_hi", "tpr", "fpr", "adjusted_share", "adjusted_lo", "adjusted_hi"):
        out[col] = out[col].astype(float).round(4)
    return out
