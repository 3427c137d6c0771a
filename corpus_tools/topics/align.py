"""Align the topics of consecutive stages: topic-word similarity, one-to-one assignment, threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy as np

SIMILARITY_THRESHOLD = 0.25  # cosine of topic-word vectors; below it a matched pair is not the same theme
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
    """Rows of schema.TOPIC_ALIGNMENT for two stages; topics are numbered from 1 as in the topics table."""
    from scipy.optimize import linear_sum_assignment

    rows: list[dict[str, Any]] = []
    k_a, k_b = sim.shape
    r_idx, c_idx = linear_sum_assignment(-sim) if k_a and k_b else ([], [])
    matched_a, matched_b = set(), set()
    for i, j in sorted(zip(r_idx, c_idx, strict=True)):
        s = float(sim[i, j])
        if s >= threshold:
            matched_a.add(int(i))
            matched_b.add(int(j))
            rows.append({"from_stage": from_stage, "from_topic": int(i) + 1, "to_stage": to_stage,
                         "to_topic": int(j) + 1, "similarity": s, "status": "persisted"})
    for i in range(k_a):
        if i not in matched_a:
            best = float(sim[i].max()) if k_b else 0.0
            rows.append({"from_stage": from_stage, "from_topic": i + 1, "to_stage": to_stage,
                         "to_topic": NO_TOPIC, "similarity": best, "status": "faded"})
    for j in range(k_b):
        if j not in matched_b:
            best = float(sim[:, j].max()) if k_a else 0.0
            rows.append({"from_stage": from_stage, "from_topic": NO_TOPIC, "to_stage": to_stage,
                         "to_topic": j + 1, "similarity": best, "status": "emerged"})
    return rows
