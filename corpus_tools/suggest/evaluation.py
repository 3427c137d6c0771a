"""Cross-validated quality of the suggestion model: precision, recall, F1 and Cohen's kappa (model vs
human) per variable and macro, and a learning curve (quality vs number of coded entries)."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.io.tables import write_table
from corpus_tools.suggest.features import Analyzed, TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel, constructs_of
from corpus_tools.suggest.training import TrainingData, require

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass
class EvaluationResult:
    """Per-variable table (plus a macro row), learning curve, and the settings that produced them."""

    per_variable: pd.DataFrame
    learning_curve: pd.DataFrame
    n_entries: int
    folds: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def macro(self) -> dict[str, float]:
        """The macro row as a dict (precision, recall, f1, kappa)."""
        row = self.per_variable[self.per_variable["variable"] == "macro"].iloc[0]
        return {k: float(row[k]) for k in ("precision", "recall", "f1", "kappa")}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for manifests and the HTML report)."""
        pv = self.per_variable.astype(object).where(self.per_variable.notna(), None)
        lc = self.learning_curve.astype(object).where(self.learning_curve.notna(), None)
        return {"n_entries": self.n_entries, "folds": self.folds, "seed": self.seed, "params": self.params,
                "macro": self.macro, "per_variable": pv.to_dict("records"), "learning_curve": lc.to_dict("records")}


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
                 train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit on `train` rows, return (0/1 predictions, thresholds) for `test` rows."""
    model = SuggestionModel(analyzer.lexicons, **params)
    model.fit([data.texts[i] for i in train], data.Y[train], data.codes, [data.ids[i] for i in train],
              analyzer=analyzer, docs=[docs[i] for i in train])
    proba = model.proba_docs([docs[i] for i in test])
    return (proba >= model.thresholds_).astype(int), model.thresholds_


def cross_validate(data: TrainingData, analyzer: TextAnalyzer, folds: int = 5, random_state: int = 0,
                   learning_curve: bool = True, sizes: Sequence[int] | None = None,
                   params: dict[str, Any] | None = None, docs: Sequence[Analyzed] | None = None) -> EvaluationResult:
    """K-fold cross-validation (every passage predicted once by a model that never saw it); thresholds
    and calibration are chosen inside each training fold only."""
    from sklearn.model_selection import KFold

    require(data)
    params = {"random_state": random_state, **(params or {})}
    docs = list(docs) if docs is not None else analyzer.analyze_many(data.texts)
    n, k = data.Y.shape
    folds = max(2, min(folds, n))
    splitter = KFold(folds, shuffle=True, random_state=random_state)
    pred = np.zeros_like(data.Y)
    thresholds = np.zeros((folds, k))
    for f, (train, test) in enumerate(splitter.split(np.arange(n))):
        pred[test], thresholds[f] = _fit_predict(params, analyzer, data, docs, train, test)
    constructs = constructs_of(analyzer.lexicons, data.codes)
    rows = []
    for j, code in enumerate(data.codes):
        rows.append({"variable": code, "construct": constructs[code], **scores(data.Y[:, j], pred[:, j]),
                     "threshold": float(np.median(thresholds[:, j]))})
    table = pd.DataFrame(rows)
    present = table[table["support"] > 0]
    macro = {"variable": "macro", "construct": "", "support": int(table["support"].sum()),
             "predicted": int(table["predicted"].sum()),
             **{m: float(present[m].mean()) if len(present) else float("nan") for m in ("precision", "recall", "f1")},
             "kappa": float(table["kappa"].mean()) if table["kappa"].notna().any() else float("nan"),
             "threshold": float("nan"), "note": "mean over variables with human positives (kappa: where defined)"}
    table = pd.concat([table, pd.DataFrame([macro])], ignore_index=True)[list(schema.EVALUATION)]
    curve = _learning_curve(data, analyzer, docs, params, random_state, sizes, min(folds, 3)) if learning_curve \
        else pd.DataFrame(columns=list(schema.LEARNING_CURVE))
    return EvaluationResult(table, curve, n, folds, random_state, params)


def default_sizes(n_train: int) -> list[int]:
    """Training-set sizes for the learning curve: doubling from 25 up to all training passages."""
    sizes, m = [], 25
    while m < n_train:
        sizes.append(m)
        m *= 2
    return [*sizes, n_train]


def _learning_curve(data: TrainingData, analyzer: TextAnalyzer, docs: Sequence[Analyzed], params: dict[str, Any],
                    random_state: int, sizes: Sequence[int] | None, folds: int) -> pd.DataFrame:
    from sklearn.model_selection import KFold

    n = len(data)
    splits = list(KFold(folds, shuffle=True, random_state=random_state).split(np.arange(n)))
    n_train = min(len(tr) for tr, _ in splits)
    rng = np.random.default_rng(random_state)
    orders = [rng.permutation(tr) for tr, _ in splits]
    rows = []
    for m in sizes or default_sizes(n_train):
        m = min(int(m), n_train)
        per_fold = []
        for (_, test), order in zip(splits, orders, strict=True):
            train = np.sort(order[:m])
            if not data.Y[train].any() or m < 4:
                continue
            pred, _ = _fit_predict(params, analyzer, data, docs, train, test)
            s = [scores(data.Y[test, j], pred[:, j]) for j in range(data.Y.shape[1])]
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
            rows.append({"n_train": m, "folds": len(per_fold), "macro_precision": means[0], "macro_recall": means[1],
                         "macro_f1": means[2], "mean_kappa": means[3]})
    return pd.DataFrame(rows, columns=list(schema.LEARNING_CURVE))


def write_evaluation(result: EvaluationResult, out: Path) -> dict[str, Path]:
    """evaluation.csv, learning_curve.csv and evaluation.json in `out`."""


    out.mkdir(parents=True, exist_ok=True)
    files = {"evaluation": write_table(result.per_variable.round(4), out / "evaluation.csv"),
             "learning_curve": write_table(result.learning_curve.round(4), out / "learning_curve.csv")}
    path = out / "evaluation.json"
    path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=float), encoding="utf-8")
    files["json"] = path
    return files


def format_table(result: EvaluationResult) -> str:
    """A plain-text rendering for the terminal."""
    pv = result.per_variable
    lines = [f"{result.folds}-fold cross-validation on {result.n_entries} coded passages (seed {result.seed})",
             f"{'variable':32} {'n':>4} {'pred':>5} {'prec':>6} {'rec':>6} {'F1':>6} {'kappa':>6}  thr"]
    for r in pv.to_dict("records"):
        def fmt(x: Any) -> str:
            return "   n/a" if math.isnan(x) else f"{x:6.3f}"
        thr = "" if math.isnan(r["threshold"]) else f"{r['threshold']:.2f}"
        lines.append(f"{r['variable']:32} {r['support']:>4} {r['predicted']:>5} {fmt(r['precision'])} "
                     f"{fmt(r['recall'])} {fmt(r['f1'])} {fmt(r['kappa'])}  {thr}")
    if len(result.learning_curve):
        lines.append("learning curve (macro F1 / mean kappa by number of coded training passages):")
        for r in result.learning_curve.to_dict("records"):
            lines.append(f"  {int(r['n_train']):>6}  F1 {r['macro_f1']:.3f}  kappa {r['mean_kappa']:.3f}")
    return "\n".join(lines)
