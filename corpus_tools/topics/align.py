"""Align the topics of consecutive stages: cosine similarity of topic-word vectors, every pair above a
stated threshold is a match (many-to-one and one-to-many allowed), "emerged" only when nothing earlier is
similar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

SIMILARITY_THRESHOLD = 0.4  # cosine of topic-word vectors: at or above it two topics share a theme
NO_TOPIC = -1  # from_topic of an emerged row, to_topic of a faded row


def topic_similarity(tw_a: np.ndarray, vocab_a: Sequence[str], tw_b: np.ndarray,
                     vocab_b: Sequence[str]) -> np.ndarray:
    """Cosine similarity (k_a × k_b) of topic-word distributions over the union of both vocabularies."""
    union = {w: i for i, w in enumerate(dict.fromkeys([*vocab_a, *vocab_b]))}

    def embed(tw: np.ndarray, vocab: Sequence[str]) -> np.ndarray:
        out = np.zeros((tw.shape[0], len(union)))
        out[:, [union[w] for w in vocab]] = tw
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    return embed(tw_a, vocab_a) @ embed(tw_b, vocab_b).T


def align_pair(from_stage: str, to_stage: str, sim: np.ndarray,
               threshold: float = SIMILARITY_THRESHOLD) -> list[dict[str, Any]]:
    """Rows of schema.TOPIC_ALIGNMENT for two stages (topics numbered from 1 as in the topics table).

    Every pair at or above `threshold` is a match, so one earlier topic may continue in several later ones
    (split) and several earlier topics may feed one later topic (merged); a later topic is "emerged" only
    when no earlier topic reaches the threshold, an earlier one "faded" only when no later one does."""
    rows: list[dict[str, Any]] = []
    k_a, k_b = sim.shape
    hit = np.asarray(sim) >= threshold if k_a and k_b else np.zeros((k_a, k_b), dtype=bool)
    out_deg = hit.sum(axis=1)
    in_deg = hit.sum(axis=0)
    for i in range(k_a):
        for j in range(k_b):
            if not hit[i, j]:
                continue
            split, merged = out_deg[i] > 1, in_deg[j] > 1
            status = "split+merged" if split and merged else "split" if split else "merged" if merged \
                else "persisted"
            rows.append({"from_stage": from_stage, "from_topic": i + 1, "to_stage": to_stage, "to_topic": j + 1,
                         "similarity": float(sim[i, j]), "status": status, "threshold": threshold})
    for i in range(k_a):
        if not out_deg[i]:
            best = float(sim[i].max()) if k_b else 0.0
            rows.append({"from_stage": from_stage, "from_topic": i + 1, "to_stage": to_stage,
                         "to_topic": NO_TOPIC, "similarity": best, "status": "faded", "threshold": threshold})
    for j in range(k_b):
        if not in_deg[j]:
            best = float(sim[:, j].max()) if k_a else 0.0
            rows.append({"from_stage": from_stage, "from_topic": NO_TOPIC, "to_stage": to_stage,
                         "to_topic": j + 1, "similarity": best, "status": "emerged", "threshold": threshold})
    return rows
