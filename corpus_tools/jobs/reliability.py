"""Reliability for the `analyze` report: agreement between the coders of codings.csv and the coding store
(Krippendorff's alpha with q(alpha < .667/.800), rare-code warnings) and before vs after adjudication."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.agreement import compute_agreement
from corpus_tools.agreement.adjudication import adjudication_agreement
from corpus_tools.agreement.cooccurrence import code_cooccurrence
from corpus_tools.errors import AgreementError
from corpus_tools.exchange.state import gather_codings
from corpus_tools.jobs.exchange import used_lexicons

if TYPE_CHECKING:
    from collections.abc import Sequence

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.io.cache import Cache
    from corpus_tools.lexicon.model import Lexicon


@dataclass
class Reliability:
    """The agreement table (schema.AGREEMENT), before/after adjudication and notes."""

    table: pd.DataFrame
    adjudication: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    cooccurrence: pd.DataFrame | None = None  # schema.CODE_COOCCURRENCE


def reliability_for(corpus: Corpus, lexicons: Sequence[Lexicon], store: Path | None, cache: Cache, key: str, *,
                    n_boot: int = 1000, seed: int = 0) -> Reliability | None:
    """None when fewer than two human coders coded the same passages (nothing to compare)."""

    gathered = gather_codings(corpus, lexicons, store=store, exclude_training=True)
    state = gathered.state
    if state.empty:
        return None
    hit = cache.load_frames("reliability", key)
    if hit is not None:
        frames, data = hit
        return Reliability(frames["table"], frames["adjudication"], list(data["notes"]), frames.get("cooccurrence"))
    lexs = used_lexicons(lexicons, state)
    codes = [v for lx in lexs for v in lx.variable_ids]
    cooc = code_cooccurrence(state, codes)
    try:
        res = compute_agreement(state, lexs, n_boot=n_boot, random_state=seed)
    except AgreementError as exc:
        return Reliability(_empty(), _empty_adj(), [str(exc)], cooc)
    adj = adjudication_agreement(state, codes, n_boot=n_boot, random_state=seed)
    out = Reliability(res.table, adj, [*gathered.problems, *res.notes], cooc)
    cache.save_frames("reliability", key, {"table": out.table, "adjudication": out.adjudication,
                                           "cooccurrence": cooc}, {"notes": out.notes})
    return out


def _empty() -> pd.DataFrame:

    return pd.DataFrame(columns=list(schema.AGREEMENT))


def _empty_adj() -> pd.DataFrame:

    return pd.DataFrame(columns=list(schema.ADJUDICATION_AGREEMENT))
