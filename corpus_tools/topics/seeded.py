"""Keyword-assisted topics from the codebook: one seeded topic per variable (or construct) plus free topics.

After keyATM (Eshima, Imai & Sasaki 2023, "Keyword-assisted topic models", AJPS): each codebook item's
terms in both languages (lexicons/*.yaml `terms: {zh, en}`) get a raised prior in their own topic, so the
topic starts from the researcher's concept and the data decide how far it holds; free topics catch what the
codebook does not name. The table says for every seeded topic whether it holds up: coherent (c_npmi ≥ 0),
stable across seeds (top-word Jaccard ≥ 0.5), still led by its seed words (≥ 2 of the top 10), and, where
entries were hand-coded, more prevalent in entries coded with its item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools.errors import ConfigError
from corpus_tools.topics.effects import match_topics
from corpus_tools.topics.names import SEED_LEVELS
from corpus_tools.topics.quality import coherence_per_topic, topic_exclusivity
from corpus_tools.topics.shares import Shares, as_shares

if TYPE_CHECKING:

    from corpus_tools.lexicon.model import Lexicon
    from corpus_tools.topics.describe import TermIndex

HOLDS_COHERENCE = 0.0
HOLDS_STABILITY = 0.5
HOLDS_SEED_WORDS = 2  # of the top 10


@dataclass
class SeedSet:
    """One seeded topic: the codebook item (variable or construct id) and its terms found in the vocabulary."""

    kind: str
    item: str
    words: list[str]


def seed_sets(lexicons: Sequence[Lexicon], index: TermIndex, vocabulary: Sequence[str],
              level: str = "variable") -> tuple[list[SeedSet], list[str]]:
    """Seed word lists per codebook item (only items with terms in the vocabulary), and notes on the rest."""
    if level not in SEED_LEVELS:
        raise ConfigError(f"unknown seeding level {level!r}", hint=f"choose one of {', '.join(SEED_LEVELS)}")
    if level == "off":
        return [], []
    notes: list[str] = []
    by_item: dict[str, list[str]] = {}
    empty: list[str] = []
    for _lex, construct, vid in index.variables:
        words = index.matched(vid, vocabulary) if index.patterns.get(vid) else []
        if not index.patterns.get(vid):
            empty.append(vid)
        item = vid if level == "variable" else construct
        by_item.setdefault(item, [])
        by_item[item] += [w for w in words if w not in by_item[item]]
    if empty:
        notes.append(f"seeded topics: variable{'s' if len(empty) > 1 else ''} {', '.join(empty)} "
                     f"{'have' if len(empty) > 1 else 'has'} no terms in the codebook: no seeded topic for "
                     f"{'them' if len(empty) > 1 else 'it'}")
    missing = [i for i, ws in by_item.items() if not ws and i not in empty]
    if missing:
        notes.append(f"seeded topics: no term of {', '.join(missing)} occurs in the modelled text (after pruning): "
                     f"no seeded topic for {'them' if len(missing) > 1 else 'it'}")
    sets = [SeedSet(level, item, ws) for item, ws in by_item.items() if ws]
    return sets, notes


def seeded_rows(sets: Sequence[SeedSet], models: Sequence[Any], docs: Sequence[Sequence[str]],
                entry_ids: Sequence[str] | pd.Series, hand_codes: pd.DataFrame | None, n_top: int = 10, *,
                theta: Any = None, rows: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Rows of schema.TOPIC_SEEDED for the reported model (models[0]); other seeds' models give stability.
    `docs`: the reference corpus for coherence; `theta`: the topic shares of the entries `entry_ids` (weight and
    hand-code lift; an array or topics.shares.Shares; default: the model's own, when it was fitted on exactly
    those entries), or of the entries at `rows` of `entry_ids` when given (e.g. corpus.entries["entry_id"])."""
    ref = models[0]
    theta = as_shares(ref.doc_topic_ if theta is None else theta)
    units_top, units_docs = ref.quality_view(docs, n_top)
    coh = coherence_per_topic(units_top, units_docs)
    excl = topic_exclusivity(ref.topic_word_, n_top)
    tops = ref.top_words(n_top)
    weights = theta.mean()
    n_seeded = len(sets)
    stab = np.full(ref.n_topics, np.nan)
    if len(models) > 1:
        scores = np.zeros((len(models) - 1, ref.n_topics))
        for r, other in enumerate(models[1:]):
            tw = on_vocab(other, ref.vocabulary_)
            order = np.arange(ref.n_topics)
            free = np.arange(n_seeded, ref.n_topics)
            if len(free):  # free topics have no anchor: match them to the reference's free topics
                order[n_seeded:] = free[match_topics(ref.topic_word_[free], tw[free])]
            other_tops = other.top_words(n_top)
            for t in range(ref.n_topics):
                a, b = set(tops[t]), set(other_tops[order[t]])
                scores[r, t] = len(a & b) / len(a | b) if a | b else 0.0
        stab = scores.mean(axis=0)
    lift = _hand_code_lift(sets, theta, entry_ids, hand_codes, rows)
    out = []
    for t in range(ref.n_topics):
        seeded = t < n_seeded
        seed_words = set(sets[t].words) if seeded else set()
        share = len([w for w in tops[t] if w in seed_words]) / max(1, len(tops[t])) if seeded else float("nan")
        holds = (bool(coh[t] >= HOLDS_COHERENCE and (np.isnan(stab[t]) or stab[t] >= HOLDS_STABILITY)
                      and share * n_top >= HOLDS_SEED_WORDS and (np.isnan(lift[t]) or lift[t] > 1))
                 if seeded else None)
        out.append({"topic": t + 1, "kind": sets[t].kind if seeded else "free",
                    "item": sets[t].item if seeded else "",
                    "seed_words_used": " ".join(sets[t].words) if seeded else "",
                    "top_words": " ".join(tops[t]), "seed_share": share, "coherence": coh[t],
                    "exclusivity": excl[t], "stability": float(stab[t]), "weight": float(weights[t]),
                    "hand_code_lift": lift[t] if seeded else float("nan"), "holds_up": holds})
    return out


