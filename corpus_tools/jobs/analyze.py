"""`analyze`: read, score, frame, model topics and report — each step cached by the hash of its inputs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tools.agreement.lexicon_validation import (
    SPLIT_FILE,
    LexiconValidation,
    codings_files,
    validate_lexicons,
)
from corpus_tools.corpus.junk import junk_summary
from corpus_tools.corpus.loader import Corpus
from corpus_tools.errors import ConfigError, CorpusError, StoreError, did_you_mean
from corpus_tools.framing import FIG2_LEXICONS, EntryWords, FramingResult, run_framing
from corpus_tools.io.cache import Cache, code_hash, make_key
from corpus_tools.io.manifest import PackedInputs, corpus_inputs, file_sha1, package_versions, write_manifest
from corpus_tools.io.mapped import factorize
from corpus_tools.io.memory import release_memory
from corpus_tools.io.parquet_parts import BATCH_ROWS, iter_frames, parquet_to_table, part_path, read_frame
from corpus_tools.io.tables import CSV_SLICE_ROWS, write_chunks, write_table
from corpus_tools.jobs.draft_codes import run_suggestions, write_suggestion_tables
from corpus_tools.jobs.lexicon_validate import OUTPUTS as VALIDATION_OUTPUTS
from corpus_tools.jobs.reliability import codings_key, reliability_for
from corpus_tools.lexicon.model import Lexicon
from corpus_tools.project import open_corpus, project_lexicons
from corpus_tools.report import ReportInputs, write_report
from corpus_tools.report.explorer import MAX_ROWS as EXPLORER_ROWS
from corpus_tools.scoring.balance import balance_warnings, language_balance, language_of
from corpus_tools.scoring.chunked import (
    CHUNK_ENTRIES,
    ENTRY_SCORES_FILE,
    EVIDENCE_FILE,
    ScoredFiles,
    empty_evidence,
    score_to_parquet,
)
from corpus_tools.scoring.evidence_queries import evidence_overview, term_counts, top_entry_evidence
from corpus_tools.scoring.health import health_from_evidence
from corpus_tools.scoring.parallel import default_workers
from corpus_tools.scoring.score import PERIODS, Scorer, ScoreResult, aggregate, corpus_scorer
from corpus_tools.text.tokenize import Tokenizer
from corpus_tools.topics import DEFAULT_ENGINE, TopicsResult, run_topics
from corpus_tools.topics.sample import SWEEP_SAMPLE
from corpus_tools.topics.sweep import DEFAULT_K_RANGE

if TYPE_CHECKING:

    from corpus_tools.suggest.result import SuggestionsResult

# progress(message, step, total_steps): one call per step start and per sub-step message; a last call
# with step = total_steps + 1 says the run finished
Progress = Callable[[str, int, int], None]
STEPS = ("read corpus", "score", "tokens", "framing", "topics", "suggestions", "tables", "report")

# The modules whose code computes each cached step; the cache key hashes them and everything they import
# (io.cache.source_files), so the key follows the code without hand-kept file lists.
STEP_CODE: dict[str, tuple[str, ...]] = {
    "scores": ("corpus_tools.scoring.score", "corpus_tools.scoring.rows", "corpus_tools.scoring.chunked",
               "corpus_tools.corpus.speakers"),
    "tokens": ("corpus_tools.text.tokenize", "corpus_tools.framing"),
    "framing": ("corpus_tools.framing", "corpus_tools.scoring.score"),
    "topics": ("corpus_tools.topics",),
    "report": ("corpus_tools.report",),
    "reliability": ("corpus_tools.jobs.reliability",),
}


@dataclass
class AnalyzeResult:
    """Where `analyze` wrote its outputs, and what it found."""

    out: Path
    files: dict[str, Path] = field(default_factory=dict)
    n_documents: int = 0
    n_entries: int = 0
    n_skipped: int = 0
    problems: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    suggestions: SuggestionsResult | None = None

    def _repr_html_(self) -> str:
        """Jupyter: what was analysed and where each output is."""
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(str(p))}</td></tr>" for k, p in self.files.items()
                       if not k.startswith("chart_"))
        return (f"<p><b>analysis</b> in {escape(str(self.out))}: {self.n_documents} documents, {self.n_entries} "
                f"entries, {self.n_skipped} row(s) skipped</p><table><tr><th>output</th><th>file</th></tr>{rows}"
                "</table>")


def lexicon_of(lexicons: Sequence[Lexicon]) -> dict[str, str]:
    """Variable and construct id → name of the lexicon that declares it."""
    out: dict[str, str] = {}
    for lx in lexicons:
        for c in lx.constructs:
            out[c.id] = lx.name
            for v in c.variables:
                out[v.id] = lx.name
    return out


def _lexicon_ids(lexicons: Sequence[Lexicon]) -> list[dict[str, object]]:
    """Lexicon identity for cache keys: manifest plus the file's full hash."""
    return [{**lx.manifest(), "file_sha1": file_sha1(lx.path) if lx.path and lx.path.is_file() else ""}
            for lx in lexicons]


