"""Document-by-item hit counts from a ScoreResult, plus the seeded bootstrap both shares and tests use."""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from corpus_tools.io.mapped import factorize

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.scoring.score import ScoreResult


@dataclass
class DocMatrix:
    """Per document: hit counts of every variable and construct, token count and total hits."""

    doc_ids: list[str]
    items: list[tuple[str, str, str]]  # (level, construct, item id)
    counts: np.ndarray  # n_docs x n_items
    n_tokens: np.ndarray  # n_docs
    total: np.ndarray  # n_docs (hits of all variables = hits of all constructs)
    item_lexicon: list[str] = field(default_factory=list)  # the lexicon of every item ('' when unknown)
    item_total: np.ndarray | None = None  # n_docs x n_items: hits of the item's own lexicon in the document

    def columns(self, level: str, lexicon: str | None = None) -> list[int]:
        """Indices of the items of one level (variable or construct), of one lexicon when given."""
        return [i for i, (lv, _, _) in enumerate(self.items)
                if lv == level and (lexicon is None or self.lexicon_of(i) == lexicon)]

    def lexicon_of(self, i: int) -> str:
        """The lexicon item i belongs to ('' when the scores did not say)."""
        return self.item_lexicon[i] if self.item_lexicon else ""

    @property
    def lexicons(self) -> list[str]:
        """The lexicons of the items, in item order."""
        return list(dict.fromkeys(self.lexicon_of(i) for i in range(len(self.items))))

    def own_totals(self) -> np.ndarray:
        """n_docs x n_items: per document, the hits of each item's own lexicon. Shares are taken of these,
        not of all hits: two lexicons may claim one span, so their hits are not exclusive categories."""
        if self.item_total is not None:
            return self.item_total
        return np.repeat(self.total[:, None], len(self.items), axis=1)


def construct_of(variable_id: str) -> str:
    """The construct part of a variable id (`opportunity.feasibility` → `opportunity`)."""
    return variable_id.split(".", 1)[0]


def doc_matrix(result: ScoreResult, docs: pd.DataFrame) -> DocMatrix:
    """Sum entry-level scores to documents (document-level scores pass through), in `docs` order."""
    cols = [*result.variable_ids, *result.construct_ids]
    scores = result.scores
    doc_ids = [str(d) for d in docs["doc_id"]]
    if not len(scores):
        n, m = len(doc_ids), len(cols)
        return DocMatrix(doc_ids, _items(result), np.zeros((n, m)), np.zeros(n), np.zeros(n))
    if _one_row_per_document(scores["doc_id"], docs["doc_id"]):  # document scores in `docs` order: the sums
        frame = scores[[*cols, "total", "n_tokens"]].fillna(0)  # of one row each, without grouping string ids
    else:
        frame = scores.groupby("doc_id")[[*cols, "total", "n_tokens"]].sum().reindex(doc_ids).fillna(0)
    items = _items(result)
    counts = frame[cols].to_numpy(dtype=float)
    lex_of = result.construct_lexicon
    item_lex = [lex_of.get(c, "") for _, c, _ in items]
    own = {lx: counts[:, [j for j, (lv, c, _) in enumerate(items) if lv == "construct" and lex_of.get(c, "") == lx]]
           .sum(axis=1) for lx in dict.fromkeys(item_lex)}
    item_total = np.column_stack([own[lx] for lx in item_lex]) if items else np.zeros((len(doc_ids), 0))
    return DocMatrix(doc_ids, items, counts, frame["n_tokens"].to_numpy(dtype=float),
                     frame["total"].to_numpy(dtype=float), item_lex, item_total)


def _one_row_per_document(score_ids: pd.Series, doc_ids: pd.Series) -> bool:
    """Whether the score rows are the documents, one each, in the same order (document-level scores)."""
    if len(score_ids) != len(doc_ids) or doc_ids.isna().any():
        return False
    ids = doc_ids.astype(str).reset_index(drop=True)
    if len(factorize(ids)[1]) != len(ids):  # Arrow's dictionary encoding: no Python string per id
        return False
    return bool((score_ids.astype(str).reset_index(drop=True) == ids).all())


def _items(result: ScoreResult) -> list[tuple[str, str, str]]:
    return ([("variable", construct_of(v), v) for v in result.variable_ids]
            + [("construct", c, c) for c in result.construct_ids])


def rng_for(seed: int, *labels: str) -> np.random.Generator:
    """A generator seeded by the run seed and the group's labels: groups do not share random streams."""
    return np.random.default_rng([seed, *(zlib.crc32(lab.encode("utf-8")) for lab in labels)])


BLOCK_CELLS = 1_000_000  # cells of one block of resampling weights or permuted labels (8 MB of float64)


def block_size(width: int, cap: int, cells: float | None = None) -> int:
    """Replicates per block so that a block of `width` cells each stays within `cells` (at most `cap`, at least
    1): memory bounded however many documents; the draws are the same in any blocks (drawn one after another)."""
    return max(1, min(int(cap), int((BLOCK_CELLS if cells is None else cells) // max(1, width))))


def bootstrap_sums(values: np.ndarray | Sequence[np.ndarray], n_boot: int, rng: np.random.Generator,
                   chunk: int = 200) -> np.ndarray:
    """Column sums of `values` (n x k, or a sequence of n x k_i blocks taken as their columns side by side: no
    stacked copy) over `n_boot` resamples of its rows with replacement (n_boot x k). Exact for whole numbers
    (counts, tokens): the same sums however the columns are split."""
    parts = [np.asarray(v).reshape(len(v), -1) for v in values] if isinstance(values, (list, tuple)) \
        else [np.asarray(values)]
    n = len(parts[0])
    k = sum(p.shape[1] for p in parts)
    out = np.empty((n_boot, k))
    if n == 0:
        out[:] = np.nan
        return out
    pvals = np.full(n, 1.0 / n)
    chunk = block_size(n, chunk)
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        weights = rng.multinomial(n, pvals, size=b).astype(float)
        col = 0
        for p in parts:
            out[start:start + b, col:col + p.shape[1]] = weights @ p
            col += p.shape[1]
        del weights
    return out


def ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """scale * num / den with NaN where den is 0 (no tokens or no hits: the rate is undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, scale * num / np.where(den > 0, den, 1), np.nan)


def interval(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column of bootstrap replicates, ignoring undefined (NaN) replicates."""
    alpha = (1 - ci) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(reps, alpha, axis=0)
        hi = np.nanquantile(reps, 1 - alpha, axis=0)
    return lo, hi
