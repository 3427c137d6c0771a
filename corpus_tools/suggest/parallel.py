"""Suggest codes for every entry of a corpus in worker processes or as Dask tasks, with the same table as one
process: entries travel in chunks in corpus order; each worker rebuilds the suggester once from a small spec
(the lexicons and engine for lexicon suggestions, or the folder of a saved model, which Dask workers must see
at the same path) and suggests for its chunk."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corpus_tools.lexicon.model import Lexicon, lexicon_to_dict
from corpus_tools.scoring.parallel import run_tasks
from corpus_tools.suggest.apply import columns, suggest_texts
from corpus_tools.suggest.coldstart import LexiconSuggester
from corpus_tools.suggest.features import TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.persistence import MODEL_JSON, load_model

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.suggest.explain import Suggester

CHUNK_ENTRIES = 2_000  # entries per task


@dataclass(frozen=True)
class SuggesterSpec:
    """How a worker rebuilds the suggester: a saved model's folder, or lexicons + engine (lexicon suggestions)."""

    lexicons: tuple[Lexicon, ...] = ()
    engine: str = "rjieba"
    model_dir: str | None = None
    model_sha256: str = ""  # of the saved model.json (which holds the hashes of the other files)

    @classmethod
    def saved(cls, model_dir: Path) -> SuggesterSpec:
        """The spec of the model saved in `model_dir`."""
        sha = hashlib.sha256((model_dir / MODEL_JSON).read_bytes()).hexdigest()
        return cls(model_dir=str(model_dir.resolve()), model_sha256=sha)

    @property
    def key(self) -> str:
        """A stable id (workers keep one suggester per key; a retrained model in the same folder is a new key)."""
        blob = json.dumps([[lexicon_to_dict(lx) for lx in self.lexicons], self.engine, self.model_dir,
                           self.model_sha256], sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def build(self) -> Suggester:
        """The suggester this spec names (a saved model is loaded and checked against its hashes)."""
        if self.model_dir is not None:
            return load_model(Path(self.model_dir))
        lexicons = list(self.lexicons)
        return LexiconSuggester(lexicons, self.engine).fit(TextAnalyzer(lexicons, self.engine))


_WORKER_SUGGESTERS: dict[str, Suggester] = {}  # per worker process: built on the first task of a spec


def _suggester(spec: SuggesterSpec) -> Suggester:
    key = spec.key
    sug = _WORKER_SUGGESTERS.get(key)
    if sug is None:
        sug = _WORKER_SUGGESTERS[key] = spec.build()
    return sug


def suggest_chunk(spec: SuggesterSpec, part: tuple[list[str], list[str], frozenset[str]]) -> pd.DataFrame:
    """Suggestions for one chunk of (ids, texts); `part[2]` are the corpus's ids among the model's training
    passages (all `explain` needs of the corpus's ids): the task every worker runs."""
    ids, texts, local = part
    return suggest_texts(_suggester(spec), ids, texts, local_ids=local)


def suggest_corpus_parallel(spec: SuggesterSpec, corpus: Corpus, workers: int = 1, dask: str | None = None,
                            chunk_entries: int = CHUNK_ENTRIES, suggester: Suggester | None = None) -> pd.DataFrame:
    """suggest_corpus for the suggester `spec` builds, run in chunks of `chunk_entries` entries on `workers`
    processes or on Dask (`suggester`: the one already built in this process, used when it runs here)."""
    e = corpus.entries
    ids = [str(i) for i in e["entry_id"]]
    texts = list(e["text"])
    sug = suggester if suggester is not None else spec.build()
    # explain() asks only whether the model's training passages are among the corpus's ids
    local = frozenset(ids) & frozenset(map(str, sug.exemplar_ids_)) if isinstance(sug, SuggestionModel) \
        else frozenset()
    step = max(1, chunk_entries)
    parts = [(ids[a:a + step], texts[a:a + step], local) for a in range(0, len(ids), step)]
    if workers == 1 and dask is None:
        frames = [suggest_texts(sug, p[0], p[1], local_ids=local) for p in parts]
    else:
        frames = run_tasks(suggest_chunk, spec, parts, workers, dask)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns(sug))
    frame.insert(1, "doc_id", list(e["doc_id"]))
    return frame
