"""Suggest codes for every entry of a corpus in worker processes or as Dask tasks, with the same table as one
process: entries travel in chunks in corpus order; each worker rebuilds the suggester once from a small spec
(the lexicons and engine for lexicon suggestions, or the folder of a saved model, which Dask workers must see
at the same path) and suggests for its chunk."""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corpus_tools.io.mapped import release_pages
from corpus_tools.io.parquet_parts import ParquetParts
from corpus_tools.lexicon.model import Lexicon, lexicon_to_dict
from corpus_tools.scoring.parallel import _call, _install, check_workers, dask_session
from corpus_tools.suggest.apply import columns, suggest_texts
from corpus_tools.suggest.coldstart import LexiconSuggester
from corpus_tools.suggest.features import TextAnalyzer
from corpus_tools.suggest.model import SuggestionModel
from corpus_tools.suggest.persistence import MODEL_JSON, load_model

if TYPE_CHECKING:
    from corpus_tools.corpus.loader import Corpus
    from corpus_tools.suggest.explain import Suggester

CHUNK_ENTRIES = 2_000  # entries per task
Part = tuple[list[str], list[str], frozenset[str]]  # a chunk's entry ids and texts, the corpus's training ids


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


def suggest_chunk(spec: SuggesterSpec, part: Part) -> pd.DataFrame:
    """Suggestions for one chunk of (ids, texts); `part[2]` are the corpus's ids among the model's training
    passages (all `explain` needs of the corpus's ids): the task every worker runs."""
    ids, texts, local = part
    return suggest_texts(_suggester(spec), ids, texts, local_ids=local)


def _local_ids(sug: Suggester, entry_ids: pd.Series, step: int) -> frozenset[str]:
    """The corpus's ids among the model's training passages (all `explain` asks of the corpus's ids), found a
    slice of ids at a time (no set of every entry id)."""
    if not isinstance(sug, SuggestionModel):
        return frozenset()
    exemplars = frozenset(map(str, sug.exemplar_ids_))
    found: set[str] = set()
    for a in range(0, len(entry_ids), step):
        found |= exemplars.intersection(map(str, entry_ids.iloc[a:a + step]))
    return frozenset(found)


def _ordered(submit: Callable[[Part], Any], parts: Iterator[Part], ahead: int) -> Iterator[pd.DataFrame]:
    """The results of `submit(part)` (futures) in part order, with at most `ahead` parts out at once: the
    texts of only those chunks are held, however long the corpus."""
    out: deque[Any] = deque()
    for part in parts:
        out.append(submit(part))
        if len(out) >= ahead:
            yield out.popleft().result()
    while out:
        yield out.popleft().result()


def iter_suggestions(spec: SuggesterSpec, corpus: Corpus, workers: int = 1, dask: str | None = None,
                     chunk_entries: int = CHUNK_ENTRIES, suggester: Suggester | None = None) -> Iterator[pd.DataFrame]:
    """The suggestion table of every entry (id, doc_id, a probability column per code, the why), `chunk_entries`
    entries at a time in corpus order: run here, on `workers` processes or on Dask (`suggester`: the one
    already built in this process, used when it runs here). Texts are read a slice at a time and at most two
    chunks per worker are out, so memory is bounded by the chunk, not the corpus."""
    check_workers(workers)
    e = corpus.entries
    sug = suggester if suggester is not None else spec.build()
    step = max(1, int(chunk_entries))
    local = _local_ids(sug, e["entry_id"], step)
    bounds = [(a, min(len(e), a + step)) for a in range(0, len(e), step)]

    def parts() -> Iterator[Part]:
        for a, b in bounds:
            yield [str(i) for i in e["entry_id"].iloc[a:b]], e["text"].iloc[a:b].tolist(), local
            release_pages()  # the slice's texts, when mapped (io.mapped), need not stay resident

    def with_doc(frame: pd.DataFrame, a: int, b: int) -> pd.DataFrame:
        frame.insert(1, "doc_id", e["doc_id"].iloc[a:b].tolist())
        return frame

    if (workers == 1 or len(bounds) < 2) and dask is None:
        results: Iterator[pd.DataFrame] = (suggest_texts(sug, p[0], p[1], local_ids=local) for p in parts())
        for (a, b), frame in zip(bounds, results, strict=True):
            yield with_doc(frame, a, b)
        return
    ahead = 2 * max(1, workers)
    if dask is not None:
        with dask_session(dask, workers) as client:
            shared = client.scatter(spec, broadcast=True)
            results = _ordered(lambda p: client.submit(suggest_chunk, shared, p, pure=False), parts(), ahead)
            for (a, b), frame in zip(bounds, results, strict=True):
                yield with_doc(frame, a, b)
        return
    # `spec` goes to each worker once (pool initializer), not once per task
    with ProcessPoolExecutor(max_workers=min(workers, len(bounds)), initializer=_install,
                             initargs=(spec,)) as pool:
        results = _ordered(lambda p: pool.submit(_call, suggest_chunk, p), parts(), ahead)
        for (a, b), frame in zip(bounds, results, strict=True):
            yield with_doc(frame, a, b)


def suggest_corpus_parallel(spec: SuggesterSpec, corpus: Corpus, workers: int = 1, dask: str | None = None,
                            chunk_entries: int = CHUNK_ENTRIES, suggester: Suggester | None = None) -> pd.DataFrame:
    """suggest_corpus for the suggester `spec` builds, run in chunks of `chunk_entries` entries on `workers`
    processes or on Dask, as one frame (iter_suggestions and suggest_to_parquet give it chunk by chunk)."""
    frames = list(iter_suggestions(spec, corpus, workers, dask, chunk_entries, suggester))
    if frames:
        return pd.concat(frames, ignore_index=True)
    sug = suggester if suggester is not None else spec.build()
    frame = pd.DataFrame(columns=columns(sug))
    frame.insert(1, "doc_id", [])
    return frame


@dataclass
class SuggestionsFile:
    """What suggest_to_parquet wrote: the file, its rows and how many of them have at least one code."""

    path: Path
    n_entries: int
    n_with_codes: int
    chunks: int


def suggest_to_parquet(spec: SuggesterSpec, corpus: Corpus, path: Path, workers: int = 1, dask: str | None = None,
                       chunk_entries: int = CHUNK_ENTRIES, suggester: Suggester | None = None) -> SuggestionsFile:
    """The suggestion table of every entry written to the Parquet file `path` as the chunks come back (the
    file appears only when complete): the same rows as suggest_corpus_parallel, none of them held."""
    import pyarrow as pa

    sug = suggester if suggester is not None else spec.build()
    types = {c: pa.float64() for c in sug.codes_} | {"in_training": pa.int64(), "similar_score": pa.float64()}
    n_with = 0
    with ParquetParts(path, types) as out:
        for frame in iter_suggestions(spec, corpus, workers, dask, chunk_entries, sug):
            n_with += int((frame["codes"] != "").sum())
            out.write(frame)
        chunks = out.chunks
        empty = pd.DataFrame(columns=columns(sug))
        empty.insert(1, "doc_id", [])
        out.close(empty=empty)
    return SuggestionsFile(Path(path), out.rows, n_with, chunks)
