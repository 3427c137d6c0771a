"""Apply a suggester to passages: one row per id with a probability column per variable, codes and WHY."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corpus_tools import schema
from corpus_tools.io.tables import TableWriter, iter_table
from corpus_tools.suggest.explain import explain
from corpus_tools.suggest.model import SuggestionModel

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.suggest.explain import Suggester


def columns(suggester: Suggester, lead: Sequence[str] = ("id",)) -> list[str]:
    """Output columns: lead ids, one probability column per code (named exactly the code), then WHY."""
    return [*lead, *suggester.codes_, *schema.SUGGESTION_WHY]


def in_training(suggester: Suggester, ids: Sequence[str], texts: Sequence[str]) -> list[int]:
    """1 where the model was trained on the passage (same id, or the exact text of a training passage), else 0:
    such suggestions are in-sample and must not count as an independent check of the model."""
    if not isinstance(suggester, SuggestionModel):
        return [0] * len(ids)
    known_ids, known_texts = suggester.training_sets()
    return [int(str(i) in known_ids or str(t) in known_texts) for i, t in zip(ids, texts, strict=True)]


def evaluation_label(suggester: Suggester) -> str:
    """`grouped CV macro F1 0.52 [0.48, 0.55], n=682` from the evaluation the model rests on, or ""."""
    ev = getattr(suggester, "evaluation_", None) or {}
    macro = ev.get("macro") or {}
    if macro.get("f1") is None:
        return ""
    ci = f" [{macro['f1_low']:.2f}, {macro['f1_high']:.2f}]" if macro.get("f1_low") is not None else ""
    how = "grouped CV" if ev.get("grouping") == "document" else "CV"
    note = str(ev.get("scope_note") or "")
    where = " (test half)" if "test half" in note else (" (subset)" if note else "")
    return f"{how} macro F1 {macro['f1']:.2f}{ci}, n={ev.get('n_entries', '?')}{where}"


def suggest_texts(suggester: Suggester, ids: Sequence[str], texts: Sequence[str], *, why: bool = True,
                  top_features: int = 3, exclude_self: bool = True,
                  local_ids: frozenset[str] | set[str] | None = None) -> pd.DataFrame:
    """Suggestions for (id, text) pairs; with `why`, matched terms, strongest features and nearest passage
    (from `local_ids` or the coding store first, see `explain`)."""
    docs = suggester.analyzer_.analyze_many(texts)
    X = suggester.matrix(docs) if isinstance(suggester, SuggestionModel) else None
    proba = suggester.proba_matrix(X) if isinstance(suggester, SuggestionModel) and X is not None \
        else suggester.proba_docs(docs)
    if isinstance(suggester, SuggestionModel):
        hit, unsure = suggester.suggested_matrix(proba), suggester.unsure_matrix(proba)
    else:
        hit, unsure = proba >= suggester.thresholds_, np.zeros(proba.shape, dtype=bool)
    codes = [";".join(c for c, h in zip(suggester.codes_, row, strict=True) if h) for row in hit]
    constructs = [";".join(dict.fromkeys(suggester.constructs_[c] for c, h in zip(suggester.codes_, row, strict=True)
                                         if h)) for row in hit]
    frame = pd.DataFrame(np.round(proba, 4), columns=list(suggester.codes_))
    frame.insert(0, "id", list(ids))
    frame["codes"] = codes
    frame["constructs"] = constructs
    frame["source"] = suggester.source
    frame["model_version"] = suggester.version
    frame["in_training"] = in_training(suggester, ids, texts)
    if why:
        exps = explain(suggester, docs, proba, X, top_features, ids=list(ids) if exclude_self else None,
                       local_ids=local_ids)
        frame["why_terms"] = [e.terms_text() for e in exps]
        frame["why_features"] = [e.features_text() for e in exps]
        frame["similar_id"] = [e.similar_id for e in exps]
        frame["similar_codes"] = [";".join(e.similar_codes) for e in exps]
        frame["similar_score"] = [e.similar_score for e in exps]
        frame["similar_origin"] = [e.similar_origin for e in exps]
    else:
        for col in ("why_terms", "why_features", "similar_id", "similar_codes", "similar_origin"):
            frame[col] = ""
        frame["similar_score"] = 0.0
    frame["unsure"] = [";".join(c for c, u in zip(suggester.codes_, row, strict=True) if u) for row in unsure]
    frame["evaluation"] = evaluation_label(suggester)
    return frame[columns(suggester)]


def suggest_corpus(suggester: Suggester, corpus: Corpus, *, why: bool = True, top_features: int = 3) -> pd.DataFrame:
    """Suggestions for every entry of a corpus (id = entry_id, plus doc_id)."""
    e = corpus.entries
    frame = suggest_texts(suggester, list(e["entry_id"]), list(e["text"]), why=why, top_features=top_features,
                          local_ids=frozenset(map(str, e["entry_id"])))
    frame.insert(1, "doc_id", list(e["doc_id"]))
    return frame


def suggest_table_file(suggester: Suggester, path: Path, output: Path, text_col: str = "text", id_col: str = "id",
                       *, why: bool = True, top_features: int = 3, chunksize: int = 2000,
                       fmt: str | None = None) -> int:
    """Stream a CSV/JSONL/XLSX table through the suggester into `output` (`-`: standard output; format from
    the suffix or `fmt`), chunk by chunk; returns rows."""
    writer = TableWriter(output, fmt=fmt)
    n = 0
    for chunk in iter_table(path, text_col, id_col, chunksize):
        frame = suggest_texts(suggester, list(chunk["id"]), list(chunk["text"]), why=why, top_features=top_features)
        writer.write(frame)
        n += len(frame)
    if n == 0:
        writer.write(pd.DataFrame(columns=columns(suggester)))  # the header of an empty result
    writer.close()
    return n
