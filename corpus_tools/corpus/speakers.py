"""Who is speaking in an entry: a role from its turn label (访谈者：, Q:) or from documents.csv."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from typing import TYPE_CHECKING

from corpus_tools.corpus.config import ScoringConfig

if TYPE_CHECKING:
    import pandas as pd

    from corpus_tools.corpus.loader import Corpus

INTERVIEWER = "interviewer"
_PAREN_RE = re.compile(r"[（(〔\[【].*?[）)〕\]】]$")
_BRACKETS = "【】[]〔〕<>《》()（）"


def label_key(label: str) -> str:
    """A turn label as compared with configured labels: brackets, a trailing note ("店主（同期声）")
    and case removed, Traditional and Simplified kept as written (both are listed)."""
    s = label.strip()
    if s and s[0] in "【[〔" and s[-1] in "】]〕":
        s = s[1:-1]
    s = _PAREN_RE.sub("", s).strip(_BRACKETS + " \u3000")
    return s.lower()


def entry_roles(corpus: Corpus, config: ScoringConfig | None = None) -> list[str]:
    """Role of every entry, in entry order: `interviewer` when its turn label is an interviewer label in a
    document of a labelled source type; else the documents.csv `role` when the label is the document's
    `speaker` (or the document has no turn labels at all); else ''."""
    cfg = config if config is not None else corpus.config.scoring
    entries = corpus.entries
    speakers = speaker_labels(entries["speaker"].tolist())
    doc_ids = entries["doc_id"].tolist()
    return roles_of(doc_ids, speakers, corpus.docs.set_index("doc_id"), labelled_docs(doc_ids, speakers), cfg)


def speaker_labels(values: Iterable[object]) -> list[str]:
    """Entries' turn labels as compared ('' when none)."""
    return [str(s or "") for s in values]


def labelled_docs(doc_ids: Iterable[str], speakers: Iterable[str]) -> set[str]:
    """The documents with at least one turn label (all their entries must be seen)."""
    return {d for d, s in zip(doc_ids, speakers, strict=True) if s}


def roles_of(doc_ids: Sequence[str], speakers: Sequence[str], docs: pd.DataFrame, labelled: Container[str],
             cfg: ScoringConfig) -> list[str]:
    """`entry_roles` of some entries (their documents' rows in `docs`, indexed by doc_id, and which documents
    have turn labels), so chunks of a corpus can be given roles separately, in workers."""
    labels = {label_key(x) for x in cfg.interviewer_labels}
    source = docs["source_type"].to_dict()
    doc_speaker = {d: label_key(str(s or "")) for d, s in docs["speaker"].items()}
    doc_role = {d: str(r or "").strip() for d, r in docs["role"].items()}
    keys: dict[str, str] = {}  # label_key per distinct label (few, repeated over many entries)
    out: list[str] = []
    for did, spk in zip(doc_ids, speakers, strict=True):
        key = keys.get(spk)
        if key is None:
            key = keys[spk] = label_key(spk)
        if spk and key in labels and source.get(did) in cfg.label_source_types:
            out.append(INTERVIEWER)
        elif (spk and key == doc_speaker.get(did)) or (did not in labelled):
            out.append(doc_role.get(did, ""))
        else:
            out.append("")
    return out
