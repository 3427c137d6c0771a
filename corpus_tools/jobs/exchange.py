"""The export and import jobs behind `corpus-tools export ...` and `corpus-tools import ...` (one function each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools import schema
from corpus_tools.errors import ConfigError, ExchangeError
from corpus_tools.exchange.refi_codebook import read_qdc, write_qdc
from corpus_tools.exchange.refi_export import write_qdpx
from corpus_tools.exchange.refi_import import read_qdpx
from corpus_tools.exchange.state import gather_codings
from corpus_tools.exchange.store_io import human_codings, record_in_store, record_spans_and_memos
from corpus_tools.exchange.tables import coding_tables, write_tables
from corpus_tools.io.tables import write_table
from corpus_tools.lexicon.yaml_io import write_codebook
from corpus_tools.project import Project
from corpus_tools.store.integrity import require_sound
from corpus_tools.store.vocabulary import NONE_CODE

if TYPE_CHECKING:

    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.exchange.refi_export import QdpxExport
    from corpus_tools.exchange.refi_import import QdpxImport
    from corpus_tools.exchange.state import GatheredCodings
    from corpus_tools.lexicon.model import Lexicon


@dataclass
class CodedProject:
    """A loaded corpus, the lexicons that apply and its gathered codings (what exports and agreement read)."""

    corpus: Corpus
    lexicons: list[Lexicon]
    codings: GatheredCodings


def used_lexicons(lexicons: Sequence[Lexicon], state: pd.DataFrame) -> list[Lexicon]:
    """The lexicons whose variables occur in the codings (all of them when none occur)."""
    codes = set(state["code"]) if len(state) else set()
    used = [lex for lex in lexicons if codes.intersection(lex.variable_ids)]
    return used or list(lexicons)


def open_project(corpus_path: Path | None, lexicons: Sequence[str] = (), *, store: Path | None = None,
                 suggestions: Path | None = None, model_name: str | None = None,
                 only_used: bool = False, exclude_training: bool = False) -> CodedProject:
    """Load the corpus (default: the bundled one), its lexicons and every coding source named
    (`exclude_training`: leave out suggestions for passages the model was trained on)."""
    project = Project.open(corpus_path, lexicons)
    corpus, lexs = project.corpus, project.lexicons
    sugg = [(suggestions, f"model:{model_name}" if model_name else None)] if suggestions else []
    gathered = gather_codings(corpus, lexs, store=store, suggestions=sugg, exclude_training=exclude_training)
    if only_used and not lexicons:
        lexs = used_lexicons(lexs, gathered.state)
    return CodedProject(corpus, lexs, gathered)


def export_tables(out: Path, project: CodedProject) -> list[Path]:
    """Decisions (when a store was read), codings (long), presence matrix and codebook as CSVs or one XLSX."""
    tables = coding_tables(project.codings.state, project.lexicons, project.corpus, project.codings.decisions,
                           project.codings.spans, project.codings.memos)
    return write_tables(out, tables)


def export_qdc(out: Path, lexicons: Sequence[Lexicon]) -> Path:
    """The lexicons as a REFI-QDA codebook (.qdc)."""
    if out.suffix.lower() != ".qdc":
        raise ExchangeError(f"{out}: a REFI-QDA codebook file must end in .qdc")
    return write_qdc(lexicons, out)


def export_qdpx(out: Path, project: CodedProject, created: dt.datetime | None = None) -> QdpxExport:
    """The corpus, codebook and codings as a REFI-QDA project (.qdpx)."""
    return write_qdpx(out, project.corpus, project.codings.state, project.lexicons, created=created,
                      spans=project.codings.spans, memos=project.codings.memos)


def import_qdc(path: Path, out: Path) -> tuple[Lexicon, list[str]]:
    """A REFI-QDA codebook converted to codebook YAML at `out`."""
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise ExchangeError(f"{out}: the lexicon is written as YAML; use a .yaml name")
    imported = read_qdc(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_codebook(imported.lexicon, out)
    return imported.lexicon, imported.problems


def codings_csv(state: pd.DataFrame, corpus: Corpus) -> pd.DataFrame:
    """Codings in the corpus `codings.csv` layout (schema.CODINGS): one row per entry and coder."""
    spans = corpus.entries.set_index("entry_id")[["start", "end"]]
    rows = []
    for (eid, doc, coder), group in state.groupby(["entry_id", "doc_id", "coder"], sort=True):
        codes = sorted(set(group["code"]) - {NONE_CODE}) or [NONE_CODE]
        start, end = (int(spans.at[eid, "start"]), int(spans.at[eid, "end"])) if eid in spans.index else ("", "")
        modes = sorted(set(group["mode"]))
        rows.append({"entry_id": eid, "doc_id": doc, "start": start, "end": end, "coder": coder,
                     "codes": ";".join(codes), "note": "" if modes == ["imported"] else f"mode: {','.join(modes)}"})
    return pd.DataFrame(rows, columns=list(schema.CODINGS))


@dataclass
class ImportResult:
    """What an import produced: the codings, files written, store events added, problems."""

    imported: QdpxImport
    files: list[Path] = field(default_factory=list)
    n_events: int = 0
    n_spans: int = 0
    n_memos: int = 0


def import_qdpx(path: Path, corpus_path: Path | None, lexicons: Sequence[str] = (), *, out: Path | None = None,
                store: Path | None = None, unmatched: Path | None = None) -> ImportResult:
    """Codings from a .qdpx: written as codings.csv layout (`out`) and/or recorded in the store."""
    if out is None and store is None:
        raise ConfigError("nothing to do: give -o CODINGS.csv and/or --store PATH")
    project = Project.open(corpus_path, lexicons)
    corpus, lexs = project.corpus, project.lexicons
    imported = read_qdpx(path, corpus, lexs)
    result = ImportResult(imported)
    if out is not None:
        result.files.append(write_table(codings_csv(imported.codings, corpus), out))
    if unmatched is not None:
        frame = pd.DataFrame(imported.unmatched, columns=["doc_id", "selection", "start", "end", "reason",
                                                           "overlapping"])
        result.files.append(write_table(frame, unmatched))
    if store is not None and (len(imported.codings) or len(imported.spans) or len(imported.memos)):
        require_sound(store)  # never record into a damaged store (a sound one gets a fresh copy first)
    if store is not None and len(imported.codings):
        _humans, machines = human_codings(imported.codings)
        if machines:
            imported.problems.append(f"codings of machine coder(s) {', '.join(machines)} were not recorded in the "
                                     "store (it holds human decisions only)")
        result.n_events = record_in_store(store, imported.codings, corpus, source="qdpx",
                                          note=f"imported from {path.name}")
    if store is not None and (len(imported.spans) or len(imported.memos)):
        added = record_spans_and_memos(store, imported.spans, imported.memos, corpus,
                                       [v.id for lex in lexs for v in lex.variables])
        result.n_spans, result.n_memos = added.n_spans, added.n_memos
        imported.problems.extend(added.problems)
    return result