def analyze(corpus_path: Corpus | pd.DataFrame | str | Path | None = None, out: str | Path = "analysis",
            lexicons: Sequence[str] | None = None, engine: str = "rjieba", dedupe: bool = False,
            seed: int = 0, progress: Progress | None = None, *, cache_dir: str | Path | None = None,
            use_cache: bool = True, topics: bool = True, topic_engine: str | None = None,
            k_range: Sequence[int] | None = None, n_seeds: int = 3, n_boot: int = 1000, n_perm: int = 9999,
            report: bool = True, suggestions: bool = True, folds: int = 5,
            store: str | Path | None = None, by: Sequence[str] = (), keep_junk: bool = False,
            workers: int | None = None, dask: str | None = None,
            topic_options: dict[str, Any] | None = None, adjust: Sequence[str] | None = None,
            min_docs: int = 5, count_negated: bool | None = None,
            negation_rules: str | Path | None = None, chunk_entries: int = CHUNK_ENTRIES,
            sweep_sample: int | None = SWEEP_SAMPLE, final_fit: str = "sample") -> AnalyzeResult:
    """Run the whole analysis of a corpus (a loaded Corpus, a corpus folder, a table file or a DataFrame of
    texts; the bundled Junpu corpus by default) into `out`:
    tables (CSV), charts (PNG + SVG), draft codes (suggestions.csv, the model in `out/model` and its
    cross-validated quality when the corpus has coded passages), report.html and manifest.json. Tokens,
    scores, framing, topic models, suggestions and charts are cached under `cache_dir` (default
    `out/.cache`) unless `use_cache` is False. Coded passages come from the corpus's codings.csv plus the
    coding store `store` (default `out/coding.sqlite` when it exists; only read). Scoring runs in `workers`
    processes (default: the machine's cores) or on a Dask cluster (`dask`: an address or "local"), with
    results identical to one process. Entry scores and evidence are scored `chunk_entries` entries at a time
    into Parquet files under `out` (scores_entries.parquet, evidence.parquet) and everything after reads them
    from there, so memory is bounded by the chunk and the number of documents, not the number of hits; the
    report embeds a sample of the evidence (the top passages). Topic scopes with more usable entries than
    `sweep_sample` choose K and fit their topics on a stratified sample of that many, and infer every entry's
    topic shares with those topics held fixed (`final_fit` "all": refit the chosen K on every entry).
    `topic_options` go to run_topics (bilingual, dictionary, seeded, free_topics, prevalence_by,
    align_threshold). Stage effects adjust for `adjust` (document columns; default source type and language);
    groups with fewer than `min_docs` documents get no interval or test. `by` names further columns (e.g.
    `outlet` or a table's metadata column) to aggregate scores by, into `by_<column>.csv`. Junk entries
    (corpus.junk) are left out of scores and topics unless `keep_junk`.
    Negated hits and interviewer turns are left out of the scores as corpus.toml's [scoring] says
    (`count_negated` and `negation_rules` override it).

    >>> import corpus_tools as ct, pandas as pd, tempfile
    >>> df = pd.DataFrame({"text": ["村里租金便宜，门槛低，很多年轻人开网店。", "Rents are low and profits high."] * 3,
    ...                    "outlet": ["A", "B", "A", "B", "A", "B"], "date": ["2013", "2014"] * 3,
    ...                    "id": [f"d{i}" for i in range(6)]})
    >>> res = ct.analyze(df, out=tempfile.mkdtemp(), topics=False, suggestions=False, report=False, n_boot=50,
    ...                  n_perm=49, by=["outlet"], workers=1)
    >>> res.n_documents, res.files["by_outlet"].name
    (6, 'by_outlet.csv')
    """
    total = len(STEPS)

    def step(i: int) -> Callable[[str], None]:
        def say(msg: str) -> None:
            if progress is not None:
                progress(msg, i, total)
        release_memory()  # what the last step freed, so that this step's peak does not stack on it
        say(STEPS[i - 1])
        return say

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    # manifest.json is written last and marks a complete run: an older one goes first, so a run that is
    # interrupted leaves a folder without a manifest rather than new tables under an old manifest
    (out_dir / "manifest.json").unlink(missing_ok=True)
    cache = Cache((Path(cache_dir) if cache_dir else out_dir / ".cache") if use_cache else None)
    step(1)("reading the corpus")
    n_workers = default_workers() if workers is None else workers
    corpus = open_corpus(corpus_path, workers=n_workers, spill=out_dir)  # texts memory-mapped (io.mapped)
    corpus.require_documents()
    root = corpus.root
    groupable = [*PERIODS, "outlet", *corpus.meta_columns]
    for col in by:  # a typo stops before the slow part
        if col not in groupable:
            raise ConfigError(f"cannot aggregate by {col!r}{did_you_mean(col, groupable)}",
                              hint=f"choose from {', '.join(groupable)}")
    result = AnalyzeResult(out_dir, n_documents=len(corpus.docs), n_entries=len(corpus.entries),
                           n_skipped=corpus.n_errors)
    result.problems = [str(p) for p in corpus.problem_list if p.level != "note"]
    if not isinstance(corpus_path, Corpus):  # loaded here: its Problem objects (one per note) are not held further
        corpus = dataclasses.replace(corpus, problem_list=[])
    lex = project_lexicons(corpus, lexicons or ())
    tokenizer = Tokenizer(engine)
    scorer = corpus_scorer(corpus, lex, tokenizer, count_negated=count_negated, negation=negation_rules)
    inputs = PackedInputs(corpus_inputs(root, list(corpus.docs["path"])))  # held packed until the manifest
    corpus = dataclasses.replace(corpus, keep_junk=keep_junk)  # the caller's Corpus stays as it was
    junk = junk_summary(corpus.entries) if not keep_junk else {}
    if junk:
        result.problems.insert(0, f"NOTE    {sum(junk.values())} junk entries left out of scores and topics ("
                                  + ", ".join(f"{n} {r}" for r, n in junk.items())
                                  + "); the `junk` column of entries.csv names them (--keep-junk counts them)")
    base = {"inputs": inputs.digest, "lexicons": _lexicon_ids(lex), "tokenizer": tokenizer.manifest(),
            "corpus_code": code_hash("corpus_tools.corpus.loader"), "keep_junk": keep_junk,
            "user_words": tokenizer.user_words, "software": package_versions()}
    files = result.files
    files["problems"] = write_table(corpus.problems, out_dir / "problems.csv")
    files["documents"] = write_table(corpus.docs.drop(columns=["text"]), out_dir / "documents.csv")
    files["entries"] = _entries_table(corpus, out_dir / "entries.csv")

    step(2)("scoring documents and entries")
    score_code = code_hash(*STEP_CODE["scores"])
    score_settings = {"negation": scorer.manifest()["negation"], "count_negated": scorer.count_negated,
                      "scoring": dataclasses.asdict(corpus.config.scoring)}
    scored = _scores(corpus, scorer, dedupe, cache, make_key(**base, dedupe=dedupe, code=score_code, **score_settings),
                     out_dir, workers=n_workers, dask=dask, chunk_entries=chunk_entries, say=step(2))
    doc_scores = scored.documents
    step(3)("tokenizing entries for words and topics")
    # a list that only the framing step empties (list.pop): the words go as soon as distinctive words are counted
    tokens = [_tokens(corpus, tokenizer, cache, make_key(**base, code=code_hash(*STEP_CODE["tokens"])), out_dir)]
    say = step(4)
    # framing uses the tokens (distinctive words), so the tokenizer's code is part of its key
    framing = _framing(corpus, doc_scores, tokens.pop, cache, say,
                       make_key(**base, dedupe=dedupe, seed=seed, n_boot=n_boot, n_perm=n_perm,
                                stages=[s.__dict__ for s in corpus.config.stages], adjust=adjust, min_docs=min_docs,
                                code=code_hash(*STEP_CODE["framing"]), **score_settings),
                       seed=seed, n_boot=n_boot, n_perm=n_perm, dedupe=dedupe, adjust=adjust, min_docs=min_docs,
                       lexicon_of=lexicon_of(lex), entry_scores=lambda: _fig2_entries(scored, lexicon_of(lex)))
    tokens.clear()  # only framing needs the words (a cache hit leaves them here): not held through the rest
    result.problems.extend(f"WARNING stage effects: {n}" for n in framing.notes if n.startswith("adjustment column"))
    topic_res = None
    ks: list[int] | None = None
    if topics:
        ks, topic_engine = topic_settings(k_range, topic_engine)
        say = step(5)
        # topic_variables matches lexicon terms against the topics' words: the lexicon code is in the key.
        # The topics tokenize the entries themselves: coherence (c_npmi's window) needs each entry's words in
        # order, and the tokens step keeps only counts (framing.EntryWords)
        topt = {k: (str(v) if isinstance(v, Path) else v) for k, v in (topic_options or {}).items()}
        codings = sorted(root.glob("codings*.csv"))  # hand codes for the seeded topics' check
        topic_res = _topics(corpus, tokenizer, lex, cache, say,
                            make_key(**base, seed=seed, k_range=ks, n_seeds=n_seeds, engine=topic_engine,
                                     sweep_sample=sweep_sample, final_fit=final_fit,
                                     stages=[s.__dict__ for s in corpus.config.stages], options=topt,
                                     codings=[file_sha1(f) for f in codings],
                                     code=code_hash(*STEP_CODE["topics"])),
                            seed=seed, k_range=ks, n_seeds=n_seeds, engine=topic_engine, workers=n_workers,
                            sweep_sample=sweep_sample, final_fit=final_fit, scratch=out_dir, **topt)
    sug_res = None
    store_path: Path | None = Path(store) if store is not None else out_dir / "coding.sqlite"
    if store is None and store_path is not None and not store_path.is_file():
        store_path = None  # the default store is used when it exists
    elif store is not None and suggestions and not Path(store).is_file():
        raise StoreError(f"coding store {store} does not exist")
    if suggestions:
        say = step(6)
        sug_res = run_suggestions(corpus, lex, out_dir, cache, base, seed=seed, engine=engine, folds=folds,
                                  store_path=store_path, say=say, workers=n_workers, dask=dask)
        result.problems.extend(sug_res.problems)
        result.suggestions = sug_res
    say = step(7)
    say("reliability of the coded sample")

    rel = reliability_for(corpus, lex, store_path, cache,
                          make_key(**base, seed=seed, n_boot=n_boot,
                                   codings=codings_key(corpus),
                                   store=file_sha1(store_path) if store_path else "",
                                   code=code_hash(*STEP_CODE["reliability"])),
                          n_boot=n_boot, seed=seed)
    if rel is not None:
        files["reliability"] = write_table(rel.table, out_dir / "reliability.csv")
        files["adjudication_agreement"] = write_table(rel.adjudication, out_dir / "adjudication_agreement.csv")
        if rel.cooccurrence is not None:
            files["code_cooccurrence"] = write_table(rel.cooccurrence, out_dir / "code_cooccurrence.csv")
    say("writing tables")
    files["scores_documents"] = write_table(doc_scores.scores, out_dir / "scores_documents.csv")
    say("writing tables: entry scores and evidence (CSV copies of the Parquet files)")
    files["scores_entries"] = parquet_to_table(scored.entry_scores, out_dir / "scores_entries.csv")
    files["evidence"] = parquet_to_table(scored.evidence, out_dir / "evidence.csv")
    files["scores_entries_parquet"], files["evidence_parquet"] = scored.entry_scores, scored.evidence
    for key in ("source_type", "stage", "year"):
        files[f"by_{key}"] = write_table(aggregate(doc_scores, key, corpus.docs), out_dir / f"by_{key}.csv")
    files["by_stage_source"] = write_table(aggregate(doc_scores, ["stage", "source_type"], corpus.docs),
                                           out_dir / "by_stage_source.csv")
    for col in by:
        if f"by_{col}" not in files:
            files[f"by_{col}"] = write_table(aggregate(doc_scores, col, corpus.docs), out_dir / f"by_{col}.csv")
    say("writing tables: lexicon health")
    health = health_from_evidence(lex, scored.evidence)  # every hit is in the evidence: no second matching
    files["lexicon_health"] = write_table(health, out_dir / "lexicon_health.csv")
    say("writing tables: language balance and lexicon validation")
    doc_lang = {str(d): language_of(g) for d, g in zip(corpus.docs["doc_id"], corpus.docs["lang"], strict=True)}
    balance = language_balance(doc_scores, corpus, seed=seed, n_boot=n_boot,
                               terms=term_counts(scored.evidence, doc_lang))
    del doc_lang  # a str key and value per document: not held through the report
    files["language_balance"] = write_table(balance, out_dir / "language_balance.csv")
    result.problems.extend(balance_warnings(balance))
    validation = _validation(corpus, lex, scorer, n_boot, seed)
    if validation is not None and not report:  # with a report, the report writes these tables itself
        for key, name in VALIDATION_OUTPUTS.items():
            files[name.removesuffix(".csv")] = write_table(getattr(validation, key), out_dir / name)
    say("writing tables: framing, topics and draft codes")
    for name, frame in framing.to_tables().items():
        files[name] = write_table(frame, out_dir / f"{name}.csv")
    if topic_res is not None:
        for name, frame in topic_res.to_tables().items():
            files[name] = write_table(frame, out_dir / f"{name}.csv")
    if sug_res is not None:
        files.update(write_suggestion_tables(sug_res, out_dir))
    manifest = {
        "command": "analyze",
        "corpus": {"name": corpus.config.name, "root": str(root), "inputs": inputs.unpack(),
                   "documents": len(corpus.docs), "entries": len(corpus.entries), "skipped_rows": corpus.n_errors,
                   "junk_entries": junk},
        "config": {"engine": engine, "dedupe": dedupe, "lexicons": [x.name for x in lex],
                   "stages": [s.__dict__ for s in corpus.config.stages], "bootstrap": n_boot, "permutations": n_perm,
                   "by": list(by),
                   "adjust": list(adjust) if adjust is not None else None, "min_docs": min_docs,
                   "topics": {"enabled": topics, "engine": topic_res.engine if topic_res else topic_engine,
                              "k_range": ks, "n_seeds": n_seeds, "options": topic_options or {},
                              "k_by_scope": topic_res.k_by_scope if topic_res else {},
                              "sweep_sample": sweep_sample, "final_fit": final_fit,
                              "sweep_samples": topic_res.sweep_samples if topic_res else {}},
                   "suggestions": {"enabled": suggestions, "folds": folds,
                                   "store": str(store_path) if store_path else None}},
        "seed": seed,
        "scoring": {**scorer.manifest(), "workers": n_workers, "dask": dask, "counts": doc_scores.summary,
                    "chunk_entries": chunk_entries, "chunks": scored.chunks,
                    "exclude_roles": list(corpus.config.scoring.exclude_roles),
                    "language_balance_warnings": balance_warnings(balance)},
    }
    if sug_res is not None:
        manifest["suggestions"] = sug_res.manifest(out_dir)
    if report:
        say = step(8)
        manifest["cache"] = cache.summary()  # as of the start of the report step
        say("report: evidence sample")
        # the report shows the top passages: it gets the evidence rows of those entries, the rest stays on disk
        sample = dataclasses.replace(doc_scores, scores=doc_scores.scores.iloc[:0], level="entry",
                                     evidence=top_entry_evidence(scored.evidence))
        overview = evidence_overview(scored.evidence, EXPLORER_ROWS)  # the explorer's sample and counts
        release_memory()  # the two passes over evidence.parquet leave their batches with the allocators
        rep = write_report(ReportInputs(corpus, lex, doc_scores, sample, framing, topic_res, health, manifest,
                                        result.problems[:20], sug_res, validation=validation, reliability=rel,
                                        balance=balance, evidence_overview=overview),
                           out_dir, cache=cache, progress=say, code_version=code_hash(*STEP_CODE["report"]))
        files.update(rep.tables)
        for chart in rep.charts:
            files[f"chart_{chart.name}"] = chart.png
        files["report"] = rep.html
    manifest["cache"] = cache.summary()
    manifest["outputs"] = {k: str(p.relative_to(out_dir)) for k, p in files.items()}
    files["manifest"] = write_manifest(out_dir / "manifest.json", manifest)
    result.cache = cache.summary()
    if progress is not None:
        progress("done", total + 1, total)  # step total + 1: finished
    return result