def on_vocab(model: Any, vocabulary: Sequence[str]) -> np.ndarray:
    """A model's topic-word matrix re-indexed onto another vocabulary (missing words get 0)."""
    pos = {w: j for j, w in enumerate(model.vocabulary_)}
    out = np.zeros((model.topic_word_.shape[0], len(vocabulary)))
    for i, w in enumerate(vocabulary):
        j = pos.get(w)
        if j is not None:
            out[:, i] = model.topic_word_[:, j]
    return out


def _hand_code_lift(sets: Sequence[SeedSet], theta: Shares, entry_ids: Sequence[str] | pd.Series,
                    hand_codes: pd.DataFrame | None, rows: np.ndarray | None = None) -> list[float]:
    """Per seeded topic: mean topic share in entries hand-coded with its item / mean share elsewhere (one topic's
    shares of every entry read at a time)."""
    out = [float("nan")] * theta.k
    if hand_codes is None or hand_codes.empty:
        return out
    ids = entry_ids if isinstance(entry_ids, pd.Series) else pd.Series(list(entry_ids), dtype=object)
    if not pd.api.types.is_string_dtype(ids.dtype) or ids.dtype == object:
        ids = ids.astype(str)  # entries are matched by their id as text, as the codings files write it
    for t, s in enumerate(sets):
        codes = hand_codes["code"].astype(str)
        hit = hand_codes.loc[(codes == s.item) | codes.str.endswith("." + s.item)
                             | codes.str.startswith(s.item + "."), "entry_id"]
        mask = ids.isin({str(e) for e in hit}).to_numpy(dtype=bool)
        mask = mask[rows] if rows is not None else mask
        n_hit = int(mask.sum())
        if not n_hit or n_hit == len(mask):
            continue
        col = theta.column(t)
        rest = float(col[~mask].mean())
        out[t] = float(col[mask].mean()) / rest if rest > 0 else float("nan")
    return out


def read_hand_codes(path: Any) -> pd.DataFrame | None:
    """(entry_id, code) pairs from a codings file (`codes` separated by ';'), or from every codings*.csv of a
    corpus folder (one per codebook, e.g. codings_government_support.csv); None when there is none."""
    p = Path(path)
    files = sorted(p.glob("codings*.csv")) if p.is_dir() else [p] if p.is_file() else []
    pairs: list[tuple[str, str]] = []
    for f in files:
        try:
            raw = pd.read_csv(f, dtype=str).fillna("")
        except (OSError, ValueError):
            continue
        if not {"entry_id", "codes"} <= set(raw.columns):
            continue
        pairs += [(e, c.strip()) for e, cs in zip(raw["entry_id"], raw["codes"], strict=True)
                  for c in cs.split(";") if c.strip() and c.strip() != "none"]
    return pd.DataFrame(pairs, columns=["entry_id", "code"]).drop_duplicates() if pairs else None
