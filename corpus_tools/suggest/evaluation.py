"""Cross-validated quality of the suggestion model: precision, recall, F1 and Cohen's kappa (model vs
human) per variable, per codebook and macro, per language, with bootstrap intervals over documents, and a
learning curve (quality vs number of coded entries). Folds hold out whole documents with their reprints."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import ModelError
from corpus_tools.io.tables import write_table
from corpus_tools.suggest.features import Analyzed, TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel, constructs_of
from corpus_tools.suggest.training import TrainingData, require

GROUPINGS = ("document", "none")
N_BOOT = 1000


@dataclass
class EvaluationResult:
    """Per-variable table (plus macro rows), per-language summary, learning curve, and the settings that
    produced them. Every figure comes from one set of out-of-fold predictions."""

    per_variable: pd.DataFrame
    learning_curve: pd.DataFrame
    n_entries: int
    folds: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    by_language: pd.DataFrame | None = None
    grouping: str = "document"
    n_groups: int = 0
    n_boot: int = N_BOOT
    scope_note: str = ""  # which passages the figures are scored on, when not all (e.g. a test half)

    @property
    def macro(self) -> dict[str, float]:
        """The macro row as a dict (precision, recall, f1, kappa, and the f1/kappa interval when known)."""
        row = self.per_variable[self.per_variable["variable"] == "macro"].iloc[0]
        keys = [k for k in ("precision", "recall", "f1", "kappa", "f1_low", "f1_high", "kappa_low", "kappa_high")
                if k in row.index]
        return {k: float(row[k]) for k in keys}

    @property
    def kind(self) -> str:
        """One sentence saying how the figures were obtained."""
        how = (f"{self.folds}-fold cross-validation grouped by document (a document and its near-duplicate "
               f"reprints are held out together; {self.n_groups} groups)" if self.grouping == "document"
               else f"{self.folds}-fold cross-validation over passages (not grouped)")
        scope = f"; {self.scope_note}" if self.scope_note else ""
        return (f"{how}; calibration and thresholds chosen inside each training fold; 95% intervals: "
                f"{self.n_boot} bootstrap resamples of the groups{scope}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for manifests, the dashboard and the HTML report)."""
        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
            if frame is None:
                return []
            return frame.astype(object).where(frame.notna(), None).to_dict("records")

        return {"kind": self.kind, "grouping": self.grouping, "n_groups": self.n_groups, "n_boot": self.n_boot,
                "scope_note": self.scope_note,
                "n_entries": self.n_entries, "folds": self.folds, "seed": self.seed, "params": self.params,
                "macro": {k: (None if math.isnan(v) else v) for k, v in self.macro.items()},
                "per_variable": records(self.per_variable), "by_language": records(self.by_language),
                "learning_curve": records(self.learning_curve)}