def topic_settings(k_range: Sequence[int] | None, engine: str | None) -> tuple[list[int], str]:
    """The K values (sorted, unique; the default range when none) and the engine (the default when None)
    that run_topics will use, so equivalent settings share one cache entry and the manifest says what ran."""
    return sorted({int(k) for k in (k_range or DEFAULT_K_RANGE)}), engine or DEFAULT_ENGINE


def _scores(corpus: Corpus, scorer: Scorer, dedupe: bool, cache: Cache, key: str, out_dir: Path, workers: int = 1,
            dask: str | None = None, chunk_entries: int = CHUNK_ENTRIES,
            say: Callable[[str], None] | None = None) -> ScoredFiles:
    """Document scores (in memory) and entry scores and evidence (Parquet files in `out_dir`), scored chunk by
    chunk, or copied from the cache when inputs are unchanged."""
    names = (ENTRY_SCORES_FILE, EVIDENCE_FILE)
    hit = cache.load_frames("scores", key)
    if hit is not None:
        tmp = {n: part_path(out_dir / n) for n in names}
        if cache.restore_files("score_files", key, tmp):
            for n in names:
                tmp[n].replace(out_dir / n)
            frames, data = hit
            docs = ScoreResult(frames["doc_scores"], empty_evidence(), "document", list(data["variable_ids"]),
                               list(data["construct_ids"]), dict(data["construct_lexicon"]), dict(data["summary"]))
            return ScoredFiles(docs, out_dir / ENTRY_SCORES_FILE, out_dir / EVIDENCE_FILE, int(data["chunks"]))
    res = score_to_parquet(corpus, scorer, out_dir, dedupe, chunk_entries=chunk_entries, progress=say,
                           workers=workers, dask=dask)  # whole chunks in the workers, written here as they come
    docs = res.documents
    cache.save_frames("scores", key, {"doc_scores": docs.scores},
                      {"variable_ids": docs.variable_ids, "construct_ids": docs.construct_ids,
                       "construct_lexicon": docs.construct_lexicon, "summary": docs.summary, "chunks": res.chunks})
    cache.store_files("score_files", key, {ENTRY_SCORES_FILE: res.entry_scores, EVIDENCE_FILE: res.evidence})
    return res


