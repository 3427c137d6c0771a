"""Active learning, measured: replay the coding of an already coded sample in the order the review queue
would choose (most uncertain first; uncertain and diverse) and in random order, retraining after every batch,
and record held-out macro F1 against the number of passages coded.

The simulation answers "how many passages must we code before the suggestions are worth trusting, and does
the queue's order get us there sooner than coding at random?" (Settles 2012, "Active Learning", ch. 2-3;
uncertainty sampling: Lewis & Gale 1994; diversity by farthest-first selection among uncertain candidates:
Brinker 2003). The held-out passages are a grouped fold (whole documents with their reprints) that the
simulated coder never sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corpus_tools.errors import ModelError
from corpus_tools.suggest.evaluation import _counts, _f1_kappa, _interval, bootstrap, splits
from corpus_tools.suggest.features import Analyzed, TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel, _row_normalize
from corpus_tools.suggest.training import TrainingData, require

STRATEGIES = ("uncertainty", "diversity", "random")
# one row per (strategy, fold, round): macro F1 of the model trained on the first n_coded passages, on held-out
# grouped folds; f1_low/f1_high: 95% bootstrap interval over the held-out groups
AL_COLUMNS = ("strategy", "fold", "n_coded", "macro_f1", "f1_low", "f1_high")


@dataclass
class ActiveLearningResult:
    """Learning curves per strategy and the settings that produced them."""

    curves: pd.DataFrame  # AL_COLUMNS
    seed_size: int
    batch: int
    folds: int
    random_state: int
    n_entries: int
    params: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Mean macro F1 per strategy and number of coded passages (over the simulated folds)."""
        c = self.curves
        return (c.groupby(["strategy", "n_coded"], sort=False)
                .agg(macro_f1=("macro_f1", "mean"), f1_low=("f1_low", "mean"), f1_high=("f1_high", "mean"),
                     folds=("fold", "nunique")).reset_index())

    def passages_to_reach(self, share: float = 0.9) -> dict[str, int | None]:
        """Per strategy, the fewest coded passages whose mean F1 reaches `share` of the best F1 any strategy
        reaches in the simulation (None when it never does)."""
        s = self.summary()
        target = share * float(s["macro_f1"].max()) if len(s) else float("nan")
        out: dict[str, int | None] = {}
        for strategy, g in s.groupby("strategy", sort=False):
            hit = g[g["macro_f1"] >= target]
            out[str(strategy)] = int(hit["n_coded"].min()) if len(hit) else None
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (active_learning.json, read by the dashboard)."""
        s = self.summary()
        return {"kind": (f"simulated coding of {self.n_entries} coded passages: {self.seed_size} random passages "
                         f"first, then batches of {self.batch} chosen by each strategy, retrained after every batch; "
                         f"macro F1 on held-out grouped folds (documents with their reprints), mean of "
                         f"{self.folds} fold(s); intervals: bootstrap over held-out groups"),
                "seed_size": self.seed_size, "batch": self.batch, "folds": self.folds, "seed": self.random_state,
                "n_entries": self.n_entries, "params": self.params,
                "passages_to_reach_90pct": self.passages_to_reach(0.9),
                "curves": s.astype(object).where(s.notna(), None).to_dict("records")}


def _macro_f1(Y: np.ndarray, pred: np.ndarray, mask: np.ndarray, groups: Sequence[str], n_boot: int,
              random_state: int) -> tuple[float, float, float]:


    names, gidx = np.unique(np.asarray(groups, dtype=object), return_inverse=True)
    counts = _counts(Y, pred, mask, gidx, len(names))
    f1, _ = _f1_kappa(counts.sum(axis=0))
    present = (Y.astype(bool) & mask).any(axis=0)
    value = float(np.nan_to_num(f1[present]).mean()) if present.any() else float("nan")
    _f, _k, bm, _bk = bootstrap(counts, present, n_boot, random_state)
    lo, hi = _interval(bm)
    return value, lo, hi


def _pick(strategy: str, model: SuggestionModel, pool: np.ndarray, docs: Sequence[Analyzed], batch: int,
          rng: np.random.Generator) -> np.ndarray:
    """Indices (into `pool`) of the next batch to code."""
    if strategy == "random" or len(pool) <= batch:
        return rng.permutation(len(pool))[:batch]
    X = model.matrix([docs[i] for i in pool])
    P = model.proba_matrix(X)
    margin = np.abs(P - model.thresholds_).min(axis=1)  # the review queue's "uncertain" order
    order = np.argsort(margin, kind="stable")
    if strategy == "uncertainty":
        return order[:batch]
    cand = order[:min(len(order), 3 * batch)]  # diversity: farthest-first among the most uncertain
    Xn = _row_normalize(X[cand])
    chosen = [0]
    best = np.asarray((Xn @ Xn[0].T).todense()).ravel()
    while len(chosen) < min(batch, len(cand)):
        k = int(np.argmin(best + np.where(np.isin(np.arange(len(cand)), chosen), np.inf, 0.0)))
        chosen.append(k)
        best = np.maximum(best, np.asarray((Xn @ Xn[k].T).todense()).ravel())
    return cand[np.array(chosen)]


def simulate(data: TrainingData, analyzer: TextAnalyzer, *, strategies: Sequence[str] = STRATEGIES,
             seed_size: int = 30, batch: int = 40, max_coded: int | None = None, folds: int = 4,
             n_folds_run: int = 1, random_state: int = 0, params: dict[str, Any] | None = None,
             docs: Sequence[Analyzed] | None = None, n_boot: int = 200) -> ActiveLearningResult:
    """Replay coding in each strategy's order on `n_folds_run` grouped held-out folds (of `folds`)."""
    require(data)
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad:
        raise ModelError(f"unknown active-learning strategy {bad[0]!r}", hint=f"one of {', '.join(STRATEGIES)}")
    if seed_size < 4 or batch < 1:
        raise ModelError("the simulation needs a seed of at least 4 passages and batches of at least 1")
    params = {"random_state": random_state, **(params or {})}
    docs = list(docs) if docs is not None else analyzer.analyze_many(data.texts)
    mask = data.scope()
    groups = data.groups or [str(i) for i in range(len(data))]
    rows = []
    for f, (train, test) in enumerate(splits(data, folds, random_state, "document")[:n_folds_run]):
        rng0 = np.random.default_rng(random_state + f)
        seed = rng0.permutation(train)[:seed_size]
        limit = min(len(train), max_coded or len(train))
        for strategy in strategies:
            rng = np.random.default_rng(random_state + 1000 + f)
            labelled = list(seed)
            pool = np.array([i for i in train if i not in set(seed)])
            while True:
                lab = np.array(labelled)
                model = SuggestionModel(analyzer.lexicons, **params)
                trained = bool(data.Y[lab].any())
                if trained:
                    model.fit([data.texts[i] for i in lab], data.Y[lab], data.codes, [data.ids[i] for i in lab],
                              analyzer=analyzer, docs=[docs[i] for i in lab], mask=mask[lab],
                              groups=[groups[i] for i in lab])
                    P = model.proba_docs([docs[i] for i in test])
                    pred = model.suggested_matrix(P).astype(int)
                else:  # nothing positive coded yet: nothing is suggested
                    pred = np.zeros((len(test), len(data.codes)), dtype=int)
                f1, lo, hi = _macro_f1(data.Y[test], pred, mask[test], [groups[i] for i in test], n_boot,
                                       random_state)
                rows.append({"strategy": strategy, "fold": f, "n_coded": len(labelled), "macro_f1": f1,
                             "f1_low": lo, "f1_high": hi})
                if len(labelled) >= limit or not len(pool):
                    break
                take = min(batch, limit - len(labelled))
                picked = _pick(strategy if trained else "random", model, pool, docs, take, rng)
                labelled.extend(int(i) for i in pool[picked])
                pool = np.delete(pool, picked)
    curves = pd.DataFrame(rows, columns=list(AL_COLUMNS))
    return ActiveLearningResult(curves, seed_size, batch, n_folds_run, random_state, len(data), params)