def scores(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """Precision, recall, F1 and Cohen's kappa of one variable; kappa undefined (NaN) with a note
    when either side uses one label only."""
    from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    note = ""
    if len(np.unique(y)) < 2 or len(np.unique(pred)) < 2:
        kappa = float("nan")
        note = "kappa undefined: " + ("human" if len(np.unique(y)) < 2 else "model") + " uses one label only"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kappa = float(cohen_kappa_score(y, pred))
    return {"support": int(y.sum()), "predicted": int(pred.sum()), "precision": float(p), "recall": float(r),
            "f1": float(f), "kappa": kappa, "note": note}


def _fit_predict(params: dict[str, Any], analyzer: TextAnalyzer, data: TrainingData, docs: Sequence[Analyzed],
                 train: np.ndarray, test: np.ndarray, grouping: str = "document"
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit on `train` rows, return (0/1 suggestions, "not sure" flags, thresholds) for `test` rows; the inner
    folds are grouped like the outer ones."""
    model = SuggestionModel(analyzer.lexicons, **params)
    mask = data.scope()
    model.fit([data.texts[i] for i in train], data.Y[train], data.codes, [data.ids[i] for i in train],
              analyzer=analyzer, docs=[docs[i] for i in train], mask=mask[train],
              groups=[data.groups[i] for i in train] if data.groups and grouping == "document" else None)
    proba = model.proba_docs([docs[i] for i in test])
    return model.suggested_matrix(proba).astype(int), model.unsure_matrix(proba), model.thresholds_


def splits(data: TrainingData, folds: int, random_state: int, grouping: str = "document"
           ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs: folds of whole groups (documents with their reprints), or of passages."""
    from sklearn.model_selection import GroupKFold, KFold

    if grouping not in GROUPINGS:
        raise ModelError(f"unknown grouping {grouping!r}", hint=f"one of {', '.join(GROUPINGS)}")
    n = len(data)
    idx = np.arange(n)
    if grouping == "document" and data.groups:
        n_groups = len(set(data.groups))
        if n_groups < 2:
            raise ModelError("all coded passages come from one document (with its reprints): grouped "
                             "cross-validation needs at least two", hint="code passages of more documents")
        k = max(2, min(folds, n_groups))
        return list(GroupKFold(k, shuffle=True, random_state=random_state).split(idx, groups=data.groups))
    return list(KFold(max(2, min(folds, n)), shuffle=True, random_state=random_state).split(idx))


def cross_validate(data: TrainingData, analyzer: TextAnalyzer, folds: int = 5, random_state: int = 0,
                   learning_curve: bool = True, sizes: Sequence[int] | None = None,
                   params: dict[str, Any] | None = None, docs: Sequence[Analyzed] | None = None,
                   grouping: str = "document", n_boot: int = N_BOOT, scored: Sequence[bool] | None = None,
                   scored_note: str = "") -> EvaluationResult:
    """Grouped K-fold cross-validation: every passage is predicted once by a model that saw no passage of
    its document or of a reprint of it; thresholds, calibration and the "not sure" band are chosen inside
    each training fold only. Figures carry 95% bootstrap intervals over groups, overall and per language.

    `scored` (one flag per passage): every passage is still trained on and predicted, but the figures are
    computed on the flagged ones only, e.g. the test half of a development/test split when the lexicons
    (whose hits are features) were revised on the development half; `scored_note` says so in `kind`."""
    require(data)
    params = {"random_state": random_state, **(params or {})}
    docs = list(docs) if docs is not None else analyzer.analyze_many(data.texts)
    n = len(data)
    pred, unsure, thresholds, folds_ = out_of_fold(data, analyzer, folds, random_state, params, docs, grouping)
    groups = list(data.groups) if grouping == "document" and data.groups else [str(i) for i in range(n)]
    note = ""
    scored_data = data
    if scored is not None and any(scored) and not all(scored):
        rows = np.flatnonzero(np.asarray(scored, dtype=bool))
        scored_data = data.take(rows)
        pred, unsure, groups = pred[rows], unsure[rows], [groups[i] for i in rows]
        note = scored_note or f"figures on {len(rows)} of the {n} passages"
    table, by_lang = summarize(scored_data, pred, unsure, groups, analyzer, thresholds, random_state, n_boot)
    curve = _learning_curve(data, analyzer, docs, params, random_state, sizes, min(len(folds_), 3), grouping) \
        if learning_curve else pd.DataFrame(columns=list(schema.LEARNING_CURVE))
    return EvaluationResult(table, curve, len(scored_data), len(folds_), random_state, params, by_lang, grouping,
                            len(set(groups)), n_boot, note)


def out_of_fold(data: TrainingData, analyzer: TextAnalyzer, folds: int, random_state: int,
                params: dict[str, Any], docs: Sequence[Analyzed], grouping: str = "document"
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """(suggestions, "not sure" flags, thresholds per fold, folds): every passage predicted once by a model
    fitted without its group."""
    folds_ = splits(data, folds, random_state, grouping)
    pred = np.zeros_like(data.Y)
    unsure = np.zeros(data.Y.shape, dtype=bool)
    thresholds = np.zeros((len(folds_), data.Y.shape[1]))
    for f, (train, test) in enumerate(folds_):
        pred[test], unsure[test], thresholds[f] = _fit_predict(params, analyzer, data, docs, train, test, grouping)
    return pred, unsure, thresholds, folds_


def paired_difference(data: TrainingData, pred_a: np.ndarray, pred_b: np.ndarray, groups: Sequence[str],
                      n_boot: int = N_BOOT, random_state: int = 0, rows: np.ndarray | None = None
                      ) -> tuple[float, float, float]:
    """Macro F1 of b minus macro F1 of a, with a 95% interval from resampling the same groups for both
    (a paired bootstrap: the fair test of "does model b beat model a on these passages")."""
    r = np.arange(len(data)) if rows is None else rows
    scope = data.scope()[r]
    y = data.Y[r]
    names, gidx = np.unique(np.asarray(groups, dtype=object)[r], return_inverse=True)
    present = (y.astype(bool) & scope).any(axis=0)
    ca = _counts(y, pred_a[r], scope, gidx, len(names))
    cb = _counts(y, pred_b[r], scope, gidx, len(names))
    fa, _ = _f1_kappa(ca.sum(axis=0))
    fb, _ = _f1_kappa(cb.sum(axis=0))
    diff = float(np.nan_to_num(fb[present]).mean() - np.nan_to_num(fa[present]).mean())
    _x, _y, ba, _z = bootstrap(ca, present, n_boot, random_state)
    _x, _y, bb, _z = bootstrap(cb, present, n_boot, random_state)  # same seed: the same resamples
    lo, hi = _interval(bb - ba)
    return diff, lo, hi


def _counts(y: np.ndarray, pred: np.ndarray, scope: np.ndarray, group_index: np.ndarray,
            n_groups: int) -> np.ndarray:
    """(groups x variables x 4) counts of tp, fp, fn, tn over in-scope passages."""
    out = np.zeros((n_groups, y.shape[1], 4))
    yb, pb = y > 0, pred > 0
    for c, cell in enumerate((yb & pb, ~yb & pb, yb & ~pb, ~yb & ~pb)):
        for j in range(y.shape[1]):
            out[:, j, c] = np.bincount(group_index, weights=(cell[:, j] & scope[:, j]).astype(float),
                                       minlength=n_groups)
    return out


def _f1_kappa(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F1 and Cohen's kappa from (..., 4) counts (NaN where undefined)."""
    tp, fp, fn, tn = c[..., 0], c[..., 1], c[..., 2], c[..., 3]
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        po = (tp + tn) / n
        pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / n ** 2
        kappa = np.where((pe < 1) & (n > 0), (po - pe) / (1 - pe), np.nan)
    return f1, kappa


def _interval(values: np.ndarray) -> tuple[float, float]:

    v = values[~np.isnan(values)]
    if not len(v):
        return float("nan"), float("nan")
    lo, hi = np.percentile(v, [2.5, 97.5])
    return float(lo), float(hi)


def bootstrap(counts: np.ndarray, present: np.ndarray, n_boot: int, random_state: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Resample groups with replacement: per-variable F1 and kappa (n_boot x variables) and macro F1 and
    mean kappa (n_boot) over the `present` variables."""
    g = counts.shape[0]
    rng = np.random.default_rng(random_state)
    W = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float) if g else np.zeros((n_boot, 0))
    sums = np.einsum("bg,gkc->bkc", W, counts)
    f1, kappa = _f1_kappa(sums)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        macro_f1 = np.nanmean(np.where(present, f1, np.nan), axis=1) if present.any() \
            else np.full(n_boot, np.nan)
        mean_kappa = np.nanmean(np.where(present, kappa, np.nan), axis=1) if present.any() \
            else np.full(n_boot, np.nan)
    return f1, kappa, macro_f1, mean_kappa


def summarize(data: TrainingData, pred: np.ndarray, unsure: np.ndarray, groups: Sequence[str],
              analyzer: TextAnalyzer, thresholds: np.ndarray, random_state: int = 0, n_boot: int = N_BOOT
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-variable table (macro rows: all variables, and per codebook when there are several) and the
    per-language table, from out-of-fold predictions; intervals by bootstrapping groups."""
    scope = data.scope()
    codes = data.codes
    constructs = constructs_of(analyzer.lexicons, codes)
    book = {v.id: lex.name for lex in analyzer.lexicons for v in lex.variables}
    names, gidx = np.unique(np.asarray(groups, dtype=object), return_inverse=True)
    counts = _counts(data.Y, pred, scope, gidx, len(names))
    present = np.asarray(data.Y.astype(bool).any(axis=0) & scope.any(axis=0), dtype=bool)
    bf1, bkappa, bmacro, bmkappa = bootstrap(counts, present, n_boot, random_state)
    rows = []
    for j, code in enumerate(codes):
        s = scope[:, j]
        r = scores(data.Y[s, j], pred[s, j]) if s.any() else {
            "support": 0, "predicted": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0, "kappa": float("nan"),
            "note": "no passage coded under this codebook"}
        lo, hi = _interval(bf1[:, j]) if r["support"] else (float("nan"), float("nan"))
        klo, khi = _interval(bkappa[:, j])
        rows.append({"variable": code, "construct": constructs[code], **r,
                     "threshold": float(np.median(thresholds[:, j])), "n_passages": int(s.sum()),
                     "f1_low": lo, "f1_high": hi, "kappa_low": klo, "kappa_high": khi,
                     "unsure": int((unsure[:, j] & s).sum())})
    table = pd.DataFrame(rows)
    books = list(dict.fromkeys(book.get(c, "") for c in codes))
    macros = [_macro_row("macro", table, bmacro, bmkappa, int(scope.any(axis=1).sum()),
                         "mean over variables with human positives (kappa: where defined)")]
    if len(books) > 1:
        for b in books:
            cols = np.array([book.get(c, "") == b for c in codes])
            _f, _k, bm, bk = bootstrap(counts[:, cols], present[cols], n_boot, random_state)
            macros.append(_macro_row(f"macro:{b}", table[cols], bm, bk, int(scope[:, cols].any(axis=1).sum()),
                                     f"mean over the {b} variables with human positives"))
    table = pd.concat([table, pd.DataFrame(macros)], ignore_index=True)[list(schema.EVALUATION)]
    return table, _by_language(data, pred, scope, groups, present, n_boot, random_state)


def _macro_row(name: str, table: pd.DataFrame, bmacro: np.ndarray, bmkappa: np.ndarray, n_passages: int,
               note: str) -> dict[str, Any]:
    present = table[table["support"] > 0]
    lo, hi = _interval(bmacro)
    klo, khi = _interval(bmkappa)
    return {"variable": name, "construct": "", "support": int(table["support"].sum()),
            "predicted": int(table["predicted"].sum()),
            **{m: float(present[m].mean()) if len(present) else float("nan") for m in ("precision", "recall", "f1")},
            "kappa": float(table["kappa"].mean()) if table["kappa"].notna().any() else float("nan"),
            "threshold": float("nan"), "note": note, "n_passages": n_passages, "f1_low": lo, "f1_high": hi,
            "kappa_low": klo, "kappa_high": khi, "unsure": int(table["unsure"].sum())}


def _by_language(data: TrainingData, pred: np.ndarray, scope: np.ndarray, groups: Sequence[str],
                 present_all: np.ndarray, n_boot: int, random_state: int) -> pd.DataFrame:

    langs = np.asarray(data.langs if data.langs else ["unknown"] * len(data), dtype=object)
    g = np.asarray(groups, dtype=object)
    rows = []
    for lang in ["all", *sorted(set(langs))]:
        rows_ = np.ones(len(langs), dtype=bool) if lang == "all" else langs == lang
        y, p, s = data.Y[rows_], pred[rows_], scope[rows_]
        names, gidx = np.unique(g[rows_], return_inverse=True)
        counts = _counts(y, p, s, gidx, len(names))
        total = counts.sum(axis=0)
        f1, kappa = _f1_kappa(total)
        present = (y.astype(bool) & s).any(axis=0)
        tp, fp, fn = total[:, 0], total[:, 1], total[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            prec = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
            rec = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        _f, _k, bm, bk = bootstrap(counts, present, n_boot, random_state)
        lo, hi = _interval(bm)
        klo, khi = _interval(bk)
        kap = kappa[present & ~np.isnan(kappa)]
        note = "" if len(names) >= 10 else f"only {len(names)} group(s): the interval is unreliable"
        rows.append({"lang": lang, "n_passages": int(rows_.sum()), "n_groups": len(names),
                     "macro_precision": float(prec[present].mean()) if present.any() else float("nan"),
                     "macro_recall": float(rec[present].mean()) if present.any() else float("nan"),
                     "macro_f1": float(np.nan_to_num(f1[present]).mean()) if present.any() else float("nan"),
                     "f1_low": lo, "f1_high": hi,
                     "mean_kappa": float(kap.mean()) if len(kap) else float("nan"), "kappa_low": klo,
                     "kappa_high": khi, "note": note})
    return pd.DataFrame(rows, columns=list(schema.EVALUATION_BY_LANGUAGE))


def default_sizes(n_train: int) -> list[int]:
    """Training-set sizes for the learning curve: doubling from 25 up to all training passages."""
    sizes, m = [], 25
    while m < n_train:
        sizes.append(m)
        m *= 2
    return [*sizes, n_train]


def _learning_curve(data: TrainingData, analyzer: TextAnalyzer, docs: Sequence[Analyzed], params: dict[str, Any],
                    random_state: int, sizes: Sequence[int] | None, folds: int, grouping: str = "document"
                    ) -> pd.DataFrame:

    folds_ = splits(data, folds, random_state, grouping)
    n_train = min(len(tr) for tr, _ in folds_)
    rng = np.random.default_rng(random_state)
    orders = [rng.permutation(tr) for tr, _ in folds_]
    scope = data.scope()
    groups = list(data.groups) if grouping == "document" and data.groups else [str(i) for i in range(len(data))]
    rows = []
    for m in sizes or default_sizes(n_train):
        m = min(int(m), n_train)
        per_fold = []
        tested: list[np.ndarray] = []
        pooled = np.zeros_like(data.Y)
        for (_, test), order in zip(folds_, orders, strict=True):
            train = np.sort(order[:m])
            if not data.Y[train].any() or m < 4:
                continue
            pred, _u, _t = _fit_predict(params, analyzer, data, docs, train, test, grouping)
            pooled[test] = pred
            tested.append(test)
            s = [scores(data.Y[test, j][scope[test, j]], pred[:, j][scope[test, j]])
                 for j in range(data.Y.shape[1]) if scope[test, j].any()]
            present = [x for x in s if x["support"] > 0]
            kap = [x["kappa"] for x in s if x["kappa"] == x["kappa"]]
            per_fold.append((np.mean([x["precision"] for x in present]) if present else np.nan,
                             np.mean([x["recall"] for x in present]) if present else np.nan,
                             np.mean([x["f1"] for x in present]) if present else np.nan,
                             np.mean(kap) if kap else np.nan))
        if per_fold:
            arr = np.array(per_fold, dtype=float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                means = np.nanmean(arr, axis=0)
            lo, hi = _pooled_interval(data, pooled, scope, groups, np.concatenate(tested), random_state)
            rows.append({"n_train": m, "folds": len(per_fold), "macro_precision": means[0], "macro_recall": means[1],
                         "macro_f1": means[2], "mean_kappa": means[3], "f1_low": lo, "f1_high": hi})
    return pd.DataFrame(rows, columns=list(schema.LEARNING_CURVE))


def _pooled_interval(data: TrainingData, pred: np.ndarray, scope: np.ndarray, groups: Sequence[str],
                     rows: np.ndarray, random_state: int, n_boot: int = 200) -> tuple[float, float]:
    """95% interval of macro F1 over the pooled held-out predictions of `rows` (bootstrap of their groups)."""
    names, gidx = np.unique(np.asarray(groups, dtype=object)[rows], return_inverse=True)
    y, s = data.Y[rows], scope[rows]
    present = np.asarray((y.astype(bool) & s).any(axis=0), dtype=bool)
    counts = _counts(y, pred[rows], s, gidx, len(names))
    _f, _k, bm, _bk = bootstrap(counts, present, n_boot, random_state)
    return _interval(bm)


def write_evaluation(result: EvaluationResult, out: Path) -> dict[str, Path]:
    """evaluation.csv, learning_curve.csv and evaluation.json in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    files = {"evaluation": write_table(result.per_variable.round(4), out / "evaluation.csv"),
             "learning_curve": write_table(result.learning_curve.round(4), out / "learning_curve.csv")}
    if result.by_language is not None:
        files["by_language"] = write_table(result.by_language.round(4), out / "evaluation_by_language.csv")
    path = out / "evaluation.json"
    path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=float), encoding="utf-8")
    files["json"] = path
    return files


def format_table(result: EvaluationResult) -> str:
    """A plain-text rendering for the terminal."""
    pv = result.per_variable
    def fmt(x: Any) -> str:
        return "   n/a" if x is None or math.isnan(x) else f"{x:6.3f}"

    def ci(lo: Any, hi: Any) -> str:
        return "" if lo is None or math.isnan(lo) else f"[{lo:.2f}, {hi:.2f}]"

    lines = [f"{result.n_entries} coded passages (seed {result.seed}): {result.kind}",
             f"{'variable':32} {'n':>4} {'pred':>5} {'prec':>6} {'rec':>6} {'F1':>6} {'95% CI':>13} {'kappa':>6}"
             f"  thr  unsure"]
    for r in pv.to_dict("records"):
        thr = "    " if math.isnan(r["threshold"]) else f"{r['threshold']:.2f}"
        lines.append(f"{r['variable']:32} {r['support']:>4} {r['predicted']:>5} {fmt(r['precision'])} "
                     f"{fmt(r['recall'])} {fmt(r['f1'])} {ci(r['f1_low'], r['f1_high']):>13} {fmt(r['kappa'])}  "
                     f"{thr} {r['unsure']:>6}")
    if result.by_language is not None and len(result.by_language):
        lines.append("by language (macro F1 [95% CI] / mean kappa, same out-of-fold predictions):")
        for r in result.by_language.to_dict("records"):
            lines.append(f"  {r['lang']:8} {r['n_passages']:>5} passages {r['n_groups']:>4} groups  "
                         f"F1 {fmt(r['macro_f1'])} {ci(r['f1_low'], r['f1_high']):>13}  kappa {fmt(r['mean_kappa'])}"
                         + (f"  ({r['note']})" if r["note"] else ""))
    if len(result.learning_curve):
        lines.append("learning curve (macro F1 / mean kappa by number of coded training passages):")
        for r in result.learning_curve.to_dict("records"):
            lines.append(f"  {int(r['n_train']):>6}  F1 {r['macro_f1']:.3f} {ci(r['f1_low'], r['f1_high']):>13}  "
                         f"kappa {r['mean_kappa']:.3f}")
    return "\n".join(lines)