def _entries_table(corpus: Corpus, path: Path, rows: int | None = None) -> Path:
    """entries.csv: the entries with their documents' metadata (Corpus.entries_with_meta), merged and written a
    slice of entries at a time, so no merged copy of every entry's text is held; the same file as at once."""
    rows = max(1, int(rows or CSV_SLICE_ROWS))
    ent = corpus.entries
    if len(ent) <= rows or not ent["doc_id"].isin(corpus.docs["doc_id"]).all():  # unmatched: whole-frame dtypes
        return write_table(corpus.entries_with_meta(), path)
    return write_chunks(corpus.entries_with_meta_chunks(rows=rows), path)


def _validation(corpus: Corpus, lexicons: Sequence[Lexicon], scorer: Scorer, n_boot: int,
                seed: int) -> LexiconValidation | None:
    """Lexicon hits against the corpus's hand codes (None when it has no coded entries for these lexicons).
    With a development/test split table in the corpus, only the held-out test half is shown."""
    if not any(codings_files(corpus, lx) for lx in lexicons):
        return None
    split = "test" if (corpus.root / SPLIT_FILE).is_file() else "all"
    try:
        return validate_lexicons(corpus, lexicons, scorer, split=split, n_boot=n_boot, random_state=seed)
    except CorpusError:  # codings files whose rows all failed to resolve: reported by `lexicon validate`
        return None


