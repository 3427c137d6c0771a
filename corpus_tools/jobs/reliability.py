"""Reliability for the `analyze` report: agreement between the coders of codings.csv and the coding store,
and of every further codebook's codings file (`codings_<lexicon>.csv`), with Krippendorff's alpha,
q(alpha < .667/.800) and rare-code warnings; before vs after adjudication; the code co-occurrence matrix."""

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
from corpus_tools.exchange.state import gather_codings, known_codes
from corpus_tools.io.manifest import file_sha1
from corpus_tools.jobs.exchange import used_lexicons
from corpus_tools.store.codings import read_codings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.io.cache import Cache
    from corpus_tools.lexicon.model import Lexicon

EXTRA_CODINGS = "codings_*.csv"  # a further codebook's codes (their `none` means "no code of that codebook")


@dataclass
class Reliability:
    """The agreement table (schema.AGREEMENT), before/after adjudication, notes and the co-occurrence matrix."""

    table: pd.DataFrame
    adjudication: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    cooccurrence: pd.DataFrame | None = None  # schema.CODE_COOCCURRENCE


def codings_files(corpus: Corpus) -> list[Path]:
    """The further codings files of the corpus folder, sorted (their SHA-1s belong in the cache key)."""
    return sorted(corpus.root.glob(EXTRA_CODINGS))


def codings_key(corpus: Corpus) -> dict[str, str]:
    """File name → SHA-1 of codings.csv and every further codings file (for the cache key)."""
    files = [corpus.root / "codings.csv", *codings_files(corpus)]
    return {f.name: file_sha1(f) for f in files if f.is_file()}


def reliability_for(corpus: Corpus, lexicons: Sequence[Lexicon], store: Path | None, cache: Cache, key: str, *,
                    n_boot: int = 1000, seed: int = 0) -> Reliability | None:
    """None when nothing was coded; an empty table (with a note) when no two coders coded the same passages."""
    gathered = gather_codings(corpus, lexicons, store=store, exclude_training=True)
    state = gathered.state
    extra = {p.name: read_codings(corpus, known_codes(lexicons), p.name) for p in codings_files(corpus)}
    if state.empty and not any(len(r.long) for r in extra.values()):
        return None
    hit = cache.load_frames("reliability", key)
    if hit is not None:
        frames, data = hit
        return Reliability(frames["table"], frames["adjudication"], list(data["notes"]), frames.get("cooccurrence"))
    tables, notes = [], list(gathered.problems)
    lexs = used_lexicons(lexicons, state) if len(state) else list(lexicons)
    codes = [v for lx in lexs for v in lx.variable_ids]
    cooc = code_cooccurrence(state, codes) if len(state) else None
    adj = adjudication_agreement(state, codes, n_boot=n_boot, random_state=seed) if len(state) else _empty_adj()
    sources = [("codings.csv" + (" + store" if store else ""), state, lexs)]
    for name, read in extra.items():
        notes.extend(f"{name}: {p}" for p in read.problems)
        sources.append((name, read.long, used_lexicons(lexicons, read.long)))
    for name, frame, lx in sources:
        if frame.empty:
            continue
        try:
            res = compute_agreement(frame, lx, n_boot=n_boot, random_state=seed)
        except AgreementError as exc:
            notes.append(f"{name}: {exc}")
            continue
        t = res.table.copy()
        if len(sources) > 1:  # say which codings file each comparison comes from
            t["comparison"] = [f"{c} ({name})" for c in t["comparison"]]
        tables.append(t)
        notes.extend(f"{name}: {n}" for n in res.notes)
    table = pd.concat(tables, ignore_index=True) if tables else _empty()
    out = Reliability(table, adj, notes, cooc)
    frames = {"table": table, "adjudication": adj, **({"cooccurrence": cooc} if cooc is not None else {})}
    cache.save_frames("reliability", key, frames, {"notes": notes})
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(schema.AGREEMENT))


def _empty_adj() -> pd.DataFrame:
    return pd.DataFrame(columns=list(schema.ADJUDICATION_AGREEMENT))
