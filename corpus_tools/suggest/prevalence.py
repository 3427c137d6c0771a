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
BOOT_CELLS = 1_000_000  # bootstrap weights drawn at a time (8 MB): bounded however many documents a group has


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


def code_matrix(codes_column: pd.Series, codes: Sequence[str]) -> np.ndarray:
    """Per row of a suggestion table and code, whether the row's `codes` (';'-joined) name the code (bool)."""
    labels = codes_column.reset_index(drop=True).fillna("").astype(str).str.split(";").explode()
    col = pd.Index(list(codes), dtype=object).get_indexer(labels.to_numpy(dtype=object))
    out = np.zeros((len(codes_column), len(codes)), dtype=bool)
    keep = col >= 0
    out[labels.index.to_numpy()[keep], col[keep]] = True
    return out


def held_out(in_training: pd.Series | None, n: int) -> np.ndarray:
    """The rows whose prediction is not in-sample (in_training 0, missing or unreadable; all rows without the
    column)."""
    if in_training is None:
        return np.ones(n, dtype=bool)
    return (pd.to_numeric(in_training, errors="coerce").fillna(0).astype(int) == 0).to_numpy()


class PrevalenceCounts:
    """All adjusted_prevalence needs of a suggestion table, added a chunk of rows at a time: per group and
    document, the held-out passages and how many of them have each code (not a row per passage)."""

    def __init__(self, codes: Sequence[str]) -> None:
        self.codes = list(codes)
        self.n_training = 0
        self._parts: list[pd.DataFrame] = []

    def add(self, doc_ids: Sequence[str], groups: Sequence[str], present: np.ndarray, held: np.ndarray) -> None:
        """One chunk: each row's document and group, its codes (code_matrix) and whether it is held out."""
        held = np.asarray(held, dtype=bool)
        self.n_training += int((~held).sum())
        part = pd.DataFrame(present[held].astype(np.int64), columns=range(len(self.codes)))
        part.insert(0, "_n", np.ones(int(held.sum()), dtype=np.int64))
        part.insert(0, "_doc", np.asarray(pd.Series(list(doc_ids)).astype(str), dtype=object)[held])
        part.insert(0, "_group", np.asarray(list(groups), dtype=object)[held])
        self._parts.append(part.groupby(["_group", "_doc"], sort=False, dropna=False).sum())

    def estimate(self, rates: dict[str, tuple[int, int, int, int]] | None, *, order: Sequence[str] = (),
                 n_boot: int = 1000, ci: float = 0.95, seed: int = 0, min_docs: int = 5) -> pd.DataFrame:
        """One row per (code, group): raw classify-and-count share and Forman's adjusted share with interval."""
        codes = self.codes
        grp, doc, vals = self._rows()
        present = set(grp)
        rng = np.random.default_rng([seed, 12])
        alpha = (1 - ci) / 2
        rows = []
        group_list = [g for g in order if g in present] + sorted(present - set(order))
        for g in group_list:
            where = np.flatnonzero(grp == g)
            doc_codes, inv = np.unique(doc[where], return_inverse=True)  # documents in sorted order
            sums = np.zeros((len(doc_codes), vals.shape[1]), dtype=np.int64)
            np.add.at(sums, inv.ravel(), vals[where])  # a document's rows of every chunk (integer sums)
            n_docs = len(doc_codes)
            n_entries = int(sums[:, 0].sum())
            per_doc_n = sums[:, 0].astype(float)
            per_doc_ys = [sums[:, 1 + j].astype(float) for j in range(len(codes))]
            del sums, where, inv
            boots = _bootstrap(rng, per_doc_n, per_doc_ys, n_boot) if n_docs >= min_docs and n_boot > 0 else None
            for j, c in enumerate(codes):
                per_doc_y = per_doc_ys[j]
                raw = float(per_doc_y.sum()) / n_entries if n_entries else float("nan")
                row = {"code": c, "group": g, "n_entries": n_entries, "n_docs": n_docs, "n_training_excluded":
                       self.n_training, "raw_share": raw, "raw_lo": np.nan, "raw_hi": np.nan, "tpr": np.nan,
                       "fpr": np.nan, "adjusted_share": np.nan, "adjusted_lo": np.nan, "adjusted_hi": np.nan,
                       "note": ""}
                boot = None
                if boots is not None:
                    boot = boots[j]
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
                        row["note"] = "; ".join(x for x in (row["note"], f"tpr - fpr below {MIN_DISCRIMINATION}: "
                                                            "the classifier barely separates the code, no adjusted "
                                                            "share") if x)
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

    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(group, document, [held-out passages, passages with each code]) of every chunk's (group, document)
        rows, as flat arrays: the per-document sums are added up per group from these, not from a concatenated
        and regrouped frame of every document (its MultiIndex of strings cost about 70 MB at 100,000
        documents)."""
        parts = [p for p in self._parts if len(p)]
        if not parts:
            return np.zeros(0, dtype=object), np.zeros(0, dtype=object), np.zeros((0, 1 + len(self.codes)), int)
        grp = np.concatenate([p.index.get_level_values(0).to_numpy(dtype=object) for p in parts])
        doc = np.concatenate([p.index.get_level_values(1).to_numpy(dtype=object) for p in parts])
        vals = np.concatenate([p[["_n", *range(len(self.codes))]].to_numpy(dtype=np.int64) for p in parts])
        return grp, doc, vals


def _bootstrap(rng: np.random.Generator, per_doc_n: np.ndarray, per_doc_ys: list[np.ndarray],
               n_boot: int) -> list[np.ndarray]:
    """Per code, the share of passages with the code in each of `n_boot` resamples of the documents (multinomial
    weights): the weights are drawn BOOT_CELLS at a time, never the whole n_boot x documents matrix, with the
    same draws and the same products as all at once."""
    n_docs = len(per_doc_n)
    p = np.full(n_docs, 1 / n_docs)
    num = np.empty((len(per_doc_ys), n_boot))
    den = np.empty(n_boot)
    step = max(1, BOOT_CELLS // n_docs)
    for a in range(0, n_boot, step):
        b = min(n_boot, a + step)
        w = rng.multinomial(n_docs, p, size=b - a).astype(float)
        den[a:b] = w @ per_doc_n
        for j, y in enumerate(per_doc_ys):
            num[j, a:b] = w @ y
    return [num[j] / den for j in range(len(per_doc_ys))]


def adjusted_prevalence(suggestions: pd.DataFrame, codes: Sequence[str], groups: Sequence[str],
                        rates: dict[str, tuple[int, int, int, int]] | None, *, order: Sequence[str] = (),
                        n_boot: int = 1000, ci: float = 0.95, seed: int = 0, min_docs: int = 5) -> pd.DataFrame:
    """One row per (code, group): raw classify-and-count share and Forman's adjusted share with interval.

    `suggestions` has id, doc_id, codes (';'-joined) and in_training; `groups` gives each row's group (stage).
    The same as adding the table to PrevalenceCounts chunk by chunk and estimating once."""
    counts = PrevalenceCounts(codes)
    counts.add(list(suggestions["doc_id"]), list(groups), code_matrix(suggestions["codes"], codes),
               held_out(suggestions.get("in_training"), len(suggestions)))
    return counts.estimate(rates, order=order, n_boot=n_boot, ci=ci, seed=seed, min_docs=min_docs)