def _tokens(corpus: Corpus, tokenizer: Tokenizer, cache: Cache, key: str, scratch: Path) -> EntryWords:
    """Content-word counts per entry (a sparse matrix, not a list of words per entry), from the cache when inputs
    are unchanged; the matrix's cells stay in memory-mapped files in `scratch` (resident only while read)."""
    hit = cache.load_frames("tokens", key)
    if hit is not None:
        return EntryWords.from_frames(hit[0])
    tokens = EntryWords.of_corpus(corpus, tokenizer, scratch=scratch)
    cache.save_frames("tokens", key, tokens.cache_frames())
    return tokens


def _fig2_entries(scored: ScoredFiles, lexicon_of: dict[str, str],
                  batch_rows: int = BATCH_ROWS) -> ScoreResult:
    """What Fig. 2 (framing.cooccurrence) needs of the entry scores: the document (a Categorical of the sorted
    ids: an int32 code per entry, not a string) and, per item of its two lexicons, whether the entry has a hit
    (bool), read batch by batch into one array (a few bytes per entry, not a count column per variable). The
    documents are coded a batch at a time against the scored documents' sorted ids (the codes and categories of
    factorizing the whole column, without reading it whole: ~100 bytes an entry at its peak)."""
    items = [i for i in (*scored.documents.variable_ids, *scored.documents.construct_ids)
             if lexicon_of.get(i) in FIG2_LEXICONS]
    coded = _entry_doc_codes(scored, items, batch_rows)
    if coded is None:  # an entry's document is not among the scored documents: factorize the whole column
        codes, doc_ids = factorize(read_frame(scored.entry_scores, ["doc_id"])["doc_id"], sort=True)
        presence = np.zeros((len(codes), len(items)), dtype=bool)
        at = 0
        for b in iter_frames(scored.entry_scores, items, batch_rows) if items else ():
            presence[at:at + len(b)] = b.to_numpy() > 0
            at += len(b)
        codes = codes.astype(np.int32)
    else:
        codes, doc_ids, presence = coded
    frame = pd.DataFrame(presence, columns=items, copy=False)
    frame.insert(0, "doc_id", pd.Categorical.from_codes(codes, categories=doc_ids))
    d = scored.documents
    return ScoreResult(frame, empty_evidence(), "entry", d.variable_ids, d.construct_ids, dict(d.construct_lexicon),
                       dict(d.summary))


