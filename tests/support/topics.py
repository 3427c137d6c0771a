"""Themed synthetic corpora for the topic-model and expansion tests (seeded, English, fast to tokenize)."""

from __future__ import annotations

import random
from typing import Any

THEMES = {
    "logistics": "courier parcel delivery warehouse truck logistics express shipping depot dispatch freight "
                 "packing tracking loading pickup",
    "family": "family parents children cousins neighbours relatives grandmother brother sister uncle "
              "household kinship wedding festival",
    "government": "government officials policy training loans subsidy office bureau permit registration "
                  "programme scheme inspection committee",
    "brands": "brand company trademark design quality factory patent label marketing fashion catalogue "
              "showroom boutique collection",
}
STAGE_THEMES = {"budding": ("logistics", "family"), "growth": ("logistics", "government"),
                "mature": ("government", "brands")}
YEARS = {"budding": "2010", "growth": "2013", "mature": "2016"}


def paragraph(rng: random.Random, theme: str, n: int = 12) -> str:
    """One paragraph: n words of the theme, in a seeded random order, as a sentence."""
    words = THEMES[theme].split()
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def themed_docs(per_stage: dict[str, int] | None = None, paragraphs: int = 8, seed: int = 1,
                undated: int = 0) -> list[dict[str, Any]]:
    """Documents for make_corpus: `per_stage` documents per stage, each `paragraphs` paragraphs long."""
    rng = random.Random(seed)
    per_stage = per_stage if per_stage is not None else {"budding": 6, "growth": 6, "mature": 6}
    docs = []
    for stage, n_docs in per_stage.items():
        for d in range(n_docs):
            paras = [paragraph(rng, rng.choice(STAGE_THEMES[stage])) for _ in range(paragraphs)]
            docs.append({"doc_id": f"{stage[0].upper()}{d:02d}", "text": "\n\n".join(paras),
                         "date": f"{YEARS[stage]}-0{1 + d % 9}-15", "lang": "en"})
    for d in range(undated):
        paras = [paragraph(rng, rng.choice(list(THEMES))) for _ in range(paragraphs)]
        docs.append({"doc_id": f"U{d:02d}", "text": "\n\n".join(paras), "lang": "en"})
    return docs
