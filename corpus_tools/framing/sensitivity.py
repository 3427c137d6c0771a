"""Sensitivity of the stage effects to how documents are assigned to stages: documents in overlapping years
moved to the other stage they touch, and documents analysed by the period they describe (`period` or
`about_date` in documents.csv) instead of their publication date. Each effect is re-estimated and marked
as keeping (or not) its sign and its significance after the declared correction."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.corpus.config import UNSTAGED, Stage
from corpus_tools.corpus.dates import assign_stage, parse_date

if TYPE_CHECKING:

    from corpus_tools.framing.effects import EffectsResult

OVERLAP = "overlap years in the other stage"
DESCRIBED = "stage of the period described"


def overlap_stages(docs: pd.DataFrame) -> list[str]:
    """Stage per document with overlap documents moved to the first other stage their date touches."""
    out = []
    for stage, other in zip(docs["stage"].astype(str), docs["stage_overlap"].fillna("").astype(str), strict=True):
        out.append(other.split(";")[0] if other else stage)
    return out


def described_stages(docs: pd.DataFrame, stages: Sequence[Stage]) -> list[str]:
    """Stage per document by the period it describes: `period` (a stage id) when given, else the stage of
    `about_date`, else the publication stage. Unknown period ids and unreadable dates keep the publication
    stage (the loader warns about them)."""
    ids = {s.id for s in stages}
    n = len(docs)
    # column by column, not a row Series per document (which read every column of every row, the texts too)
    periods = docs["period"].tolist() if "period" in docs.columns else [""] * n
    abouts = docs["about_date"].tolist() if "about_date" in docs.columns else [""] * n
    out = []
    for raw_stage, raw_period, raw_about in zip(docs["stage"].tolist(), periods, abouts, strict=True):
        period = str(raw_period or "").strip()
        about = str(raw_about or "").strip()
        stage = str(raw_stage)
        if period in ids:
            stage = period
        elif about:
            with contextlib.suppress(ValueError):
                stage, _ = assign_stage(parse_date(about), tuple(stages))
        out.append(stage)
    return out


def sensitivity(main: EffectsResult, docs: pd.DataFrame, stages: Sequence[Stage],
                estimate: Callable[[list[str]], EffectsResult], alpha: float = 0.05) -> tuple[pd.DataFrame, list[str]]:
    """Re-estimate the effects under each alternative stage assignment that moves at least one document."""
    notes: list[str] = []
    current = [str(s) for s in docs["stage"]]
    scenarios = [(OVERLAP, overlap_stages(docs))]
    if "period" in docs.columns or "about_date" in docs.columns:
        scenarios.append((DESCRIBED, described_stages(docs, stages)))
    frames = []
    key = ["lexicon", "level", "variable", "contrast"]
    base = main.frame[[*key, "irr", "p_adj"]].rename(columns={"irr": "irr_main", "p_adj": "p_adj_main"})
    for name, labels in scenarios:
        moved = sum(a != b for a, b in zip(current, labels, strict=True))
        if not moved:
            notes.append(f"sensitivity '{name}': no document changes stage, nothing to re-estimate")
            continue
        unstaged = sum(b == UNSTAGED and a != UNSTAGED for a, b in zip(current, labels, strict=True))
        res = estimate(labels)
        alt = res.frame[[*key, "irr", "irr_lo", "irr_hi", "p_adj", "model"]]
        merged = base.merge(alt, on=key, how="left")
        merged.insert(4, "scenario", name)
        merged.insert(5, "n_moved", moved)
        sig_main = merged["p_adj_main"] < alpha
        sig_here = merged["p_adj"] < alpha
        same = np.sign(np.log(merged["irr_main"].astype(float))) == np.sign(np.log(merged["irr"].astype(float)))
        merged["same_sign"] = same
        merged["significant_main"] = sig_main
        merged["significant_here"] = sig_here
        merged["verdict"] = [_verdict(bool(s), bool(a), bool(b), irr, main_irr) for s, a, b, irr, main_irr in
                             zip(same, sig_main, sig_here, merged["irr"], merged["irr_main"], strict=True)]
        frames.append(merged)
        if unstaged:
            notes.append(f"sensitivity '{name}': {unstaged} document(s) fall in no stage under this assignment")
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame.reindex(columns=list(schema.STAGE_SENSITIVITY)), notes


def _verdict(same_sign: bool, sig_main: bool, sig_here: bool, irr: object, irr_main: object = 1.0) -> str:
    def missing(x: object) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x))

    if missing(irr_main) and missing(irr):
        return "not estimable"
    if missing(irr_main):
        return "estimable only under this assignment"
    if missing(irr):
        return "not estimable under this assignment"
    if not same_sign:
        return "sign flips"
    if sig_main and sig_here:
        return "keeps sign and significance"
    if sig_main:
        return "keeps sign, loses significance"
    if sig_here:
        return "keeps sign, becomes significant"
    return "keeps sign (not significant either way)"