def _entry_doc_codes(scored: ScoredFiles, items: list[str],
                     batch_rows: int) -> tuple[np.ndarray, pd.Index, np.ndarray] | None:
    """(int32 code of each entry's document in the sorted ids of the documents its entries name, those ids, the
    items' presence) read in one pass of batches; None when an entry names no scored document (or none)."""
    import pyarrow.parquet as pq

    n = pq.ParquetFile(str(scored.entry_scores)).metadata.num_rows
    known = pd.Index(sorted({str(x) for x in scored.documents.scores["doc_id"]}), dtype="str")
    codes = np.empty(n, dtype=np.int32)
    presence = np.zeros((n, len(items)), dtype=bool)
    at = 0
    for b in iter_frames(scored.entry_scores, ["doc_id", *items], batch_rows):
        c = known.get_indexer(b["doc_id"])
        if len(c) and int(c.min()) < 0:
            return None
        codes[at:at + len(b)] = c
        if items:
            presence[at:at + len(b)] = b[items].to_numpy() > 0
        at += len(b)
    if at != n:
        return None
    used = np.zeros(len(known), dtype=bool)
    used[codes] = True
    rank = (np.cumsum(used) - 1).astype(np.int32)  # codes among the ids the entries name, in the same order
    return rank[codes], known[used], presence


_FRAMING_DATA = ("notes", "adjusted_for")  # FramingResult fields that are lists, not frames


def _framing(corpus: Corpus, doc_scores: ScoreResult, tokens: EntryWords | Callable[[], EntryWords], cache: Cache,
             say: Callable[[str], None], key: str, **kwargs: Any) -> FramingResult:
    """The framing tables, from the cache when inputs are unchanged. `tokens` and `entry_scores` (in kwargs) may be
    callables: run_framing takes the words only for distinctive words and reads the entry scores only for Fig. 2."""
    hit = cache.load_frames("framing", key)
    if hit is not None:
        frames, data = hit
        return FramingResult(**frames, **data)
    res = run_framing(corpus, doc_scores, tokens=tokens, progress=say, **kwargs)
    cache.save_frames("framing", key, {f.name: getattr(res, f.name) for f in dataclasses.fields(res)
                                       if getattr(res, f.name) is not None and f.name not in _FRAMING_DATA},
                      {f: getattr(res, f) for f in _FRAMING_DATA})
    return res


def _topics(corpus: Corpus, tokenizer: Tokenizer, lexicons: Sequence[Lexicon], cache: Cache,
            say: Callable[[str], None], key: str, **kwargs: Any) -> TopicsResult:
    """Topic models (per stage + joint), from the cache when inputs and settings are unchanged."""
    hit = cache.load_frames("topics", key)
    if hit is not None:
        frames, data = hit
        return TopicsResult(**frames, **data)
    res = run_topics(corpus, tokenizer, lexicons, progress=say, **kwargs)
    frames = {f.name: getattr(res, f.name) for f in dataclasses.fields(res)
              if isinstance(getattr(res, f.name), pd.DataFrame)}
    data = {f.name: getattr(res, f.name) for f in dataclasses.fields(res) if f.name not in frames}
    cache.save_frames("topics", key, frames, data)
    return res
